/* inline — a hot function inlined into its caller, for the inline-frames test.
 *
 * mix_hot() is always inlined into outer_work(); plain_work() burns the same
 * CPU out of line. Half of the time is in each.
 *
 *   inline SECONDS
 */
#include <stdlib.h>

static volatile unsigned long sink;

#include "spin.h"

#define KEEP_FRAME() __asm__ volatile("" ::: "memory")

static inline __attribute__((always_inline)) void mix_hot(long n) { SPIN(n); /* MIX_HOT_BODY */ }

__attribute__((noinline)) void outer_work(void)
{
	mix_hot(200000);
	KEEP_FRAME();
}

__attribute__((noinline)) void plain_work(void)
{
	SPIN(200000);
	KEEP_FRAME();
}

int main(int argc, char **argv)
{
	double end = now() + (argc > 1 ? atof(argv[1]) : 1.0);

	while (now() < end) {
		outer_work();
		plain_work();
	}
	return 0;
}
