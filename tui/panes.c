/* panes — the strip of small boxes above the main view: CPU, RSS, I/O,
 * counters, GPU; each with its values and a sparkline of the last minute. */
#include "app.h"

#include "counting.h"
#include "session.h"
#include "timeline.h"

#include <stdio.h>
#include <string.h>

#define SPARK_S 60 /* seconds of history a sparkline shows at most */

enum series { SER_CPU, SER_RSS, SER_IO };

/* The last N points of one series into V; returns how many. */
static size_t history(const struct timeline *tl, enum series which, double *v, size_t n,
		      double *max)
{
	size_t len = timeline_len(tl), from = len > n ? len - n : 0, k = 0;

	*max = 0;
	for (size_t i = from; i < len; i++) {
		const struct timeline_point *pt = timeline_at(tl, i);

		v[k] = which == SER_CPU ? pt->cpu_pct
		       : which == SER_RSS ? pt->rss_mib
					  : pt->rchar_bps + pt->wchar_bps;
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

	if (n)
		draw_spark(s, r.x + 1, r.y + 3, w, v, n, max > floor_max ? max : floor_max);
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
	surf_printf(s, r.x + 1, r.y + 1, r.w - 2, ST_NORMAL, "%.1f%%", pt->cpu_pct);
	surf_printf(s, r.x + 1, r.y + 2, r.w - 2, ST_DIM, "usr %.0f%% sys %.0f%%", pt->user_pct,
		    pt->sys_pct);
	spark_row(a, s, r, SER_CPU, 100.0);
}

static void rss_draw(const struct app *a, struct surface *s, struct rect r)
{
	const struct timeline_point *pt = timeline_last(a->timeline);
	double slope, r2;
	char rss[32], peak[32] = "";

	surf_box(s, r.x, r.y, r.w, r.h, " Memory ");
	if (!pt) {
		no_data(s, r);
		return;
	}
	fmt_bytes(rss, sizeof(rss), pt->rss_mib * 1048576.0);
	if (a->session)
		fmt_bytes(peak, sizeof(peak), (double)a->session->target.last.hwm_kb * 1024.0);
	surf_printf(s, r.x + 1, r.y + 1, r.w - 2, ST_NORMAL, "RSS %s%s%s", rss, peak[0] ? " peak " : "",
		    peak);
	if (timeline_rss_slope(a->timeline, SPARK_S, &slope, &r2) == 0) {
		/* A leak looks like a straight climb held for half a minute. */
		int leak = slope > 0.1 && r2 >= 0.9 && timeline_len(a->timeline) >= 30;

		surf_printf(s, r.x + 1, r.y + 2, r.w - 2, leak ? ST_WARN : ST_DIM, "%+.2f MiB/min%s",
			    slope, leak ? " leak?" : "");
	}
	spark_row(a, s, r, SER_RSS, 1.0);
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
	surf_printf(s, r.x + 1, r.y + 1, r.w - 2, ST_NORMAL, "r %s/s w %s/s", rd, wr);
	fmt_bytes(rd, sizeof(rd), pt->read_bps);
	fmt_bytes(wr, sizeof(wr), pt->write_bps);
	surf_printf(s, r.x + 1, r.y + 2, r.w - 2, ST_DIM, "disk r %s/s w %s/s", rd, wr);
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
		surf_text_fit(s, r.x + 1, y, r.w - 2, ST_DIM, c ? "waiting for an interval"
								: "nothing counted");
		return;
	}
	counting_derive(c, pt->value, &d);
	if (d.has_ipc)
		surf_printf(s, r.x + 1, y++, r.w - 2, ST_NORMAL, "IPC %.2f", d.ipc);
	if (d.has_cache && y < r.y + r.h - 1)
		surf_printf(s, r.x + 1, y++, r.w - 2, ST_NORMAL, "cache miss %.1f%%", d.cache_miss_pct);
	for (size_t i = 1; i < c->n && y < r.y + r.h - 1; i++) {
		char v[16];

		fmt_count(v, sizeof(v), pt->dt_s > 0 ? pt->value[i] / pt->dt_s : 0);
		surf_printf(s, r.x + 1, y++, r.w - 2, ST_DIM, "%s %s/s", c->name[i], v);
	}
}

static void gpu_draw(const struct app *a, struct surface *s, struct rect r)
{
	const char *desc = a->gpu_desc;

	surf_box(s, r.x, r.y, r.w, r.h, " GPU ");
	/* The description over the box's lines, word-wrapped by cells. */
	for (int y = 0, off = 0, len = (int)strlen(desc); y < r.h - 2 && off < len; y++) {
		int w = r.w - 2;
		char line[160];

		if (w <= 0)
			break;
		snprintf(line, sizeof(line), "%.*s", w, desc + off);
		surf_text(s, r.x + 1, r.y + 1 + y, w, ST_DIM, line);
		off += w;
	}
}

const struct pane_ops pane_cpu = { .name = "cpu", .draw = cpu_draw };
const struct pane_ops pane_rss = { .name = "memory", .draw = rss_draw };
const struct pane_ops pane_io = { .name = "io", .draw = io_draw };
const struct pane_ops pane_counters = { .name = "counters", .draw = counters_draw };
const struct pane_ops pane_gpu = { .name = "gpu", .draw = gpu_draw };
