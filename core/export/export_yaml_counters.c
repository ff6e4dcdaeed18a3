/* export_yaml_counters — the YAML's `counters` section: the events, their
 * totals and derived rates, per interval and per thread. */
#include "export_yaml_impl.h"

#include "compare.h"
#include "saved.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* {event: value, ...} plus the derived metrics VALUES allow. */
void ey_counter_values(struct yctx *c, const double *v)
{
	const struct counting *k = c->r->counting;
	struct counting_derived d;

	yw_map(&c->w);
	for (size_t i = 0; i < k->n; i++)
		yw_kuint(&c->w, k->name[i], (unsigned long long)llround(v[i]));
	counting_derive(k, v, &d);
	if (d.has_ipc)
		yw_knum(&c->w, "ipc", d.ipc, 3);
	if (d.has_cache)
		yw_knum(&c->w, "cache_miss_pct", d.cache_miss_pct, 2);
	if (d.has_branch)
		yw_knum(&c->w, "branch_miss_pct", d.branch_miss_pct, 2);
	yw_end_map(&c->w);
}

/* Counters charged to one node or function, when samples carried them. */
void ey_kcounters(struct yctx *c, const uint64_t *ctr)
{
	double v[EVENTS_MAX];
	size_t n = ctree_ncounters(c->p->tree);

	if (!ctr || !n || !c->r->counting)
		return;
	for (size_t i = 0; i < n && i < EVENTS_MAX; i++)
		v[i] = (double)ctr[i];
	yw_key(&c->w, "counters");
	ey_counter_values(c, v);
}

static void derived_or_null(struct yamlw *w, const char *k, int has, double v, int decimals)
{
	if (has)
		yw_knum(w, k, v, decimals);
	else
		yw_kstr(w, k, NULL);
}

static void counters_events(struct yctx *c)
{
	const struct counting *k = c->r->counting;
	double secs = c->r->duration_s > 0 ? c->r->duration_s : 1.0;
	struct counting_derived d;

	yw_key(&c->w, "events");
	yw_seq(&c->w);
	for (size_t i = 0; i < k->n; i++) {
		yw_map(&c->w);
		/* cpu-clock and task-clock count nanoseconds: said, and in ms. */
		int clock = strstr(k->name[i], "clock") != NULL;

		yw_kstr(&c->w, "event", k->name[i]);
		yw_kuint(&c->w, "value", (unsigned long long)llround(k->total[i]));
		yw_kstr(&c->w, "unit", clock ? "ns" : "events");
		if (clock)
			yw_knum(&c->w, "value_ms", k->total[i] / 1e6, 1);
		yw_knum(&c->w, "enabled_pct", counting_enabled_pct(k), 1);
		yw_knum(&c->w, "per_second", k->total[i] / secs, 1);
		yw_end_map(&c->w);
	}
	yw_end_seq(&c->w);
	counting_derive(k, k->total, &d);
	yw_key(&c->w, "derived");
	yw_map(&c->w);
	derived_or_null(&c->w, "ipc", d.has_ipc, d.ipc, 3);
	derived_or_null(&c->w, "cache_miss_pct", d.has_cache, d.cache_miss_pct, 2);
	derived_or_null(&c->w, "branch_miss_pct", d.has_branch, d.branch_miss_pct, 2);
	yw_end_map(&c->w);
}

static void counters_intervals(struct yctx *c)
{
	const struct counting *k = c->r->counting;

	yw_key(&c->w, "intervals");
	yw_seq(&c->w);
	for (size_t i = 0; i < k->len; i++) {
		const struct counting_point *pt = counting_point_at(k, i);

		yw_map(&c->w);
		yw_knum(&c->w, "t_s", pt->t_s, 3);
		yw_knum(&c->w, "dt_s", pt->dt_s, 3);
		yw_knum(&c->w, "enabled_pct", pt->enabled_pct, 1);
		yw_key(&c->w, "values");
		ey_counter_values(c, pt->value);
		yw_end_map(&c->w);
	}
	yw_end_seq(&c->w);
}

/* Per thread: what its samples were charged (needs per-sample reads). */
static void counters_threads(struct yctx *c)
{
	const struct profile *p = c->p;

	yw_key(&c->w, "threads");
	yw_seq(&c->w);
	for (size_t i = 0; ctree_ncounters(p->tree) && i < p->nthreads; i++) {
		const struct thread_stat *t = &p->threads[i];
		double v[EVENTS_MAX];

		if (!t->samples)
			continue;
		for (size_t e = 0; e < c->r->counting->n; e++)
			v[e] = (double)t->ctr[e];
		yw_map(&c->w);
		yw_kint(&c->w, "tid", t->tid);
		yw_kstr(&c->w, "comm", t->comm);
		yw_kuint(&c->w, "samples", t->samples);
		yw_key(&c->w, "values");
		ey_counter_values(c, v);
		yw_end_map(&c->w);
	}
	yw_end_seq(&c->w);
}

void ey_section_counters(struct yctx *c)
{
	const struct report *r = c->r;
	struct yamlw *w = &c->w;
	char note[800];

	snprintf(note, sizeof(note), "%s%s%s", r->hw_note ? r->hw_note : "",
		 r->hw_note && r->hw_note[0] && r->ctr_note && r->ctr_note[0] ? "; " : "",
		 r->ctr_note ? r->ctr_note : "");
	yw_key(w, "counters");
	yw_map(w);
	yw_kstr(w, "hardware", r->fp.hw_counters ? "available" : "unavailable");
	yw_kstr(w, "note", note[0] ? note : NULL);
	yw_kstr(w, "sampling_event", r->event);
	yw_kbool(w, "per_function", ctree_ncounters(c->p->tree) > 0);
	if (r->counting) {
		counters_events(c);
		counters_intervals(c);
		counters_threads(c);
	} else {
		yw_key(w, "events");
		yw_seq(w);
		yw_end_seq(w);
		yw_kstr(w, "derived", NULL);
	}
	yw_end_map(w);
}
