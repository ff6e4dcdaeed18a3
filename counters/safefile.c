/* safefile — regular files only, opened without blocking. */
#include "safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int safefile_open(const char *path, int flags, size_t max, struct stat *st)
{
	struct stat own;
	int fd, fl, e;

	if (!st)
		st = &own;
	/* O_NONBLOCK: opening a FIFO with no writer returns at once instead of
	 * waiting for one that never comes. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY |
			    (flags & SAFEFILE_NOFOLLOW ? O_NOFOLLOW : 0));
	if (fd < 0)
		return -errno;
	if (fstat(fd, st)) {
		e = -errno;
		goto out_close;
	}
	e = 0;
	if (!S_ISREG(st->st_mode))
		e = -EINVAL;
	else if (max && (size_t)st->st_size > max)
		e = -EFBIG;
	else if ((flags & SAFEFILE_OWN) && (st->st_uid != geteuid() || (st->st_mode & 022)))
		e = -EPERM;
	if (e)
		goto out_close;
	fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fd;
out_close:
	close(fd);
	return e;
}

char *safefile_slurp(const char *path, int flags, size_t max, size_t *lenp)
{
	int fd = safefile_open(path, flags, max, NULL);
	size_t len = 0, cap = 4096;
	char *buf;

	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	buf = malloc(cap);
	while (buf) {
		ssize_t r;

		if (cap - len < 2) {
			char *p = max && cap > max ? NULL : realloc(buf, cap * 2);

			if (!p) {
				free(buf);
				buf = NULL;
				errno = max && cap > max ? EFBIG : ENOMEM;
				break;
			}
			buf = p;
			cap *= 2;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r < 0) {
				int e = errno;

				free(buf);
				buf = NULL;
				errno = e;
			}
			break;
		}
		len += (size_t)r;
	}
	close(fd);
	if (buf) {
		buf[len] = 0;
		if (lenp)
			*lenp = len;
	}
	return buf;
}

const char *safefile_strerror(int e)
{
	if (e < 0)
		e = -e;
	if (e == EINVAL)
		return "not a regular file";
	if (e == EFBIG)
		return "file too large";
	if (e == ELOOP)
		return "a symbolic link (not followed)";
	if (e == EPERM)
		return "not our own file, or others may write it";
	return strerror(e);
}
