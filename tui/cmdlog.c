/* cmdlog — a launched command's output, bounded, beside the screen. */
#include "cmdlog.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct cmdlog {
	int rd;   /* the pipe's read end */
	int file; /* the log */
	int stop; /* eventfd: cmdlog_close */
	char path[4096];
	uint64_t keep, size, written, dropped;
	pthread_mutex_t lock; /* written, dropped */
	pthread_t thread;
};

/* Keeps the last l->keep bytes of the file: moved to its front, the rest
 * cut. Done when the file reaches twice the bound, so each byte is moved
 * at most once. */
static void keep_tail(struct cmdlog *l)
{
	char buf[65536];
	uint64_t from = l->size - l->keep, at = 0;

	while (at < l->keep) {
		size_t want = l->keep - at < sizeof(buf) ? (size_t)(l->keep - at) : sizeof(buf);
		ssize_t k = pread(l->file, buf, want, (off_t)(from + at));

		if (k <= 0 || pwrite(l->file, buf, (size_t)k, (off_t)at) != k)
			break;
		at += (uint64_t)k;
	}
	if (ftruncate(l->file, (off_t)at) == 0) {
		pthread_mutex_lock(&l->lock);
		l->dropped += l->size - at;
		pthread_mutex_unlock(&l->lock);
		l->size = at;
	}
}

/* Copies what the pipe holds now. Returns 0 at its end (every writer
 * gone), 1 otherwise. */
static int copy_some(struct cmdlog *l)
{
	char buf[65536];
	ssize_t k = read(l->rd, buf, sizeof(buf));

	if (k == 0)
		return 0;
	if (k < 0)
		return errno == EINTR || errno == EAGAIN;
	if (pwrite(l->file, buf, (size_t)k, (off_t)l->size) == k)
		l->size += (uint64_t)k;
	pthread_mutex_lock(&l->lock);
	l->written += (uint64_t)k;
	pthread_mutex_unlock(&l->lock);
	if (l->size >= 2 * l->keep)
		keep_tail(l);
	return 1;
}

static void *copy_thread(void *arg)
{
	struct cmdlog *l = arg;
	struct pollfd p[2] = { { l->rd, POLLIN, 0 }, { l->stop, POLLIN, 0 } };

	for (;;) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents && !copy_some(l))
			break;
		if (p[1].revents) { /* closing: what is in the pipe now, then out */
			while (copy_some(l))
				;
			break;
		}
	}
	return NULL;
}

static int make_file(char *path, size_t len)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	if ((size_t)snprintf(path, len, "%s/flametop-output-XXXXXX",
			     dir && dir[0] ? dir : "/tmp") >= len)
		return -ENAMETOOLONG;
	fd = mkostemp(path, O_CLOEXEC); /* O_EXCL, 0600, retried on a clash */
	return fd < 0 ? -errno : fd;
}

struct cmdlog *cmdlog_open(uint64_t keep_bytes, int *child_fd, char *path, size_t pathlen,
			   char *err, size_t errlen)
{
	struct cmdlog *l = calloc(1, sizeof(*l));
	int p[2] = { -1, -1 }, e;

	if (!l) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->keep = keep_bytes ? keep_bytes : 1;
	l->stop = -1;
	pthread_mutex_init(&l->lock, NULL);
	if ((l->file = make_file(l->path, sizeof(l->path))) < 0) {
		snprintf(err, errlen, "cannot create a file for the command's output in %s: %s",
			 l->path, strerror(-l->file));
		goto fail;
	}
	if (pipe2(p, O_CLOEXEC) || (l->stop = eventfd(0, EFD_CLOEXEC)) < 0) {
		snprintf(err, errlen, "cannot make a pipe for the command's output: %s",
			 strerror(errno));
		goto fail;
	}
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	l->rd = p[0];
	if ((e = pthread_create(&l->thread, NULL, copy_thread, l))) {
		snprintf(err, errlen, "cannot start the command's output copy: %s", strerror(e));
		goto fail;
	}
	*child_fd = p[1];
	snprintf(path, pathlen, "%s", l->path);
	return l;
fail:
	if (p[0] >= 0)
		close(p[0]), close(p[1]);
	if (l->stop >= 0)
		close(l->stop);
	if (l->file >= 0)
		close(l->file), unlink(l->path);
	pthread_mutex_destroy(&l->lock);
	free(l);
	return NULL;
}

void cmdlog_counts(struct cmdlog *l, uint64_t *written, uint64_t *dropped)
{
	pthread_mutex_lock(&l->lock);
	*written = l->written;
	*dropped = l->dropped;
	pthread_mutex_unlock(&l->lock);
}

void cmdlog_close(struct cmdlog *l, int keep)
{
	uint64_t one = 1;

	if (!l)
		return;
	if (write(l->stop, &one, sizeof(one)) != sizeof(one)) {
		/* an eventfd write fails only past 2^64-2: not here */
	}
	pthread_join(l->thread, NULL);
	close(l->rd);
	close(l->stop);
	close(l->file);
	if (!keep)
		unlink(l->path);
	pthread_mutex_destroy(&l->lock);
	free(l);
}
