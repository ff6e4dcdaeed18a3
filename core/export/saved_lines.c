/* saved_lines — a reopened export's hot lines (hotspots[].lines) as an
 * annotation: for `report --annotate`, `diff --annotate` and writing them
 * back. */
#include "saved.h"

#include "yamlr.h"

#include <stdlib.h>
#include <string.h>

#define LINES_SPAN_MAX 20000 /* from the first to the last line kept */

static const char *str_at(const struct yr *d, const yaml_node_t *m, const char *key)
{
	return yr_scalar(yr_get(d, m, key));
}

/* The hotspot map named NAME (and MODULE, when not NULL), or NULL. */
static yaml_node_t *hotspot_named(const struct yr *d, const char *name, const char *module)
{
	yaml_node_t *root = yaml_document_get_root_node(d->doc);
	yaml_node_t *hs = root ? yr_get(d, root, "hotspots") : NULL;

	if (!hs || hs->type != YAML_SEQUENCE_NODE)
		return NULL;
	for (yaml_node_item_t *it = hs->data.sequence.items.start; it < hs->data.sequence.items.top;
	     it++) {
		yaml_node_t *h = yr_node(d, *it);
		const char *f = str_at(d, h, "function"), *m = str_at(d, h, "module");

		if (f && !strcmp(f, name) && (!module || (m && !strcmp(m, module))))
			return h;
	}
	return NULL;
}

int saved_lines_of(const struct saved_report *s, const char *name, const char *module,
		   struct annotation *out)
{
	struct yr d = { (yaml_document_t *)&s->doc, NULL, 0 };
	yaml_node_t *h, *lines;
	int lo = 0, hi = 0;
	const char *m;

	memset(out, 0, sizeof(*out));
	if (s->folded || s->pprof || !(h = hotspot_named(&d, name, module)) ||
	    !(lines = yr_get(&d, h, "lines")) || lines->type != YAML_SEQUENCE_NODE)
		return -1;
	snprintf(out->name, sizeof(out->name), "%s", name);
	m = str_at(&d, h, "module");
	snprintf(out->module, sizeof(out->module), "%s", m ? m : "?");
	for (yaml_node_item_t *it = lines->data.sequence.items.start;
	     it < lines->data.sequence.items.top; it++) {
		yaml_node_t *l = yr_node(&d, *it);
		double line = 0, self = 0, total = 0, sp = 0, tp = 0;
		const char *file = str_at(&d, l, "file");

		if (!file || yr_range(&d, l, "line", 1, 1 << 30, &line) ||
		    yr_range(&d, l, "self_samples", 0, YR_U64_MAX, &self) ||
		    yr_range(&d, l, "total_samples", 0, YR_U64_MAX, &total) ||
		    yr_number(&d, l, "self_pct", &sp) < 0 || yr_number(&d, l, "total_pct", &tp) < 0)
			continue;
		if (!out->file[0])
			snprintf(out->file, sizeof(out->file), "%s", file);
		if (strcmp(file, out->file))
			continue;
		/* The function's own samples, from a line's count and share. */
		if (!out->self && sp > 0)
			out->self = (uint64_t)(self * 100.0 / sp + 0.5);
		if (!out->total && tp > 0)
			out->total = (uint64_t)(total * 100.0 / tp + 0.5);
		if (!lo || (int)line < lo)
			lo = (int)line;
		if ((int)line > hi)
			hi = (int)line;
	}
	/* a few lines of context either side */
	lo = lo > 3 ? lo - 3 : 1;
	hi += 3;
	if (!lo || hi - lo >= LINES_SPAN_MAX ||
	    !(out->lines = calloc((size_t)(hi - lo + 1), sizeof(*out->lines))))
		return -1;
	out->nlines = (size_t)(hi - lo + 1);
	for (size_t i = 0; i < out->nlines; i++)
		out->lines[i].line = lo + (int)i;
	for (yaml_node_item_t *it = lines->data.sequence.items.start;
	     it < lines->data.sequence.items.top; it++) {
		yaml_node_t *l = yr_node(&d, *it);
		double line = 0, self = 0, total = 0;
		const char *file = str_at(&d, l, "file"), *inl = str_at(&d, l, "inlined");
		struct annot_line *a;

		if (!file || strcmp(file, out->file) || yr_range(&d, l, "line", lo, hi, &line) ||
		    yr_range(&d, l, "self_samples", 0, YR_U64_MAX, &self) ||
		    yr_range(&d, l, "total_samples", 0, YR_U64_MAX, &total))
			continue;
		a = &out->lines[(int)line - lo];
		a->has_code = 1;
		a->self = (uint64_t)self;
		a->total = (uint64_t)total;
		if (inl)
			snprintf(a->inlined, sizeof(a->inlined), "%s", inl);
	}
	return 0;
}

int saved_replay_hotspot(const struct saved_report *s, struct yamlw *w, const char *name,
			 const char *module, const char *key)
{
	struct yr d = { (yaml_document_t *)&s->doc, NULL, 0 };
	yaml_node_t *h, *v;

	if (s->folded || s->pprof || !(h = hotspot_named(&d, name, module)) ||
	    !(v = yr_get(&d, h, key)))
		return 0;
	yw_key(w, key);
	saved_replay_node(s, w, v);
	return 1;
}
