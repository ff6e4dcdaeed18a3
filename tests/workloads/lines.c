/* lines — one function, two loops, each on a line of its own, their work
 * 3:1 by iteration count: the truth for per-line annotation.
 *
 *   lines --rounds N [--ratio R]   run N rounds (fixed work), then exit 0;
 *                                  loop A does R times loop B's work (3)
 *   lines SECONDS      run for SECONDS (0: until killed)
 *
 * Each loop is the whole of one source line (the spin body of the other
 * workloads), so every instruction of it belongs to that line. */
#include <stdlib.h>
#include <string.h>

static volatile unsigned long sink;

#include "spin.h"

#define UNIT 20000

static long ratio = 3;

__attribute__((noinline)) void two_loops(long units)
{
	unsigned long x = sink, y = sink;

	// clang-format off
	for (long i = 0; i < ratio * units * UNIT; i++) x = x * 6364136223846793005ul + 1442695040888963407ul; /* LINE_A */
	for (long i = 0; i < units * UNIT; i++) y = y * 6364136223846793005ul + 1442695040888963407ul; /* LINE_B */
	// clang-format on
	sink = x + y;
}

int main(int argc, char **argv)
{
	long rounds = argc > 2 && !strcmp(argv[1], "--rounds") ? atol(argv[2]) : -1;
	double secs = argc > 1 && rounds < 0 ? atof(argv[1]) : 0, start = now();

	if (argc > 4 && !strcmp(argv[3], "--ratio"))
		ratio = atol(argv[4]);

	for (long r = 0; rounds < 0 || r < rounds; r++) {
		two_loops(2);
		if (rounds < 0 && secs > 0 && now() - start >= secs)
			break;
	}
	return 0;
}
