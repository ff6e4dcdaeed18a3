/* pools — multi-threaded programs whose bottleneck is known, for the
 * verdict tests:
 *
 *   pools cpu SECONDS        the main thread computes; 4 workers wait for
 *                            work that never comes (pthread_cond_wait), as
 *                            a runtime's idle pool does: CPU-bound
 *   pools lock SECONDS       4 workers compute ~1 ms at a time holding one
 *                            mutex: lock-bound
 *   pools io SECONDS DIR     4 idle workers; one thread writes 64 KiB and
 *                            fsyncs a file in DIR, again and again: file I/O
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spin.h"

static volatile unsigned long sink;
static double end_at;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int work_came; /* never set: the pool stays parked */
static const char *dir;

static void *parked(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	while (!work_came)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	return NULL;
}

static void compute_under_lock(void)
{
	pthread_mutex_lock(&mu);
	SPIN(300000);
	pthread_mutex_unlock(&mu);
}

static void *contender(void *arg)
{
	(void)arg;
	while (now() < end_at)
		compute_under_lock();
	return NULL;
}

static void write_and_sync(int fd, const char *buf, size_t n)
{
	if (pwrite(fd, buf, n, 0) != (ssize_t)n || fsync(fd))
		perror("pools: write");
}

static void *io_thread(void *arg)
{
	static char buf[65536];
	char path[4096];
	int fd;

	(void)arg;
	snprintf(path, sizeof(path), "%s/pools-io.dat", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		perror(path);
		exit(1);
	}
	memset(buf, 'x', sizeof(buf));
	while (now() < end_at) {
		buf[0]++;
		write_and_sync(fd, buf, sizeof(buf));
	}
	close(fd);
	unlink(path);
	return NULL;
}

static void compute_alone(void)
{
	while (now() < end_at)
		SPIN(100000);
}

int main(int argc, char **argv)
{
	pthread_t t[5];
	const char *mode = argc > 1 ? argv[1] : "cpu";

	end_at = now() + (argc > 2 ? atof(argv[2]) : 3.0);
	dir = argc > 3 ? argv[3] : "/tmp";
	if (!strcmp(mode, "lock")) {
		for (int i = 0; i < 4; i++)
			pthread_create(&t[i], NULL, contender, NULL);
		for (int i = 0; i < 4; i++)
			pthread_join(t[i], NULL);
		return 0;
	}
	for (int i = 0; i < 4; i++) {
		pthread_create(&t[i], NULL, parked, NULL);
		pthread_detach(t[i]);
	}
	if (!strcmp(mode, "io")) {
		pthread_create(&t[4], NULL, io_thread, NULL);
		pthread_join(t[4], NULL);
	} else {
		compute_alone();
	}
	return 0;
}
