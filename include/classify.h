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
	double off_cpu_pct; /* of the threads' wall time (/proc); < 0: not measured */
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
};

struct classification {
	enum bottleneck kind;
	char detail[512];
};

void classify(const struct classify_input *in, struct classification *out);
const char *bottleneck_name(enum bottleneck b);

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
