/* classify — rules over CPU time, wall time, kernel reasons, counters, I/O
 * and off-CPU time; suggestions from the same numbers. */
#include "classify.h"

#include <stdio.h>
#include <string.h>

/* On-CPU time at or above this share of the threads' wall time is
 * CPU-bound: below it they spend a third or more of their life waiting. */
#define CPU_BOUND_PCT CLASSIFY_CPU_BOUND_PCT
/* When the kernel takes at least half of the CPU time, the kernel is the cost. */
#define KERNEL_SHARE 0.5
/* Disk traffic above this rate while off-CPU points to file I/O. */
#define IO_BYTES_PER_S (1u << 20)
/* Page faults taking this share of the samples make memory the cost. */
#define FAULT_PCT 25.0
/* Cache-bound: this share of cache references miss, with IPC under 1. */
#define CACHE_MISS_PCT 10.0
#define CACHE_IPC      1.0
/* Suggestions: thresholds for each. */
#define SG_KERNEL_SHARE 0.3
#define SG_HOT_SELF_PCT 30.0
#define SG_LOCK_PCT     20.0 /* of the threads' wall time, blocked on locks */

const char *bottleneck_name(enum bottleneck b)
{
	static const char *const names[] = {
		[BN_CPU] = "CPU",
		[BN_IO_FILE] = "I/O-File",
		[BN_IO_NETWORK] = "I/O-Network",
		[BN_MEMORY] = "Memory",
		[BN_CACHE] = "Cache",
		[BN_KERNEL] = "Kernel",
		[BN_OFFCPU_LOCK] = "Off-CPU/Lock",
		[BN_UNKNOWN] = "Unknown",
		[BN_OFFCPU_SLEEP] = "Off-CPU/Sleep",
		[BN_OFFCPU_WAIT] = "Off-CPU/Wait",
	};
	return names[b];
}

/* On-CPU share of the threads' wall time, in percent: from /proc where it
 * was read, else CPU time over wall time (one thread's view). */
static double on_cpu_pct(const struct classify_input *in)
{
	double r;

	if (in->off_cpu_pct >= 0)
		return 100.0 - in->off_cpu_pct;
	r = in->wall_ms > 0 ? 100.0 * in->cpu_ms / in->wall_ms : 0;
	return r > 100 ? 100 : r;
}

/* Runnable but not running: the threads' preempted time (the CPU was taken
 * from them, they did not give it up) as a share of their wall time. Time a
 * busy machine keeps a thread waiting for a CPU is demand for CPU, not
 * waiting for something else. Without per-thread time: from the switch-out
 * stacks' total, else /proc's. */
static double runnable_pct(const struct classify_input *in, double on)
{
	double wall, r;

	if (!in->has_offcpu || in->offcpu_ms[BLOCK_PREEMPT] <= 0) {
		r = in->off_cpu_pct >= 0 ? in->proc_runnable_pct : 0;
		return r < 0 ? 0 : r > 100.0 - on ? 100.0 - on : r;
	}
	wall = on > 0 && in->cpu_ms > 0 ? in->cpu_ms * 100.0 / on
					: in->wall_ms * (double)(in->threads > 0 ? in->threads : 1);
	r = wall > 0 ? 100.0 * in->offcpu_ms[BLOCK_PREEMPT] / wall : 0;
	return r > 100.0 - on ? 100.0 - on : r;
}

static double kernel_pct(const struct classify_input *in, enum block_reason r)
{
	return in->weight ? 100.0 * (double)in->kernel_weight[r] / (double)in->weight : 0;
}

/* The reason with the most off-CPU time, and the total. */
static enum block_reason top_offcpu(const struct classify_input *in, double *total)
{
	enum block_reason best = BLOCK_NONE;

	*total = 0;
	for (int r = 0; r < BLOCK_NREASONS; r++) {
		*total += in->offcpu_ms[r];
		if (in->offcpu_ms[r] > in->offcpu_ms[best])
			best = (enum block_reason)r;
	}
	return best;
}

/* What blocking for reason R makes a thread (or a program) bound by. */
static enum bottleneck bottleneck_of_reason(enum block_reason r)
{
	static const enum bottleneck of[BLOCK_NREASONS] = {
		[BLOCK_NONE] = BN_OFFCPU_WAIT,   [BLOCK_LOCK] = BN_OFFCPU_LOCK,
		[BLOCK_SLEEP] = BN_OFFCPU_SLEEP, [BLOCK_FILE] = BN_IO_FILE,
		[BLOCK_NET] = BN_IO_NETWORK,     [BLOCK_POLL] = BN_IO_NETWORK,
		[BLOCK_PIPE] = BN_OFFCPU_WAIT,   [BLOCK_CHILD] = BN_OFFCPU_WAIT,
		[BLOCK_FAULT] = BN_MEMORY,       [BLOCK_PREEMPT] = BN_CPU,
	};
	return of[r];
}

/* ---- threads ---- */

static double thread_off(const struct classify_thread *t)
{
	double s = 0;

	for (int r = 0; r < BLOCK_NREASONS; r++)
		s += t->off_ms[r];
	return s;
}

/* Where threads wait for work to come, rather than for work to finish. */
static int waits_for_work(enum block_reason r)
{
	return r == BLOCK_NONE || r == BLOCK_LOCK || r == BLOCK_SLEEP || r == BLOCK_POLL ||
	       r == BLOCK_PIPE || r == BLOCK_CHILD;
}

int classify_thread_idle(const struct classify_thread *t)
{
	double off = thread_off(t), total = t->on_ms + off, parked = 0;

	if (total <= 0 || off <= 0 || 100.0 * t->on_ms / total >= CLASSIFY_IDLE_ON_PCT)
		return 0;
	for (int r = 0; r < BLOCK_NREASONS; r++)
		if (waits_for_work((enum block_reason)r))
			parked += t->off_ms[r];
	return 100.0 * parked / off >= CLASSIFY_IDLE_WAIT_PCT;
}

const char *classify_thread_class(const struct classify_thread *t)
{
	double off = thread_off(t), total = t->on_ms + off;
	enum block_reason best = BLOCK_NONE;

	if (total <= 0)
		return NULL;
	if (100.0 * t->on_ms / total >= CPU_BOUND_PCT)
		return "CPU";
	if (100.0 * (t->on_ms + t->off_ms[BLOCK_PREEMPT]) / total >= CPU_BOUND_PCT)
		return "CPU-starved";
	if (classify_thread_idle(t))
		return "idle";
	for (int r = 0; r < BLOCK_NREASONS; r++)
		if (r != BLOCK_PREEMPT && t->off_ms[r] > t->off_ms[best])
			best = (enum block_reason)r;
	return bottleneck_name(bottleneck_of_reason(best));
}

void classify_share(const struct classify_input *in, struct classify_share *out)
{
	double on = 0, off = 0, pre = 0;

	memset(out, 0, sizeof(*out));
	for (int pass = 0; pass < 2 && on + off <= 0; pass++) {
		/* Pass 0 leaves the idle out; pass 1, every thread idle, judges
		 * them all as they are. */
		out->idle = out->known = 0;
		out->threads = 0;
		for (size_t i = 0; i < in->nthr; i++) {
			const struct classify_thread *t = &in->thr[i];

			if (t->on_ms + thread_off(t) <= 0)
				continue;
			out->known++;
			if (pass == 0 && classify_thread_idle(t)) {
				out->idle++;
				continue;
			}
			out->threads++;
			on += t->on_ms;
			off += thread_off(t);
			pre += t->off_ms[BLOCK_PREEMPT];
		}
		if (pass == 1)
			out->idle = 0;
	}
	if (on + off > 0) {
		out->from_samples = 1;
		out->on_pct = 100.0 * on / (on + off);
		out->runnable_pct = 100.0 * pre / (on + off);
	} else {
		out->on_pct = on_cpu_pct(in);
		out->runnable_pct = runnable_pct(in, out->on_pct);
		out->threads = in->threads;
		out->idle = 0;
	}
	out->off_pct = 100.0 - out->on_pct;
	out->waiting_pct = out->off_pct - out->runnable_pct;
	if (out->waiting_pct < 0)
		out->waiting_pct = 0;
}

/* IN as seen from the threads that carry the work (SH, classify_share):
 * their on-CPU share, blocked time and count. */
static void working_view(const struct classify_input *in, const struct classify_share *sh,
			 struct classify_input *w)
{
	double by[BLOCK_NREASONS] = { 0 };

	*w = *in;
	if (!sh->from_samples)
		return;
	w->off_cpu_pct = sh->off_pct;
	if (!sh->idle)
		return;
	for (size_t i = 0; i < in->nthr; i++) {
		const struct classify_thread *t = &in->thr[i];

		if (t->on_ms + thread_off(t) <= 0 || classify_thread_idle(t))
			continue;
		for (int r = 0; r < BLOCK_NREASONS; r++)
			by[r] += t->off_ms[r];
	}
	memcpy(w->offcpu_ms, by, sizeof(by));
	w->threads = sh->threads;
}

/* "; memory grows +12.0 MiB/min (possible leak)" when it does. */
static void growth_note(const struct classify_input *in, char *buf, size_t len)
{
	buf[0] = 0;
	if (in->has_growth && in->leak)
		snprintf(buf, len, "; memory grows %+.1f MiB/min over %.0f s (possible leak)",
			 in->growth_mib_min, in->growth_span_s);
}

static void classify_on_cpu(const struct classify_input *in, double on, struct classification *out)
{
	double sys_share = in->cpu_ms > 0 ? in->sys_ms / in->cpu_ms : 0;
	double fault = kernel_pct(in, BLOCK_FAULT);
	char more[160];

	growth_note(in, more, sizeof(more));
	if (in->has_cache && in->cache_miss_pct >= CACHE_MISS_PCT &&
	    (!in->has_ipc || in->ipc < CACHE_IPC)) {
		out->kind = BN_CACHE;
		snprintf(
		    out->detail, sizeof(out->detail),
		    "cache-bound: on-CPU %.0f%% of wall time, %.1f%% of cache references miss; "
		    "IPC %.2f%s",
		    on, in->cache_miss_pct, in->has_ipc ? in->ipc : 0.0, more);
		return;
	}
	if (fault >= FAULT_PCT) {
		out->kind = BN_MEMORY;
		snprintf(out->detail, sizeof(out->detail),
			 "memory-bound: on-CPU %.0f%% of wall time, %.0f%% of the samples in page "
			 "faults (the kernel mapping memory in)%s",
			 on, fault, more);
		return;
	}
	out->kind = sys_share >= KERNEL_SHARE ? BN_KERNEL : BN_CPU;
	snprintf(out->detail, sizeof(out->detail),
		 "%s-bound: on-CPU %.0f ms in %.0f ms of wall time (%.0f%% of the threads' time, "
		 "%ld thread%s sampled); user %.0f ms, sys %.0f ms (%.0f%% in the kernel)%s",
		 out->kind == BN_KERNEL ? "kernel" : "CPU", in->cpu_ms, in->wall_ms, on,
		 in->threads, in->threads == 1 ? "" : "s", in->user_ms, in->sys_ms, 100 * sys_share,
		 more);
}

/* On a CPU less than CPU_BOUND_PCT only because others held the CPUs. */
static void classify_starved(const struct classify_input *in, double on, double runnable,
			     struct classification *out)
{
	char more[160];

	growth_note(in, more, sizeof(more));
	out->kind = BN_CPU;
	snprintf(out->detail, sizeof(out->detail),
		 "CPU-starved: runnable but not running %.0f%% of the threads' wall time (other "
		 "work held the CPUs), on-CPU %.0f%%; %.0f ms of CPU in %.0f ms of wall time%s",
		 runnable, on, in->cpu_ms, in->wall_ms, more);
}

/* Off-CPU: switch-out stacks say why; without them, the disk and the
 * kernel's on-CPU work are the clues. */
static void classify_off_cpu(const struct classify_input *in, double on, struct classification *out)
{
	double io_rate = (double)(in->io_read_bytes + in->io_write_bytes) / (in->wall_ms / 1000.0);
	double total;
	enum block_reason why;
	char more[160];

	growth_note(in, more, sizeof(more));
	if (in->has_offcpu && (why = top_offcpu(in, &total), total > 0)) {
		out->kind = bottleneck_of_reason(why);
		snprintf(out->detail, sizeof(out->detail),
			 "off-CPU-bound: threads wait %.0f%% of wall time; of %.0f ms blocked, "
			 "%.0f ms (%.0f%%) in %s%s",
			 100 - on, total, in->offcpu_ms[why], 100 * in->offcpu_ms[why] / total,
			 blocking_name(why), more);
		return;
	}
	if (io_rate >= IO_BYTES_PER_S)
		out->kind = BN_IO_FILE;
	else if (in->kernel_weight[BLOCK_NET] + in->kernel_weight[BLOCK_POLL] >
		 in->kernel_weight[BLOCK_FILE])
		out->kind = BN_IO_NETWORK;
	else
		out->kind = BN_OFFCPU_WAIT; /* what it waits in is not known */
	snprintf(out->detail, sizeof(out->detail),
		 "off-CPU-bound: on-CPU only %.0f ms in %.0f ms of wall time, so the threads wait "
		 "%.0f%% of the time; disk I/O %.1f MiB/s%s%s",
		 in->cpu_ms, in->wall_ms, 100 - on, io_rate / (1 << 20),
		 out->kind == BN_IO_FILE      ? " (file I/O likely)"
		 : out->kind == BN_IO_NETWORK ? " and kernel time in sockets and polling "
						"(network I/O likely)"
					      : " (waiting on locks, sleeps or other processes; "
						"no switch-out stacks to tell which)",
		 more);
}

static void classify_view(const struct classify_input *in, const struct classify_share *sh,
			  struct classification *out)
{
	double on = sh->on_pct, runnable = sh->runnable_pct;

	if ((in->samples == 0 && !in->has_offcpu) || in->wall_ms <= 0) {
		out->kind = BN_UNKNOWN;
		snprintf(out->detail, sizeof(out->detail),
			 "no samples in %.0f ms of wall time: the target did not run on a CPU "
			 "while sampled",
			 in->wall_ms);
		return;
	}
	if (on >= CPU_BOUND_PCT)
		classify_on_cpu(in, on, out);
	else if (on + runnable >= CPU_BOUND_PCT)
		classify_starved(in, on, runnable, out);
	else
		classify_off_cpu(in, on, out);
}

void classify(const struct classify_input *in, struct classification *out)
{
	struct classify_input w;
	struct classify_share sh;
	size_t n;

	classify_share(in, &sh);
	working_view(in, &sh, &w);
	classify_view(&w, &sh, out);
	n = strlen(out->detail);
	if (sh.idle && out->kind != BN_UNKNOWN && n < sizeof(out->detail))
		snprintf(out->detail + n, sizeof(out->detail) - n,
			 "; %zu of %zu threads idle (parked waiting for work: left out)", sh.idle,
			 sh.known);
}

/* ---- suggestions ---- */

static struct suggestion *add(struct suggestion *out, size_t *n, const char *key)
{
	struct suggestion *s = &out[(*n)++];

	s->key = key;
	s->text[0] = s->evidence[0] = 0;
	return s;
}

static size_t suggest_view(const struct classify_input *in, const struct classify_share *sh,
			   struct suggestion *out);

size_t suggest(const struct classify_input *in, struct suggestion *out)
{
	struct classify_input w;
	struct classify_share sh;

	classify_share(in, &sh);
	working_view(in, &sh, &w);
	return suggest_view(&w, &sh, out);
}

static size_t suggest_view(const struct classify_input *in, const struct classify_share *sh,
			   struct suggestion *out)
{
	double on = sh->on_pct, sys_share = in->cpu_ms > 0 ? in->sys_ms / in->cpu_ms : 0;
	double wall_s = in->wall_ms / 1000.0, total, runnable = sh->runnable_pct;
	size_t n = 0;
	struct suggestion *s;

	if (in->wall_ms <= 0)
		return 0;
	if (in->samples && on + runnable >= CPU_BOUND_PCT) {
		char starved[64] = "";

		if (runnable >= 0.5)
			snprintf(starved, sizeof(starved),
				 ", runnable but waiting for a CPU %.0f%%", runnable);
		s = add(out, &n, "cpu_bound");
		snprintf(s->text, sizeof(s->text), "The target is CPU-bound");
		snprintf(s->evidence, sizeof(s->evidence),
			 "on-CPU %.0f%% of the threads' wall time%s; %.0f ms of CPU in %.0f ms "
			 "(user %.0f ms, sys %.0f ms)",
			 on, starved, in->cpu_ms, in->wall_ms, in->user_ms, in->sys_ms);
	}
	if (on + runnable < CPU_BOUND_PCT) {
		enum block_reason why = in->has_offcpu ? top_offcpu(in, &total) : BLOCK_NONE;

		s = add(out, &n, "off_cpu");
		/* What it waits for, where switch-out stacks say. */
		if (why != BLOCK_NONE && total > 0)
			snprintf(s->text, sizeof(s->text),
				 "The target is off-CPU: it waits, most in %s", blocking_name(why));
		else
			snprintf(s->text, sizeof(s->text),
				 "The target is off-CPU / I/O-bound: it waits");
		snprintf(s->evidence, sizeof(s->evidence),
			 "threads off the CPU %.0f%% of their wall time; disk read %.1f MiB, "
			 "written %.1f MiB in %.1f s",
			 100 - on, (double)in->io_read_bytes / (1 << 20),
			 (double)in->io_write_bytes / (1 << 20), wall_s);
	}
	if (in->has_growth && in->leak) {
		s = add(out, &n, "memory_growth");
		snprintf(s->text, sizeof(s->text),
			 "Memory grows steadily: a leak or an unbounded cache");
		snprintf(s->evidence, sizeof(s->evidence),
			 "RSS %+.1f MiB/min over %.0f s, least-squares fit R2 %.2f",
			 in->growth_mib_min, in->growth_span_s, in->growth_r2);
	}
	if (in->samples && in->cpu_ms > 0 && sys_share >= SG_KERNEL_SHARE) {
		enum block_reason top = BLOCK_NONE;

		for (int r = 1; r < BLOCK_NREASONS; r++)
			if (in->kernel_weight[r] > in->kernel_weight[top])
				top = (enum block_reason)r;
		s = add(out, &n, "kernel_heavy");
		snprintf(s->text, sizeof(s->text),
			 "The kernel does much of the work (system calls)");
		if (top == BLOCK_NONE)
			snprintf(s->evidence, sizeof(s->evidence),
				 "%.0f%% of CPU time in the kernel (sys %.0f ms of %.0f ms)",
				 100 * sys_share, in->sys_ms, in->cpu_ms);
		else
			snprintf(s->evidence, sizeof(s->evidence),
				 "%.0f%% of CPU time in the kernel (sys %.0f ms of %.0f ms); most "
				 "kernel samples in %s (%.0f%% of samples)",
				 100 * sys_share, in->sys_ms, in->cpu_ms, blocking_name(top),
				 kernel_pct(in, top));
	}
	if (in->samples && in->hot_function[0] && in->hot_self_pct >= SG_HOT_SELF_PCT) {
		s = add(out, &n, "hot_path");
		snprintf(s->text, sizeof(s->text), "One hot path dominates: %.100s",
			 in->hot_function);
		snprintf(s->evidence, sizeof(s->evidence),
			 "%.200s takes %.1f%% of the samples itself, %.1f%% with its callees",
			 in->hot_function, in->hot_self_pct, in->hot_total_pct);
	}
	if (in->has_cache && in->cache_miss_pct >= CACHE_MISS_PCT) {
		s = add(out, &n, "cache_bound");
		snprintf(s->text, sizeof(s->text),
			 "The target is cache-bound: memory access stalls it");
		if (in->has_ipc)
			snprintf(s->evidence, sizeof(s->evidence),
				 "%.1f%% of cache references miss; IPC %.2f", in->cache_miss_pct,
				 in->ipc);
		else
			snprintf(s->evidence, sizeof(s->evidence),
				 "%.1f%% of cache references miss", in->cache_miss_pct);
	}
	if (in->has_offcpu && (top_offcpu(in, &total), total > 0) &&
	    100.0 * in->offcpu_ms[BLOCK_LOCK] /
		    (in->wall_ms * (in->threads > 0 ? in->threads : 1)) >=
		SG_LOCK_PCT) {
		s = add(out, &n, "lock_bound");
		snprintf(s->text, sizeof(s->text), "Threads are held up by lock contention");
		snprintf(s->evidence, sizeof(s->evidence),
			 "%.0f ms blocked in futex/mutex waits, %.0f%% of the %.0f ms blocked",
			 in->offcpu_ms[BLOCK_LOCK], 100 * in->offcpu_ms[BLOCK_LOCK] / total, total);
	}
	return n;
}
