/* Grows its memory steadily: MIB_PER_MIN for SECONDS, in 100 ms steps,
 * every page touched so that RSS follows the allocation; the truth the
 * leak flag and the slope are checked against. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Every block stays reachable from here, so the compiler cannot drop the
 * allocations and a leak checker would call them "still reachable". */
static void *volatile kept;

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	double rate = argc > 1 ? atof(argv[1]) : 120.0, seconds = argc > 2 ? atof(argv[2]) : 25.0;
	size_t step = (size_t)(rate * 1048576.0 / 600.0); /* bytes per 100 ms */
	struct timespec t0, now;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 1;; i++) {
		char *p = malloc(step);

		if (!p)
			return 1;
		memset(p, (int)i, step);
		*(void **)p = kept; /* kept forever: the leak */
		kept = p;
		/* Steps on a fixed clock, so the rate holds whatever the touch cost. */
		clock_gettime(CLOCK_MONOTONIC, &now);
		double el =
		    (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9;

		if (el >= seconds)
			break;
		if (i * 0.1 > el)
			nap_ms((long)((i * 0.1 - el) * 1000));
	}
	return 0;
}
