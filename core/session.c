/* session — event set-up, the collector beside the analysis, the finish. */
#include "session_impl.h"
#include "dbgfetch.h"
#include "collector.h"

#include "grow.h"
#include "perf_records.h"
#include "fingerprint.h"
#include "pview.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#define LINES_NS     20000000ull /* a refresh reads source lines for at most this long */
#define POLL_WORK_NS 50000000ull /* one poll analyses at most this long: a stop is seen soon */

/* What the collector counted, into the profile and the target. */
static void take_collector_stats(struct session *s)
{
	struct collector_stats st;

	if (!s->collector)
		return;
	collector_get_stats(s->collector, &st);
	s->profile->queue_dropped = st.queue_dropped;
	s->profile->dropped = st.oom;
	s->bad_records = s->bad_decode + st.bad;
	s->collector_nice = st.nice;
	s->collector_raised = st.raised;
	/* A launched command's peak, read by the collector in its first half
	 * second: a short one's is otherwise never seen. */
	if (st.hwm_kb > s->target.last.hwm_kb) {
		s->target.last.hwm_kb = st.hwm_kb;
		if (!s->target.last.rss_kb)
			s->target.last.rss_kb = st.rss_kb;
	}
}

/* One record of a batch into the model, with its Python frames. */
static void analyse_record(struct session *s, const struct perf_event_header *h, const uint32_t *py)
{
	struct perf_rec r;
	int e = perf_rec_decode(h, sampler_sample_type(s->sampler), &r);

	s->walk.py_pre = NULL;
	if (py && s->py) {
		pystack_unpack(py, &s->py_read);
		pystack_resolve(s->py, &s->py_read);
		s->walk.py_pre = &s->py_read;
	}
	if (e == 0) {
		dispatch_record(&s->disp, &r);
		if (r.time)
			s->analysed_time = r.time;
	} else if (e != -ENOTSUP) {
		s->bad_decode++;
	}
	s->walk.py_pre = NULL;
}

/* Analyses what the collector handed over until DEADLINE (monotonic ns).
 * Returns 1 when nothing waits, 0 when time ran out first. */
static int analyse_until(struct session *s, uint64_t deadline)
{
	for (;;) {
		struct batch *b = s->cur;

		if (!b) {
			if (!(b = s->cur = recqueue_pop(s->queue)))
				return 1;
			batch_sort(b);
		}
		for (; b->pos < b->n; b->pos++) {
			const uint32_t *py;
			const struct perf_event_header *h = batch_at(b, b->pos, &py);

			/* Slow work (a big binary's symbols loading) lets the queue
			 * grow, never the rings overflow: the collector empties
			 * them meanwhile. Nor does it keep the face waiting: past
			 * the deadline the rest waits for the next turn. */
			if (mono_ns() >= deadline)
				return 0;
			analyse_record(s, h, py);
		}
		sym_reap(s->sym);
		recqueue_done(s->queue, b);
		s->cur = NULL;
		sym_poll_fetches(s->sym); /* names that came meanwhile serve at once */
	}
}

static int count_sample(const struct perf_event_header *h, void *arg)
{
	*(uint64_t *)arg += h->type == PERF_RECORD_SAMPLE;
	return 0;
}

/* Reads every group leader: the totals of the whole target. */
static void read_totals(struct session *s)
{
	size_t n = sampler_nleaders(s->sampler), k = 0;
	struct group_read *reads;

	if (!s->counting || !(reads = calloc(n ? n : 1, sizeof(*reads))))
		return;
	for (size_t i = 0; i < n; i++)
		if (sampler_read_leader(s->sampler, i, &reads[k]) == 0)
			k++;
	counting_set_totals(s->counting, reads, k);
	free(reads);
}

static uint64_t refresh_ns(const struct session *s)
{
	return (uint64_t)((s->cfg.refresh_s > 0 ? s->cfg.refresh_s : 1.0) * 1e9);
}

/* Without switch-out stacks: the threads' time runnable (schedstat), the
 * main thread's final count where the launched command's zombie gave one
 * (a short run ends between two refreshes of the threads' table). */
static uint64_t threads_delay(const struct session *s)
{
	const struct task_cpu *lead = tasks_find(&s->tasks, s->target.pid);
	uint64_t d = tasks_delay(&s->tasks), seen = lead ? lead->delay_ns : 0;

	return s->target.last.leader_delay_ns > seen ? d + s->target.last.leader_delay_ns - seen
						     : d;
}

/* The target's /proc, its threads and its GPU, into the timeline. */
static void take_readings(struct session *s)
{
	double t = session_elapsed(s);

	target_read(&s->target); /* the refresh's reading: smaps_rollup and io too */
	if (s->target.state == TARGET_RUNNING && !s->target.machine) {
		tasks_update(&s->tasks, s->target.pid, t);
		tasks_ctxt(&s->tasks, &s->target.last.vcsw, &s->target.last.ivcsw);
		s->target.last.busy_threads = (long)tasks_busy(&s->tasks, 1.0);
		if (s->gpu)
			gpu_read(s->gpu, s->target.pid, t, &s->gpu_last);
	}
	s->target.last.runnable_ns =
	    s->profile->off_on ? s->profile->off_reason_ns[BLOCK_PREEMPT] : threads_delay(s);
	timeline_add(s->timeline, t, &s->target.last, s->gpu ? &s->gpu_last : NULL);
}

static void on_pyname(void *arg, pid_t pid, pid_t tid, const char *name)
{
	profile_thread_pyname(((struct session *)arg)->profile, pid, tid, name);
}

/* Closes a counter interval: process series and per-thread changes. */
static void tick(struct session *s)
{
	read_totals(s);
	/* Source lines are read here, never on the sample path. */
	sym_fill_lines(s->sym, mono_ns() + LINES_NS);
	pystack_thread_names(s->py, on_pyname, s); /* threads get named as they run */
	if (s->counting)
		counting_tick(s->counting, session_elapsed(s));
	profile_tick_threads(s->profile);
	/* A reading taken now: rates need the reading's time to be the tick's. */
	take_readings(s);
	profile_decay(s->profile, pow(0.5, refresh_ns(s) / 1e9 / PVIEW_HALF_LIFE_S));
}

/* The group is known once the first task is open. */
static int start_counting(struct session *s, char *err, size_t len)
{
	size_t n = sampler_ngroup(s->sampler);

	s->counting = counting_new(sampler_group(s->sampler), n, sampler_ncpus(s->sampler));
	s->disp.counting = s->counting;
	if (!s->counting ||
	    (sampler_sample_read(s->sampler) && profile_set_counters(s->profile, n))) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static int open_attach(struct session *s, char *err, size_t len)
{
	pid_t *tids = NULL;
	size_t n = 0, opened = 0;
	char why[512] = "";
	int e = procfs_tasks(s->cfg.pid, &tids, &n);

	if (e) {
		snprintf(err, len, "no such process: %d", (int)s->cfg.pid);
		return e;
	}
	for (size_t i = 0; i < n; i++) {
		char comm[32] = "";

		e = sampler_open_task(s->sampler, tids[i], why, sizeof(why));
		if (e == -ESRCH)
			continue; /* the thread ended while we were looking */
		if (e) {
			snprintf(err, len, "%s", why);
			free(tids);
			return e;
		}
		/* The first open decided the group: plan the rest by the
		 * descriptors they would need. */
		if (!opened++ && (e = sampler_plan(s->sampler, n - i, why, sizeof(why)))) {
			snprintf(err, len, "%s", why);
			free(tids);
			return e;
		}
		procfs_comm(s->cfg.pid, tids[i], comm, sizeof(comm));
		profile_thread_comm(s->profile, s->cfg.pid, tids[i], comm);
	}
	free(tids);
	if (!opened) {
		snprintf(err, len, "no such process: %d", (int)s->cfg.pid);
		return -ESRCH;
	}
	sym_load_proc(s->sym, s->cfg.pid);
	pystack_probe(s->py, s->cfg.pid);
	return 0;
}

/* -a / --cgroup: every CPU, and what every process has mapped already
 * (new ones come as mmap records); each process a frame at the root. */
static int open_machine(struct session *s, char *err, size_t len)
{
	DIR *d;
	struct dirent *e;
	int r;

	if ((r = target_machine(&s->target, s->cfg.cgroup, err, len)) ||
	    (r = sampler_open_task(s->sampler, -1, err, len)))
		return r;
	s->disp.per_process = 1;
	if (!(d = opendir("/proc")))
		return 0;
	while ((e = readdir(d))) {
		pid_t pid = (pid_t)atoi(e->d_name), *tids = NULL;
		size_t n = 0;

		if (pid <= 0 || procfs_tasks(pid, &tids, &n))
			continue;
		sym_load_proc(s->sym, pid);
		for (size_t i = 0; i < n; i++) {
			char comm[32] = "";

			procfs_comm(pid, tids[i], comm, sizeof(comm));
			profile_thread_comm(s->profile, pid, tids[i], comm);
		}
		free(tids);
	}
	closedir(d);
	return 0;
}

static int is_switch(void *arg, uint64_t id)
{
	return sampler_is_switch(((struct session *)arg)->sampler, id);
}

struct session *session_open(const struct session_config *cfg, char *err, size_t len)
{
	struct session *s = calloc(1, sizeof(*s));
	struct sampler_config sc = { .freq_hz = cfg->freq_hz,
				     .period = cfg->period,
				     .events = cfg->events,
				     .nevents = cfg->nevents,
				     .force_cpu_clock = cfg->force_cpu_clock,
				     .offcpu = !cfg->no_offcpu };
	const struct unwinder_ops *uw = cfg->unwinder ? cfg->unwinder : &unwinder_rules;
	const char *kallsyms = cfg->kallsyms ? cfg->kallsyms : "/proc/kallsyms";
	int e;

	if (!s)
		goto out_oom;
	s->cfg = *cfg;
	s->profile = profile_new();
	s->queue = recqueue_new((size_t)cfg->queue_mb << 20);
	s->timeline = timeline_new();
	tasks_init(&s->tasks);
	if (!s->profile || !s->queue || !s->timeline)
		goto out_oom;
	/* A command is forked first, while we are small: the kernel's peak
	 * RSS of it counts the copy of us it starts as. */
	if (cfg->argv && (e = target_launch(&s->target, cfg->argv, cfg->child_out_fd, err, len)))
		goto out_free;
	if (cfg->no_gpu)
		snprintf(s->gpu_desc, sizeof(s->gpu_desc), "GPU not read (--no-gpu)");
	else if (!(s->gpu = gpu_open(s->gpu_desc, sizeof(s->gpu_desc))))
		goto out_oom;
	s->sym = sym_new(s->profile->frames, kallsyms,
			 (size_t)(cfg->symbol_mb ? cfg->symbol_mb : SESSION_SYMBOL_MB) << 20);
	if (s->sym)
		sym_kernel_source(s->sym, kallsyms, cfg->cache_dir);
	/* A helper asks debuginfod; failing to start it is said, not fatal. */
	if (s->sym && cfg->debuginfod_urls) {
		char why[256];

		if ((s->fetch = dbgfetch_start(cfg->debuginfod_urls, why, sizeof(why))))
			sym_debuginfod(s->sym, s->fetch);
		else /* said by the face, as every note (session_take_note) */
			snprintf(s->start_note, sizeof(s->start_note), "%s", why);
	}
	sc.enable_on_exec = cfg->argv != NULL;
	sc.stack_bytes = cfg->call_graph == CALLGRAPH_DWARF
			     ? (cfg->stack_bytes ? cfg->stack_bytes : SESSION_STACK_BYTES)
			     : STACKWALK_LEAF_FIX;
	if (cfg->system_wide && cfg->cgroup &&
	    (s->cgroup_fd = open(cfg->cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(err, len, "--cgroup %s: %s", cfg->cgroup, strerror(errno));
		s->cgroup_fd = 0;
		goto out_free;
	}
	sc.system_wide = cfg->system_wide;
	sc.cgroup_fd = s->cgroup_fd;
	/* Python frames are read per process attached or launched. */
	if (!cfg->no_python && !cfg->system_wide && !(s->py = pystack_new(s->profile->frames)))
		goto out_oom;
	if (s->py && !cfg->argv)
		pystack_probe(s->py, cfg->pid);
	sc.wake_each = s->py && (cfg->argv ? pystack_command_is_python(cfg->argv[0])
					   : pystack_known(s->py, cfg->pid));
	s->sampler = sampler_new(&sc);
	if (s->sym && cfg->keep_exited)
		sym_keep_exited(s->sym);
	if (s->sym && cfg->keep_addresses)
		sym_keep_addresses(s->sym);
	if (!s->sym || !s->sampler ||
	    stackwalk_init(&s->walk, s->sym, s->profile->frames, cfg->call_graph, uw,
			   !cfg->no_hybrid))
		goto out_oom;
	s->walk.py = s->py;
	s->walk.want_places = 1; /* per-instruction counts for annotation */
	dispatch_init(&s->disp, s->sym, s->profile, &s->walk);
	s->disp.py = s->py;
	s->disp.is_switch = is_switch;
	s->disp.is_switch_arg = s;
	s->disp.tap = cfg->tap;
	s->disp.tap_arg = cfg->tap_arg;
	if (cfg->system_wide) {
		e = open_machine(s, err, len);
	} else if (cfg->argv) {
		e = sampler_open_task(s->sampler, s->target.pid, err, len);
	} else {
		e = target_attach(&s->target, cfg->pid, err, len);
		if (!e)
			e = open_attach(s, err, len);
	}
	if (!e)
		e = start_counting(s, err, len);
	if (e)
		goto out_free;
	s->profile->off_on = sampler_offcpu(s->sampler);
	/* Without switch-out stacks, the time runnable is the threads' own
	 * (schedstat): a CPU-bound program on a busy machine is starved, not
	 * waiting. */
	s->tasks.want_delay = !s->profile->off_on;
	return s;
out_oom:
	snprintf(err, len, "out of memory");
out_free:
	session_free(s);
	return NULL;
}

static void disable_sampler(void *arg) { sampler_disable(arg); }

/* The collector thread over every ring (include/collector.h). */
static int start_collector(struct session *s, char *err, size_t len)
{
	size_t n = sampler_nstreams(s->sampler);
	struct collector_source *src = calloc(n ? n : 1, sizeof(*src));
	struct collector_config cc = { .src = src,
				       .nsrc = n,
				       .sample_type = sampler_sample_type(s->sampler),
				       .py = s->py,
				       .peek_pid = s->cfg.argv ? s->target.pid : 0,
				       .nice = s->cfg.collector_nice,
				       .stop_at_ns =
					   s->cfg.duration_s > 0
					       ? s->start_ns + (uint64_t)(s->cfg.duration_s * 1e9)
					       : 0,
				       .disable = disable_sampler,
				       .disable_arg = s->sampler };

	if (!src) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		src[i] = (struct collector_source){ &sampler_stream(s->sampler, i)->ring,
						    sampler_stream(s->sampler, i)->fd };
	s->collector = collector_start(&cc, s->queue, err, len);
	free(src);
	return s->collector ? 0 : -ENOMEM;
}

int session_start(struct session *s, char *err, size_t len)
{
	int e = 0;

	s->started_at = time(NULL);
	s->start_ns = mono_ns();
	s->have_ticks0 = fingerprint_cpu_times(&s->cpu_ticks0, &s->steal0) == 0;
	s->next_tick_ns = s->start_ns + refresh_ns(s);
	/* The collector runs before the first sample can come. */
	if ((e = start_collector(s, err, len)))
		return e;
	if (s->cfg.argv) {
		e = target_release(&s->target, err, len); /* returns once it exec'd */
		if (!e)
			collector_peek_now(s->collector);
	} else {
		sampler_enable(s->sampler);
	}
	if (!e) {
		take_readings(s);
		/* Switches before we came are not the run's. */
		if (!s->cfg.argv) {
			s->target.first.vcsw = s->target.last.vcsw;
			s->target.first.ivcsw = s->target.last.ivcsw;
		}
	}
	return e;
}

int session_wait_ms(const struct session *s, int timeout_ms)
{
	/* Python frames are read by the collector as samples come: the
	 * analysis need not hurry for them. */
	(void)s;
	return timeout_ms;
}

/* The target's /proc is read at most this often between refreshes (for its
 * end: a launched command's peak memory is the collector's to read). */
#define TARGET_POLL_NS 50000000ull

int session_poll(struct session *s, int timeout_ms)
{
	struct pollfd fds[2];
	size_t n = session_pollfds(s, fds, 2);

	/* Batches still waiting from the last turn: no sleeping. */
	if (timeout_ms > 0 && !s->cur)
		poll(fds, n, timeout_ms);
	if (!analyse_until(s, mono_ns() + POLL_WORK_NS) && s->analysed_time) {
		double lag = (double)(mono_ns() - s->analysed_time) / 1e9;

		if (lag > s->lag_max_s)
			s->lag_max_s = lag;
	}
	take_collector_stats(s);
	sym_poll_fetches(s->sym);
	if (s->start_ns && !s->stop_ns && mono_ns() >= s->next_tick_ns) {
		tick(s);
		s->next_tick_ns += refresh_ns(s);
		if (s->next_tick_ns < mono_ns())
			s->next_tick_ns = mono_ns() + refresh_ns(s);
	}
	/* Reading /proc costs: a poll loop that turns often reads it no more
	 * often than one that sleeps. */
	if (mono_ns() - s->polled_ns < TARGET_POLL_NS || s->target.machine)
		return s->target.state == TARGET_EXITED; /* the machine: read at ticks */
	s->polled_ns = mono_ns();
	return target_poll(&s->target);
}

size_t session_pollfds(const struct session *s, struct pollfd *fds, size_t max)
{
	size_t n = 0;

	/* The collector's hand-overs wake the analysis. */
	if (n < max)
		fds[n++] = (struct pollfd){ recqueue_fd(s->queue), POLLIN, 0 };
	/* debuginfod's answers wake us too: names come as soon as they can. */
	if (n < max && s->sym && sym_fetch_fd(s->sym) >= 0)
		fds[n++] = (struct pollfd){ sym_fetch_fd(s->sym), POLLIN, 0 };
	return n;
}

void session_stop(struct session *s)
{
	struct collector_stats st;

	if (s->stop_ns)
		return;
	s->stop_ns = mono_ns();
	/* It disables the events (it may have already: -d, a signal), empties
	 * the rings once more, hands that over and ends. */
	collector_stop(s->collector);
	sampler_disable(s->sampler);
	take_collector_stats(s);
	if (s->collector) {
		collector_get_stats(s->collector, &st);
		if (st.stopped_ns && st.stopped_ns < s->stop_ns)
			s->stop_ns = st.stopped_ns;
	}
}

int session_stop_fd(const struct session *s)
{
	return s->collector ? collector_stop_fd(s->collector) : -1;
}

int session_analyse(struct session *s, uint64_t budget_ns)
{
	int done = analyse_until(s, mono_ns() + budget_ns);

	take_collector_stats(s);
	return done;
}

void session_backlog(const struct session *s, struct collection_backlog *out)
{
	struct recqueue_stats qs;
	uint64_t now = mono_ns();

	recqueue_get_stats(s->queue, &qs);
	memset(out, 0, sizeof(*out));
	out->samples = qs.waiting_samples + (s->cur ? batch_samples_left(s->cur) : 0);
	out->queue_bytes = qs.bytes;
	out->queue_peak = qs.peak;
	out->queue_limit = qs.limit;
	/* How far behind the analysis is: the age of the sample it reached,
	 * while some wait; none when nothing does. */
	if (out->samples && s->analysed_time && now > s->analysed_time)
		out->lag_s = (double)((s->stop_ns ? s->stop_ns : now) - s->analysed_time) / 1e9;
	if (out->lag_s < 0)
		out->lag_s = 0;
	out->lag_max_s = s->lag_max_s;
	out->collector_nice = s->collector_nice;
	out->collector_raised = s->collector_raised;
}

void session_cut(struct session *s)
{
	struct batch *b;

	if (s->cur) {
		s->profile->cut += batch_samples_left(s->cur);
		recqueue_done(s->queue, s->cur);
		s->cur = NULL;
	}
	while ((b = recqueue_pop(s->queue))) {
		s->profile->cut += b->samples;
		recqueue_done(s->queue, b);
	}
}

void session_finish(struct session *s)
{
	if (s->finished)
		return;
	s->finished = 1;
	session_stop(s);
	/* Everything taken is analysed (a face that shows progress, and lets
	 * a second signal cut it, has done so already). */
	analyse_until(s, UINT64_MAX);
	/* Nothing more comes: processes that exited are done with (a process
	 * is otherwise kept for two batches after its exit record). */
	sym_reap(s->sym);
	sym_reap(s->sym);
	tick(s);
	target_terminate(&s->target);
	target_read(&s->target);
	/* Samples the rings took after the collector's last pass. */
	for (size_t i = 0; i < sampler_nstreams(s->sampler); i++)
		ring_drain(&sampler_stream(s->sampler, i)->ring, SIZE_MAX, count_sample,
			   &s->profile->cut);
	dispatch_end_waits(&s->disp, s->stop_ns);
	if (s->sym && s->fetch)
		sym_fetch_finish(s->sym);
	/* The threads' CPU adds up to the process's own. */
	if (s->target.last.valid)
		tasks_settle(&s->tasks, s->target.last.utime_ns, s->target.last.stime_ns);
	sampler_release(s->sampler); /* the descriptors go back before any export */
}

const char *session_python(const struct session *s, const char **module)
{
	return pystack_any_version(s->py, module);
}

int session_fetch_progress(const struct session *s, char *buf, size_t len)
{
	return s->sym && sym_fetch_progress(s->sym, buf, len);
}

const char *session_take_note(struct session *s)
{
	if (s->start_note[0]) {
		snprintf(s->note, sizeof(s->note), "%s", s->start_note);
		s->start_note[0] = 0;
		return s->note;
	}
	if (pystack_take_note(s->py, s->note, sizeof(s->note)))
		return s->note;
	return s->sym ? sym_fetch_note(s->sym) : NULL;
}

const struct session_config *session_config(const struct session *s) { return &s->cfg; }
const struct target *session_target(const struct session *s) { return &s->target; }
const struct sampler *session_sampler(const struct session *s) { return s->sampler; }
struct profile *session_profile(const struct session *s) { return s->profile; }
const struct timeline *session_timeline(const struct session *s) { return s->timeline; }
const struct counting *session_counting(const struct session *s) { return s->counting; }
const struct tasks *session_tasks(const struct session *s) { return &s->tasks; }
const struct unwind_quality *session_unwind(const struct session *s) { return &s->walk.q; }
struct symbolizer *session_symbolizer(const struct session *s) { return s->sym; }

const struct gpu_reading *session_gpu(const struct session *s, const char **desc)
{
	if (desc)
		*desc = s->gpu_desc;
	return s->gpu ? &s->gpu_last : NULL;
}

double session_elapsed(const struct session *s)
{
	uint64_t end = s->stop_ns ? s->stop_ns : mono_ns();

	return s->start_ns ? (double)(end - s->start_ns) / 1e9 : 0.0;
}

void session_free(struct session *s)
{
	if (!s)
		return;
	if (s->target.launched && s->target.state == TARGET_RUNNING) {
		if (s->target.go_fd >= 0)
			close(s->target.go_fd); /* the held child sees EOF and exits */
		target_terminate(&s->target);
	}
	if (s->target.err_fd >= 0 && s->target.launched)
		close(s->target.err_fd);
	collector_free(s->collector); /* before the rings it reads go */
	sampler_free(s->sampler);
	if (s->cgroup_fd > 0)
		close(s->cgroup_fd);
	stackwalk_fini(&s->walk);
	pystack_free(s->py);
	counting_free(s->counting);
	sym_free(s->sym);
	dbgfetch_free(s->fetch);
	profile_free(s->profile);
	timeline_free(s->timeline);
	tasks_fini(&s->tasks);
	gpu_close(s->gpu);
	if (s->cur)
		recqueue_done(s->queue, s->cur);
	recqueue_free(s->queue);
	dispatch_fini(&s->disp);
	free(s);
}
