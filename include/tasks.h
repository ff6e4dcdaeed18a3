/* tasks — per-thread CPU from /proc/PID/task/TID/stat: user and system
 * time per thread and their rates over the last refresh, for the threads
 * view and the export.  Threads that end keep their totals (marked gone);
 * the table is bounded: the oldest gone threads are dropped first. */
#ifndef FLAMETOP_TASKS_H
#define FLAMETOP_TASKS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TASKS_MAX_GONE 4096 /* ended threads kept for the views */

struct task_cpu {
	pid_t tid;
	char comm[16];
	char state;                  /* /proc state letter; 0 once gone */
	uint64_t utime_ns, stime_ns; /* totals seen so far */
	uint64_t vcsw, ivcsw;        /* voluntary, involuntary context switches */
	uint64_t delay_ns;           /* runnable, waiting for a CPU (schedstat; want_delay) */
	double user_pct, sys_pct;    /* over the last update; 100 = one core */
	int alive;
	uint64_t gone_seq; /* order of ending, for dropping the oldest */
};

struct tasks {
	struct task_cpu *v;
	size_t n, cap;
	double t_s;                           /* time of the last update */
	uint64_t seen;                        /* threads seen at all, dropped ones included */
	uint64_t gone;                        /* threads seen ending */
	uint64_t dropped_vcsw, dropped_ivcsw; /* of the gone threads dropped */
	uint64_t dropped_delay_ns;
	int want_delay;           /* read each thread's run_delay too (no switch-out stacks) */
	uint64_t unattributed_ns; /* CPU the process used that no thread's reading holds */
	int have_prev;
};

void tasks_init(struct tasks *ts);
void tasks_fini(struct tasks *ts);
/* Reads every thread of PID at T_S seconds. Returns how many are alive. */
size_t tasks_update(struct tasks *ts, pid_t pid, double t_s);
const struct task_cpu *tasks_find(const struct tasks *ts, pid_t tid);
/* Threads alive at the last update that used at least MIN_PCT of a core
 * over its interval (0 before a second update: rates unknown). */
size_t tasks_busy(const struct tasks *ts, double min_pct);
/* At the end: the process's own CPU totals (from its last /proc reading,
 * a zombie's included) against its threads'. What threads ended or used
 * since their last reading is not lost: a process that only ever had one
 * thread gets it all (it can only be that thread's); otherwise it is kept
 * as unattributed_ns. */
void tasks_settle(struct tasks *ts, uint64_t utime_ns, uint64_t stime_ns);
/* Context switches of every thread seen, ended ones included (a process's
 * own /proc/PID/status counts its main thread only). */
/* The threads' time runnable but not running, ended ones included (with
 * want_delay; else 0). */
uint64_t tasks_delay(const struct tasks *ts);
void tasks_ctxt(const struct tasks *ts, uint64_t *vcsw, uint64_t *ivcsw);

#endif
