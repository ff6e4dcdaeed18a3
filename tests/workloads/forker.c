/* Forks short-lived children one after another: each does UNITS units of
 * the split workload's spin loop in child_work (and, with --exec, runs
 * /bin/true instead), then exits; the parent waits for it before the next.
 * COUNT children, or without end ("forever"). The process-churn target:
 * a profiler's memory must not grow with the number of processes seen, and
 * the children's work must still be named.
 *
 *   forker COUNT|forever UNITS [--exec] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define UNIT 20000 /* as in split.c */

static volatile unsigned long sink;

#include "spin.h"

__attribute__((noinline)) static void child_work(long units) { SPIN(units * UNIT); }

int main(int argc, char **argv)
{
	long count, units;
	int forever, exec_true;

	if (argc < 3) {
		fprintf(stderr, "usage: forker COUNT|forever UNITS [--exec]\n");
		return 2;
	}
	forever = !strcmp(argv[1], "forever");
	count = forever ? 0 : atol(argv[1]);
	units = atol(argv[2]);
	exec_true = argc > 3 && !strcmp(argv[3], "--exec");
	for (long i = 0; forever || i < count; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			child_work(units);
			if (exec_true)
				execl("/bin/true", "true", (char *)NULL);
			_exit(0);
		}
		waitpid(pid, NULL, 0);
	}
	return 0;
}
