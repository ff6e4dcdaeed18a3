/* faults — a known mix of page faults, sleeps and computing, for counter
 * tests.
 *
 * Each round, touch_pages() maps fresh memory and writes one byte per page
 * (so every page is a minor fault, all of them in touch_pages), nap() sleeps
 * (a voluntary context switch), and compute() burns CPU.
 *
 *   faults SECONDS        run for SECONDS, then exit 0
 *   faults --rounds N     run N rounds (fixed work), then exit 0
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define ROUND_PAGES 2048 /* 8 MiB of 4 KiB pages per round */

static volatile unsigned long sink;

#include "spin.h"

__attribute__((noinline)) void touch_pages(void)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t len = (size_t)page * ROUND_PAGES;
	volatile char *m =
	    mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		exit(1);
	for (size_t off = 0; off < len; off += (size_t)page)
		m[off] = 1;
	munmap((void *)m, len);
}

__attribute__((noinline)) void nap(void)
{
	struct timespec ts = { 0, 2000000 };

	nanosleep(&ts, NULL);
}

__attribute__((noinline)) void compute(void) { SPIN(2000000); }

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2.0, end = now() + secs;
	long rounds = argc > 2 && !strcmp(argv[1], "--rounds") ? atol(argv[2]) : -1;

	while (rounds >= 0 ? rounds-- > 0 : now() < end) {
		touch_pages();
		nap();
		compute();
	}
	return 0;
}
