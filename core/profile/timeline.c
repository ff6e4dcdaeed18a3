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

/* The share of the threads' wall time not spent on a CPU: CPU_PCT_S (CPU %
 * times seconds) against THREAD_S (live threads times seconds). */
static double off_cpu(double cpu_pct_s, double thread_s)
{
	double off = 100.0 - cpu_pct_s / thread_s;

	return off > 0 ? off : 0;
}

/* Each thread that ran could have run for the whole interval; a thread that
 * did not run at all (parked in pause(), a pool idling on a condition
 * variable) is idle, not waiting: it is left out when the busy ones are
 * known. */
static double wall_threads_of(long threads, long busy)
{
	return busy > 0 ? (double)busy : threads > 0 ? (double)threads : 1.0;
}

static void gpu_point(struct timeline_point *pt, const struct gpu_reading *g)
{
	pt->gpu_valid = g && g->valid;
	pt->gpu_util_pct = pt->gpu_valid && g->has_util ? g->util_pct : -1;
	pt->gpu_mem_mib = pt->gpu_valid && g->has_mem ? (double)g->mem_used / 1048576.0 : 0;
	pt->gpu_mem_total_mib = pt->gpu_valid && g->has_mem ? (double)g->mem_total / 1048576.0 : 0;
	pt->proc_gpu_mem_mib =
	    pt->gpu_valid && g->proc_found ? (double)g->proc_mem / 1048576.0 : -1;
	pt->proc_gpu_pct = pt->gpu_valid && g->has_proc_util ? g->proc_util_pct : -1;
}

void timeline_add(struct timeline *tl, double t_s, const struct target_reading *r,
		  const struct gpu_reading *g)
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
		pt.syscr_ps = rate(r->io.syscr, p->io.syscr, dt);
		pt.syscw_ps = rate(r->io.syscw, p->io.syscw, dt);
	}
	pt.rollup_valid = r->rollup_valid;
	pt.pss_mib = (double)r->pss_kb / 1024.0;
	pt.swap_mib = (double)r->swap_kb / 1024.0;
	pt.vcsw_ps = rate(r->vcsw, p->vcsw, dt);
	pt.ivcsw_ps = rate(r->ivcsw, p->ivcsw, dt);
	pt.threads = r->threads;
	pt.busy_threads = r->busy_threads;
	pt.off_cpu_pct =
	    off_cpu(pt.cpu_pct * dt, wall_threads_of(r->threads, r->busy_threads) * dt);
	pt.runnable_pct = 100.0 * rate(r->runnable_ns, p->runnable_ns, dt) / 1e9 /
			  wall_threads_of(r->threads, r->busy_threads);
	if (pt.runnable_pct > pt.off_cpu_pct)
		pt.runnable_pct = pt.off_cpu_pct;
	gpu_point(&pt, g);
	timeline_push(tl, &pt);
	tl->prev = *r;
	tl->prev_t = t_s;
}

void timeline_push(struct timeline *tl, const struct timeline_point *pt)
{
	if (tl->len < TIMELINE_MAX)
		tl->v[(tl->head + tl->len++) % TIMELINE_MAX] = *pt;
	else {
		tl->v[tl->head] = *pt;
		tl->head = (tl->head + 1) % TIMELINE_MAX;
	}
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

int timeline_growth(const struct timeline *tl, double window_s, struct timeline_growth *g)
{
	const struct timeline_point *last = timeline_last(tl);
	double sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0, n = 0;

	memset(g, 0, sizeof(*g));
	if (!last)
		return -1;
	if (window_s <= 0)
		window_s = last->t_s;
	for (size_t i = tl->len; i > 0; i--) {
		const struct timeline_point *pt = timeline_at(tl, i - 1);
		double x = pt->t_s / 60.0, y = pt->rss_mib;

		if (last->t_s - pt->t_s > window_s)
			break;
		sx += x, sy += y, sxx += x * x, sxy += x * y, syy += y * y, n++;
		/* RSS is read at interval ends: the span is first to last point. */
		g->span_s = last->t_s - pt->t_s;
	}
	double vx = n * sxx - sx * sx, vy = n * syy - sy * sy, cxy = n * sxy - sx * sy;

	if (n < 3 || vx <= 0)
		return -1;
	g->mib_per_min = cxy / vx;
	/* A flat line is a perfect fit of no growth. */
	g->r2 = vy > 0 ? cxy * cxy / (vx * vy) : 1.0;
	/* A leak is a straight, long enough climb. */
	g->leak = g->mib_per_min >= TIMELINE_LEAK_MIN_SLOPE && g->r2 >= TIMELINE_LEAK_MIN_R2 &&
		  g->span_s >= TIMELINE_LEAK_MIN_S;
	return 0;
}

int timeline_summary(const struct timeline *tl, double window_s, struct timeline_sum *m)
{
	const struct timeline_point *last = timeline_last(tl);
	double wall_threads = 0;

	memset(m, 0, sizeof(*m));
	if (!last)
		return -1;
	m->io_valid = 1;
	for (size_t i = tl->len; i > 0; i--) {
		const struct timeline_point *pt = timeline_at(tl, i - 1);
		double w = pt->dt_s;

		if (window_s > 0 && last->t_s - pt->t_s >= window_s)
			break;
		m->span_s += w;
		m->cpu_pct += pt->cpu_pct * w, m->user_pct += pt->user_pct * w;
		m->sys_pct += pt->sys_pct * w;
		m->read_bps += pt->read_bps * w, m->write_bps += pt->write_bps * w;
		m->rchar_bps += pt->rchar_bps * w, m->wchar_bps += pt->wchar_bps * w;
		m->syscr_ps += pt->syscr_ps * w, m->syscw_ps += pt->syscw_ps * w;
		m->vcsw_ps += pt->vcsw_ps * w, m->ivcsw_ps += pt->ivcsw_ps * w;
		m->threads += (double)pt->threads * w;
		wall_threads += wall_threads_of(pt->threads, pt->busy_threads) * w;
		m->runnable_pct +=
		    pt->runnable_pct * wall_threads_of(pt->threads, pt->busy_threads) * w;
		m->io_valid &= pt->io_valid;
	}
	double *avg[] = { &m->cpu_pct,   &m->user_pct,  &m->sys_pct,   &m->read_bps,
			  &m->write_bps, &m->rchar_bps, &m->wchar_bps, &m->syscr_ps,
			  &m->syscw_ps,  &m->vcsw_ps,   &m->ivcsw_ps,  &m->threads };

	if (m->span_s <= 0)
		return -1;
	m->off_cpu_pct = off_cpu(m->cpu_pct, wall_threads);
	m->runnable_pct = wall_threads > 0 ? m->runnable_pct / wall_threads : 0;
	if (m->runnable_pct > m->off_cpu_pct)
		m->runnable_pct = m->off_cpu_pct;
	for (size_t k = 0; k < sizeof(avg) / sizeof(*avg); k++)
		*avg[k] /= m->span_s;
	return 0;
}
