/* Spins in before_exec for about a second, then execs the rest of its
 * arguments: the exec test's target (symbols must be those of the new
 * program after the exec). */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long sink;

__attribute__((noinline)) static void before_exec(double seconds)
{
	struct timespec ts;
	double t0;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	t0 = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	do {
		for (int i = 0; i < 10000; i++)
			sink += (unsigned long)i;
		clock_gettime(CLOCK_MONOTONIC, &ts);
	} while ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9 - t0 < seconds);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: execer PROGRAM [ARGS...]\n");
		return 2;
	}
	before_exec(1.0);
	execv(argv[1], argv + 1);
	perror("execv");
	return 1;
}
