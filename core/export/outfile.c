/* outfile — exports written whole, to whatever the path names. */
#include "outfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Temporary files are ".NAME.flametop.PID.XXXXXX" beside the destination:
 * the pid tells the next run whether their writer is gone. */
#define TMP_TAG ".flametop."

static int finish(FILE *f, int e, int sync)
{
	if (!e && fflush(f))
		e = -errno;
	if (!e && sync && fsync(fileno(f)))
		e = -errno;
	if (fclose(f) && !e)
		e = -errno;
	return e;
}

static int write_stream(FILE *f, const struct exporter *exp, const struct report *r, int sync)
{
	int e;

	errno = 0;
	e = exp->write(f, r);
	if (e == -EIO && errno)
		e = -errno; /* the stream's own reason, e.g. ENOSPC or EPIPE */
	return finish(f, e, sync);
}

/* Writes the export through FD, which it takes over (closed either way). */
static int write_fd(int fd, const struct exporter *exp, const struct report *r, int sync)
{
	FILE *f = fdopen(fd, "w");

	if (!f) {
		int e = -errno;

		close(fd);
		return e;
	}
	return write_stream(f, exp, r, sync);
}

/* Paths that name an open descriptor (the shell's redirection, a pipe):
 * written through, never replaced. */
static int names_descriptor(const char *path)
{
	static const char *const prefix[] = { "/dev/stdout", "/dev/stderr", "/dev/fd/",
					      "/proc/self/fd/", "/proc/thread-self/fd/" };
	const char *p;

	for (size_t i = 0; i < sizeof(prefix) / sizeof(*prefix); i++)
		if (!strncmp(path, prefix[i], strlen(prefix[i])))
			return 1;
	if (strncmp(path, "/proc/", 6))
		return 0;
	for (p = path + 6; *p >= '0' && *p <= '9'; p++)
		;
	return p > path + 6 && !strncmp(p, "/fd/", 4);
}

/* Writes through an existing object: a device, a FIFO, a terminal, an open
 * descriptor's file. Nothing is created, renamed or truncated. */
static int write_through(const char *path, int fd, const struct exporter *exp,
			 const struct report *r)
{
	fd = fd >= 0 ? dup(fd) : open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return write_fd(fd, exp, r, 0);
}

/* PATH's directory ("." for a bare name, "/" at the root) and last part. */
static void split_path(const char *path, char *dir, size_t dn, const char **base)
{
	const char *slash = strrchr(path, '/');

	*base = slash ? slash + 1 : path;
	if (!slash)
		snprintf(dir, dn, ".");
	else
		snprintf(dir, dn, "%.*s", (int)(slash == path ? 1 : slash - path), path);
}

/* The kernel's protected_symlinks rule, applied to our own rename: in a
 * sticky directory others can write to (/tmp), a symlink is followed only
 * when its owner is us or the directory's owner. */
static int may_follow(const char *link, const struct stat *lst)
{
	char dir[PATH_MAX];
	const char *base;
	struct stat ds;

	if (lst->st_uid == geteuid())
		return 1;
	split_path(link, dir, sizeof(dir), &base);
	if (stat(dir, &ds))
		return 0;
	return !((ds.st_mode & S_ISVTX) && (ds.st_mode & S_IWOTH)) || lst->st_uid == ds.st_uid;
}

/* Follows symlinks in PATH's last component to the file they name (which
 * may not exist yet) into OUT. */
static int resolve(const char *path, char *out, size_t n)
{
	char cur[PATH_MAX], target[PATH_MAX], dir[PATH_MAX];

	if (snprintf(cur, sizeof(cur), "%s", path) >= (int)sizeof(cur))
		return -ENAMETOOLONG;
	for (int hops = 0; hops < 40; hops++) {
		struct stat lst;
		const char *base;
		ssize_t k;

		if (lstat(cur, &lst) || !S_ISLNK(lst.st_mode)) {
			snprintf(out, n, "%s", cur);
			return 0;
		}
		if (!may_follow(cur, &lst))
			return -EPERM;
		k = readlink(cur, target, sizeof(target) - 1);
		if (k < 0)
			return -errno;
		target[k] = 0;
		split_path(cur, dir, sizeof(dir), &base);
		if (target[0] == '/')
			snprintf(cur, sizeof(cur), "%s", target);
		else if (snprintf(cur, sizeof(cur), "%s%s%s", dir, strcmp(dir, "/") ? "/" : "",
				  target) >= (int)sizeof(cur))
			return -ENAMETOOLONG;
	}
	return -ELOOP;
}

/* Removes temporary files an earlier writer of this destination left when
 * it was killed mid-export: ours (same owner), and their writer gone. */
static void clean_stale(const char *dir, const char *base)
{
	char prefix[NAME_MAX + 32];
	size_t plen;
	struct dirent *d;
	DIR *dp;

	plen = (size_t)snprintf(prefix, sizeof(prefix), ".%s" TMP_TAG, base);
	if (plen >= sizeof(prefix) || !(dp = opendir(dir)))
		return;
	while ((d = readdir(dp))) {
		struct stat st;
		char *end;
		long pid;

		if (strncmp(d->d_name, prefix, plen))
			continue;
		pid = strtol(d->d_name + plen, &end, 10);
		if (pid <= 0 || *end != '.' || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue; /* not ours, or its writer still runs */
		if (!fstatat(dirfd(dp), d->d_name, &st, AT_SYMLINK_NOFOLLOW) &&
		    S_ISREG(st.st_mode) && st.st_uid == geteuid())
			unlinkat(dirfd(dp), d->d_name, 0);
	}
	closedir(dp);
}

/* A new file beside DEST, then rename(): DEST is whole or as it was. A file
 * being replaced keeps its mode and owner; a new one is 0600, as perf's. */
static int replace_file(const char *dest, const struct stat *old, const struct exporter *exp,
			const struct report *r, char *tmp, size_t tmplen)
{
	char dir[PATH_MAX];
	const char *base;
	int fd, e;

	split_path(dest, dir, sizeof(dir), &base);
	clean_stale(dir, base);
	if (snprintf(tmp, tmplen, "%s/.%s" TMP_TAG "%d.XXXXXX", dir, base, (int)getpid()) >=
	    (int)tmplen)
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC); /* O_EXCL, 0600: a planted name makes it fail */
	if (fd < 0) {
		tmp[0] = 0;
		return -errno;
	}
	if (old) {
		if (geteuid() == 0 && fchown(fd, old->st_uid, old->st_gid)) {
			/* keep going: the content matters more than its owner */
		}
		fchmod(fd, old->st_mode & 07777);
	}
	e = write_fd(fd, exp, r, 1);
	if (!e && rename(tmp, dest))
		e = -errno;
	if (!e)
		tmp[0] = 0;
	return e;
}

int outfile_write(const char *path, const struct exporter *exp, const struct report *r, char *err,
		  size_t len)
{
	char dest[PATH_MAX], tmp[PATH_MAX + 64] = "";
	struct stat st;
	int e, exists;

	if (!strcmp(path, "-")) {
		e = write_through(NULL, STDOUT_FILENO, exp, r);
		goto out;
	}
	if (names_descriptor(path)) {
		e = write_through(path, -1, exp, r);
		goto out;
	}
	e = resolve(path, dest, sizeof(dest));
	if (e == -EPERM) {
		snprintf(err, len,
			 "cannot write '%s': a symbolic link another user planted in a "
			 "shared directory (not followed)",
			 path);
		return e;
	}
	if (e)
		goto out;
	exists = stat(dest, &st) == 0;
	if (exists && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		e = write_through(dest, -1, exp, r); /* device, FIFO, socket, terminal */
	else if (exists && S_ISDIR(st.st_mode))
		e = -EISDIR;
	else
		e = replace_file(dest, exists ? &st : NULL, exp, r, tmp, sizeof(tmp));
out:
	if (!e)
		return 0;
	if (tmp[0] && unlink(tmp))
		snprintf(err, len, "cannot write '%s': %s (partial file left: %s)", path,
			 strerror(-e), tmp);
	else
		snprintf(err, len, "cannot write '%s': %s", path, strerror(-e));
	return e;
}

int outfile_fallback(const struct exporter *exp, const struct report *r, const char *ext,
		     char *saved, size_t savedlen, char *err, size_t len)
{
	const char *dir = getenv("TMPDIR");
	char stamp[32];
	struct tm tm;
	time_t now = time(NULL);
	int fd, e;

	if (!dir || !*dir)
		dir = "/tmp";
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(saved, savedlen, "%s/flametop-%d-%s-%d.%s", dir, (int)r->pid, stamp, (int)getpid(),
		 ext);
	/* A fresh name of our own, 0600: never through a name someone planted. */
	fd = open(saved, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		e = -errno;
		snprintf(err, len, "cannot write '%s': %s", saved, strerror(-e));
		return e;
	}
	e = write_fd(fd, exp, r, 1);
	if (e) {
		unlink(saved);
		snprintf(err, len, "cannot write '%s': %s", saved, strerror(-e));
	}
	return e;
}

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && !strcmp(s + n - t, tail);
}

const struct exporter *const exporters[] = { &exporter_yaml, &exporter_folded, &exporter_pprof,
					     NULL };

const struct exporter *exporter_for_path(const char *path)
{
	for (size_t i = 0; exporters[i]; i++)
		for (const char *const *x = exporters[i]->suffixes; x && *x; x++)
			if (ends_with(path, *x))
				return exporters[i];
	return &exporter_yaml;
}

const char *exporter_ext(const struct exporter *exp) { return exp->ext ? exp->ext : "yaml"; }
