/* outfile — writing exports so that a file is either whole or absent, and
 * nothing else at the path is harmed, whoever planted what there.
 *
 * The path is walked one component at a time (openat, O_NOFOLLOW): a
 * symbolic link anywhere in it is followed only when its owner is us, root
 * or the owner of the directory it is in (the kernel's protected_symlinks
 * rule, which the kernel itself applies to the last component only). A
 * regular file (or a new one) is written to an exclusive temporary file with
 * an unpredictable name in its own directory, flushed and fsync'd, then
 * renamed over it: the export is ours, keeps a replaced file's permission
 * bits less set-id, sticky and world-writable ones, and a new one is 0600.
 * In a sticky directory others can write to (/tmp), a file another user owns
 * is neither replaced nor opened (protected_regular, protected_fifos).
 * Anything else (a device, a FIFO, a terminal) is written through, never
 * replaced, without blocking: a FIFO no process reads fails at once, a
 * reader that takes nothing for 3 s fails the write. A path naming an open
 * descriptor (/dev/stdout, /proc/self/fd/N) and "-" (standard output) are
 * the user's own and written through as slowly as their reader reads. A
 * temporary file left by a writer that was killed is removed by the next
 * write to the same path. */
#ifndef FLAMETOP_OUTFILE_H
#define FLAMETOP_OUTFILE_H

#include <stddef.h>

#include "exporters.h"
#include "report.h"

/* Returns 0, or -errno with "cannot write 'PATH': reason" in ERR (and the
 * partial file's name if it could not be removed). */
int outfile_write(const char *path, const struct exporter *exp, const struct report *r, char *err,
		  size_t len);

/* Writes to a fresh 0600 file in $TMPDIR (else /tmp), for when the asked-for
 * path failed: "flametop-PID-STAMP-XXXXXX.EXT", six unpredictable letters,
 * created exclusively (a planted name is skipped). Its path goes to SAVED. */
int outfile_fallback(const struct exporter *exp, const struct report *r, const char *ext,
		     char *saved, size_t savedlen, char *err, size_t len);

#endif
