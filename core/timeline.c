/* timeline — per-interval rates from cumulative /proc readings. */
#include "timeline.h"

#include <stdlib.h>
#include <string.h>

struct timeline *timeline_new(void)
{
	struct timeline *tl = calloc(1, sizeof(*tl));

	if (tl && !(tl->v = calloc(TIMELINE_MAX, sizeof(*tl->v)))) {
		free(tl);
		return NULL;
	}
	return tl;
}

void timeline_free(struct timeline *tl)
{
	if (tl) {
		free(tl->v);
		free(tl);
	}
}

/* Counters only grow; one that went back (exec, a new process) counts 0. */
static double rate(uint64_t now, uint64_t before, double dt)
{
	return now >= before ? (double)(now - before) / dt : 0.0;
}

void timeline_add(struct timeline *tl, double t_s, const struct target_reading *r)
{
	const struct target_reading *p = &tl->prev;
	struct timeline_point pt;
	double dt = t_s - tl->prev_t;

	if (!r->valid)
		return;
	/* Too short an interval (a final one at exit) makes rates out of
	 * clock-tick rounding: it is folded into the next, or dropped. */
	if (tl->have_prev && dt < TIMELINE_MIN_DT_S)
		return;
	if (!tl->have_prev) {
		tl->prev = *r;
		tl->prev_t = t_s;
		tl->have_prev = 1;
		return;
	}
	memset(&pt, 0, sizeof(pt));
	pt.t_s = t_s;
	pt.dt_s = dt;
	pt.user_pct = 100.0 * rate(r->utime_ns, p->utime_ns, dt) / 1e9;
	pt.sys_pct = 100.0 * rate(r->stime_ns, p->stime_ns, dt) / 1e9;
	pt.cpu_pct = pt.user_pct + pt.sys_pct;
	pt.rss_mib = (double)r->rss_kb / 1024.0;
	pt.io_valid = r->io_valid && p->io_valid;
	if (pt.io_valid) {
		pt.read_bps = rate(r->io.read_bytes, p->io.read_bytes, dt);
		pt.write_bps = rate(r->io.write_bytes, p->io.write_bytes, dt);
		pt.rchar_bps = rate(r->io.rchar, p->io.rchar, dt);
		pt.wchar_bps = rate(r->io.wchar, p->io.wchar, dt);
	}
	if (tl->len < TIMELINE_MAX)
		tl->v[(tl->head + tl->len++) % TIMELINE_MAX] = pt;
	else {
		tl->v[tl->head] = pt;
		tl->head = (tl->head + 1) % TIMELINE_MAX;
	}
	tl->prev = *r;
	tl->prev_t = t_s;
}

size_t timeline_len(const struct timeline *tl) { return tl ? tl->len : 0; }

const struct timeline_point *timeline_at(const struct timeline *tl, size_t i)
{
	return tl && i < tl->len ? &tl->v[(tl->head + i) % TIMELINE_MAX] : NULL;
}

const struct timeline_point *timeline_last(const struct timeline *tl)
{
	return tl && tl->len ? timeline_at(tl, tl->len - 1) : NULL;
}

int timeline_rss_slope(const struct timeline *tl, double window_s, double *mib_per_min,
		       double *r2)
{
	const struct timeline_point *last = timeline_last(tl);
	double sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0, n = 0;

	if (!last)
		return -1;
	for (size_t i = tl->len; i > 0; i--) {
		const struct timeline_point *pt = timeline_at(tl, i - 1);
		double x = pt->t_s / 60.0, y = pt->rss_mib;

		if (last->t_s - pt->t_s > window_s)
			break;
		sx += x, sy += y, sxx += x * x, sxy += x * y, syy += y * y, n++;
	}
	double vx = n * sxx - sx * sx, vy = n * syy - sy * sy, cxy = n * sxy - sx * sy;

	if (n < 3 || vx <= 0)
		return -1;
	*mib_per_min = cxy / vx;
	/* A flat line is a perfect fit of no growth. */
	*r2 = vy > 0 ? cxy * cxy / (vx * vy) : 1.0;
	return 0;
}
