/* split — known CPU split for profiler tests.
 *
 * Three leaf functions burn CPU in a 6:3:1 ratio, each under its own caller,
 * interleaved in short rounds so that any window of a second or more shows the
 * same split (attach mode samples a window, not the whole run).
 *
 *   split SECONDS          run for SECONDS, then exit 0 (0: run until killed)
 *   split --rounds N       run N rounds (200 units of work each), then exit 0:
 *                          fixed work, whatever the machine or its load
 *   split --rounds N --a U work_a does U units a call instead of 6 (the
 *                          "after" side of a known change: U = 2 makes the
 *                          split 2:3:1 and a round 120 units)
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define UNIT 20000 /* iterations of the spin loop per unit of work */

static volatile unsigned long sink;

#include "spin.h"

__attribute__((noinline)) void work_a(long units) { SPIN(units * UNIT); }
__attribute__((noinline)) void work_b(long units) { SPIN(units * UNIT); }
__attribute__((noinline)) void work_c(long units) { SPIN(units * UNIT); }

/* The barrier keeps each call out of tail position: a tail call would leave
 * no frame for the caller, and the caller is part of the truth we test. */
#define KEEP_FRAME() __asm__ volatile("" ::: "memory")

static long a_units = 6;

__attribute__((noinline)) void caller_a(void)
{
	work_a(a_units);
	KEEP_FRAME();
}
__attribute__((noinline)) void caller_b(void)
{
	work_b(3);
	KEEP_FRAME();
}
__attribute__((noinline)) void caller_c(void)
{
	work_c(1);
	KEEP_FRAME();
}

/* A round: 200 units, 6:3:1, in twenty interleaved turns. A macro, not a
 * function: the callers sit right under main, as the tests expect. */
#define ONE_ROUND()                            \
	do {                                   \
		for (int r = 0; r < 20; r++) { \
			caller_a();            \
			caller_b();            \
			caller_c();            \
		}                              \
	} while (0)

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2.0, end = now() + secs;
	long rounds = argc > 2 && !strcmp(argv[1], "--rounds") ? atol(argv[2]) : -1;

	if (argc > 4 && !strcmp(argv[3], "--a"))
		a_units = atol(argv[4]);
	if (rounds >= 0) {
		while (rounds-- > 0)
			ONE_ROUND();
		return 0;
	}
	do
		ONE_ROUND();
	while (secs <= 0 || now() < end);
	return 0;
}
