/* fixedwork — a fixed amount of CPU work that times itself.
 *
 * Sleeps START seconds first (so a profiler can attach), then runs the same
 * 6:3:1 loops as tests/workloads/split.c for ROUNDS rounds and prints the
 * wall seconds the work took. Built with frame pointers, like the workloads.
 *
 *   fixedwork ROUNDS [START]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long sink;

#include "../tests/workloads/spin.h"

__attribute__((noinline)) void fw_a(void) { SPIN(120000); }
__attribute__((noinline)) void fw_b(void) { SPIN(60000); }
__attribute__((noinline)) void fw_c(void) { SPIN(20000); }

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? atol(argv[1]) : 20000;
	double start = argc > 2 ? atof(argv[2]) : 0, t0;

	if (start > 0)
		usleep((useconds_t)(start * 1e6));
	t0 = now();
	for (long r = 0; r < rounds; r++) {
		fw_a();
		fw_b();
		fw_c();
	}
	printf("%.4f\n", now() - t0);
	return 0;
}
