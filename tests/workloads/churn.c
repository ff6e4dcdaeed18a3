/* Starts THREADS short-lived threads (default 1000), BATCH at a time, each
 * burning about MS of CPU in churn_work and exiting; with "forever" it
 * starts over until killed.  The thread-following test's target. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile unsigned long sink;

static double ms_each = 2.0;

static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

__attribute__((noinline)) static void churn_work(void)
{
	double t0 = cpu_ms();

	while (cpu_ms() - t0 < ms_each)
		for (int i = 0; i < 1000; i++)
			sink += (unsigned long)i;
}

static void *thread_main(void *arg)
{
	(void)arg;
	churn_work();
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000, batch = 10;
	int forever = argc > 2 && !strcmp(argv[2], "forever");
	pthread_t th[10];

	if (argc > 3)
		ms_each = atof(argv[3]);
	do {
		for (int done = 0; done < n; done += batch) {
			for (int i = 0; i < batch; i++)
				if (pthread_create(&th[i], NULL, thread_main, NULL))
					return 1;
			for (int i = 0; i < batch; i++)
				pthread_join(th[i], NULL);
		}
	} while (forever);
	return 0;
}
