/* counting — scaling, sample deltas, intervals and derived metrics. */
#include "counting.h"

#include "grow.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct counting *counting_new(const struct event_spec *group, size_t n, size_t ncpus)
{
	struct counting *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	if (n > EVENTS_MAX)
		n = EVENTS_MAX;
	c->n = n;
	c->ncpus = ncpus ? ncpus : 1;
	for (size_t i = 0; i < n; i++) {
		snprintf(c->name[i], sizeof(c->name[i]), "%s", group[i].name);
		c->role[i] = events_role(&group[i].attr);
	}
	u64map_init(&c->prev_index);
	c->series = calloc(COUNTING_SERIES_MAX, sizeof(*c->series));
	if (!c->series) {
		counting_free(c);
		return NULL;
	}
	return c;
}

void counting_free(struct counting *c)
{
	if (!c)
		return;
	u64map_clear(&c->prev_index);
	free(c->prev);
	free(c->series);
	free(c);
}

double counting_scale(uint64_t value, uint64_t enabled, uint64_t running)
{
	if (!running || running >= enabled)
		return (double)value;
	return (double)value * ((double)enabled / (double)running);
}

static uint64_t since(uint64_t now, uint64_t then) { return now >= then ? now - then : now; }

int counting_sample(struct counting *c, uint32_t tid, uint32_t cpu, const struct group_read *now,
		    uint64_t *delta)
{
	uint64_t key = (uint64_t)tid << 32 | cpu;
	uint32_t at = u64map_get(&c->prev_index, key);
	static const struct group_read zero;
	const struct group_read *prev = &zero;
	if (now->nr != c->n)
		return -EINVAL;
	if (at == U64MAP_NONE) {
		if (grow_array(&c->prev, &c->cap_prev, c->nprev + 1, sizeof(*c->prev)) ||
		    u64map_put(&c->prev_index, key, (uint32_t)c->nprev))
			return -ENOMEM;
		at = (uint32_t)c->nprev++;
	} else {
		prev = &c->prev[at];
	}
	for (size_t k = 0; k < c->n; k++)
		delta[k] = since(now->value[k], prev->value[k]);
	c->prev[at] = *now;
	return 0;
}

void counting_set_totals(struct counting *c, const struct group_read *reads, size_t n)
{
	uint64_t raw[EVENTS_MAX] = { 0 };

	c->enabled = c->running = 0;
	for (size_t i = 0; i < n; i++) {
		const struct group_read *r = &reads[i];

		for (size_t k = 0; k < c->n && k < r->nr; k++)
			raw[k] += r->value[k];
		c->enabled += r->enabled;
		c->running += r->running;
	}
	/* enabled per task = sum / ncpus (see the header) */
	c->enabled /= c->ncpus;
	for (size_t k = 0; k < c->n; k++)
		c->total[k] = counting_scale(raw[k], c->enabled, c->running);
	c->have_totals = 1;
}

static double pct(uint64_t part, uint64_t whole)
{
	double v = whole ? 100.0 * (double)part / (double)whole : 100.0;

	return v > 100.0 ? 100.0 : v;
}

void counting_tick(struct counting *c, double t_s)
{
	struct counting_point *p;
	int merge = c->len && t_s - c->mark_t < 0.05;

	if (!c->have_totals)
		return;
	if (merge) {
		/* A sliver (the run ended just after a tick) joins the last interval. */
		p = &c->series[(c->head + c->len - 1) % COUNTING_SERIES_MAX];
		p->dt_s += t_s - c->mark_t;
		p->t_s = t_s;
		for (size_t k = 0; k < c->n; k++) {
			p->value[k] +=
			    c->total[k] > c->mark_total[k] ? c->total[k] - c->mark_total[k] : 0;
			c->mark_total[k] = c->total[k];
		}
		c->mark_t = t_s;
		return;
	}
	p = &c->series[(c->head + c->len) % COUNTING_SERIES_MAX];
	if (c->len == COUNTING_SERIES_MAX)
		c->head = (c->head + 1) % COUNTING_SERIES_MAX;
	else
		c->len++;
	p->t_s = t_s;
	p->dt_s = t_s - c->mark_t;
	for (size_t k = 0; k < c->n; k++) {
		p->value[k] = c->total[k] - c->mark_total[k];
		if (p->value[k] < 0)
			p->value[k] = 0; /* a task gone between reads: its count left the sum */
		c->mark_total[k] = c->total[k];
	}
	p->enabled_pct =
	    pct(since(c->running, c->mark_running), since(c->enabled, c->mark_enabled));
	c->mark_t = t_s;
	c->mark_enabled = c->enabled;
	c->mark_running = c->running;
}

const struct counting_point *counting_point_at(const struct counting *c, size_t i)
{
	return i < c->len ? &c->series[(c->head + i) % COUNTING_SERIES_MAX] : NULL;
}

double counting_enabled_pct(const struct counting *c) { return pct(c->running, c->enabled); }

int counting_find(const struct counting *c, enum event_role role)
{
	for (size_t k = 0; k < c->n; k++)
		if (c->role[k] == role)
			return (int)k;
	return -1;
}

/* NUM / DEN * SCALE where both events exist and DEN is not 0. */
static int ratio(const struct counting *c, const double *v, enum event_role num,
		 enum event_role den, double scale, double *out)
{
	int a = counting_find(c, num), b = counting_find(c, den);

	if (a < 0 || b < 0 || v[b] <= 0)
		return 0;
	*out = scale * v[a] / v[b];
	return 1;
}

void counting_derive(const struct counting *c, const double *v, struct counting_derived *out)
{
	memset(out, 0, sizeof(*out));
	out->has_ipc = ratio(c, v, ROLE_INSTRUCTIONS, ROLE_CYCLES, 1.0, &out->ipc);
	out->has_cache =
	    ratio(c, v, ROLE_CACHE_MISSES, ROLE_CACHE_REFS, 100.0, &out->cache_miss_pct);
	out->has_branch =
	    ratio(c, v, ROLE_BRANCH_MISSES, ROLE_BRANCHES, 100.0, &out->branch_miss_pct);
}
