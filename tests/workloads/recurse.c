/* recurse — direct recursion DEPTH deep (default 50), the leaf burning CPU:
 * every sample's stack is main, then DEPTH + 1 frames of rec, whose return
 * addresses are all the same. A small stack per frame: the whole stack fits
 * in the DWARF stack copy.
 *
 *   recurse SECONDS [DEPTH]
 */
#include <stdlib.h>

static volatile unsigned long sink;

#include "spin.h"

#define KEEP_FRAME() __asm__ volatile("" ::: "memory")

__attribute__((noinline)) void rec(int depth)
{
	if (depth == 0)
		SPIN(200000);
	else
		rec(depth - 1);
	KEEP_FRAME(); /* not a tail call: each level keeps its frame */
}

int main(int argc, char **argv)
{
	double end = now() + (argc > 1 ? atof(argv[1]) : 1.0);
	int depth = argc > 2 ? atoi(argv[2]) : 50;

	while (now() < end)
		rec(depth);
	return 0;
}
