/* export_lines — hotspots[].lines of the YAML export: a function's lines
 * with samples, hottest first (their total, then self), each with its share
 * of the function's self and total samples. */
#ifndef FLAMETOP_EXPORT_LINES_H
#define FLAMETOP_EXPORT_LINES_H

#include <stddef.h>

#include "annotate.h"
#include "yamlw.h"

#define EXPORT_LINES_MAX      50 /* lines per hotspot */
#define EXPORT_LINES_HOTSPOTS 20 /* hotspots that get their lines */

void export_lines(struct yamlw *w, const struct annotation *a, size_t max);
/* hotspots[].instructions: the sampled instructions, most self samples
 * first, each with its address (the file's own), text, shares and the
 * innermost source line (as addr2line and perf annotate name it). */
void export_instructions(struct yamlw *w, const struct annotation *a, size_t max);
#define EXPORT_INSNS_MAX 500

#endif
