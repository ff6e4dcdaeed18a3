/* Computes for BUSY_MS of its own CPU time (spin_phase), then sleeps
 * SLEEP_MS in nanosleep (sleep_phase), ROUNDS times: a program that waits
 * by choice for a known share of its time (70 % with 30 and 70), the
 * off-CPU truth beside the CPU-bound and CPU-starved ones.
 *
 *   sleeper ROUNDS BUSY_MS SLEEP_MS */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile unsigned long sink;

#include "spin.h"

static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

__attribute__((noinline)) static void spin_phase(double ms)
{
	double end = cpu_ms() + ms;

	while (cpu_ms() < end)
		SPIN(20000);
}

__attribute__((noinline)) static void sleep_phase(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	long rounds, busy, nap;

	if (argc < 4) {
		fprintf(stderr, "usage: sleeper ROUNDS BUSY_MS SLEEP_MS\n");
		return 2;
	}
	rounds = atol(argv[1]);
	busy = atol(argv[2]);
	nap = atol(argv[3]);
	for (long i = 0; i < rounds; i++) {
		spin_phase((double)busy);
		sleep_phase(nap);
	}
	return 0;
}
