/* Does UNITS units of the split workload's spin loop in before_exec, then
 * execs the rest of its arguments: the exec test's target (symbols must be
 * those of the new program after the exec).  A unit is split's: 20 000
 * iterations, so `execer 160000 split --rounds 1600` (200 units a round) puts a
 * third of the work before the exec, whatever the machine or its load.
 *
 *   execer UNITS PROGRAM [ARGS...] */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define UNIT 20000 /* as in split.c */

static volatile unsigned long sink;

#include "spin.h"

__attribute__((noinline)) static void before_exec(long units) { SPIN(units * UNIT); }

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: execer UNITS PROGRAM [ARGS...]\n");
		return 2;
	}
	before_exec(atol(argv[1]));
	execv(argv[2], argv + 2);
	perror("execv");
	return 1;
}
