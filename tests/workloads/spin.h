/* spin.h — the CPU-burning loop shared by the known-truth workloads and the
 * benchmark: the same body everywhere, so an iteration costs the same in
 * every function that runs it.  Needs a `static volatile unsigned long sink`.
 * Also their clock, now(): monotonic seconds. */
#ifndef WORKLOAD_SPIN_H
#define WORKLOAD_SPIN_H

#define SPIN(n)                                                          \
	do {                                                             \
		unsigned long x = sink;                                  \
		for (long i = 0; i < (n); i++)                           \
			x = x * 6364136223846793005ul + 1442695040888963407ul; \
		sink = x;                                                \
	} while (0)

#include <time.h>

static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
