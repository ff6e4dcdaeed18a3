/* safefile — opening files that someone else may have planted.
 *
 * flametop often runs as root and reads files whose names a target or
 * another user controls: /tmp/perf-PID.map, the ELF files a process maps,
 * debug files beside them, exports and ledgers a user hands over. Any of
 * them can be a FIFO (an open that never returns), a device (/dev/zero: a
 * read that never ends) or a symlink into a place the planter cannot read.
 * Every such file is opened here: non-blocking, close-on-exec, optionally
 * without following a final symlink, then fstat'ed, and used only when it
 * is a regular file of bounded size. */
#ifndef FLAMETOP_SAFEFILE_H
#define FLAMETOP_SAFEFILE_H

#include <stddef.h>
#include <sys/stat.h>

enum {
	SAFEFILE_NOFOLLOW = 1, /* refuse a symlink as the last component */
	SAFEFILE_OWN = 2,      /* only a file of ours that no one else may write (a
				* cache we keep: anything else may be planted) */
};

/* Export and ledger files a user names: large profiles stay well below. */
#define SAFEFILE_INPUT_MAX ((size_t)1 << 30)

/* Opens PATH read-only if it is a regular file of at most MAX bytes (0: no
 * bound). Returns the descriptor (blocking again, close-on-exec), or -errno:
 * -EINVAL for something that is not a regular file, -EFBIG for one over MAX,
 * -ELOOP for a refused symlink, -EPERM for one not ours (SAFEFILE_OWN). ST
 * (may be NULL) gets the file's status. */
int safefile_open(const char *path, int flags, size_t max, struct stat *st);

/* The whole file, NUL-terminated, its length in *LENP (may be NULL); reads
 * stop at MAX bytes even where the size said less (files in /proc have
 * none). NULL with errno set as safefile_open's. */
char *safefile_slurp(const char *path, int flags, size_t max, size_t *lenp);

/* "not a regular file" and the like for safefile's own errors, else
 * strerror(). */
const char *safefile_strerror(int e);

#endif
