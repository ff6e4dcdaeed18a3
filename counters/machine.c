/* machine — whole-machine and cgroup readings (include/machine.h). */
#include "machine.h"

#include "procfs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CGROUP_ROOT "/sys/fs/cgroup"

static uint64_t tick_ns(void)
{
	long hz = sysconf(_SC_CLK_TCK);

	return 1000000000ull / (uint64_t)(hz > 0 ? hz : 100);
}

int machine_parse_stat(const char *text, struct machine_reading *m)
{
	uint64_t ns = tick_ns();
	const char *line = text;
	int total = 0;

	m->ncpus = 0;
	while (line && *line) {
		unsigned long long v[8] = { 0 };
		char name[32];
		int cpu;

		if (sscanf(line, "%31s %llu %llu %llu %llu %llu %llu %llu %llu", name, &v[0], &v[1],
			   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) >= 8 &&
		    !strncmp(name, "cpu", 3)) {
			uint64_t busy = (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) * ns;
			uint64_t idle = (v[3] + v[4]) * ns;

			if (!name[3]) {
				m->user_ns = (v[0] + v[1]) * ns;
				m->sys_ns = (v[2] + v[5] + v[6]) * ns;
				m->idle_ns = idle;
				total = 1;
			} else if (sscanf(name + 3, "%d", &cpu) == 1 &&
				   m->ncpus < MACHINE_MAX_CPUS) {
				m->cpu_busy_ns[m->ncpus] = busy;
				m->cpu_total_ns[m->ncpus] = busy + idle;
				m->ncpus++;
			}
		}
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	return total ? 0 : -EINVAL;
}

int machine_parse_meminfo(const char *text, struct machine_reading *m)
{
	unsigned long long total = 0, avail = 0, swap_total = 0, swap_free = 0;
	const char *p;

	if ((p = strstr(text, "MemTotal:")))
		sscanf(p, "MemTotal: %llu", &total);
	if ((p = strstr(text, "MemAvailable:")))
		sscanf(p, "MemAvailable: %llu", &avail);
	if ((p = strstr(text, "SwapTotal:")))
		sscanf(p, "SwapTotal: %llu", &swap_total);
	if ((p = strstr(text, "SwapFree:")))
		sscanf(p, "SwapFree: %llu", &swap_free);
	if (!total)
		return -EINVAL;
	m->mem_total_kb = total;
	m->mem_used_kb = avail < total ? total - avail : 0;
	m->swap_used_kb = swap_free < swap_total ? swap_total - swap_free : 0;
	return 0;
}

/* A disk whose bytes count: sda, vda, nvme0n1, mmcblk0, xvdb are; sda1,
 * nvme0n1p2, mmcblk0p1 are partitions; loop and ram devices are not disks,
 * and dm-N and mdN sit on disks counted already. */
static int whole_disk(const char *name)
{
	size_t n = strlen(name);

	if (!n || !strncmp(name, "loop", 4) || !strncmp(name, "ram", 3) ||
	    !strncmp(name, "dm-", 3) || !strncmp(name, "md", 2))
		return 0;
	if (!strncmp(name, "nvme", 4) || !strncmp(name, "mmcblk", 6))
		return !strchr(name + 4, 'p');
	return !isdigit((unsigned char)name[n - 1]);
}

int machine_parse_diskstats(const char *text, struct machine_reading *m)
{
	const char *line = text;

	m->disk_read_bytes = m->disk_write_bytes = 0;
	while (line && *line) {
		unsigned maj, min;
		unsigned long long rd, rd_merged, rd_sect, rd_ms, wr, wr_merged, wr_sect;
		char name[64];

		if (sscanf(line, "%u %u %63s %llu %llu %llu %llu %llu %llu %llu", &maj, &min, name,
			   &rd, &rd_merged, &rd_sect, &rd_ms, &wr, &wr_merged, &wr_sect) == 10 &&
		    whole_disk(name)) {
			m->disk_read_bytes += rd_sect * 512ull;
			m->disk_write_bytes += wr_sect * 512ull;
		}
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	return 0;
}

int machine_parse_netdev(const char *text, struct machine_reading *m)
{
	const char *line = text;

	m->net_rx_bytes = m->net_tx_bytes = 0;
	while (line && *line) {
		const char *colon = strchr(line, ':'), *end = strchr(line, '\n');
		unsigned long long v[9];
		char name[64];
		size_t n;

		if (colon && (!end || colon < end)) {
			const char *b = line;

			while (*b == ' ')
				b++;
			n = (size_t)(colon - b) < sizeof(name) - 1 ? (size_t)(colon - b)
								   : sizeof(name) - 1;
			memcpy(name, b, n);
			name[n] = 0;
			if (strcmp(name, "lo") &&
			    sscanf(colon + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
				   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8]) == 9) {
				m->net_rx_bytes += v[0];
				m->net_tx_bytes += v[8];
			}
		}
		line = end ? end + 1 : NULL;
	}
	return 0;
}

static long count_procs(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	long n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		n += isdigit((unsigned char)e->d_name[0]) != 0;
	closedir(d);
	return n;
}

typedef int (*parse_fn)(const char *text, struct machine_reading *m);

static int read_with(const char *path, parse_fn fn, struct machine_reading *m)
{
	char *text = procfs_slurp(path, NULL);
	int e;

	if (!text)
		return -errno;
	e = fn(text, m);
	free(text);
	return e;
}

int machine_read(struct machine_reading *m)
{
	int e = read_with("/proc/stat", machine_parse_stat, m);

	if (e)
		return e;
	read_with("/proc/meminfo", machine_parse_meminfo, m);
	read_with("/proc/diskstats", machine_parse_diskstats, m);
	read_with("/proc/net/dev", machine_parse_netdev, m);
	m->procs = count_procs();
	return 0;
}

/* ---- cgroup v2 ---- */

int cgroup_parse_cpu_stat(const char *text, struct cgroup_reading *c)
{
	unsigned long long user = 0, sys = 0;
	const char *p;
	int found = 0;

	if ((p = strstr(text, "user_usec ")))
		found += sscanf(p, "user_usec %llu", &user);
	if ((p = strstr(text, "system_usec ")))
		found += sscanf(p, "system_usec %llu", &sys);
	c->user_ns = user * 1000ull;
	c->sys_ns = sys * 1000ull;
	return found == 2 ? 0 : -EINVAL;
}

int cgroup_parse_io_stat(const char *text, struct cgroup_reading *c)
{
	const char *p = text;

	c->read_bytes = c->write_bytes = 0;
	while (p && *p) {
		unsigned long long v;
		const char *end = strchr(p, '\n');

		for (const char *q = p; q && *q && (!end || q < end); q = strchr(q + 1, ' ')) {
			if (sscanf(q, " rbytes=%llu", &v) == 1)
				c->read_bytes += v;
			else if (sscanf(q, " wbytes=%llu", &v) == 1)
				c->write_bytes += v;
		}
		p = end ? end + 1 : NULL;
	}
	return 0;
}

static long lines_of(const char *path)
{
	char *text = procfs_slurp(path, NULL);
	long n = 0;

	for (const char *p = text; p && *p; p++)
		n += *p == '\n';
	free(text);
	return n;
}

int cgroup_read(const char *dir, struct cgroup_reading *c)
{
	char path[PATH_MAX + 32], *text;
	int e;

	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "%s/cpu.stat", dir);
	if (!(text = procfs_slurp(path, NULL)))
		return -errno;
	e = cgroup_parse_cpu_stat(text, c);
	free(text);
	snprintf(path, sizeof(path), "%s/memory.current", dir);
	if ((text = procfs_slurp(path, NULL))) {
		c->mem_kb = strtoull(text, NULL, 10) / 1024;
		free(text);
	}
	snprintf(path, sizeof(path), "%s/io.stat", dir);
	if ((text = procfs_slurp(path, NULL))) {
		cgroup_parse_io_stat(text, c);
		free(text);
	}
	snprintf(path, sizeof(path), "%s/cgroup.threads", dir);
	c->tasks = lines_of(path);
	return e;
}

static int is_cgroup_dir(const char *dir)
{
	char path[PATH_MAX + 32];
	struct stat st;

	if ((size_t)snprintf(path, sizeof(path), "%.*s/cgroup.procs", PATH_MAX, dir) >=
	    sizeof(path))
		return 0;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Depth-first for a directory named NAME under DIR (a systemd unit). */
static int find_unit(const char *dir, const char *name, char *out, size_t len, int depth)
{
	DIR *d;
	struct dirent *e;
	int found = 0;

	if (depth > 8 || !(d = opendir(dir)))
		return 0;
	while (!found && (e = readdir(d))) {
		char sub[PATH_MAX];

		if (e->d_name[0] == '.' || e->d_type != DT_DIR)
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name) >= sizeof(sub))
			continue;
		if (!strcmp(e->d_name, name) && is_cgroup_dir(sub)) {
			snprintf(out, len, "%s", sub);
			found = 1;
		} else
			found = find_unit(sub, name, out, len, depth + 1);
	}
	closedir(d);
	return found;
}

int cgroup_parse_mounts(const char *text, char *root, size_t len)
{
	const char *line = text;

	while (line && *line) {
		char dev[64], dir[PATH_MAX], type[32];

		if (sscanf(line, "%63s %4095s %31s", dev, dir, type) == 3 &&
		    !strcmp(type, "cgroup2")) {
			snprintf(root, len, "%s", dir);
			return 0;
		}
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	return -ENOENT;
}

/* Where the cgroup v2 hierarchy is mounted: /sys/fs/cgroup on a unified
 * system, /sys/fs/cgroup/unified on a hybrid one. */
static int cgroup2_root(char *root, size_t len)
{
	char *text = procfs_slurp("/proc/self/mounts", NULL);
	int e = text ? cgroup_parse_mounts(text, root, len) : -errno;

	free(text);
	return e;
}

int cgroup_resolve(const char *name, char *dir, size_t len, char *err, size_t errlen)
{
	char path[2 * PATH_MAX + 2], root[PATH_MAX];
	size_t rl;

	if (!name || !*name) {
		snprintf(err, errlen, "--cgroup needs a cgroup path or a systemd unit name");
		return -EINVAL;
	}
	if (strstr(name, "..")) {
		snprintf(err, errlen, "--cgroup %s: a path with '..' is not taken", name);
		return -EINVAL;
	}
	if (cgroup2_root(root, sizeof(root)) || !is_cgroup_dir(root)) {
		snprintf(err, errlen, "--cgroup: no cgroup v2 hierarchy is mounted");
		return -ENOENT;
	}
	rl = strlen(root);
	if (!strncmp(name, root, rl) && (name[rl] == '/' || !name[rl]))
		snprintf(path, sizeof(path), "%s", name); /* the whole path given */
	else if (!strncmp(name, CGROUP_ROOT "/", sizeof(CGROUP_ROOT)))
		snprintf(path, sizeof(path), "%s/%s", root, name + sizeof(CGROUP_ROOT));
	else
		snprintf(path, sizeof(path), "%s/%s", root, name + (name[0] == '/'));
	if (is_cgroup_dir(path)) {
		snprintf(dir, len, "%s", path);
		return 0;
	}
	if (!strchr(name, '/') && find_unit(root, name, dir, len, 0))
		return 0;
	snprintf(err, errlen, "--cgroup %s: no such cgroup (a path under %s, or a unit name)", name,
		 root);
	return -ENOENT;
}
