/* export_lines — a hotspot's hot lines in the YAML (hotspots[].lines):
 * from a live annotation (annotate.h), or as a reopened export saved them. */
#include "export_lines.h"

#include <stdlib.h>
#include <string.h>

static int by_total(const void *x, const void *y, void *arg)
{
	const struct annot_line *v = arg;
	const struct annot_line *a = &v[*(const size_t *)x], *b = &v[*(const size_t *)y];

	if (a->total != b->total)
		return a->total < b->total ? 1 : -1;
	if (a->self != b->self)
		return a->self < b->self ? 1 : -1;
	return a->line - b->line;
}

void export_lines(struct yamlw *w, const struct annotation *a, size_t max)
{
	size_t *idx = malloc((a->nlines + 1) * sizeof(*idx)), n = 0;

	yw_key(w, "lines");
	yw_seq(w);
	for (size_t i = 0; idx && i < a->nlines; i++)
		if (a->lines[i].total || a->lines[i].self)
			idx[n++] = i;
	if (idx)
		qsort_r(idx, n, sizeof(*idx), by_total, a->lines);
	for (size_t k = 0; k < n && k < max; k++) {
		const struct annot_line *l = &a->lines[idx[k]];

		yw_map(w);
		yw_kstr(w, "file", a->file);
		yw_kint(w, "line", l->line);
		yw_knum(w, "self_pct", annotation_pct(l->self, a->self), 2);
		yw_knum(w, "total_pct", annotation_pct(l->total, a->total), 2);
		yw_kuint(w, "self_samples", l->self);
		yw_kuint(w, "total_samples", l->total);
		if (l->inlined[0])
			yw_kstr(w, "inlined", l->inlined);
		yw_end_map(w);
	}
	yw_end_seq(w);
	free(idx);
}

static int by_self(const void *x, const void *y, void *arg)
{
	const struct annot_insn *v = arg;
	const struct annot_insn *a = &v[*(const size_t *)x], *b = &v[*(const size_t *)y];

	if (a->self != b->self)
		return a->self < b->self ? 1 : -1;
	if (a->total != b->total)
		return a->total < b->total ? 1 : -1;
	return (a->vaddr > b->vaddr) - (a->vaddr < b->vaddr);
}

void export_instructions(struct yamlw *w, const struct annotation *a, size_t max)
{
	size_t *idx = malloc((a->ninsns + 1) * sizeof(*idx)), n = 0;
	char addr[24];

	yw_key(w, "instructions");
	yw_seq(w);
	for (size_t i = 0; idx && i < a->ninsns; i++)
		if (a->insns[i].self || a->insns[i].total)
			idx[n++] = i;
	if (idx)
		qsort_r(idx, n, sizeof(*idx), by_self, a->insns);
	for (size_t k = 0; k < n && k < max; k++) {
		const struct annot_insn *d = &a->insns[idx[k]];

		snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)d->vaddr);
		yw_map(w);
		yw_kstr(w, "address", addr);
		yw_kstr(w, "instruction", d->text[0] ? d->text : NULL);
		yw_knum(w, "self_pct", annotation_pct(d->self, a->self), 2);
		yw_kuint(w, "self_samples", d->self);
		yw_kuint(w, "total_samples", d->total);
		yw_kstr(w, "source", d->source[0] ? d->source : NULL);
		yw_end_map(w);
	}
	yw_end_seq(w);
	free(idx);
}
