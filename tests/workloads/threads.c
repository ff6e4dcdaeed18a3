/* threads — threads that start after the profiler attached.
 *
 * An early thread burns CPU in early_work from the start; after DELAY seconds
 * two more threads start and burn CPU in late_work, each named "late".
 *
 *   threads SECONDS DELAY
 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "spin.h"

static volatile unsigned long sink;
static double end_at;

/* Distinct symbols on purpose: the test tells the two kinds of thread apart. */
__attribute__((noinline)) void early_work(void) { SPIN(200000); }
__attribute__((noinline)) void late_work(void) { SPIN(200000); }

static void *early(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "early");
	while (now() < end_at)
		early_work();
	return NULL;
}

static void *late(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "late");
	while (now() < end_at)
		late_work();
	return NULL;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 3.0, delay = argc > 2 ? atof(argv[2]) : 1.0;
	pthread_t t[3];

	end_at = now() + secs;
	pthread_create(&t[0], NULL, early, NULL);
	usleep((useconds_t)(delay * 1e6));
	pthread_create(&t[1], NULL, late, NULL);
	pthread_create(&t[2], NULL, late, NULL);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	return 0;
}
