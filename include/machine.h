/* machine — the whole machine's readings, for `-a` and `--cgroup`: CPU
 * time per CPU and in all (/proc/stat), memory in use (/proc/meminfo),
 * storage bytes (/proc/diskstats, whole disks), network bytes
 * (/proc/net/dev, loopback left out), how many processes; a cgroup's own
 * CPU, memory, I/O and tasks from its cgroup v2 files.
 *
 * Parsers take the text (tested on fixtures); readers read the live files. */
#ifndef FLAMETOP_MACHINE_H
#define FLAMETOP_MACHINE_H

#include <stddef.h>
#include <stdint.h>

#define MACHINE_MAX_CPUS 256

struct machine_reading {
	uint64_t user_ns, sys_ns; /* all CPUs: user + nice; system + irq + softirq */
	uint64_t idle_ns;         /* idle + iowait */
	size_t ncpus;
	uint64_t cpu_busy_ns[MACHINE_MAX_CPUS], cpu_total_ns[MACHINE_MAX_CPUS];
	uint64_t mem_total_kb, mem_used_kb; /* used: MemTotal - MemAvailable */
	uint64_t swap_used_kb;
	uint64_t disk_read_bytes, disk_write_bytes;
	uint64_t net_rx_bytes, net_tx_bytes;
	long procs;
};

/* The cgroup v2 files of one cgroup. */
struct cgroup_reading {
	uint64_t user_ns, sys_ns;         /* cpu.stat */
	uint64_t mem_kb;                  /* memory.current */
	uint64_t read_bytes, write_bytes; /* io.stat, summed over devices */
	long tasks;                       /* pids.current, else cgroup.threads' lines */
};

int machine_parse_stat(const char *text, struct machine_reading *m);
int machine_parse_meminfo(const char *text, struct machine_reading *m);
/* Whole disks only: DISKS names them (NULL: a name without a trailing
 * partition number counts). */
int machine_parse_diskstats(const char *text, struct machine_reading *m);
int machine_parse_netdev(const char *text, struct machine_reading *m);
int machine_read(struct machine_reading *m);

int cgroup_parse_cpu_stat(const char *text, struct cgroup_reading *c);
int cgroup_parse_io_stat(const char *text, struct cgroup_reading *c);
/* The mount point of the cgroup2 file system in a mounts file's TEXT. */
int cgroup_parse_mounts(const char *text, char *root, size_t len);
/* DIR: the cgroup's directory. */
int cgroup_read(const char *dir, struct cgroup_reading *c);
/* A cgroup named as a path (the whole path, or one inside the cgroup v2
 * hierarchy wherever it is mounted: /sys/fs/cgroup, or .../unified on a
 * hybrid system) or a systemd unit ("nginx.service", searched for under
 * the hierarchy): its directory into DIR. Returns 0, or -errno with a
 * one-line reason in ERR. */
int cgroup_resolve(const char *name, char *dir, size_t len, char *err, size_t errlen);

#endif
