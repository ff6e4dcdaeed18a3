/* Starts THREADS short-lived threads (default 1000), BATCH at a time, each
 * doing WORK million iterations of the shared spin loop in churn_work (about
 * a millisecond each on a current x86) and exiting; with "forever" it starts
 * over until killed.  The thread-following test's target.
 *
 * The work is counted, not timed: a thread that read its CPU clock to know
 * when to stop spent a machine-dependent share of its time in the kernel.
 *
 *   churn [THREADS [once|forever [WORK]]] */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static volatile unsigned long sink;

#include "spin.h"

static long work_each = 2; /* million iterations */

__attribute__((noinline)) static void churn_work(void) { SPIN(work_each * 1000000L); }

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
		work_each = atol(argv[3]);
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
