/* proclist — the machine's processes, as top and htop list them: pid,
 * user, CPU % over the last scan's interval, RSS, threads, state, command.
 * Read from /proc; a scan keeps the last one's CPU times to give rates. */
#ifndef FLAMETOP_PROCLIST_H
#define FLAMETOP_PROCLIST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct proc_row {
	pid_t pid;
	uid_t uid;
	char user[32];
	double cpu_pct; /* user + system over the last interval; 100 = one core */
	uint64_t cpu_ns, start_ticks;
	uint64_t rss_kb;
	long threads;
	char state;
	int kernel; /* a kernel thread (PF_KTHREAD) */
	char comm[64];
	char cmdline[512]; /* argv joined; the comm in brackets for a kernel thread */
};

struct proclist {
	struct proc_row *rows; /* by pid */
	size_t n, cap;
	double t_s; /* the scan's time (CLOCK_MONOTONIC) */
	double total_cpu_pct;
	long running;
};

void proclist_init(struct proclist *pl);
void proclist_fini(struct proclist *pl);
/* Reads /proc anew; CPU % from the CPU time since the last scan. Returns 0
 * or -errno (/proc unreadable). */
int proclist_scan(struct proclist *pl);
/* The fields of a /proc/PID/stat TEXT: state, CPU time, threads, start time,
 * kernel-thread flag. Returns 0 or -EINVAL. */
int proclist_parse_stat(const char *text, struct proc_row *row);

#endif
