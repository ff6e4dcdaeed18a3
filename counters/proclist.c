/* proclist — the machine's processes from /proc (include/proclist.h). */
#include "proclist.h"

#include "grow.h"
#include "procfs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PF_KTHREAD 0x00200000u

void proclist_init(struct proclist *pl) { memset(pl, 0, sizeof(*pl)); }

void proclist_fini(struct proclist *pl)
{
	free(pl->rows);
	memset(pl, 0, sizeof(*pl));
}

int proclist_parse_stat(const char *text, struct proc_row *row)
{
	/* The comm may hold spaces and parentheses: the fields start after
	 * the last ')'. */
	const char *close = strrchr(text, ')'), *open = strchr(text, '(');
	unsigned long long f[40] = { 0 };
	char state;
	size_t n;

	if (!open || !close || close < open)
		return -EINVAL;
	n = (size_t)(close - open - 1);
	if (n >= sizeof(row->comm))
		n = sizeof(row->comm) - 1;
	memcpy(row->comm, open + 1, n);
	row->comm[n] = 0;
	/* state ppid pgrp session tty tpgid flags minflt cminflt majflt
	 * cmajflt utime stime cutime cstime priority nice num_threads
	 * itrealvalue starttime vsize rss */
	if (sscanf(close + 1,
		   " %c %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu "
		   "%llu %llu %llu %llu %llu %llu %llu",
		   &state, &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7], &f[8], &f[9],
		   &f[10], &f[11], &f[12], &f[13], &f[14], &f[15], &f[16], &f[17], &f[18], &f[19],
		   &f[20]) != 22)
		return -EINVAL;
	row->state = state;
	row->kernel = !!(f[5] & PF_KTHREAD);
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t tick = 1000000000ull / (uint64_t)(hz > 0 ? hz : 100);

	row->cpu_ns = (f[10] + f[11]) * tick;
	row->threads = (long)f[16];
	row->start_ticks = f[18];
	row->rss_kb = f[20] * (uint64_t)(sysconf(_SC_PAGESIZE) / 1024);
	return 0;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The user name of UID, looked up once per scan's first sight. */
static void user_of(uid_t uid, char *out, size_t len)
{
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		snprintf(out, len, "%s", pw.pw_name);
	else
		snprintf(out, len, "%u", (unsigned)uid);
}

static int cmp_pid(const void *a, const void *b)
{
	const struct proc_row *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* PID's row in V (sorted by pid), or NULL. */
static const struct proc_row *find(const struct proc_row *v, size_t n, pid_t pid)
{
	struct proc_row key = { .pid = pid };

	return v ? bsearch(&key, v, n, sizeof(*v), cmp_pid) : NULL;
}

static int read_row(pid_t pid, struct proc_row *row)
{
	char path[64], *text;
	struct stat st;
	int e;

	memset(row, 0, sizeof(*row));
	row->pid = pid;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(text = procfs_slurp(path, NULL)))
		return -errno;
	e = proclist_parse_stat(text, row);
	free(text);
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	if (e || stat(path, &st))
		return e ? e : -errno;
	row->uid = st.st_uid;
	if (row->kernel || procfs_cmdline(pid, row->cmdline, sizeof(row->cmdline)) ||
	    !row->cmdline[0])
		snprintf(row->cmdline, sizeof(row->cmdline), "[%s]", row->comm);
	return 0;
}

int proclist_scan(struct proclist *pl)
{
	DIR *d = opendir("/proc");
	struct proc_row *old = pl->rows, *rows = NULL;
	size_t nold = pl->n, n = 0, cap = 0;
	double now = mono_s(), dt = now - pl->t_s;
	struct dirent *e;

	if (!d)
		return -errno;
	pl->total_cpu_pct = 0;
	pl->running = 0;
	while ((e = readdir(d))) {
		const struct proc_row *was;
		struct proc_row row;
		pid_t pid;

		if (!isdigit((unsigned char)e->d_name[0]) || (pid = (pid_t)atoi(e->d_name)) <= 0 ||
		    read_row(pid, &row))
			continue; /* gone while we looked */
		was = find(old, nold, pid);
		if (was && was->start_ticks == row.start_ticks && pl->t_s > 0 && dt > 0) {
			row.cpu_pct =
			    (double)(row.cpu_ns -
				     (row.cpu_ns > was->cpu_ns ? was->cpu_ns : row.cpu_ns)) /
			    1e9 / dt * 100.0;
			memcpy(row.user, was->user, sizeof(row.user));
		}
		if (!was || was->uid != row.uid || !row.user[0])
			user_of(row.uid, row.user, sizeof(row.user));
		if (grow_array(&rows, &cap, n + 1, sizeof(*rows)))
			break;
		rows[n++] = row;
		pl->total_cpu_pct += row.cpu_pct;
		pl->running += row.state == 'R';
	}
	closedir(d);
	qsort(rows, n, sizeof(*rows), cmp_pid);
	free(old);
	pl->rows = rows;
	pl->n = n;
	pl->cap = cap;
	pl->t_s = now;
	return 0;
}
