/* exporters — the export formats: one const table each (export/), chosen
 * by name or by a path's ending; each writes a report (report.h). */
#ifndef FLAMETOP_EXPORTERS_H
#define FLAMETOP_EXPORTERS_H

#include <stdio.h>

struct report;

/* An export format. Formats are chosen by a path's ending from the
 * registry below: adding one is its file and one line there. */
struct exporter {
	const char *name;
	int (*write)(FILE *f, const struct report *r);
	const char *ext;             /* a fallback file of it is NAME.EXT */
	const char *const *suffixes; /* path endings that choose it (NULL-ended; NULL: none) */
};

extern const struct exporter exporter_yaml;
/* Differential folded stacks of r->comparison: "a;b;c BASE AFTER". */
extern const struct exporter exporter_folded_diff;
extern const struct exporter exporter_folded;
extern const struct exporter exporter_pprof; /* profile.proto, gzip'd */

/* The formats a path can choose, NULL-ended: the first whose suffix ends
 * the path wins; a path no suffix matches is YAML's. */
extern const struct exporter *const exporters[];
/* By the file name: .folded/.collapsed/.txt folded stacks, .pb.gz/.pprof/
 * .pb pprof, anything else YAML. */
const struct exporter *exporter_for_path(const char *path);
/* The extension a fallback file of EXP gets: yaml, folded, pb.gz. */
const char *exporter_ext(const struct exporter *exp);

#endif
