/* Starts THREADS threads (small stacks) that wait in pause(), then one more
 * that spins in busy_work for SECONDS (0: until killed) while the main
 * thread waits for it. The attach target with many threads: each existing
 * thread needs its own perf events, so the descriptors a profiler needs grow
 * with it; the busy thread is the last, not the first a profiler opens.
 *
 *   manythreads THREADS SECONDS */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static volatile unsigned long sink;

#include "spin.h"

static void *parked(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static double secs;

__attribute__((noinline)) static void busy_work(void) { SPIN(1000000); }

static void *busy(void *arg)
{
	double end = now() + secs;

	(void)arg;
	while (secs <= 0 || now() < end)
		busy_work();
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000;
	pthread_attr_t a;
	pthread_t t;

	secs = argc > 2 ? atof(argv[2]) : 0;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 64 * 1024);
	for (int i = 0; i < n; i++)
		if (pthread_create(&t, &a, parked, NULL)) {
			perror("pthread_create");
			return 1;
		}
	if (pthread_create(&t, NULL, busy, NULL)) {
		perror("pthread_create");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	pthread_join(t, NULL);
	return 0;
}
