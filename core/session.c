/* session — event set-up, the drain loop and record dispatch. */
#include "session_impl.h"
#include "dbgfetch.h"

#include "grow.h"
#include "perf_records.h"
#include "fingerprint.h"
#include "pview.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define DRAIN_MAX_BYTES  (8u << 20) /* per stream per turn: keeps a turn short */
#define BATCH_KEEP_BYTES (1u << 20) /* a batch buffer bigger than this is freed after use */

struct batch_ent {
	uint64_t time;
	uint32_t seq;
	uint32_t py; /* 1 + where its Python frames are in PY, or 0 */
	size_t off;
};

struct session_batch {
	uint8_t *buf;
	size_t len, cap;
	struct batch_ent *ents;
	size_t n, ncap;
	size_t pos; /* the next record to process */
	int oom;
	uint32_t *py; /* Python stacks read as the samples were copied (pystack_pack) */
	size_t npy, cappy;
};

struct collect_ctx {
	struct session *s;
	struct session_batch *b;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A sample of a Python process: its Python frames are read now, while
 * they still are the ones it ran, and kept beside the record. */
static uint32_t read_python_now(struct session *s, struct session_batch *b,
				const struct perf_event_header *h)
{
	struct pystack_read py;
	struct perf_rec r;
	size_t k;

	if (h->type == PERF_RECORD_MMAP2 &&
	    !perf_rec_decode(h, sampler_sample_type(s->sampler), &r) &&
	    strstr(r.mmap.filename, "python")) {
		pystack_probe(s->py, (pid_t)r.pid); /* its next samples are read here */
		return 0;
	}
	if (h->type != PERF_RECORD_SAMPLE || !pystack_any_version(s->py, NULL) ||
	    perf_rec_decode(h, sampler_sample_type(s->sampler), &r) ||
	    !pystack_known(s->py, (pid_t)r.pid) ||
	    pystack_read(s->py, (pid_t)r.pid, (pid_t)r.tid, r.time, &py) ||
	    grow_array(&b->py, &b->cappy, b->npy + 4 + py.nseg + py.n, sizeof(*b->py)) ||
	    !(k = pystack_pack(&py, b->py + b->npy, b->cappy - b->npy)))
		return 0;
	b->npy += k;
	return (uint32_t)(b->npy - k + 1);
}

/* Ring callback: copy the record out so the kernel may reuse the space. */
static int collect(const struct perf_event_header *h, void *arg)
{
	struct collect_ctx *c = arg;
	struct session_batch *b = c->b;
	uint32_t py = c->s->py ? read_python_now(c->s, b, h) : 0;

	if (grow_array(&b->buf, &b->cap, b->len + h->size, 1) ||
	    grow_array(&b->ents, &b->ncap, b->n + 1, sizeof(*b->ents))) {
		b->oom++;
		return 0;
	}
	memcpy(b->buf + b->len, h, h->size);
	b->ents[b->n++] = (struct batch_ent){ 0, (uint32_t)b->n, py, b->len };
	b->len += h->size;
	return 0;
}

static int cmp_time(const void *a, const void *b)
{
	const struct batch_ent *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

#define LINES_NS       20000000ull  /* a refresh reads source lines for at most this long */
#define TARGET_POLL_NS 10000000ull  /* the target's /proc is read at most this often */
#define PYTHON_WAIT_MS 1            /* a Python target's samples are processed this soon */
#define TOPUP_NS       10000000ull  /* while processing, empty the rings this often */
#define POLL_WORK_NS   200000000ull /* one poll processes at most this long */
#define FINISH_WORK_NS 500000000ull /* after a stop: what is not done by then is dropped */
#define SPARE_MAX_BYTES                                               \
	(256u << 20) /* records waiting beyond this stay in the rings \
		      * (where the kernel drops and counts them) */

static void collect_rings(struct session *s, struct session_batch *b)
{
	struct collect_ctx c = { s, b };

	for (size_t i = 0; i < sampler_nstreams(s->sampler); i++) {
		struct sampler_stream *st = sampler_stream(s->sampler, i);

		if (b->len >= SPARE_MAX_BYTES)
			break;
		if (ring_drain(&st->ring, DRAIN_MAX_BYTES, collect, &c) < 0)
			s->bad_records++;
	}
	if (s->cfg.argv && s->start_ns)
		target_peek_memory(&s->target);
	s->collected_ns = mono_ns();
}

static void batch_reset(struct session_batch *b)
{
	b->n = b->len = b->pos = b->npy = 0;
	b->oom = 0;
	/* A backlog (the machine busy, the rings full) grows the batch to what
	 * the rings held; give that back once it is processed, so memory stays
	 * at the steady state's. */
	if (b->cap > BATCH_KEEP_BYTES) {
		free(b->buf);
		free(b->ents);
		free(b->py);
		b->buf = NULL;
		b->ents = NULL;
		b->py = NULL;
		b->cap = b->ncap = b->cappy = 0;
	}
}

/* Processes B from where it stopped, until DEADLINE (monotonic ns).
 * Returns 1 when all of it is done (and B emptied), 0 when time ran out. */
static int process_batch(struct session *s, struct session_batch *b, uint64_t deadline)
{
	uint64_t st = sampler_sample_type(s->sampler);
	/* A Python process's frames are read as its samples are collected. */
	uint64_t topup = pystack_any_version(s->py, NULL) ? PYTHON_WAIT_MS * 1000000ull : TOPUP_NS;
	struct perf_rec r;

	if (!b->pos) {
		/* Rings are each in time order; merging them by time lets an mmap
		 * seen by one thread precede the samples of another that run in it. */
		for (size_t i = 0; i < b->n; i++) {
			const struct perf_event_header *h = (const void *)(b->buf + b->ents[i].off);

			b->ents[i].time = perf_rec_decode(h, st, &r) == 0 ? r.time : 0;
		}
		if (b->n)
			qsort(b->ents, b->n, sizeof(*b->ents), cmp_time);
	}
	for (; b->pos < b->n; b->pos++) {
		const struct perf_event_header *h = (const void *)(b->buf + b->ents[b->pos].off);
		uint64_t now = mono_ns();
		int e;

		/* Slow work (a big binary's symbols loading) must not let the
		 * rings overflow: what arrives meanwhile waits in the spare
		 * batch, all of it later than this batch. Nor keep the user
		 * waiting: past the deadline the rest waits for the next turn. */
		if (now >= deadline)
			return 0;
		if (now - s->collected_ns > topup) {
			collect_rings(s, s->spare);
			sym_poll_fetches(s->sym); /* names that came meanwhile serve at once */
		}
		e = perf_rec_decode(h, st, &r);
		s->walk.py_pre = NULL;
		if (b->ents[b->pos].py) {
			pystack_unpack(b->py + b->ents[b->pos].py - 1, &s->py_read);
			s->walk.py_pre = &s->py_read;
		}
		if (e == 0)
			dispatch_record(&s->disp, &r);
		else if (e != -ENOTSUP)
			s->bad_records++;
		s->walk.py_pre = NULL;
	}
	s->profile->dropped += (uint64_t)b->oom;
	sym_reap(s->sym);
	batch_reset(b);
	return 1;
}

/* Processes what the rings hold until DEADLINE; what is left waits in the
 * batches for the next call. Returns 1 when nothing waits. */
static int drain_until(struct session *s, uint64_t deadline)
{
	if (s->batch->pos >= s->batch->n) {
		batch_reset(s->batch);
		collect_rings(s, s->batch);
	}
	for (int round = 0; round < 16; round++) {
		struct session_batch *t = s->batch;

		if (!process_batch(s, s->batch, deadline))
			return 0;
		if (!s->spare->n)
			return 1;
		s->batch = s->spare;
		s->spare = t;
	}
	return 0;
}

static int count_sample(const struct perf_event_header *h, void *arg)
{
	*(uint64_t *)arg += h->type == PERF_RECORD_SAMPLE;
	return 0;
}

/* The user asked to stop: samples that cannot be processed in time are
 * dropped, and counted, rather than keep them waiting. */
static void drop_waiting(struct session *s)
{
	struct session_batch *bs[2] = { s->batch, s->spare };

	for (int k = 0; k < 2; k++) {
		for (size_t i = bs[k]->pos; i < bs[k]->n; i++)
			count_sample((const void *)(bs[k]->buf + bs[k]->ents[i].off),
				     &s->profile->dropped);
		batch_reset(bs[k]);
	}
}

static void free_batch(struct session_batch *b)
{
	if (b) {
		free(b->buf);
		free(b->ents);
		free(b->py);
		free(b);
	}
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

/* The target's /proc, its threads and its GPU, into the timeline. */
static void take_readings(struct session *s)
{
	double t = session_elapsed(s);

	target_poll(&s->target);
	if (s->target.state == TARGET_RUNNING) {
		tasks_update(&s->tasks, s->target.pid, t);
		tasks_ctxt(&s->tasks, &s->target.last.vcsw, &s->target.last.ivcsw);
		s->target.last.busy_threads = (long)tasks_busy(&s->tasks, 1.0);
		if (s->gpu)
			gpu_read(s->gpu, s->target.pid, t, &s->gpu_last);
	}
	s->target.last.runnable_ns = s->profile->off_reason_ns[BLOCK_PREEMPT];
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
	s->batch = calloc(1, sizeof(*s->batch));
	s->spare = calloc(1, sizeof(*s->spare));
	s->timeline = timeline_new();
	tasks_init(&s->tasks);
	if (!s->profile || !s->batch || !s->spare || !s->timeline)
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
		else
			fprintf(stderr, "flametop: %s\n", why);
	}
	sc.enable_on_exec = cfg->argv != NULL;
	sc.stack_bytes = cfg->call_graph == CALLGRAPH_DWARF
			     ? (cfg->stack_bytes ? cfg->stack_bytes : SESSION_STACK_BYTES)
			     : STACKWALK_LEAF_FIX;
	if (!cfg->no_python && !(s->py = pystack_new(s->profile->frames)))
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
	dispatch_init(&s->disp, s->sym, s->profile, &s->walk);
	s->disp.py = s->py;
	s->disp.is_switch = is_switch;
	s->disp.is_switch_arg = s;
	s->disp.tap = cfg->tap;
	s->disp.tap_arg = cfg->tap_arg;
	if (cfg->argv) {
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
	return s;
out_oom:
	snprintf(err, len, "out of memory");
out_free:
	session_free(s);
	return NULL;
}

int session_start(struct session *s, char *err, size_t len)
{
	int e = 0;

	s->started_at = time(NULL);
	s->start_ns = mono_ns();
	s->have_ticks0 = fingerprint_cpu_times(&s->cpu_ticks0, &s->steal0) == 0;
	s->next_tick_ns = s->start_ns + refresh_ns(s);
	if (s->cfg.argv)
		e = target_release(&s->target, err, len);
	else
		sampler_enable(s->sampler);
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
	/* Python frames are read when their sample is collected from the
	 * ring: soon after it was taken, or they no longer are the ones it ran. */
	if (pystack_any_version(s->py, NULL) && timeout_ms > PYTHON_WAIT_MS)
		return PYTHON_WAIT_MS;
	return timeout_ms;
}

int session_poll(struct session *s, int timeout_ms)
{
	size_t n = sampler_nstreams(s->sampler) + 1;
	struct pollfd fds[n];

	n = session_pollfds(s, fds, n);
	/* A launched command's first half second is read every 10 ms: a
	 * short one's peak memory is otherwise never seen (its /proc has
	 * none once it has exited). */
	if (s->cfg.argv && s->start_ns && timeout_ms > 10 && mono_ns() - s->start_ns < 500000000ull)
		timeout_ms = 10;
	timeout_ms = session_wait_ms(s, timeout_ms);
	/* Records still waiting from the last turn: no sleeping. */
	if (timeout_ms > 0 && s->batch->pos >= s->batch->n && !s->spare->n)
		poll(fds, n, timeout_ms);
	drain_until(s, mono_ns() + POLL_WORK_NS);
	sym_poll_fetches(s->sym);
	if (s->start_ns && mono_ns() >= s->next_tick_ns) {
		tick(s);
		s->next_tick_ns += refresh_ns(s);
		if (s->next_tick_ns < mono_ns())
			s->next_tick_ns = mono_ns() + refresh_ns(s);
	}
	/* Reading /proc costs: a poll loop that turns every millisecond (a
	 * Python target) reads it as often as one that sleeps. */
	if (mono_ns() - s->polled_ns < TARGET_POLL_NS)
		return s->target.state == TARGET_EXITED;
	s->polled_ns = mono_ns();
	return target_poll(&s->target);
}

size_t session_pollfds(const struct session *s, struct pollfd *fds, size_t max)
{
	size_t n = sampler_nstreams(s->sampler);

	for (size_t i = 0; i < n && i < max; i++)
		fds[i] = (struct pollfd){ sampler_stream(s->sampler, i)->fd, POLLIN, 0 };
	/* debuginfod's answers wake us too: names come as soon as they can. */
	if (n < max && s->sym && sym_fetch_fd(s->sym) >= 0)
		fds[n++] = (struct pollfd){ sym_fetch_fd(s->sym), POLLIN, 0 };
	return n < max ? n : max;
}

void session_finish(struct session *s)
{
	uint64_t deadline;

	if (s->finished)
		return;
	s->finished = 1;
	s->stop_ns = mono_ns();
	deadline = s->stop_ns + FINISH_WORK_NS;
	sampler_disable(s->sampler);
	drain_until(s, deadline);
	tick(s);
	target_terminate(&s->target);
	target_poll(&s->target);
	/* Whatever is still in the rings: processed if there is time, else
	 * its samples counted as dropped. */
	if (!drain_until(s, deadline))
		drop_waiting(s);
	for (size_t i = 0; i < sampler_nstreams(s->sampler); i++)
		ring_drain(&sampler_stream(s->sampler, i)->ring, SIZE_MAX, count_sample,
			   &s->profile->dropped);
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

const char *session_take_note(struct session *s) { return s->sym ? sym_fetch_note(s->sym) : NULL; }

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
	sampler_free(s->sampler);
	stackwalk_fini(&s->walk);
	pystack_free(s->py);
	counting_free(s->counting);
	sym_free(s->sym);
	dbgfetch_free(s->fetch);
	profile_free(s->profile);
	timeline_free(s->timeline);
	tasks_fini(&s->tasks);
	gpu_close(s->gpu);
	free_batch(s->batch);
	free_batch(s->spare);
	dispatch_fini(&s->disp);
	free(s);
}
