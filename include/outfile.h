/* outfile — writing exports so that a file is either whole or absent.
 *
 * The export goes to an exclusive temporary file in the destination's own
 * directory (never following a symlink planted there), is flushed and
 * fsync'd, then renamed over the destination. */
#ifndef FLAMETOP_OUTFILE_H
#define FLAMETOP_OUTFILE_H

#include <stddef.h>

#include "report.h"

/* Returns 0, or -errno with "cannot write 'PATH': reason" in ERR. */
int outfile_write(const char *path, const struct exporter *exp, const struct report *r, char *err,
		  size_t len);

/* Writes to a fresh file in $TMPDIR (else /tmp) named after the target and
 * time, for when the asked-for path failed. Its path goes to SAVED. */
int outfile_fallback(const struct exporter *exp, const struct report *r, const char *ext,
		     char *saved, size_t savedlen, char *err, size_t len);

#endif
