/* sampler — opening perf_event sampling events and their rings. */
#include "sampler.h"

#include "grow.h"
#include "perf_records.h"
#include "procfs.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define DEFAULT_RING_ORDER 6 /* 64 pages per CPU: ~1 s of 1 kHz samples with deep stacks */

struct sampler {
	struct sampler_config cfg;
	struct sampler_stream *streams; /* one slot per CPU; fd -1 until opened */
	int *cpus;
	size_t ncpus, nstreams;
	int *fds; /* every event, for enable/disable/close */
	size_t nfds, capfds;
	int decided; /* event and user_only fixed by the first open */
	int hw;      /* sampling hardware cycles */
	int user_only;
	char hw_note[160];
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

static void fill_attr(const struct sampler *s, struct perf_event_attr *a, int hw, int user_only)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->type = hw ? PERF_TYPE_HARDWARE : PERF_TYPE_SOFTWARE;
	a->config = hw ? PERF_COUNT_HW_CPU_CYCLES : PERF_COUNT_SW_CPU_CLOCK;
	a->freq = 1;
	a->sample_freq = s->cfg.freq_hz;
	a->sample_type = PERF_RECS_SAMPLE_TYPE;
	a->disabled = 1;
	a->enable_on_exec = !!s->cfg.enable_on_exec;
	a->inherit = 1;
	a->mmap = 1;
	a->mmap2 = 1;
	a->comm = 1;
	a->comm_exec = 1;
	a->task = 1;
	a->sample_id_all = 1;
	a->exclude_kernel = !!user_only;
	a->exclude_hv = 1;
	a->exclude_callchain_kernel = !!user_only;
}

static int try_open(struct sampler *s, pid_t tid, int cpu, int hw, int user_only)
{
	struct perf_event_attr a;
	long fd;

	fill_attr(s, &a, hw, user_only);
	fd = sys_perf_event_open(&a, tid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : (int)fd;
}

static void explain(int e, pid_t tid, const struct sampler *s, char *err, size_t len)
{
	unsigned max = sampler_max_rate();

	if (e == -EACCES || e == -EPERM)
		snprintf(err, len,
			 "permission denied sampling pid %d: kernel.perf_event_paranoid is %d and "
			 "this user may not trace it; run as root or with CAP_PERFMON, or "
			 "'sysctl kernel.perf_event_paranoid=1' (own processes only)",
			 (int)tid, procfs_read_int("/proc/sys/kernel/perf_event_paranoid", 2));
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
	else
		snprintf(err, len, "perf_event_open on pid %d failed: %s", (int)tid, strerror(-e));
}

/* First open: find the event and privilege level this machine allows. */
static int open_first(struct sampler *s, pid_t tid, int cpu)
{
	int fd;

	if (!s->cfg.force_cpu_clock) {
		fd = try_open(s, tid, cpu, 1, 0);
		if (fd == -EACCES || fd == -EPERM)
			fd = try_open(s, tid, cpu, 1, (s->user_only = 1));
		if (fd >= 0) {
			s->hw = 1;
			return fd;
		}
		if (fd == -ESRCH)
			return fd;
		if (fd == -ENOENT || fd == -EOPNOTSUPP || fd == -ENODEV)
			snprintf(
			    s->hw_note, sizeof(s->hw_note),
			    "hardware counters unavailable: no CPU PMU exposed (virtual machine?)");
		else
			snprintf(s->hw_note, sizeof(s->hw_note),
				 "hardware counters unavailable: %s", strerror(-fd));
	} else {
		snprintf(s->hw_note, sizeof(s->hw_note), "hardware counters not requested");
	}
	s->user_only = 0;
	fd = try_open(s, tid, cpu, 0, 0);
	if (fd == -EACCES || fd == -EPERM)
		fd = try_open(s, tid, cpu, 0, (s->user_only = 1));
	return fd;
}

static int map_ring(struct sampler *s, struct sampler_stream *st, char *err, size_t len)
{
	unsigned order = s->cfg.ring_order ? s->cfg.ring_order : DEFAULT_RING_ORDER;
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

static int keep_fd(struct sampler *s, int fd)
{
	if (grow_array(&s->fds, &s->capfds, s->nfds + 1, sizeof(*s->fds)))
		return -ENOMEM;
	s->fds[s->nfds++] = fd;
	return 0;
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
		s->nstreams++;
		return 0;
	}
	if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, st->fd)) {
		e = -errno;
		snprintf(err, len, "cannot share the ring of CPU %d: %s", st->cpu, strerror(errno));
		return e;
	}
	return 0;
}

static int open_on_cpu(struct sampler *s, pid_t tid, size_t ci, char *err, size_t len)
{
	int fd, e;

	if (!s->decided) {
		fd = open_first(s, tid, s->cpus[ci]);
		s->decided = fd >= 0;
	} else {
		fd = try_open(s, tid, s->cpus[ci], s->hw, s->user_only);
	}
	if (fd < 0) {
		explain(fd, tid, s, err, len);
		return fd;
	}
	e = keep_fd(s, fd);
	if (e) {
		close(fd);
		return e;
	}
	e = attach_output(s, ci, fd, err, len);
	if (e) {
		s->nfds--;
		close(fd);
	}
	return e;
}

/* Closes the events opened since BEFORE (and the rings they own). */
static void undo_opens(struct sampler *s, size_t before)
{
	while (s->nfds > before) {
		int fd = s->fds[--s->nfds];

		for (size_t k = 0; k < s->ncpus; k++)
			if (s->streams[k].fd == fd) {
				ring_unmap(&s->streams[k].ring);
				s->streams[k].fd = -1;
				s->nstreams--;
			}
		close(fd);
	}
}

int sampler_open_task(struct sampler *s, pid_t tid, char *err, size_t errlen)
{
	size_t before = s->nfds;

	for (size_t ci = 0; ci < s->ncpus; ci++) {
		int e = open_on_cpu(s, tid, ci, err, errlen);

		if (e) {
			/* All CPUs or none: a task sampled on some CPUs only would lie. */
			undo_opens(s, before);
			return e;
		}
	}
	return 0;
}

void sampler_enable(struct sampler *s)
{
	for (size_t i = 0; i < s->nfds; i++)
		ioctl(s->fds[i], PERF_EVENT_IOC_ENABLE, 0);
}

void sampler_disable(struct sampler *s)
{
	for (size_t i = 0; i < s->nfds; i++)
		ioctl(s->fds[i], PERF_EVENT_IOC_DISABLE, 0);
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
	if (find_cpus(s) || !(s->streams = calloc(s->ncpus, sizeof(*s->streams)))) {
		sampler_free(s);
		return NULL;
	}
	for (size_t i = 0; i < s->ncpus; i++)
		s->streams[i].fd = -1;
	return s;
}

void sampler_free(struct sampler *s)
{
	if (!s)
		return;
	for (size_t i = 0; s->streams && i < s->ncpus; i++)
		ring_unmap(&s->streams[i].ring);
	for (size_t i = 0; i < s->nfds; i++)
		close(s->fds[i]);
	free(s->fds);
	free(s->streams);
	free(s->cpus);
	free(s);
}

size_t sampler_nstreams(const struct sampler *s) { return s->nstreams; }

/* Streams are the CPUs that have a ring, in CPU order. */
struct sampler_stream *sampler_stream(struct sampler *s, size_t i)
{
	for (size_t k = 0; k < s->ncpus; k++)
		if (s->streams[k].fd >= 0 && i-- == 0)
			return &s->streams[k];
	return NULL;
}

const char *sampler_event_name(const struct sampler *s) { return s->hw ? "cycles" : "cpu-clock"; }
int sampler_hw_available(const struct sampler *s) { return s->hw; }
int sampler_user_only(const struct sampler *s) { return s->user_only; }
uint64_t sampler_sample_type(const struct sampler *s)
{
	(void)s;
	return PERF_RECS_SAMPLE_TYPE;
}
const char *sampler_hw_note(const struct sampler *s) { return s->hw_note; }
