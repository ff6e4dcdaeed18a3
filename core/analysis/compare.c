/* compare — per-function shares of two profiles, their change and its
 * significance; the measured figures of both. */
#include "compare.h"

#include "grow.h"
#include "profile.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double compare_z(uint64_t x1, uint64_t n1, uint64_t x2, uint64_t n2)
{
	double p1, p2, p, se;

	if (!n1 || !n2)
		return 0.0;
	p1 = (double)x1 / (double)n1;
	p2 = (double)x2 / (double)n2;
	p = (double)(x1 + x2) / (double)(n1 + n2);
	se = sqrt(p * (1.0 - p) * (1.0 / (double)n1 + 1.0 / (double)n2));
	return se > 0 ? (p2 - p1) / se : 0.0;
}

const char *compare_mark(double z)
{
	double a = fabs(z);

	return a >= 3.29 ? "**" : a >= 1.96 ? "*" : "";
}

const char *compare_fn_mark(const struct compare_fn *f)
{
	return compare_mark(fabs(f->z_self) > fabs(f->z_total) ? f->z_self : f->z_total);
}

int compare_change_pct(const struct compare_metric *m, double *pct)
{
	if (!m->has[0] || !m->has[1] || m->v[0] == 0)
		return -1;
	*pct = 100.0 * (m->v[1] - m->v[0]) / fabs(m->v[0]);
	return 0;
}

/* One side's function, before the two are merged. */
struct entry {
	const char *name, *module;
	int side;
	const struct hotspot *h;
	const struct profile *p;
};

static int cmp_entry(const void *a, const void *b, void *by_name)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c || *(int *)by_name)
		return c ? c : x->side - y->side;
	c = strcmp(x->module, y->module);
	return c ? c : x->side - y->side;
}

static double change(const struct compare_fn *f)
{
	double s = fabs(f->self_pct[1] - f->self_pct[0]),
	       t = fabs(f->total_pct[1] - f->total_pct[0]);

	return s > t ? s : t;
}

static int cmp_change(const void *a, const void *b)
{
	double x = change(a), y = change(b);

	if (x != y)
		return x < y ? 1 : -1;
	return strcmp(((const struct compare_fn *)a)->name, ((const struct compare_fn *)b)->name);
}

static struct compare_metric *metric_slot(struct comparison *c, const char *key)
{
	for (size_t i = 0; i < c->nm; i++)
		if (!strcmp(c->m[i].key, key))
			return &c->m[i];
	if (c->nm >= COMPARE_MAX_METRICS)
		return NULL;
	snprintf(c->m[c->nm].key, sizeof(c->m[c->nm].key), "%s", key);
	return &c->m[c->nm++];
}

static void set_metric(struct comparison *c, const char *key, int side, double v)
{
	struct compare_metric *m = metric_slot(c, key);

	if (m) {
		m->v[side] = v;
		m->has[side] = 1;
	}
}

/* Both sides' figures, and their sample counts as "samples". */
static void metrics(struct comparison *c, const struct compare_side *const side[2])
{
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; i < side[k]->nm; i++)
			set_metric(c, side[k]->m[i].key, k, side[k]->m[i].v);
		set_metric(c, "samples", k, (double)c->samples[k]);
	}
}

int compare_side_metric(struct compare_side *s, const char *key, double v)
{
	if (s->nm >= COMPARE_MAX_METRICS || strlen(key) >= sizeof(s->m[0].key))
		return -1;
	snprintf(s->m[s->nm].key, sizeof(s->m[0].key), "%s", key);
	s->m[s->nm++].v = v;
	return 0;
}

const struct compare_metric *compare_metric(const struct comparison *c, const char *key)
{
	for (size_t i = 0; i < c->nm; i++)
		if (!strcmp(c->m[i].key, key))
			return &c->m[i];
	return NULL;
}

double compare_slowdown_pct(const struct comparison *c, const char **which)
{
	static const char *const order[] = { "cpu_time_ms", "wall_time_ms", "samples" };

	for (size_t i = 0; i < 3; i++) {
		const struct compare_metric *m = compare_metric(c, order[i]);

		double pct;

		if (m && m->v[0] > 0 && compare_change_pct(m, &pct) == 0) {
			*which = order[i];
			return pct;
		}
	}
	*which = NULL;
	return 0.0;
}

/* The hotspots of both sides, each as entries pointing into HS. */
static int collect(struct comparison *c, struct hotspot **hs, long *nhs, struct entry **out,
		   size_t *n)
{
	size_t cap = 0;

	*n = 0;
	for (int side = 0; side < 2; side++) {
		const struct profile *p = c->profile[side];

		nhs[side] = profile_hotspots(p, &hs[side]);
		if (nhs[side] < 0)
			return -ENOMEM;
		for (long i = 0; i < nhs[side]; i++) {
			const struct frame *f = frametab_get(p->frames, hs[side][i].frame);

			if (!hs[side][i].total_samples)
				continue;
			if (grow_array(out, &cap, *n + 1, sizeof(**out)))
				return -ENOMEM;
			(*out)[(*n)++] =
			    (struct entry){ f->name, f->module, side, &hs[side][i], p };
		}
	}
	return 0;
}

static void fill_side(struct comparison *c, struct compare_fn *f, const struct entry *e,
		      const double *cpu_ms)
{
	int s = e->side;

	f->present[s] = 1;
	/* Two frames of one side can meet under one name (matched by name):
	 * their samples add up. */
	f->self_n[s] += e->h->self_samples;
	f->total_n[s] += e->h->total_samples;
	f->self_pct[s] += profile_pct(e->p, e->h->self_weight);
	f->total_pct[s] += profile_pct(e->p, e->h->total_weight);
	if (c->have_ms) {
		f->self_ms[s] = f->self_pct[s] / 100.0 * cpu_ms[s];
		f->total_ms[s] = f->total_pct[s] / 100.0 * cpu_ms[s];
	}
}

int compare_build(struct comparison *c, const struct compare_side *base,
		  const struct compare_side *after)
{
	struct hotspot *hs[2] = { NULL, NULL };
	long nhs[2] = { 0, 0 };
	struct entry *ents = NULL;
	size_t n = 0, cap = 0;
	double cpu_ms[2];
	const struct compare_metric *cpu;
	int e;

	memset(c, 0, sizeof(*c));
	c->side[0] = base->from;
	c->side[1] = after->from;
	c->profile[0] = base->profile;
	c->profile[1] = after->profile;
	c->by_name = base->by_name || after->by_name;
	c->samples[0] = base->profile->samples;
	c->samples[1] = after->profile->samples;
	metrics(c, (const struct compare_side *const[]){ base, after });
	cpu = compare_metric(c, "cpu_time_ms");
	c->have_ms = cpu && cpu->has[0] && cpu->has[1];
	cpu_ms[0] = cpu ? cpu->v[0] : 0;
	cpu_ms[1] = cpu ? cpu->v[1] : 0;
	e = collect(c, hs, nhs, &ents, &n);
	if (!e && n)
		qsort_r(ents, n, sizeof(*ents), cmp_entry, &c->by_name);
	for (size_t i = 0; !e && i < n; i++) {
		struct compare_fn *f;
		int same = c->n && !strcmp(c->fns[c->n - 1].name, ents[i].name) &&
			   (c->by_name || !strcmp(c->fns[c->n - 1].module, ents[i].module));

		if (!same) {
			if (grow_array(&c->fns, &cap, c->n + 1, sizeof(*c->fns))) {
				e = -ENOMEM;
				break;
			}
			f = &c->fns[c->n++];
			memset(f, 0, sizeof(*f));
			f->name = strdup(ents[i].name);
			f->module = strdup(c->by_name ? "" : ents[i].module);
			f->self_ms[0] = f->self_ms[1] = f->total_ms[0] = f->total_ms[1] = -1;
			if (!f->name || !f->module)
				e = -ENOMEM;
		}
		fill_side(c, &c->fns[c->n - 1], &ents[i], cpu_ms);
	}
	for (size_t i = 0; !e && i < c->n; i++) {
		struct compare_fn *f = &c->fns[i];

		f->z_self = compare_z(f->self_n[0], c->samples[0], f->self_n[1], c->samples[1]);
		f->z_total = compare_z(f->total_n[0], c->samples[0], f->total_n[1], c->samples[1]);
	}
	if (!e && c->n)
		qsort(c->fns, c->n, sizeof(*c->fns), cmp_change);
	free(ents);
	free(hs[0]);
	free(hs[1]);
	if (e)
		compare_free(c);
	return e;
}

void compare_free(struct comparison *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->fns[i].name);
		free(c->fns[i].module);
	}
	free(c->fns);
	c->fns = NULL;
	c->n = 0;
}

/* ---- predictions ---- */

static int parse_op(const char *t, int *op)
{
	/* 0 <, 1 <=, 2 >, 3 >= */
	if (!strcmp(t, "<"))
		*op = 0;
	else if (!strcmp(t, "<="))
		*op = 1;
	else if (!strcmp(t, ">"))
		*op = 2;
	else if (!strcmp(t, ">="))
		*op = 3;
	else
		return -1;
	return 0;
}

static int holds(double v, int op, double x)
{
	return op == 0 ? v < x : op == 1 ? v <= x : op == 2 ? v > x : v >= x;
}

static const char *const OPS[] = { "<", "<=", ">", ">=" };

static const struct compare_fn *find_fn(const struct comparison *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->fns[i].name, name))
			return &c->fns[i];
	return NULL;
}

/* "20%", "20", "-10.5%": a number, the percent sign optional. */
static int parse_value(const char *t, double *v)
{
	char *end;

	*v = strtod(t, &end);
	return end == t || (*end && strcmp(end, "%")) ? -1 : 0;
}

static int judge_function(const struct comparison *c, const struct compare_fn *f, char **w,
			  size_t nw, int *verdict, char *ev, size_t len)
{
	int total, op;
	double before, after, z, x;

	if (nw < 3 || (strcmp(w[1], "self") && strcmp(w[1], "total")))
		return -1;
	total = !strcmp(w[1], "total");
	before = total ? f->total_pct[0] : f->self_pct[0];
	after = total ? f->total_pct[1] : f->self_pct[1];
	z = total ? f->z_total : f->z_self;
	if (!strcmp(w[2], "falls") || !strcmp(w[2], "rises")) {
		int down = !strcmp(w[2], "falls"), sig = fabs(z) >= 1.96;

		*verdict = !sig ? 0 : (down ? z < 0 : z > 0) ? 1 : 2;
		snprintf(ev, len, "diff: %s %s %.2f%% -> %.2f%% (%+.2f points, z %.2f%s)%s",
			 f->name, w[1], before, after, after - before, z,
			 sig ? "" : ", not significant", *verdict == 0 ? ": undecided" : "");
		return 0;
	}
	if (nw < 4 || parse_op(w[2], &op) || parse_value(w[3], &x))
		return -1;
	*verdict = holds(after, op, x) ? 1 : 2;
	snprintf(ev, len, "diff: %s %s %.2f%% after (%.2f%% before): %s %s %g%% %s", f->name, w[1],
		 after, before, w[1], OPS[op], x, *verdict == 1 ? "holds" : "does not hold");
	(void)c;
	return 0;
}

static int judge_metric(const struct compare_metric *m, char **w, size_t nw, int *verdict, char *ev,
			size_t len)
{
	int op, change = nw >= 2 && !strcmp(w[1], "change");
	double x, v;
	size_t k = change ? 2 : 1;

	if (nw < k + 1)
		return -1;
	if (!m->has[0] && (change || !strcmp(w[k], "falls") || !strcmp(w[k], "rises"))) {
		*verdict = 0;
		snprintf(ev, len, "diff: %s not measured on the base side: undecided", m->key);
		return 0;
	}
	if (!m->has[1]) {
		*verdict = 0;
		snprintf(ev, len, "diff: %s not measured on the after side: undecided", m->key);
		return 0;
	}
	if (!strcmp(w[k], "falls") || !strcmp(w[k], "rises")) {
		int down = !strcmp(w[k], "falls");

		*verdict = m->v[1] == m->v[0]                               ? 2
			   : (down ? m->v[1] < m->v[0] : m->v[1] > m->v[0]) ? 1
									    : 2;
		snprintf(ev, len, "diff: %s %.2f -> %.2f", m->key, m->v[0], m->v[1]);
		return 0;
	}
	if (nw < k + 2 || parse_op(w[k], &op) || parse_value(w[k + 1], &x))
		return -1;
	if (!change)
		v = m->v[1];
	else if (compare_change_pct(m, &v)) {
		*verdict = 0;
		snprintf(ev, len, "diff: %s was 0 on the base side: no change in %% to judge",
			 m->key);
		return 0;
	}
	*verdict = holds(v, op, x) ? 1 : 2;
	if (change)
		snprintf(ev, len, "diff: %s %.2f -> %.2f (%+.1f%%): change %s %g%% %s", m->key,
			 m->v[0], m->v[1], v, OPS[op], x,
			 *verdict == 1 ? "holds" : "does not hold");
	else
		snprintf(ev, len, "diff: %s %.2f after (%.2f before): %s %g %s", m->key, m->v[1],
			 m->v[0], OPS[op], x, *verdict == 1 ? "holds" : "does not hold");
	return 0;
}

int compare_predict(const struct comparison *c, const char *text, int *verdict, char *evidence,
		    size_t len)
{
	const char *p = strstr(text, "predicts ");
	char buf[512], *w[8], *save = NULL;
	size_t nw = 0;
	const struct compare_fn *f;
	const struct compare_metric *m;
	int e;

	if (p)
		p += 9;
	else if ((p = strstr(text, "prediction:")))
		p += 11;
	else
		return 1;
	snprintf(buf, sizeof(buf), "%s", p);
	buf[strcspn(buf, ";\n")] = 0; /* the prediction ends the clause */
	for (char *t = strtok_r(buf, " \t", &save); t && nw < 8; t = strtok_r(NULL, " \t", &save))
		w[nw++] = t;
	*verdict = 0;
	if (!nw)
		e = -1;
	else if ((m = compare_metric(c, w[0])))
		e = judge_metric(m, w, nw, verdict, evidence, len);
	else if ((f = find_fn(c, w[0])))
		e = judge_function(c, f, w, nw, verdict, evidence, len);
	else if (nw >= 2 && (!strcmp(w[1], "self") || !strcmp(w[1], "total"))) {
		snprintf(evidence, len, "diff: %s sampled on neither side: undecided", w[0]);
		return 0;
	} else
		e = -1;
	if (e) {
		snprintf(evidence, len,
			 "cannot read the prediction '%s': give FUNCTION self|total OP N%%, "
			 "FUNCTION self|total falls|rises, METRIC OP N, METRIC change OP N%% or "
			 "METRIC falls|rises",
			 p);
		evidence[strcspn(evidence, "\n")] = 0;
		return -EINVAL;
	}
	return 0;
}
