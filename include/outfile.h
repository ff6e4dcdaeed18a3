/* outfile — writing exports so that a file is either whole or absent, and
 * nothing else at the path is harmed.
 *
 * A regular file (or a new one) is written to an exclusive temporary file in
 * its own directory, flushed and fsync'd, then renamed over it: it keeps its
 * mode and owner, a new one is 0600. A symlink is followed to the file it
 * names (in a sticky, world-writable directory only when it is ours or the
 * directory owner's, as the kernel's protected_symlinks rule). Anything that
 * is not a regular file (a device, a FIFO, a terminal) and any path naming
 * an open descriptor (/dev/stdout, /proc/self/fd/N) is written through,
 * never replaced; "-" is standard output. A temporary file left by a writer
 * that was killed is removed by the next write to the same path. */
#ifndef FLAMETOP_OUTFILE_H
#define FLAMETOP_OUTFILE_H

#include <stddef.h>

#include "report.h"

/* Returns 0, or -errno with "cannot write 'PATH': reason" in ERR (and the
 * partial file's name if it could not be removed). */
int outfile_write(const char *path, const struct exporter *exp, const struct report *r, char *err,
		  size_t len);

/* Writes to a fresh 0600 file in $TMPDIR (else /tmp) named after the target
 * and time, for when the asked-for path failed. Its path goes to SAVED. */
int outfile_fallback(const struct exporter *exp, const struct report *r, const char *ext,
		     char *saved, size_t savedlen, char *err, size_t len);

#endif
