/* Reads FILE over and over for SECONDS with read(2) in 64 KiB calls, at
 * most MIB_PER_S, then prints how many bytes it read: the truth the I/O
 * pane's read figures are checked against. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static char buf[65536];
	double seconds = argc > 2 ? atof(argv[2]) : 3.0, rate = argc > 3 ? atof(argv[3]) : 32.0;
	double t0 = now_s();
	unsigned long long total = 0;
	int fd;

	if (argc < 2 || (fd = open(argv[1], O_RDONLY)) < 0) {
		fprintf(stderr, "usage: reader FILE [SECONDS] [MIB_PER_S]\n");
		return 2;
	}
	while (now_s() - t0 < seconds) {
		ssize_t r = read(fd, buf, sizeof(buf));

		if (r < 0)
			return 1;
		if (r == 0) {
			lseek(fd, 0, SEEK_SET);
			continue;
		}
		total += (unsigned long long)r;
		/* Paced: ahead of the rate, wait. */
		double ahead = (double)total / (rate * 1048576.0) - (now_s() - t0);

		if (ahead > 0)
			usleep((useconds_t)(ahead * 1e6));
	}
	printf("%llu\n", total);
	return 0;
}
