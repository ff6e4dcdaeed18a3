/* panes — the strip of small boxes above the main view: CPU, RSS, I/O,
 * counters, GPU; each with its values and a sparkline of the last minute. */
#include "app.h"

#include "counting.h"
#include "readings.h"
#include "session.h"
#include "timeline.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define SPARK_S 60 /* seconds of history a sparkline shows at most */

enum series { SER_CPU, SER_RSS, SER_IO, SER_GPU };

#define SPARK_ROW 4 /* the sparkline's row inside a pane */

/* The last N points of one series into V; returns how many. */
static size_t history(const struct timeline *tl, enum series which, double *v, size_t n,
		      double *max)
{
	size_t len = timeline_len(tl), from = len > n ? len - n : 0, k = 0;

	*max = 0;
	for (size_t i = from; i < len; i++) {
		const struct timeline_point *pt = timeline_at(tl, i);

		v[k] = which == SER_CPU        ? pt->cpu_pct
		       : which == SER_RSS      ? pt->rss_mib
		       : which == SER_IO       ? pt->rchar_bps + pt->wchar_bps
		       : pt->proc_gpu_pct >= 0 ? pt->proc_gpu_pct
		       : pt->gpu_util_pct > 0  ? pt->gpu_util_pct
					       : 0;
		if (v[k] > *max)
			*max = v[k];
		k++;
	}
	return k;
}

static void spark_row(const struct app *a, struct surface *s, struct rect r, enum series which,
		      double floor_max)
{
	double v[SPARK_S], max;
	int w = r.w - 2 < SPARK_S ? r.w - 2 : SPARK_S;
	size_t n = w > 0 ? history(a->timeline, which, v, (size_t)w, &max) : 0;

	if (n && r.h > SPARK_ROW + 1)
		draw_spark(s, r.x + 1, r.y + SPARK_ROW, w, v, n, max > floor_max ? max : floor_max);
}

static void no_data(struct surface *s, struct rect r)
{
	surf_text_fit(s, r.x + 1, r.y + 1, r.w - 2, ST_DIM, "waiting for the first interval");
}

static void cpu_draw(const struct app *a, struct surface *s, struct rect r)
{
	const struct timeline_point *pt = timeline_last(a->timeline);

	surf_box(s, r.x, r.y, r.w, r.h, " CPU ");
	if (!pt) {
		no_data(s, r);
		return;
	}
	surf_printf(s, r.x + 1, r.y + 1, r.w - 2, ST_NORMAL, "%.1f%% of a core", pt->cpu_pct);
	surf_printf(s, r.x + 1, r.y + 2, r.w - 2, ST_DIM, "usr %.0f%% sys %.0f%%", pt->user_pct,
		    pt->sys_pct);
	/* The machine: each CPU busy over the last interval, as top's 1 key. */
	if (a->session && session_target(a->session)->machine) {
		const struct target *t = session_target(a->session);
		char line[256];
		size_t n = 0;

		for (size_t i = 0; i < t->ncpus && n + 16 < sizeof(line); i++)
			n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%zu:%.0f%%",
					      i ? " " : "", i, t->cpu_pct[i]);
		surf_printf(s, r.x + 1, r.y + 3, r.w - 2, ST_DIM, "%s",
			    t->ncpus ? line : "per CPU: -");
	} else if (a->readings.has_share)
		surf_printf(s, r.x + 1, r.y + 3, r.w - 2, ST_DIM, "%ld thr, off-CPU %.0f%% run",
			    pt->threads, a->readings.share.off_pct);
	else
		surf_printf(s, r.x + 1, r.y + 3, r.w - 2, ST_DIM, "%ld thr", pt->threads);
	spark_row(a, s, r, SER_CPU, 100.0);
}

static void rss_draw(const struct app *a, struct surface *s, struct rect r)
{
	const struct timeline_point *pt = timeline_last(a->timeline);
	const struct timeline_growth *g = &a->readings.growth;
	char rss[32], peak[32] = "", pss[32], swap[32];

	surf_box(s, r.x, r.y, r.w, r.h, " Memory ");
	if (!pt) {
		no_data(s, r);
		return;
	}
	fmt_bytes(rss, sizeof(rss), pt->rss_mib * 1048576.0);
	if (a->session)
		fmt_bytes(peak, sizeof(peak),
			  (double)session_target(a->session)->last.hwm_kb * 1024.0);
	if (a->info.machine[0]) { /* memory in use, of the machine or the cgroup */
		const struct target *t = session_target(a->session);

		fmt_bytes(peak, sizeof(peak), (double)t->mlast.mem_total_kb * 1024.0);
		fmt_bytes(swap, sizeof(swap), (double)t->last.swap_kb * 1024.0);
		surf_printf(s, r.x + 1, r.y + 1, r.w - 2, ST_NORMAL, "used %s of %s", rss, peak);
		surf_printf(s, r.x + 1, r.y + 2, r.w - 2, ST_DIM, "swap used %s, %ld procs", swap,
			    t->mlast.procs);
	} else
		surf_printf(s, r.x + 1, r.y + 1, r.w - 2, ST_NORMAL, "RSS %s%s%s", rss,
			    peak[0] ? " peak " : "", peak);
	if (a->info.machine[0]) {
		/* said above */
	} else if (pt->rollup_valid) {
		fmt_bytes(pss, sizeof(pss), pt->pss_mib * 1048576.0);
		fmt_bytes(swap, sizeof(swap), pt->swap_mib * 1048576.0);
		surf_printf(s, r.x + 1, r.y + 2, r.w - 2, ST_DIM, "PSS %s swap %s", pss, swap);
	} else
		surf_text_fit(s, r.x + 1, r.y + 2, r.w - 2, ST_DIM, "PSS: smaps_rollup unreadable");
	if (a->readings.has_growth)
		surf_printf(s, r.x + 1, r.y + 3, r.w - 2, g->leak ? ST_WARN : ST_DIM,
			    "%+.2f MiB/min%s", fabs(g->mib_per_min) < 0.005 ? 0.0 : g->mib_per_min,
			    g->leak ? " leak?" : "");
	spark_row(a, s, r, SER_RSS, 1.0);
}

/* With switch-out stacks: what the threads blocked on, the two biggest
 * reasons as shares of all blocked time so far. Returns 0 without. */
static int blocked_line(const struct app *a, struct surface *s, int x, int y, int w)
{
	const struct profile *p = a->profile;
	int first = -1, second = -1;

	if (!p->off_on || !p->off_ns)
		return 0;
	for (int k = 0; k < BLOCK_NREASONS; k++) {
		if (!p->off_reason_ns[k])
			continue;
		if (first < 0 || p->off_reason_ns[k] > p->off_reason_ns[first])
			second = first, first = k;
		else if (second < 0 || p->off_reason_ns[k] > p->off_reason_ns[second])
			second = k;
	}
	if (second >= 0)
		surf_printf(s, x, y, w, ST_DIM, "blocked: %s %.0f%% %s %.0f%%",
			    blocking_key((enum block_reason)first),
			    100.0 * (double)p->off_reason_ns[first] / (double)p->off_ns,
			    blocking_key((enum block_reason)second),
			    100.0 * (double)p->off_reason_ns[second] / (double)p->off_ns);
	else
		surf_printf(s, x, y, w, ST_DIM, "blocked: %s 100%%",
			    blocking_key((enum block_reason)first));
	return 1;
}

static void io_draw(const struct app *a, struct surface *s, struct rect r)
{
	const struct timeline_point *pt = timeline_last(a->timeline);
	char rd[32], wr[32];

	surf_box(s, r.x, r.y, r.w, r.h, " I/O ");
	if (!pt) {
		no_data(s, r);
		return;
	}
	if (!pt->io_valid) {
		surf_text_fit(s, r.x + 1, r.y + 1, r.w - 2, ST_DIM, "/proc/PID/io not readable");
		return;
	}
	fmt_bytes(rd, sizeof(rd), pt->rchar_bps);
	fmt_bytes(wr, sizeof(wr), pt->wchar_bps);
	/* The machine's read/write calls are its network's bytes. */
	if (a->info.machine[0])
		surf_printf(s, r.x + 1, r.y + 1, r.w - 2, ST_NORMAL, "net rx %s/s tx %s/s", rd, wr);
	else
		surf_printf(s, r.x + 1, r.y + 1, r.w - 2, ST_NORMAL, "r %s/s w %s/s", rd, wr);
	fmt_bytes(rd, sizeof(rd), pt->read_bps);
	fmt_bytes(wr, sizeof(wr), pt->write_bps);
	surf_printf(s, r.x + 1, r.y + 2, r.w - 2, ST_DIM, "disk r %s/s w %s/s", rd, wr);
	if (!blocked_line(a, s, r.x + 1, r.y + 3, r.w - 2))
		surf_printf(s, r.x + 1, r.y + 3, r.w - 2, ST_DIM, "calls %.0f/s csw %.0f+%.0f/s",
			    pt->syscr_ps + pt->syscw_ps, pt->vcsw_ps, pt->ivcsw_ps);
	spark_row(a, s, r, SER_IO, 1024.0);
}

static void counters_draw(const struct app *a, struct surface *s, struct rect r)
{
	const struct counting *c = a->counting;
	const struct counting_point *pt = c && c->len ? counting_point_at(c, c->len - 1) : NULL;
	struct counting_derived d;
	int y = r.y + 1;

	surf_box(s, r.x, r.y, r.w, r.h, " Counters ");
	if (!a->info.hw_counters)
		surf_text_fit(s, r.x + 1, y++, r.w - 2, ST_WARN, "no CPU PMU: software events");
	if (!pt) {
		surf_text_fit(s, r.x + 1, y, r.w - 2, ST_DIM,
			      c ? "waiting for an interval" : "nothing counted");
		return;
	}
	counting_derive(c, pt->value, &d);
	if (d.has_ipc)
		surf_printf(s, r.x + 1, y++, r.w - 2, ST_NORMAL, "IPC %.2f", d.ipc);
	if (d.has_cache && y < r.y + r.h - 1)
		surf_printf(s, r.x + 1, y++, r.w - 2, ST_NORMAL, "cache miss %.1f%%",
			    d.cache_miss_pct);
	for (size_t i = 1; i < c->n && y < r.y + r.h - 1; i++) {
		char v[16];

		fmt_count(v, sizeof(v), pt->dt_s > 0 ? pt->value[i] / pt->dt_s : 0);
		surf_printf(s, r.x + 1, y++, r.w - 2, ST_DIM, "%s %s/s", c->name[i], v);
	}
}

/* Text wrapped over the box's lines, by cells. */
static void wrap(struct surface *s, struct rect r, int y0, const char *text)
{
	for (int y = y0, off = 0, len = (int)strlen(text); y < r.h - 1 && off < len; y++) {
		int w = r.w - 2;
		char line[160];

		if (w <= 0)
			break;
		snprintf(line, sizeof(line), "%.*s", w, text + off);
		surf_text(s, r.x + 1, r.y + y, w, ST_DIM, line);
		off += w;
	}
}

static void gpu_draw(const struct app *a, struct surface *s, struct rect r)
{
	const struct timeline_point *pt = timeline_last(a->timeline);
	const struct gpu_reading *g = a->session ? session_gpu(a->session, NULL) : NULL;
	char used[32], total[32], title[128];

	if (!g || !g->valid || !pt || !pt->gpu_valid) {
		surf_box(s, r.x, r.y, r.w, r.h, " GPU ");
		wrap(s, r, 1, a->gpu_desc);
		return;
	}
	snprintf(title, sizeof(title), " GPU %s ", g->name);
	surf_box(s, r.x, r.y, r.w, r.h, title);
	if (pt->gpu_util_pct >= 0)
		surf_printf(s, r.x + 1, r.y + 1, r.w - 2, ST_NORMAL, "busy %.0f%%",
			    pt->gpu_util_pct);
	else
		surf_text_fit(s, r.x + 1, r.y + 1, r.w - 2, ST_DIM, "busy: not exposed");
	if (g->has_mem) {
		fmt_bytes(used, sizeof(used), pt->gpu_mem_mib * 1048576.0);
		fmt_bytes(total, sizeof(total), pt->gpu_mem_total_mib * 1048576.0);
		surf_printf(s, r.x + 1, r.y + 2, r.w - 2, ST_DIM, "mem %s/%s", used, total);
	}
	if (pt->proc_gpu_mem_mib >= 0) {
		fmt_bytes(used, sizeof(used), pt->proc_gpu_mem_mib * 1048576.0);
		if (pt->proc_gpu_pct >= 0)
			surf_printf(s, r.x + 1, r.y + 3, r.w - 2, ST_NORMAL, "target %s %s %.0f%%",
				    used, g->proc_engine[0] ? g->proc_engine : "sm",
				    pt->proc_gpu_pct);
		else
			surf_printf(s, r.x + 1, r.y + 3, r.w - 2, ST_NORMAL, "target %s", used);
	} else
		surf_text_fit(s, r.x + 1, r.y + 3, r.w - 2, ST_DIM, "target: no GPU context");
	spark_row(a, s, r, SER_GPU, 100.0);
}

const struct pane_ops pane_cpu = { .name = "cpu", .draw = cpu_draw };
const struct pane_ops pane_rss = { .name = "memory", .draw = rss_draw };
const struct pane_ops pane_io = { .name = "io", .draw = io_draw };
const struct pane_ops pane_counters = { .name = "counters", .draw = counters_draw };
const struct pane_ops pane_gpu = { .name = "gpu", .draw = gpu_draw };
