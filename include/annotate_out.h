/* annotate_out — annotated source on standard output (report and diff
 * --annotate FUNCTION). */
#ifndef FLAMETOP_ANNOTATE_OUT_H
#define FLAMETOP_ANNOTATE_OUT_H

#include "annotate.h"
#include "saved.h"

/* The lines S saved for FN beside the source. Returns 0, or 2 with one
 * line on stderr when S has none for it. */
int annotate_print_saved(const struct saved_report *s, const char *fn,
			 const struct annotate_opts *o);
/* Each line of FN on both sides and its change. Returns 0 or 2. */
int annotate_print_diff(const struct saved_report *base, const struct saved_report *after,
			const char *fn, const struct annotate_opts *o);

#endif
