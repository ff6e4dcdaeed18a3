/* sampler — opening perf_event sampling events and their rings. */
#include "sampler.h"

#include "grow.h"
#include "perf_records.h"
#include "u64map.h"
#include "procfs.h"

#include <dirent.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_RING_ORDER 6  /* 64 pages per CPU: ~1 s of 1 kHz samples with deep stacks */
#define STACK_RING_ORDER   10 /* 4 MiB per CPU: ~0.5 s of 1 kHz samples with 8 KiB stacks */

struct sampler {
	struct sampler_config cfg;
	struct sampler_stream *streams; /* one slot per CPU; fd -1 until opened */
	int *cpus;
	size_t ncpus, nstreams;
	size_t *active; /* slots that have a ring, in CPU order */
	int *fds;       /* every event, for close */
	size_t nfds, capfds;
	int *leaders; /* group leaders, one per (task, CPU) */
	size_t nleaders, capleaders;
	struct event_spec group[EVENTS_MAX]; /* decided by the first open */
	size_t ngroup;
	int decided;
	int hw; /* a hardware event was opened */
	int user_only;
	int sample_read; /* samples carry group reads */
	char hw_note[160];
	char ctr_note[512];
	int offcpu; /* switch events are being opened */
	char offcpu_note[200];
	int *switchers; /* the switch events, one per (task, CPU) */
	size_t nswitchers, capswitchers;
	struct u64map switch_ids; /* their ids */
	/* Lean tasks (sampler_plan): a leader alone per CPU, and the other
	 * counters once per task on any CPU (or not at all). Per task, WIDTH
	 * descriptors: its CPUs' leaders, then its members (-1: not opened). */
	int lean, lean_members;
	int *lean_fds;
	size_t nlean, caplean, lean_width;
};

static long sys_perf_event_open(struct perf_event_attr *a, pid_t pid, int cpu, int group,
				unsigned long flags)
{
	return syscall(SYS_perf_event_open, a, pid, cpu, group, flags);
}

unsigned sampler_max_rate(void)
{
	int v = procfs_read_int("/proc/sys/kernel/perf_event_max_sample_rate", 0);

	return v > 0 ? (unsigned)v : 0;
}

static unsigned ring_order(const struct sampler *s);

/* The leader samples and carries the side-band records; members count. */
static void fill_attr(const struct sampler *s, struct perf_event_attr *a,
		      const struct event_spec *ev, int leader)
{
	*a = ev->attr;
	a->size = sizeof(*a);
	a->read_format = PERF_RECS_READ_FORMAT;
	a->inherit = !s->cfg.system_wide; /* a CPU-wide event sees every task */
	a->exclude_hv = 1;
	/* Timestamps on CLOCK_MONOTONIC, for every event of a group alike:
	 * comparable with the session's clock (an interval still blocked at
	 * the end is charged up to the stop). */
	a->use_clockid = 1;
	a->clockid = CLOCK_MONOTONIC;
	if (s->user_only)
		a->exclude_kernel = 1;
	if (!leader) {
		a->freq = 0;
		a->sample_period = 0;
		a->disabled = 0;
		return;
	}
	if (ev->has_period || ev->attr.freq) {
		/* the event string set its own period or rate */
	} else if (s->cfg.period) {
		a->freq = 0;
		a->sample_period = s->cfg.period;
	} else {
		a->freq = 1;
		a->sample_freq = s->cfg.freq_hz;
	}
	a->sample_type = sampler_sample_type(s);
	if (s->cfg.stack_bytes) {
		a->sample_regs_user = PERF_RECS_REGS_MASK;
		a->sample_stack_user = s->cfg.stack_bytes;
		/* Wake the reader at a quarter of the ring, not every sample. */
		a->watermark = 1;
		a->wakeup_watermark = (4096u << ring_order(s)) / 4;
	}
	if (s->cfg.wake_each) {
		a->watermark = 0;
		a->wakeup_events = 1;
	}
	a->disabled = 1;
	a->enable_on_exec = !!s->cfg.enable_on_exec;
	a->mmap = 1;
	a->mmap2 = 1;
	a->comm = 1;
	a->comm_exec = 1;
	a->task = 1;
	a->sample_id_all = 1;
	a->exclude_callchain_kernel = !!s->user_only;
}

static int try_open(struct sampler *s, pid_t tid, int cpu, const struct event_spec *ev,
		    int group_fd)
{
	struct perf_event_attr a;
	long fd;

	unsigned long flags = PERF_FLAG_FD_CLOEXEC;

	fill_attr(s, &a, ev, group_fd < 0);
	if (s->cfg.system_wide && s->cfg.cgroup_fd > 0) {
		tid = s->cfg.cgroup_fd;
		flags |= PERF_FLAG_PID_CGROUP;
	} else if (s->cfg.system_wide)
		tid = -1;
	fd = sys_perf_event_open(&a, tid, cpu, group_fd, flags);
	return fd < 0 ? -errno : (int)fd;
}

static int no_pmu(int e) { return e == -ENOENT || e == -EOPNOTSUPP || e == -ENODEV; }

/* Another user's process needs the right to trace it (ptrace), whatever
 * perf_event_paranoid says; one's own needs a paranoid level that allows it. */
static void explain_permission(pid_t tid, char *err, size_t len)
{
	int paranoid = procfs_read_int("/proc/sys/kernel/perf_event_paranoid", 2);
	struct procfs_status st;

	if (procfs_read_status(tid, 0, &st) == 0 && st.uid != getuid())
		snprintf(err, len,
			 "permission denied sampling pid %d: it belongs to uid %u and this user "
			 "(uid %u) may not trace it (ptrace access; kernel.perf_event_paranoid is "
			 "%d); run as that user, as root, or with CAP_PERFMON and CAP_SYS_PTRACE",
			 (int)tid, (unsigned)st.uid, (unsigned)getuid(), paranoid);
	else
		snprintf(err, len,
			 "permission denied sampling pid %d: kernel.perf_event_paranoid is %d and "
			 "this user may not trace it; run as root or with CAP_PERFMON, or "
			 "'sysctl kernel.perf_event_paranoid=1' (own processes only)",
			 (int)tid, paranoid);
}

static void explain(int e, pid_t tid, const struct sampler *s, char *err, size_t len)
{
	unsigned max = sampler_max_rate();

	if ((e == -EACCES || e == -EPERM) && s->cfg.system_wide)
		snprintf(err, len,
			 "permission denied sampling %s: every CPU needs root or CAP_PERFMON "
			 "(kernel.perf_event_paranoid is %d; at -1 any user may)",
			 s->cfg.cgroup_fd > 0 ? "a cgroup" : "the whole machine",
			 procfs_read_int("/proc/sys/kernel/perf_event_paranoid", 2));
	else if (e == -EACCES || e == -EPERM)
		explain_permission(tid, err, len);
	else if (e == -ESRCH)
		snprintf(err, len, "no such process: %d", (int)tid);
	else if (e == -EINVAL && max && s->cfg.freq_hz > max)
		snprintf(err, len,
			 "sampling rate %u Hz is above the kernel's limit of %u Hz "
			 "(kernel.perf_event_max_sample_rate)",
			 s->cfg.freq_hz, max);
	else if (e == -EMFILE || e == -ENFILE)
		snprintf(err, len,
			 "out of file descriptors opening perf events for pid %d "
			 "(raise 'ulimit -n')",
			 (int)tid);
	else if (no_pmu(e))
		snprintf(err, len, "event '%s' is not supported on this machine",
			 s->ngroup ? s->group[0].name : "?");
	else
		snprintf(err, len, "perf_event_open on pid %d failed: %s", (int)tid, strerror(-e));
}

static int keep_fd(struct sampler *s, int fd)
{
	if (grow_array(&s->fds, &s->capfds, s->nfds + 1, sizeof(*s->fds)))
		return -ENOMEM;
	s->fds[s->nfds++] = fd;
	return 0;
}

/* Opens a leader, stepping down to what this kernel allows: user space only
 * when kernel sampling is refused, no group reads in samples where inherited
 * events may not have them (before Linux 6.12). */
static int open_leader_first(struct sampler *s, pid_t tid, int cpu, const struct event_spec *ev)
{
	for (;;) {
		int fd = try_open(s, tid, cpu, ev, -1);

		if (fd >= 0 || fd == -ESRCH)
			return fd;
		if ((fd == -EACCES || fd == -EPERM) && !s->user_only)
			s->user_only = 1;
		else if (fd == -EINVAL && s->sample_read)
			s->sample_read = 0;
		else
			return fd;
	}
}

/* A sentence more in the counter note, after a "; ". */
static void note_add(struct sampler *s, const char *text)
{
	size_t l = strlen(s->ctr_note);

	snprintf(s->ctr_note + l, sizeof(s->ctr_note) - l, "%s%s", l ? "; " : "", text);
}

static void note_dropped(struct sampler *s, const char *name, const char *why)
{
	size_t l = strlen(s->ctr_note);

	snprintf(s->ctr_note + l, sizeof(s->ctr_note) - l, "%s%s (%s)",
		 l ? ", " : "not counted: ", name, why);
}

static void manual_cpu_clock(struct event_spec *ev)
{
	memset(ev, 0, sizeof(*ev));
	snprintf(ev->name, sizeof(ev->name), "cpu-clock");
	ev->attr.type = PERF_TYPE_SOFTWARE;
	ev->attr.config = PERF_COUNT_SW_CPU_CLOCK;
}

/* The events asked for, or where hardware cannot be opened the software
 * stand-ins: cpu-clock leading the software events of the list. */
static size_t candidates(const struct sampler *s, int software, struct event_spec *out)
{
	size_t n = 0;

	if (!s->cfg.events || !s->cfg.nevents) {
		n = (size_t)(software || s->cfg.force_cpu_clock ? events_default_sw(out)
								: events_default_hw(out));
		if (!n)
			manual_cpu_clock(&out[n++]);
		return n;
	}
	if (!software) {
		memcpy(out, s->cfg.events, s->cfg.nevents * sizeof(*out));
		return s->cfg.nevents;
	}
	if (!events_is_software(&s->cfg.events[0].attr))
		manual_cpu_clock(&out[n++]);
	for (size_t i = 0; i < s->cfg.nevents && n < EVENTS_MAX; i++)
		if (events_is_software(&s->cfg.events[i].attr))
			out[n++] = s->cfg.events[i];
	return n;
}

/* First open: decide the group this machine allows. Returns the leader. */
static int decide_leader(struct sampler *s, pid_t tid, int cpu)
{
	struct event_spec cand[EVENTS_MAX];
	size_t n = candidates(s, 0, cand);
	int fd = open_leader_first(s, tid, cpu, &cand[0]);

	if (fd < 0 && no_pmu(fd) && !events_is_software(&cand[0].attr)) {
		snprintf(s->hw_note, sizeof(s->hw_note),
			 "hardware counters unavailable: no CPU PMU exposed (virtual machine?)");
		for (size_t i = 0; s->cfg.nevents && i < n; i++)
			if (!events_is_software(&cand[i].attr))
				note_dropped(s, cand[i].name, "no CPU PMU");
		n = candidates(s, 1, cand);
		fd = open_leader_first(s, tid, cpu, &cand[0]);
	} else if (events_is_software(&cand[0].attr)) {
		snprintf(s->hw_note, sizeof(s->hw_note), "hardware counters not requested");
	}
	if (fd < 0)
		return fd;
	memcpy(s->group, cand, n * sizeof(*cand));
	s->ngroup = n;
	s->hw = !events_is_software(&cand[0].attr);
	return fd;
}

/* First open: members that cannot be opened are left out, and said. */
static void decide_members(struct sampler *s, pid_t tid, int cpu, int leader)
{
	size_t k = 1;

	for (size_t i = 1; i < s->ngroup; i++) {
		int fd = try_open(s, tid, cpu, &s->group[i], leader);

		if (fd < 0) {
			note_dropped(s, s->group[i].name,
				     no_pmu(fd) ? "not supported here" : strerror(-fd));
			continue;
		}
		if (keep_fd(s, fd)) {
			close(fd);
			continue;
		}
		s->hw |= !events_is_software(&s->group[i].attr);
		s->group[k++] = s->group[i];
	}
	s->ngroup = k;
	if (!s->sample_read && s->ngroup)
		note_add(s, "per-function counters unavailable: this kernel refuses group reads "
			    "in inherited samples (needs Linux 6.12)");
}

static void index_streams(struct sampler *s)
{
	s->nstreams = 0;
	for (size_t k = 0; k < s->ncpus; k++)
		if (s->streams[k].fd >= 0)
			s->active[s->nstreams++] = k;
}

static unsigned ring_order(const struct sampler *s)
{
	if (s->cfg.ring_order)
		return s->cfg.ring_order;
	return s->cfg.stack_bytes > 2048 ? STACK_RING_ORDER : DEFAULT_RING_ORDER;
}

static int map_ring(struct sampler *s, struct sampler_stream *st, char *err, size_t len)
{
	unsigned order = ring_order(s);
	int e = -EINVAL;

	/* A low RLIMIT_MEMLOCK refuses big rings: fall back to smaller ones. */
	for (; order >= 1; order--) {
		e = ring_map(&st->ring, st->fd, order);
		if (e == 0)
			return 0;
		if (e != -EPERM && e != -ENOMEM)
			break;
	}
	snprintf(err, len,
		 "cannot map the perf ring buffer for CPU %d: %s (raise "
		 "RLIMIT_MEMLOCK or kernel.perf_event_mlock_kb)",
		 st->cpu, strerror(-e));
	return e;
}

/* The first event on a CPU owns its ring; later ones write into it. */
static int attach_output(struct sampler *s, size_t ci, int fd, char *err, size_t len)
{
	struct sampler_stream *st = &s->streams[ci];
	int e;

	if (st->fd < 0) {
		st->fd = fd;
		st->cpu = s->cpus[ci];
		e = map_ring(s, st, err, len);
		if (e) {
			st->fd = -1;
			return e;
		}
		index_streams(s);
		return 0;
	}
	if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, st->fd)) {
		e = -errno;
		snprintf(err, len, "cannot share the ring of CPU %d: %s", st->cpu, strerror(errno));
		return e;
	}
	return 0;
}

static int keep_leader(struct sampler *s, int fd)
{
	if (grow_array(&s->leaders, &s->capleaders, s->nleaders + 1, sizeof(*s->leaders)))
		return -ENOMEM;
	s->leaders[s->nleaders++] = fd;
	return 0;
}

static int open_members(struct sampler *s, pid_t tid, int cpu, int leader, char *err, size_t len)
{
	for (size_t i = 1; i < s->ngroup; i++) {
		int fd = try_open(s, tid, cpu, &s->group[i], leader);

		if (fd < 0) {
			explain(fd, tid, s, err, len);
			return fd;
		}
		if (keep_fd(s, fd)) {
			close(fd);
			return -ENOMEM;
		}
	}
	return 0;
}

/* The context-switch event of (TID, CPU): a sample at every switch-out
 * with the sampling event's stack, and switch records for in and out.  A
 * refusal turns off-CPU off with the reason, for every task. */
static int open_switch(struct sampler *s, pid_t tid, size_t ci, char *err, size_t len)
{
	struct perf_event_attr a;
	uint64_t id;
	long fd;
	int e;

	if (!s->offcpu)
		return 0;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_CONTEXT_SWITCHES;
	a.sample_period = 1;
	a.sample_type = sampler_sample_type(s);
	a.read_format = PERF_RECS_READ_FORMAT;
	a.inherit = 1;
	a.exclude_hv = 1;
	a.context_switch = 1;
	a.sample_id_all = 1;
	a.use_clockid = 1;
	a.clockid = CLOCK_MONOTONIC;
	a.disabled = 1;
	a.enable_on_exec = !!s->cfg.enable_on_exec;
	if (s->cfg.stack_bytes) {
		a.sample_regs_user = PERF_RECS_REGS_MASK;
		a.sample_stack_user = s->cfg.stack_bytes;
		a.watermark = 1;
		a.wakeup_watermark = (4096u << ring_order(s)) / 4;
	}
	fd = sys_perf_event_open(&a, tid, s->cpus[ci], -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		e = -errno;
		if (e == -ESRCH)
			return e;
		if (!s->nswitchers) { /* the first: off-CPU is not to be had here */
			s->offcpu = 0;
			snprintf(s->offcpu_note, sizeof(s->offcpu_note),
				 "off-CPU stacks unavailable: the context-switch event was refused "
				 "(%s)",
				 strerror(-e));
			return 0;
		}
		snprintf(err, len, "cannot open the context-switch event of thread %d: %s",
			 (int)tid, strerror(-e));
		return e;
	}
	if (keep_fd(s, (int)fd)) {
		close((int)fd);
		return -ENOMEM;
	}
	if (ioctl((int)fd, PERF_EVENT_IOC_ID, &id) ||
	    grow_array(&s->switchers, &s->capswitchers, s->nswitchers + 1, sizeof(*s->switchers)) ||
	    u64map_put(&s->switch_ids, id, 1))
		return -ENOMEM;
	s->switchers[s->nswitchers++] = (int)fd;
	return attach_output(s, ci, (int)fd, err, len);
}

static int push_lean(struct sampler *s, int fd)
{
	if (grow_array(&s->lean_fds, &s->caplean, s->nlean + 1, sizeof(*s->lean_fds)))
		return -ENOMEM;
	s->lean_fds[s->nlean++] = fd;
	return 0;
}

/* A lean task's counters: each its own event on any CPU, inherited, not
 * grouped with the leader (so not in its samples), counted all the same. */
static int open_lean_members(struct sampler *s, pid_t tid, char *err, size_t len)
{
	for (size_t i = 1; i < s->ngroup; i++) {
		struct perf_event_attr a;
		long fd = -1;

		if (s->lean_members) {
			fill_attr(s, &a, &s->group[i], 0);
			a.disabled = 1;
			fd = sys_perf_event_open(&a, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
			if (fd < 0) {
				explain(-errno, tid, s, err, len);
				return -errno;
			}
			if (keep_fd(s, (int)fd)) {
				close((int)fd);
				return -ENOMEM;
			}
		}
		if (push_lean(s, (int)fd))
			return -ENOMEM;
	}
	return 0;
}

static int open_on_cpu(struct sampler *s, pid_t tid, size_t ci, char *err, size_t len)
{
	int cpu = s->cpus[ci], fd, e;

	fd = s->decided ? try_open(s, tid, cpu, &s->group[0], -1) : decide_leader(s, tid, cpu);
	if (fd < 0) {
		explain(fd, tid, s, err, len);
		return fd;
	}
	e = keep_fd(s, fd);
	if (e) {
		close(fd);
		return e;
	}
	if (!s->decided) {
		decide_members(s, tid, cpu, fd);
		s->decided = 1;
	} else if (s->lean) {
		e = push_lean(s, fd);
		if (!e)
			e = attach_output(s, ci, fd, err, len);
		return e ? e : open_switch(s, tid, ci, err, len);
	} else if ((e = open_members(s, tid, cpu, fd, err, len))) {
		return e;
	}
	e = keep_leader(s, fd);
	if (!e)
		e = attach_output(s, ci, fd, err, len);
	return e ? e : open_switch(s, tid, ci, err, len);
}

/* Closes the events opened since BEFORE (and the rings they own). */
static void undo_opens(struct sampler *s, size_t before, size_t leaders_before,
		       size_t switchers_before)
{
	s->nleaders = leaders_before;
	s->nswitchers = switchers_before; /* their ids stay: never reused */
	while (s->nfds > before) {
		int fd = s->fds[--s->nfds];

		for (size_t k = 0; k < s->ncpus; k++)
			if (s->streams[k].fd == fd) {
				ring_unmap(&s->streams[k].ring);
				s->streams[k].fd = -1;
			}
		close(fd);
	}
	index_streams(s);
}

/* Whether TID has ended (or is ending: a zombie or dead thread). */
static int task_gone(pid_t tid)
{
	struct procfs_stat st;

	return procfs_read_stat(tid, 0, &st) != 0 || st.state == 'Z' || st.state == 'X';
}

int sampler_open_task(struct sampler *s, pid_t tid, char *err, size_t errlen)
{
	size_t before = s->nfds, leaders_before = s->nleaders, switchers_before = s->nswitchers;
	size_t lean_before = s->nlean;

	for (size_t ci = 0; ci <= s->ncpus; ci++) {
		int e = ci < s->ncpus ? open_on_cpu(s, tid, ci, err, errlen)
			: s->lean     ? open_lean_members(s, tid, err, errlen)
				      : 0;

		if (e) {
			/* All CPUs or none: a task sampled on some CPUs only would lie. */
			undo_opens(s, before, leaders_before, switchers_before);
			s->nlean = lean_before;
			/* A thread that exits while its events are opened makes the
			 * kernel answer ENODEV or ENOENT, not ESRCH: it ended, the
			 * event is not unsupported. */
			if (e != -ESRCH && tid > 0 && task_gone(tid)) {
				snprintf(err, errlen, "no such process: %d", (int)tid);
				e = -ESRCH;
			}
			return e;
		}
	}
	return 0;
}

void sampler_enable(struct sampler *s)
{
	for (size_t i = 0; i < s->nleaders; i++)
		ioctl(s->leaders[i], PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP);
	for (size_t i = 0; i < s->nlean; i++)
		if (s->lean_fds[i] >= 0)
			ioctl(s->lean_fds[i], PERF_EVENT_IOC_ENABLE, 0);
	for (size_t i = 0; i < s->nswitchers; i++)
		ioctl(s->switchers[i], PERF_EVENT_IOC_ENABLE, 0);
}

void sampler_disable(struct sampler *s)
{
	for (size_t i = 0; i < s->nleaders; i++)
		ioctl(s->leaders[i], PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP);
	for (size_t i = 0; i < s->nlean; i++)
		if (s->lean_fds[i] >= 0)
			ioctl(s->lean_fds[i], PERF_EVENT_IOC_DISABLE, 0);
	for (size_t i = 0; i < s->nswitchers; i++)
		ioctl(s->switchers[i], PERF_EVENT_IOC_DISABLE, 0);
}

/* Online CPUs from "0-3,8,10-11". */
static size_t parse_cpu_list(const char *p, int *out, size_t max)
{
	size_t n = 0;

	while (*p && n < max) {
		char *end;
		long a = strtol(p, &end, 10), b;

		if (end == p)
			break;
		b = a;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		for (long c = a; c <= b && n < max; c++)
			out[n++] = (int)c;
		if (*end != ',')
			break;
		p = end + 1;
	}
	return n;
}

static int find_cpus(struct sampler *s)
{
	long conf = sysconf(_SC_NPROCESSORS_CONF);
	size_t max = conf > 0 ? (size_t)conf : 1;
	FILE *f = fopen("/sys/devices/system/cpu/online", "r");
	char buf[4096] = "";

	s->cpus = calloc(max, sizeof(*s->cpus));
	if (!s->cpus)
		return -ENOMEM;
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
	}
	s->ncpus = parse_cpu_list(buf, s->cpus, max);
	if (!s->ncpus)
		for (; s->ncpus < max; s->ncpus++)
			s->cpus[s->ncpus] = (int)s->ncpus;
	return 0;
}

struct sampler *sampler_new(const struct sampler_config *cfg)
{
	struct sampler *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->cfg = *cfg;
	s->sample_read = 1;
	s->offcpu = cfg->offcpu && !cfg->system_wide;
	if (cfg->offcpu && cfg->system_wide)
		snprintf(s->offcpu_note, sizeof(s->offcpu_note),
			 "no switch-out stacks with -a or --cgroup (every context switch of every "
			 "task); the samples are on-CPU time");
	u64map_init(&s->switch_ids);
	if (find_cpus(s) || !(s->streams = calloc(s->ncpus, sizeof(*s->streams))) ||
	    !(s->active = calloc(s->ncpus, sizeof(*s->active)))) {
		sampler_free(s);
		return NULL;
	}
	for (size_t i = 0; i < s->ncpus; i++)
		s->streams[i].fd = -1;
	return s;
}

void sampler_release(struct sampler *s)
{
	for (size_t i = 0; s->streams && i < s->ncpus; i++) {
		ring_unmap(&s->streams[i].ring);
		s->streams[i].fd = -1;
	}
	for (size_t i = 0; i < s->nfds; i++)
		close(s->fds[i]);
	s->nfds = s->nleaders = s->nswitchers = s->nlean = 0;
	index_streams(s);
}

void sampler_free(struct sampler *s)
{
	if (!s)
		return;
	sampler_release(s);
	free(s->fds);
	free(s->leaders);
	free(s->lean_fds);
	free(s->switchers);
	u64map_clear(&s->switch_ids);
	free(s->active);
	free(s->streams);
	free(s->cpus);
	free(s);
}

size_t sampler_nstreams(const struct sampler *s) { return s->nstreams; }

/* Streams are the CPUs that have a ring, in CPU order. */
struct sampler_stream *sampler_stream(struct sampler *s, size_t i)
{
	return i < s->nstreams ? &s->streams[s->active[i]] : NULL;
}

const char *sampler_event_name(const struct sampler *s)
{
	return s->ngroup ? s->group[0].name : "none";
}

int sampler_weight_ns(const struct sampler *s)
{
	const struct perf_event_attr *a = s->ngroup ? &s->group[0].attr : NULL;

	return a && a->type == PERF_TYPE_SOFTWARE &&
	       (a->config == PERF_COUNT_SW_CPU_CLOCK || a->config == PERF_COUNT_SW_TASK_CLOCK);
}
int sampler_hw_available(const struct sampler *s) { return s->hw; }
int sampler_user_only(const struct sampler *s) { return s->user_only; }
uint64_t sampler_sample_type(const struct sampler *s)
{
	return PERF_RECS_SAMPLE_TYPE | (s->sample_read ? PERF_SAMPLE_READ : 0) |
	       (s->cfg.stack_bytes ? PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER : 0) |
	       (s->cfg.offcpu ? PERF_SAMPLE_IDENTIFIER : 0);
}
int sampler_offcpu(const struct sampler *s) { return s->offcpu; }
const char *sampler_offcpu_note(const struct sampler *s) { return s->offcpu_note; }
int sampler_is_switch(const struct sampler *s, uint64_t id)
{
	return id && u64map_get(&s->switch_ids, id) != U64MAP_NONE;
}
const char *sampler_hw_note(const struct sampler *s) { return s->hw_note; }
const char *sampler_counter_note(const struct sampler *s) { return s->ctr_note; }
size_t sampler_ngroup(const struct sampler *s) { return s->ngroup; }
const struct event_spec *sampler_group(const struct sampler *s) { return s->group; }
int sampler_sample_read(const struct sampler *s) { return s->sample_read; }
size_t sampler_nleaders(const struct sampler *s)
{
	return s->nleaders + (s->lean_width ? s->nlean / s->lean_width : 0);
}
size_t sampler_ncpus(const struct sampler *s) { return s->ncpus; }

static int read_group(int fd, struct group_read *out)
{
	uint64_t buf[3 + 2 * EVENTS_MAX];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0)
		return -errno;
	return perf_read_decode(buf, (size_t)n, out);
}

/* A lean task read as if its events were one group: its leaders' counts
 * and times summed over CPUs (as the full layout's are by the caller), each
 * member's count scaled by its own times and put on the leaders' footing.
 * A member not opened reads 0. */
static int read_lean(const struct sampler *s, size_t t, struct group_read *out)
{
	const int *fd = s->lean_fds + t * s->lean_width;
	struct group_read r;

	memset(out, 0, sizeof(*out));
	out->nr = s->ngroup;
	for (size_t c = 0; c < s->ncpus; c++) {
		if (read_group(fd[c], &r) || !r.nr)
			return -EIO;
		out->value[0] += r.value[0];
		out->enabled += r.enabled;
		out->running += r.running;
	}
	for (size_t k = 1; k < s->ngroup; k++) {
		double v;

		if (fd[s->ncpus + k - 1] < 0 || read_group(fd[s->ncpus + k - 1], &r) || !r.nr)
			continue;
		v = r.running ? (double)r.value[0] * (double)r.enabled / (double)r.running : 0;
		/* The caller scales every value by (enabled / CPUs) / running: a
		 * task's leader is enabled on every CPU while it runs, counting on
		 * one. Undo that for a count already whole. */
		if (out->enabled)
			v = v * (double)out->running * (double)s->ncpus / (double)out->enabled;
		out->value[k] = (uint64_t)v;
	}
	return 0;
}

int sampler_read_leader(const struct sampler *s, size_t i, struct group_read *out)
{
	if (i >= sampler_nleaders(s))
		return -EINVAL;
	if (i >= s->nleaders)
		return read_lean(s, i - s->nleaders, out);
	return read_group(s->leaders[i], out);
}

/* Descriptors this process has open now. */
static size_t open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	size_t n = 0;

	if (!d)
		return 0;
	while (readdir(d))
		n++;
	closedir(d);
	return n > 3 ? n - 3 : 0; /* ".", ".." and the directory's own */
}

int sampler_plan(struct sampler *s, size_t ntasks, char *err, size_t len)
{
	struct rlimit rl;
	size_t sw = s->offcpu ? 1 : 0, full = s->ncpus * (s->ngroup + sw),
	       lean = s->ncpus * (1 + sw) + (s->ngroup - 1), bare = s->ncpus * (1 + sw), budget,
	       used;
	char note[256];

	if (!ntasks || getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == RLIM_INFINITY)
		return 0;
	/* Kept free: the exports, /proc readers, libdwfl's open files. */
	used = open_fds() + 256;
	budget = rl.rlim_cur > used ? rl.rlim_cur - used : 0;
	if (ntasks * full <= budget)
		return 0;
	s->lean_width = s->ncpus + s->ngroup - 1;
	if (ntasks * lean <= budget) {
		s->lean = s->lean_members = 1;
		snprintf(note, sizeof(note),
			 "%zu threads x %zu CPUs: counters opened once per thread, not per CPU "
			 "(%zu descriptors instead of %zu; limit %llu); per-function counters "
			 "only for the first thread",
			 ntasks, s->ncpus, ntasks * lean, ntasks * full,
			 (unsigned long long)rl.rlim_cur);
		note_add(s, note);
		return 0;
	}
	if (ntasks * bare <= budget) {
		s->lean = 1;
		snprintf(note, sizeof(note),
			 "%zu threads x %zu CPUs: only the sampling%s event%s opened per thread "
			 "(%zu descriptors; the limit %llu leaves no room for counters)",
			 ntasks, s->ncpus, sw ? " and context-switch" : "", sw ? "s" : "",
			 ntasks * bare, (unsigned long long)rl.rlim_cur);
		note_add(s, note);
		return 0;
	}
	snprintf(err, len,
		 "%zu threads x %zu CPUs need at least %zu perf descriptors; the limit is %llu "
		 "(raise 'ulimit -Hn', or profile with --no-offcpu)",
		 ntasks, s->ncpus, ntasks * bare, (unsigned long long)rl.rlim_cur);
	return -EMFILE;
}
