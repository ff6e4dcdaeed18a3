/* offcpu — threads whose wall time splits between computing, sleeping,
 * reading a file and waiting on a mutex, each part timed by the workload
 * itself: the truth off-CPU profiling is checked against.
 *
 *   offcpu SECONDS FILE TRUTH
 *
 * The main thread repeats a cycle: it asks a helper thread to take a mutex
 * and hold it for 60 ms, then compute_phase (40 ms on the CPU), lock_phase
 * (pthread_mutex_lock on that mutex: about 20 ms waiting), sleep_phase (30 ms
 * in nanosleep), read_phase (O_DIRECT reads of FILE at random offsets for
 * 20 ms: the disk, not the page cache; read_sched: its time on a CPU or
 * waiting for one, the rest blocked).  The helper sleeps in 1 ms naps until
 * asked.  TRUTH gets, in milliseconds, each phase's wall time, the helper's
 * time asleep and waiting for the lock, and each thread's lifetime, so
 * shares of wall time can be computed whatever the machine's load.
 *
 * On a virtual machine the hypervisor may take the CPU from a running
 * thread (steal): no context switch happens, so no profiler can see that
 * time, on or off the CPU. compute_phase's time as the kernel saw it is
 * therefore also given: CPU time plus time runnable on the run queue, from
 * /proc/thread-self/schedstat (compute_sched); the rest of its wall time
 * was stolen. */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (128 * 1024)

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static atomic_int stop, go;
static double helper_sleep_ms, helper_lock_ms, helper_life_ms;
volatile uint64_t sink;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void nap(double ms)
{
	struct timespec ts = { (time_t)(ms / 1000),
			       (long)((ms - (time_t)(ms / 1000) * 1000) * 1e6) };

	nanosleep(&ts, NULL);
}

/* This thread's CPU time plus run-queue wait, in ms: what the kernel saw. */
static double sched_ms(void)
{
	unsigned long long run = 0, wait = 0;
	FILE *f = fopen("/proc/thread-self/schedstat", "r");

	if (!f)
		return 0;
	if (fscanf(f, "%llu %llu", &run, &wait) != 2)
		run = wait = 0;
	fclose(f);
	return (double)(run + wait) / 1e6;
}

__attribute__((noinline)) static void compute_phase(double ms)
{
	double end = now_ms() + ms;
	uint64_t x = sink;

	while (now_ms() < end)
		for (int i = 0; i < 20000; i++)
			x = x * 6364136223846793005ull + 1442695040888963407ull;
	sink = x;
}

__attribute__((noinline)) static void sleep_phase(double ms) { nap(ms); }

__attribute__((noinline)) static void read_phase(int fd, void *buf, long chunks, double ms)
{
	double end = now_ms() + ms;

	while (now_ms() < end) {
		off_t at = (off_t)(random() % chunks) * CHUNK;

		if (pread(fd, buf, CHUNK, at) != CHUNK) {
			perror("offcpu: pread");
			exit(1);
		}
	}
}

__attribute__((noinline)) static void lock_phase(void)
{
	pthread_mutex_lock(&m);
	pthread_mutex_unlock(&m);
}

__attribute__((noinline)) static void hold_phase(double ms) { nap(ms); }

static void *helper(void *arg)
{
	double born = now_ms(), t;

	(void)arg;
	while (!atomic_load(&stop)) {
		t = now_ms();
		if (!atomic_exchange(&go, 0)) {
			nap(1);
			helper_sleep_ms += now_ms() - t;
			continue;
		}
		pthread_mutex_lock(&m);
		helper_lock_ms += now_ms() - t;
		t = now_ms();
		hold_phase(60);
		pthread_mutex_unlock(&m);
		helper_sleep_ms += now_ms() - t;
	}
	helper_life_ms = now_ms() - born;
	return NULL;
}

int main(int argc, char **argv)
{
	double secs, born = now_ms(), end, t, compute = 0, sleep = 0, reading = 0, lock = 0;
	double sched = 0, read_sched = 0, t0;
	pthread_t h;
	void *buf;
	long chunks;
	int fd;
	FILE *out;

	if (argc != 4 || (secs = atof(argv[1])) <= 0) {
		fprintf(stderr, "usage: offcpu SECONDS FILE TRUTH\n");
		return 2;
	}
	fd = open(argv[2], O_RDONLY | O_DIRECT);
	if (fd < 0 || posix_memalign(&buf, 4096, CHUNK)) {
		perror("offcpu: open O_DIRECT");
		return 1;
	}
	chunks = lseek(fd, 0, SEEK_END) / CHUNK;
	if (chunks < 1) {
		fprintf(stderr, "offcpu: %s is smaller than %d bytes\n", argv[2], CHUNK);
		return 1;
	}
	pthread_create(&h, NULL, helper, NULL);
	end = born + secs * 1000;
	while (now_ms() < end) {
		atomic_store(&go, 1);
		t = now_ms();
		t0 = sched_ms();
		compute_phase(40);
		compute += now_ms() - t;
		sched += sched_ms() - t0;
		t = now_ms();
		lock_phase();
		lock += now_ms() - t;
		t = now_ms();
		sleep_phase(30);
		sleep += now_ms() - t;
		t = now_ms();
		t0 = sched_ms();
		read_phase(fd, buf, chunks, 20);
		reading += now_ms() - t;
		read_sched += sched_ms() - t0;
	}
	atomic_store(&stop, 1);
	pthread_join(h, NULL);
	out = fopen(argv[3], "w");
	if (!out) {
		perror("offcpu: truth file");
		return 1;
	}
	fprintf(out,
		"compute_phase %.1f\ncompute_sched %.1f\nsleep_phase %.1f\nread_phase %.1f\n"
		"read_sched %.1f\nlock_phase %.1f\nhelper_sleep %.1f\nhelper_lock %.1f\n"
		"main_life %.1f\nhelper_life %.1f\n",
		compute, sched, sleep, reading, read_sched, lock, helper_sleep_ms, helper_lock_ms,
		now_ms() - born, helper_life_ms);
	fclose(out);
	return 0;
}
