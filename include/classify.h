/* classify — what kind of bottleneck a profile shows, with the numbers that
 * decided it, and the hypotheses those numbers suggest.  The screen and the
 * exports fill one input from what was measured and ask both questions. */
#ifndef FLAMETOP_CLASSIFY_H
#define FLAMETOP_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

#include "blocking.h"

/* On a CPU at least this share of the busy threads' wall time is
 * CPU-bound; less, but with the time preempted added, CPU-starved. The
 * screen's CPU reading uses the same line. */
#define CLASSIFY_CPU_BOUND_PCT 67.0

enum bottleneck {
	BN_CPU,
	BN_IO_FILE,
	BN_IO_NETWORK,
	BN_MEMORY,
	BN_CACHE,
	BN_KERNEL,
	BN_OFFCPU_LOCK,
	BN_UNKNOWN,
	BN_OFFCPU_SLEEP, /* asleep by its own choice (nanosleep) */
	BN_OFFCPU_WAIT,  /* on a pipe, a child, or nothing the stacks name */
};

/* A thread on a CPU less than this share of its time, and blocked at least
 * CLASSIFY_IDLE_WAIT_PCT of its off-CPU time where threads wait for work
 * (a futex, a sleep, poll/epoll, a pipe, a child), is idle: parked, not
 * held up. A pool's parked workers do not make a busy program lock-bound. */
#define CLASSIFY_IDLE_ON_PCT   5.0
#define CLASSIFY_IDLE_WAIT_PCT 80.0

/* One thread's time over the window: on a CPU (its samples), and blocked
 * by reason (its switch-out stacks). */
struct classify_thread {
	double on_ms;
	double off_ms[BLOCK_NREASONS];
};

/* What the classifier looks at; every field is measured, none is guessed:
 * what was not measured says so (has_* 0, or a negative share). */
struct classify_input {
	uint64_t samples;
	double wall_ms;
	double cpu_ms; /* user + sys over the window */
	double user_ms, sys_ms;
	uint64_t io_read_bytes, io_write_bytes; /* storage */
	long threads;                           /* threads that took samples */
	double off_cpu_pct;       /* of the threads' wall time (/proc); < 0: not measured */
	double proc_runnable_pct; /* of it, runnable (/proc schedstat), with off_cpu_pct */
	/* memory growth over the run */
	int has_growth, leak;
	double growth_mib_min, growth_r2, growth_span_s;
	/* the samples' weight, and the part whose stack ended in the kernel for
	 * each reason (blocking_of_node) */
	uint64_t weight;
	uint64_t kernel_weight[BLOCK_NREASONS];
	/* the hottest function by self weight */
	char hot_function[256];
	double hot_self_pct, hot_total_pct;
	/* hardware counters over the run */
	int has_cache, has_ipc;
	double cache_miss_pct, ipc;
	/* off-CPU time by the reason of the stack each thread blocked in
	 * (switch-out stacks); has_offcpu 0: not measured */
	int has_offcpu;
	double offcpu_ms[BLOCK_NREASONS];
	/* Per thread (nthr 0: not known). Where known, the verdict follows the
	 * threads that carry the work: idle ones (classify_thread_idle) are
	 * left out of the on-CPU share and the blocked time, and the detail
	 * says how many. */
	const struct classify_thread *thr;
	size_t nthr;
};

struct classification {
	enum bottleneck kind;
	char detail[512];
};

/* The threads' time as one set of figures, the only one: the verdict, its
 * detail, the hypotheses, the readings line, the CPU pane and the export's
 * baseline all print these. Where switch-out stacks give each thread's
 * time (nthr), the threads that carry the work (idle ones left out; all
 * of them when every one is idle) from their samples and blocked
 * intervals; else /proc's off_cpu_pct, else CPU over wall time (one
 * thread's view). Over the window IN covers (the whole run). */
struct classify_share {
	double on_pct;       /* on a CPU, of the judged threads' wall time */
	double runnable_pct; /* preempted: runnable, waiting for a CPU */
	double waiting_pct;  /* off a CPU for reasons of their own */
	double off_pct;      /* runnable + waiting */
	long threads;        /* judged */
	size_t idle, known;  /* left out as idle, of the threads with time */
	int from_samples;    /* 1: per-thread samples and switch-out intervals */
};

void classify_share(const struct classify_input *in, struct classify_share *out);
void classify(const struct classify_input *in, struct classification *out);
const char *bottleneck_name(enum bottleneck b);

/* Whether T is idle (see CLASSIFY_IDLE_ON_PCT); a thread with no time is
 * not. */
int classify_thread_idle(const struct classify_thread *t);
/* T's own class, by the rules the process is judged by: "idle", "CPU",
 * "CPU-starved", or a bottleneck name for what it waits in; NULL when T
 * has no time. */
const char *classify_thread_class(const struct classify_thread *t);

/* A hypothesis the numbers suggest: a stable key (cpu_bound, off_cpu,
 * memory_growth, kernel_heavy, hot_path, cache_bound, lock_bound), the
 * statement, and the numbers behind it. */
struct suggestion {
	const char *key;
	char text[160];
	char evidence[320];
};

#define SUGGEST_MAX 8

/* The suggestions IN supports, strongest first; returns how many (at most
 * SUGGEST_MAX). */
size_t suggest(const struct classify_input *in, struct suggestion *out);

#endif
