/* outfile — exports written whole, to whatever the path names. */
#include "outfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Temporary files are ".NAME.flametop.PID.XXXXXX" beside the destination:
 * the pid tells the next run whether their writer is gone. */
#define TMP_TAG ".flametop."

/* A reader of a FIFO or device that takes nothing for this long fails the
 * write (the profile is then saved elsewhere by the caller). */
#define OUTFILE_STALL_MS   3000
#define OUTFILE_STALL_TEXT "3 s"

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

/* Writes through an open descriptor of the user's own (standard output, a
 * /dev/fd path): as slow as its reader. */
static int write_through(const char *path, int fd, const struct exporter *exp,
			 const struct report *r)
{
	fflush(stdout); /* what was printed before comes first */
	fd = fd >= 0 ? dup(fd) : open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return write_fd(fd, exp, r, 0);
}

/* Writes the export, made in memory, to FD (non-blocking): a reader that
 * takes nothing for OUTFILE_STALL_MS fails it with ETIMEDOUT. */
static int write_bounded(int fd, const struct exporter *exp, const struct report *r)
{
	char *buf = NULL;
	size_t n = 0, off = 0;
	FILE *m = open_memstream(&buf, &n);
	int e;

	if (!m)
		return -errno;
	e = write_stream(m, exp, r, 0);
	while (!e && off < n) {
		struct pollfd pfd = { fd, POLLOUT, 0 };
		ssize_t k = write(fd, buf + off, n - off);

		if (k > 0) {
			off += (size_t)k;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno != EAGAIN)
			e = -errno;
		else if (poll(&pfd, 1, OUTFILE_STALL_MS) == 0)
			e = -ETIMEDOUT;
		else if (pfd.revents & (POLLERR | POLLHUP))
			e = -EPIPE;
	}
	free(buf);
	return e;
}

/* The kernel's protected_symlinks rule, for every component of a path we
 * write to (the kernel checks only the last one): a symbolic link is
 * followed only when its owner is us, root, or the owner of the directory
 * it is in. */
static int may_follow(int dirfd, const struct stat *lst)
{
	struct stat ds;

	if (lst->st_uid == geteuid() || lst->st_uid == 0)
		return 1;
	return !fstat(dirfd, &ds) && lst->st_uid == ds.st_uid;
}

/* A directory others may write to and whose sticky bit keeps their entries
 * theirs (/tmp): there, what another user owns is theirs. */
static int shared_dir(int dirfd, struct stat *ds)
{
	return !fstat(dirfd, ds) && (ds->st_mode & S_ISVTX) && (ds->st_mode & (S_IWOTH | S_IWGRP));
}

/* Takes the next component of *REST into COMP ("" at the end). */
static int next_component(const char **rest, char *comp)
{
	const char *p = *rest, *q;

	while (*p == '/')
		p++;
	for (q = p; *q && *q != '/'; q++)
		;
	if (q - p > NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(comp, p, (size_t)(q - p));
	comp[q - p] = 0;
	*rest = q;
	return 0;
}

/* Where a path leads: the directory its last component is in, opened
 * (O_PATH), and that component. Walked one component at a time with
 * O_NOFOLLOW; each symbolic link on the way is checked (may_follow) and its
 * text put in its place, so no link is followed that the rule refuses — the
 * last component's included, whatever the kernel's settings. */
struct walk {
	int dirfd;
	char base[NAME_MAX + 1];
	char buf[2][PATH_MAX]; /* what is left of the path, as links rewrite it */
};

static int open_root(const char *path, int *dirfd)
{
	int fd = open(path[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (*dirfd >= 0)
		close(*dirfd);
	*dirfd = fd;
	return 0;
}

/* Puts link LINKFD's text before REST in W's other buffer; *REST points there. */
static int splice_link(struct walk *w, int linkfd, const char **rest, int *cur)
{
	char target[PATH_MAX];
	ssize_t k = readlinkat(linkfd, "", target, sizeof(target) - 1);
	int other = !*cur;

	if (k < 0)
		return -errno;
	target[k] = 0;
	if ((size_t)snprintf(w->buf[other], sizeof(w->buf[other]), "%s%s", target, *rest) >=
	    sizeof(w->buf[other]))
		return -ENAMETOOLONG;
	*cur = other;
	*rest = w->buf[other];
	return target[0] == '/' ? open_root(target, &w->dirfd) : 0;
}

static int walk_path(const char *path, struct walk *w)
{
	const char *rest;
	int e, cur = 0, hops = 0;

	w->dirfd = -1;
	if (snprintf(w->buf[0], sizeof(w->buf[0]), "%s", path) >= (int)sizeof(w->buf[0]))
		return -ENAMETOOLONG;
	rest = w->buf[0];
	if ((e = open_root(path, &w->dirfd)))
		return e;
	for (;;) {
		char comp[NAME_MAX + 1];
		struct stat st;
		int fd;

		if ((e = next_component(&rest, comp)))
			return e;
		while (*rest == '/' && rest[1] == '/')
			rest++;
		if (!comp[0] || ((!strcmp(comp, ".") || !strcmp(comp, "..")) && !rest[0]))
			return -EISDIR; /* "dir/", "." or "..": no file named */
		if (!strcmp(comp, "."))
			continue;
		fd = openat(w->dirfd, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && !rest[0]) {
			snprintf(w->base, sizeof(w->base), "%s", comp); /* a new file */
			return 0;
		}
		if (fd < 0 || fstat(fd, &st)) {
			e = -errno;
			if (fd >= 0)
				close(fd);
			return e;
		}
		if (S_ISLNK(st.st_mode)) {
			e = ++hops > 40                  ? -ELOOP
			    : !may_follow(w->dirfd, &st) ? -EPERM
							 : splice_link(w, fd, &rest, &cur);
			close(fd);
			if (e)
				return e;
			continue;
		}
		if (!rest[0] || (rest[0] == '/' && !rest[1] && !S_ISDIR(st.st_mode))) {
			close(fd);
			if (rest[0])
				return -ENOTDIR;
			snprintf(w->base, sizeof(w->base), "%s", comp);
			return 0;
		}
		if (!S_ISDIR(st.st_mode)) {
			close(fd);
			return -ENOTDIR;
		}
		close(w->dirfd);
		w->dirfd = fd;
	}
}

/* Removes temporary files an earlier writer of this destination left when
 * it was killed mid-export: ours (same owner), and their writer gone. */
static void clean_stale(int dir, const char *base)
{
	char prefix[NAME_MAX + 32];
	size_t plen;
	struct dirent *d;
	int fd;
	DIR *dp;

	plen = (size_t)snprintf(prefix, sizeof(prefix), ".%s" TMP_TAG, base);
	if (plen >= sizeof(prefix) ||
	    (fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return;
	if (!(dp = fdopendir(fd))) {
		close(fd);
		return;
	}
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

/* A fresh file named PREFIX + six unpredictable letters + SUFFIX in DIRFD,
 * 0600, created exclusively (a name planted there is skipped, not used).
 * The name goes to NAME. */
static int create_fresh(int dirfd, const char *prefix, const char *suffix, char *name, size_t len)
{
	static const char letters[] =
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

	for (int tries = 0; tries < 100; tries++) {
		unsigned char rnd[6];
		char tag[7];
		int fd;

		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return -EIO;
		for (int i = 0; i < 6; i++)
			tag[i] = letters[rnd[i] % (sizeof(letters) - 1)];
		tag[6] = 0;
		if ((size_t)snprintf(name, len, "%s%s%s", prefix, tag, suffix) >= len)
			return -ENAMETOOLONG;
		fd =
		    openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd : -errno;
	}
	return -EEXIST;
}

/* A new file beside BASE in DIRFD, then renameat(): BASE is whole or as it
 * was. It is ours and keeps a replaced file's permission bits, less any
 * set-id, sticky or world-writable bit; a new one is 0600, as perf's. */
static int replace_file(int dirfd, const char *base, const struct stat *old,
			const struct exporter *exp, const struct report *r, char *tmp,
			size_t tmplen)
{
	char prefix[NAME_MAX + 32];
	int fd, e;

	clean_stale(dirfd, base);
	snprintf(prefix, sizeof(prefix), ".%s" TMP_TAG "%d.", base, (int)getpid());
	fd = create_fresh(dirfd, prefix, "", tmp, tmplen);
	if (fd < 0) {
		tmp[0] = 0;
		return fd;
	}
	if (old)
		fchmod(fd, old->st_mode & 0775);
	e = write_fd(fd, exp, r, 1);
	if (!e && renameat(dirfd, tmp, dirfd, base))
		e = -errno;
	if (!e || !unlinkat(dirfd, tmp, 0))
		tmp[0] = 0;
	return e;
}

/* Writes to what PATH names now: a regular file replaced, another object
 * written through (bounded), refusals said in WHY. */
static int write_path(const char *path, const struct exporter *exp, const struct report *r,
		      char *tmp, size_t tmplen, const char **why)
{
	struct walk w;
	struct stat st, ds;
	int e, fd, exists;

	e = walk_path(path, &w);
	if (e == -EPERM)
		*why = "a symbolic link another user planted in a shared directory (not followed)";
	if (e)
		goto out;
	exists = !fstatat(w.dirfd, w.base, &st, AT_SYMLINK_NOFOLLOW);
	if (exists && st.st_uid != geteuid() && shared_dir(w.dirfd, &ds) &&
	    st.st_uid != ds.st_uid) {
		/* protected_regular and protected_fifos, whatever the kernel's settings */
		*why = "a file another user owns in a shared directory (not replaced, not opened)";
		e = -EPERM;
	} else if (exists && S_ISDIR(st.st_mode)) {
		e = -EISDIR;
	} else if (exists && !S_ISREG(st.st_mode)) {
		/* A device, a FIFO, a socket, a terminal: written through. */
		fd = openat(w.dirfd, w.base,
			    O_WRONLY | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENXIO)
			*why = "a FIFO that no process reads";
		e = fd < 0 ? -errno : write_bounded(fd, exp, r);
		if (fd >= 0)
			close(fd);
		if (e == -ETIMEDOUT)
			*why = "its reader took nothing for " OUTFILE_STALL_TEXT;
	} else {
		e = replace_file(w.dirfd, w.base, exists ? &st : NULL, exp, r, tmp, tmplen);
	}
out:
	if (w.dirfd >= 0)
		close(w.dirfd);
	return e;
}

int outfile_write(const char *path, const struct exporter *exp, const struct report *r, char *err,
		  size_t len)
{
	char tmp[NAME_MAX + 64] = "";
	const char *why = NULL;
	int e;

	if (!strcmp(path, "-"))
		e = write_through(NULL, STDOUT_FILENO, exp, r);
	else if (names_descriptor(path))
		e = write_through(path, -1, exp, r);
	else
		e = write_path(path, exp, r, tmp, sizeof(tmp), &why);
	if (!e)
		return 0;
	if (tmp[0])
		snprintf(err, len, "cannot write '%s': %s (partial file left beside it: %s)", path,
			 why ? why : strerror(-e), tmp);
	else
		snprintf(err, len, "cannot write '%s': %s", path, why ? why : strerror(-e));
	return e;
}

int outfile_fallback(const struct exporter *exp, const struct report *r, const char *ext,
		     char *saved, size_t savedlen, char *err, size_t len)
{
	const char *dir = getenv("TMPDIR");
	char stamp[32], prefix[96], suffix[32], name[NAME_MAX + 1];
	struct tm tm;
	time_t now = time(NULL);
	int dfd, fd, e;

	if (!dir || !*dir)
		dir = "/tmp";
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(prefix, sizeof(prefix), "flametop-%d-%s-", (int)r->pid, stamp);
	snprintf(suffix, sizeof(suffix), ".%s", ext);
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	/* A fresh, unpredictable name of our own, 0600: never a planted one. */
	fd = dfd < 0 ? -errno : create_fresh(dfd, prefix, suffix, name, sizeof(name));
	snprintf(saved, savedlen, "%s/%s", dir, fd >= 0 ? name : prefix);
	if (fd < 0) {
		snprintf(err, len, "cannot write in '%s': %s", dir, strerror(-fd));
		if (dfd >= 0)
			close(dfd);
		return fd;
	}
	e = write_fd(fd, exp, r, 1);
	if (e) {
		unlinkat(dfd, name, 0);
		snprintf(err, len, "cannot write '%s': %s", saved, strerror(-e));
	}
	close(dfd);
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
