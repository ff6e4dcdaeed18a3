/* procfs — readers for /proc/PID files.
 *
 * Every reader is split in two: a parser that takes the file's text (tested on
 * fixtures) and a thin function that reads the live file.  Readers return 0 or
 * -errno; a process that vanished reads as -ENOENT or -ESRCH. */
#ifndef FLAMETOP_PROCFS_H
#define FLAMETOP_PROCFS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct procfs_stat {
	char state; /* R S D Z T t X ... */
	char comm[64];
	pid_t ppid;
	uint64_t utime_ns, stime_ns;
	long num_threads;
	uint64_t starttime_ticks;
	unsigned flags; /* PF_*: 0x00200000 PF_KTHREAD, a kernel thread */
};

struct procfs_status {
	uint64_t vm_rss_kb, vm_hwm_kb;
	long threads;
	uint64_t vol_ctxt, nonvol_ctxt;
	uid_t uid;    /* real uid */
	pid_t ns_pid; /* the pid in its own pid namespace (NSpid's last), 0: unknown */
};

struct procfs_io {
	uint64_t rchar, wchar, syscr, syscw, read_bytes, write_bytes;
};

/* smaps_rollup: the whole address space summed by the kernel. */
struct procfs_rollup {
	uint64_t rss_kb, pss_kb, swap_kb, swap_pss_kb, anon_kb;
};

struct procfs_map {
	uint64_t start, end, pgoff;
	uint64_t dev, ino; /* the mapped file's (makedev(major, minor)); 0 if anonymous */
	int exec;
	const char *path; /* "" for anonymous mappings; valid during the callback */
};

typedef int (*procfs_map_fn)(const struct procfs_map *m, void *arg);

int procfs_parse_stat(const char *text, struct procfs_stat *out);
int procfs_parse_status(const char *text, struct procfs_status *out);
int procfs_parse_io(const char *text, struct procfs_io *out);
int procfs_parse_rollup(const char *text, struct procfs_rollup *out);
/* Calls FN for every line of a maps file; stops early if FN returns non-zero. */
int procfs_parse_maps(const char *text, procfs_map_fn fn, void *arg);

int procfs_read_stat(pid_t pid, pid_t tid, struct procfs_stat *out);     /* tid 0: process */
int procfs_read_status(pid_t pid, pid_t tid, struct procfs_status *out); /* tid 0: process */
/* /proc/PID/task/TID/schedstat: nanoseconds on a CPU, and runnable waiting
 * for one (run_delay). Returns 0 or -errno (-EINVAL: not two numbers). */
int procfs_parse_schedstat(const char *text, uint64_t *run_ns, uint64_t *delay_ns);
int procfs_read_schedstat(pid_t pid, pid_t tid, uint64_t *run_ns, uint64_t *delay_ns);
int procfs_read_io(pid_t pid, struct procfs_io *out);
int procfs_read_rollup(pid_t pid, struct procfs_rollup *out);
int procfs_read_maps(pid_t pid, procfs_map_fn fn, void *arg);

/* Thread ids of PID, sorted. *OUT is malloc'd. */
int procfs_tasks(pid_t pid, pid_t **out, size_t *n);
int procfs_comm(pid_t pid, pid_t tid, char *buf, size_t len);
/* argv joined by spaces. */
int procfs_cmdline(pid_t pid, char *buf, size_t len);
int procfs_exe(pid_t pid, char *buf, size_t len);
int procfs_exists(pid_t pid);

/* The first integer in a small file (a sysctl, a /sys flag), or DFLT. */
int procfs_read_int(const char *path, int dflt);
/* Reads a whole small file into a malloc'd NUL-terminated buffer. */
char *procfs_slurp(const char *path, size_t *len);

#endif
