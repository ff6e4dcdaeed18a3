/* target — the process being profiled: attached to, or launched by us.
 *
 * Launching forks a child that waits on a pipe until the sampler has been
 * set up on it, then execs; a failed exec is reported back through a
 * close-on-exec pipe, so "command not found" is an error, not an empty
 * profile.  The target's /proc readings are polled so that the last values
 * survive its exit. */
#ifndef FLAMETOP_TARGET_H
#define FLAMETOP_TARGET_H

#include <stdint.h>
#include <sys/types.h>

#include "machine.h"
#include "procfs.h"

enum target_state { TARGET_RUNNING, TARGET_EXITED };

/* How the target looks now, from its /proc state letter. */
enum target_look { LOOK_RUNNING, LOOK_STOPPED, LOOK_ZOMBIE, LOOK_EXITED };

struct target_reading {
	int valid;
	uint64_t utime_ns, stime_ns;
	uint64_t rss_kb, hwm_kb;
	uint64_t pss_kb, swap_kb; /* smaps_rollup, when readable */
	int rollup_valid;
	uint64_t vcsw, ivcsw; /* context switches, all threads (set from tasks) */
	struct procfs_io io;
	int io_valid;
	long threads;
	char state; /* /proc state letter */
	/* Set by the session before the reading goes into the timeline: */
	long busy_threads;    /* threads that ran (>= 1 % of a core) in the interval; 0: unknown */
	uint64_t runnable_ns; /* time threads spent preempted, runnable (switch-out stacks,
			       * else the threads' schedstat: the session's) */
	uint64_t leader_delay_ns; /* the main thread's run_delay (schedstat) as the
				   * launched command's zombie left it; 0 before */
};

struct target {
	pid_t pid;
	int launched;
	enum target_state state;
	int exit_code;   /* valid when have_status and !exit_signal */
	int exit_signal; /* non-zero when killed by a signal */
	int have_status;
	char comm[64];
	char cmdline[1024];
	char exe[1024];
	struct target_reading first, last;
	/* Launch plumbing. */
	int go_fd, err_fd;
	/* From wait4 for a launched target. */
	uint64_t ru_utime_ns, ru_stime_ns, ru_maxrss_kb;
	uint64_t fork_rss_kb; /* its peak RSS before exec, as a copy of us (launch) */
	int stopped_by_us;    /* the signal flametop sent it at the end (-d, q), or 0 */
	int kernel_thread;    /* attached to a kernel thread (PF_KTHREAD) */
	/* -a / --cgroup: the whole machine, or one cgroup on every CPU; PID 0,
	 * readings of the machine's (or the cgroup's) own, never "exited". */
	int machine;
	char cgroup[512]; /* the cgroup's directory; "" for the whole machine */
	struct machine_reading mprev, mlast;
	int have_mprev;
	size_t ncpus;
	double cpu_pct[MACHINE_MAX_CPUS]; /* each CPU busy over the last reading's interval */
};

/* Parses a PID argument; returns 0 or -EINVAL with a message. */
int target_parse_pid(const char *arg, pid_t *pid, char *err, size_t len);
int target_attach(struct target *t, pid_t pid, char *err, size_t len);
/* The whole machine (CGROUP_DIR NULL) or one cgroup as the target: first
 * reading taken. Returns 0 or -errno with the reason in ERR. */
int target_machine(struct target *t, const char *cgroup_dir, char *err, size_t len);
/* Forks ARGV[0]; the child is held before exec until target_release.
 * OUTFD > 0 becomes its stdout and stderr (stdin: /dev/null). */
int target_launch(struct target *t, char *const argv[], int outfd, char *err, size_t len);
/* Lets a launched child exec; fails if the exec failed. */
int target_release(struct target *t, char *err, size_t len);
/* Takes a fresh reading (state, CPU, memory) and notices exit: cheap
 * enough for every few milliseconds. Returns 1 if the target has exited. */
int target_poll(struct target *t);
/* The same with the costly figures too (PSS and swap from smaps_rollup,
 * I/O): once a refresh. */
int target_read(struct target *t);
/* What sampling a kernel thread can give (USER_ONLY: kernel frames are
 * refused), or NULL for any other target. */
const char *target_kernel_note(const struct target *t, int user_only);
/* Only the memory figures (VmRSS, VmHWM) of a running target, into LAST:
 * cheap enough to call every few milliseconds while records are processed,
 * so a short command's peak is seen before it exits. */
void target_peek_memory(struct target *t);
/* Ends a launched target that is still running: SIGTERM, then SIGKILL. */
void target_terminate(struct target *t);
enum target_look target_look(const struct target *t);
/* "exited with status 3", "killed by SIGTERM", "running", "stopped". */
const char *target_state_line(const struct target *t, char *buf, size_t len);

#endif
