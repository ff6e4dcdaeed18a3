/* export_yaml_compare — the YAML's `comparison` section (flametop diff -o
 * FILE.yaml): both sides' figures and each function's change. */
#include "export_yaml_impl.h"

#include "compare.h"
#include "saved.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Where a side came from: its file, what it profiled, when, how. */
static void compare_side(struct yamlw *w, const char *key, const struct saved_report *s)
{
	const struct report *r = &s->report;

	yw_key(w, key);
	yw_map(w);
	yw_kstr(w, "path", s->path);
	yw_kstr(w, "format", s->folded ? "folded" : s->pprof ? "pprof" : "yaml");
	yw_kstr(w, "command", r->command[0] ? r->command : NULL);
	yw_kstr(w, "event", r->event[0] ? r->event : NULL);
	yw_kuint(w, "samples", s->profile->samples);
	yw_end_map(w);
}

static void compare_metrics(struct yamlw *w, const struct comparison *cmp)
{
	yw_key(w, "metrics");
	yw_seq(w);
	for (size_t i = 0; i < cmp->nm; i++) {
		const struct compare_metric *m = &cmp->m[i];
		int both = m->has[0] && m->has[1];
		double pct = 0;
		int has_pct = compare_change_pct(m, &pct) == 0;

		yw_map(w);
		yw_kstr(w, "metric", m->key);
		knum_or_null(w, "base", m->has[0], m->v[0], 2);
		knum_or_null(w, "after", m->has[1], m->v[1], 2);
		knum_or_null(w, "change", both, m->v[1] - m->v[0], 2);
		knum_or_null(w, "change_pct", has_pct, pct, 1);
		yw_end_map(w);
	}
	yw_end_seq(w);
}

static void compare_function(struct yamlw *w, const struct comparison *cmp,
			     const struct compare_fn *f)
{
	yw_map(w);
	yw_kstr(w, "function", f->name);
	yw_kstr(w, "module", cmp->by_name ? NULL : f->module);
	yw_kstr(w, "status", !f->present[0] ? "new" : !f->present[1] ? "vanished" : "both");
	yw_knum(w, "base_self_pct", f->self_pct[0], 2);
	yw_knum(w, "after_self_pct", f->self_pct[1], 2);
	yw_knum(w, "delta_self_pct", f->self_pct[1] - f->self_pct[0], 2);
	yw_knum(w, "base_total_pct", f->total_pct[0], 2);
	yw_knum(w, "after_total_pct", f->total_pct[1], 2);
	yw_knum(w, "delta_total_pct", f->total_pct[1] - f->total_pct[0], 2);
	yw_kuint(w, "base_self_samples", f->self_n[0]);
	yw_kuint(w, "after_self_samples", f->self_n[1]);
	yw_knum(w, "z_self", f->z_self, 2);
	yw_knum(w, "z_total", f->z_total, 2);
	yw_kstr(w, "significance", compare_fn_mark(f));
	if (cmp->have_ms) {
		yw_knum(w, "base_self_ms", f->self_ms[0], 1);
		yw_knum(w, "after_self_ms", f->self_ms[1], 1);
		yw_knum(w, "delta_self_ms", f->self_ms[1] - f->self_ms[0], 1);
		yw_knum(w, "base_total_ms", f->total_ms[0], 1);
		yw_knum(w, "after_total_ms", f->total_ms[1], 1);
		yw_knum(w, "delta_total_ms", f->total_ms[1] - f->total_ms[0], 1);
	}
	yw_end_map(w);
}

/* The comparison with a baseline: what is compared, the figures side by
 * side, every function's change with its significance. */
void ey_section_comparison(struct yctx *c)
{
	const struct comparison *cmp = c->r->comparison;
	struct yamlw *w = &c->w;

	if (!cmp)
		return;
	yw_key(w, "comparison");
	yw_map(w);
	compare_side(w, "base", cmp->side[CMP_BASE]);
	compare_side(w, "after", cmp->side[CMP_AFTER]);
	yw_kstr(w, "matched_by", cmp->by_name ? "function name" : "function and module");
	yw_kstr(w, "test",
		"two-proportion z-test on sample counts, two-sided: * p < 0.05 "
		"(|z| >= 1.96), ** p < 0.001 (|z| >= 3.29)");
	compare_metrics(w, cmp);
	if (cmp->slower_checked) {
		yw_key(w, "slower_check");
		yw_map(w);
		yw_kstr(w, "metric", cmp->slower_metric);
		yw_kbool(w, "per_unit_of_work", cmp->slower_per_work);
		yw_knum(w, "change_pct", cmp->slower_change_pct, 1);
		yw_knum(w, "limit_pct", cmp->slower_limit_pct, 1);
		yw_kbool(w, "failed", cmp->slower);
		yw_end_map(w);
	}
	yw_key(w, "functions");
	yw_seq(w);
	for (size_t i = 0; i < cmp->n; i++)
		compare_function(w, cmp, &cmp->fns[i]);
	yw_end_seq(w);
	yw_end_map(w);
}
