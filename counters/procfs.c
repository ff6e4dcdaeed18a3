/* procfs — /proc parsers and readers. */
#include "procfs.h"

#include "grow.h"
#include "safefile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/sysmacros.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* /proc files are regular files without a size: read up to a bound, never
 * from a FIFO or device someone planted where a /proc path leads. */
#define PROCFS_MAX ((size_t)256 << 20)

char *procfs_slurp(const char *path, size_t *lenp)
{
	return safefile_slurp(path, 0, PROCFS_MAX, lenp);
}

int procfs_read_int(const char *path, int dflt)
{
	char *t = procfs_slurp(path, NULL);
	int v = dflt;

	if (t) {
		if (sscanf(t, "%d", &v) != 1)
			v = dflt;
		free(t);
	}
	return v;
}

static char *slurp_pid(pid_t pid, pid_t tid, const char *file)
{
	char path[96];

	if (tid)
		snprintf(path, sizeof(path), "/proc/%d/task/%d/%s", (int)pid, (int)tid, file);
	else
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	return procfs_slurp(path, NULL);
}

int procfs_parse_stat(const char *text, struct procfs_stat *o)
{
	/* comm may hold spaces and ')' — the real end is the last ')'. */
	const char *lp = strchr(text, '('), *rp = strrchr(text, ')');
	unsigned long long ut, st, start;
	long ticks = sysconf(_SC_CLK_TCK), nthr;
	unsigned flags;
	int ppid;
	size_t n;

	if (!lp || !rp || rp < lp)
		return -EINVAL;
	memset(o, 0, sizeof(*o));
	n = (size_t)(rp - lp - 1);
	if (n >= sizeof(o->comm))
		n = sizeof(o->comm) - 1;
	memcpy(o->comm, lp + 1, n);
	/* fields after comm: 3 state, 4 ppid, ..., 9 flags, 14 utime, 15 stime,
	 * 20 threads, 22 start */
	if (sscanf(
		rp + 2,
		"%c %d %*d %*d %*d %*d %u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %ld %*d %llu",
		&o->state, &ppid, &flags, &ut, &st, &nthr, &start) != 7)
		return -EINVAL;
	o->flags = flags;
	if (ticks <= 0)
		ticks = 100;
	o->ppid = ppid;
	o->utime_ns = ut * (1000000000ull / (unsigned long long)ticks);
	o->stime_ns = st * (1000000000ull / (unsigned long long)ticks);
	o->num_threads = nthr;
	o->starttime_ticks = start;
	return 0;
}

static int field_u64(const char *text, const char *key, uint64_t *v)
{
	size_t kl = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p) {
		if (strncmp(p, key, kl) == 0) {
			unsigned long long x;

			if (sscanf(p + kl, " %llu", &x) != 1)
				return -EINVAL;
			*v = x;
			return 0;
		}
	}
	return -ENOENT;
}

/* "NSpid:\t4242\t7": the pid in the innermost pid namespace, the last
 * number (0 when the line is absent: kernels before 4.1). */
static pid_t ns_pid(const char *text)
{
	const char *p = strstr(text, "\nNSpid:");
	long last = 0;

	if (!p)
		return 0;
	p += 7;
	while (*p == ' ' || *p == '\t') {
		char *end;
		long v;

		while (*p == ' ' || *p == '\t')
			p++;
		v = strtol(p, &end, 10);
		if (end == p || v <= 0 || v > 0x7fffffff)
			break;
		last = v;
		p = end;
	}
	return (pid_t)last;
}

int procfs_parse_status(const char *text, struct procfs_status *o)
{
	uint64_t v = 0;

	memset(o, 0, sizeof(*o));
	/* Kernel threads and zombies have no Vm* lines: leave them 0. */
	field_u64(text, "VmRSS:", &o->vm_rss_kb);
	field_u64(text, "VmHWM:", &o->vm_hwm_kb);
	field_u64(text, "voluntary_ctxt_switches:", &o->vol_ctxt);
	field_u64(text, "nonvoluntary_ctxt_switches:", &o->nonvol_ctxt);
	if (field_u64(text, "Threads:", &v) == 0)
		o->threads = (long)v;
	if (field_u64(text, "Uid:", &v) != 0)
		return -EINVAL;
	o->uid = (uid_t)v;
	o->ns_pid = ns_pid(text);
	return 0;
}

int procfs_parse_io(const char *text, struct procfs_io *o)
{
	memset(o, 0, sizeof(*o));
	if (field_u64(text, "rchar:", &o->rchar) || field_u64(text, "wchar:", &o->wchar) ||
	    field_u64(text, "syscr:", &o->syscr) || field_u64(text, "syscw:", &o->syscw) ||
	    field_u64(text, "read_bytes:", &o->read_bytes) ||
	    field_u64(text, "write_bytes:", &o->write_bytes))
		return -EINVAL;
	return 0;
}

int procfs_parse_rollup(const char *text, struct procfs_rollup *o)
{
	memset(o, 0, sizeof(*o));
	/* Pss and Swap lines exist since 4.14; SwapPss may be missing. */
	if (field_u64(text, "Rss:", &o->rss_kb) || field_u64(text, "Pss:", &o->pss_kb) ||
	    field_u64(text, "Swap:", &o->swap_kb))
		return -EINVAL;
	field_u64(text, "SwapPss:", &o->swap_pss_kb);
	field_u64(text, "Anonymous:", &o->anon_kb);
	return 0;
}

static int parse_map_line(char *line, struct procfs_map *m)
{
	unsigned long long start, end, off, ino;
	unsigned maj, min;
	char perms[8];
	int pos = 0;

	if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &start, &end, perms, &off, &maj, &min,
		   &ino, &pos) != 7 ||
	    pos == 0)
		return -EINVAL;
	m->dev = makedev(maj, min);
	m->ino = ino;
	m->start = start;
	m->end = end;
	m->pgoff = off;
	m->exec = strchr(perms, 'x') != NULL;
	m->path = line + pos;
	return 0;
}

int procfs_parse_maps(const char *text, procfs_map_fn fn, void *arg)
{
	char *copy = strdup(text), *save = NULL;
	int rc = 0;

	if (!copy)
		return -ENOMEM;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct procfs_map m;

		if (parse_map_line(line, &m) == 0 && fn(&m, arg)) {
			rc = 1;
			break;
		}
	}
	free(copy);
	return rc;
}

static int read_with(pid_t pid, pid_t tid, const char *file, char **text)
{
	*text = slurp_pid(pid, tid, file);
	return *text ? 0 : (errno ? -errno : -EIO);
}

int procfs_read_stat(pid_t pid, pid_t tid, struct procfs_stat *o)
{
	char *t;
	int rc = read_with(pid, tid, "stat", &t);

	if (rc)
		return rc;
	rc = procfs_parse_stat(t, o);
	free(t);
	return rc;
}

int procfs_read_status(pid_t pid, pid_t tid, struct procfs_status *o)
{
	char *t;
	int rc = read_with(pid, tid, "status", &t);

	if (rc)
		return rc;
	rc = procfs_parse_status(t, o);
	free(t);
	return rc;
}

int procfs_parse_schedstat(const char *text, uint64_t *run_ns, uint64_t *delay_ns)
{
	unsigned long long a, b;

	if (sscanf(text, "%llu %llu", &a, &b) != 2)
		return -EINVAL;
	*run_ns = a;
	*delay_ns = b;
	return 0;
}

int procfs_read_schedstat(pid_t pid, pid_t tid, uint64_t *run_ns, uint64_t *delay_ns)
{
	char *t;
	int rc = read_with(pid, tid, "schedstat", &t);

	if (rc)
		return rc;
	rc = procfs_parse_schedstat(t, run_ns, delay_ns);
	free(t);
	return rc;
}

int procfs_read_io(pid_t pid, struct procfs_io *o)
{
	char *t;
	int rc = read_with(pid, 0, "io", &t);

	if (rc)
		return rc;
	rc = procfs_parse_io(t, o);
	free(t);
	return rc;
}

int procfs_read_rollup(pid_t pid, struct procfs_rollup *o)
{
	char *t;
	int rc = read_with(pid, 0, "smaps_rollup", &t);

	if (rc)
		return rc;
	rc = procfs_parse_rollup(t, o);
	free(t);
	return rc;
}

int procfs_read_maps(pid_t pid, procfs_map_fn fn, void *arg)
{
	char *t;
	int rc = read_with(pid, 0, "maps", &t);

	if (rc)
		return rc;
	rc = procfs_parse_maps(t, fn, arg);
	free(t);
	return rc < 0 ? rc : 0;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

int procfs_tasks(pid_t pid, pid_t **out, size_t *n)
{
	char path[64];
	DIR *d;
	struct dirent *de;
	size_t cap = 16;
	pid_t *v;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return -errno;
	*n = 0;
	v = malloc(cap * sizeof(*v));
	while (v && (de = readdir(d))) {
		char *end;
		long t = strtol(de->d_name, &end, 10);

		if (*end || t <= 0)
			continue;
		if (grow_array(&v, &cap, *n + 1, sizeof(*v))) {
			free(v);
			v = NULL;
			break;
		}
		v[(*n)++] = (pid_t)t;
	}
	closedir(d);
	if (!v)
		return -ENOMEM;
	qsort(v, *n, sizeof(*v), cmp_pid);
	*out = v;
	return 0;
}

static int copy_trimmed(char *t, char *buf, size_t len)
{
	size_t n;

	if (!t)
		return errno ? -errno : -EIO;
	n = strcspn(t, "\n");
	t[n] = 0;
	snprintf(buf, len, "%s", t);
	free(t);
	return 0;
}

int procfs_comm(pid_t pid, pid_t tid, char *buf, size_t len)
{
	return copy_trimmed(slurp_pid(pid, tid, "comm"), buf, len);
}

int procfs_cmdline(pid_t pid, char *buf, size_t len)
{
	char path[64];
	size_t n = 0;
	char *t;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	t = procfs_slurp(path, &n);
	if (!t)
		return errno ? -errno : -EIO;
	for (size_t i = 0; i + 1 < n; i++)
		if (t[i] == 0)
			t[i] = ' ';
	snprintf(buf, len, "%s", t);
	free(t);
	return 0;
}

int procfs_exe(pid_t pid, char *buf, size_t len)
{
	char path[64];
	ssize_t r;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	r = readlink(path, buf, len - 1);
	if (r < 0)
		return -errno;
	buf[r] = 0;
	return 0;
}

int procfs_exists(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	return access(path, F_OK) == 0;
}
