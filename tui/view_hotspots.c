/* view_hotspots — functions by self time, bottom-up; Enter opens a
 * function's callers as a tree (each sample once, at its innermost call). */
#include "app.h"

#include "counting.h"

#include <stdio.h>
#include <string.h>

struct hs_state {
	size_t sel, top;
	struct pview callers; /* Enter on a function: its callers */
	struct kids callers_kids;
	uint32_t callers_frame; /* CTREE_NONE: the table shows */
	struct tree_state callers_ts;
};

static void init(struct app *a, void *vst)
{
	struct hs_state *h = vst;

	(void)a;
	h->callers_frame = CTREE_NONE;
	u64map_init(&h->callers_ts.fold);
}

static void fini(struct app *a, void *vst)
{
	struct hs_state *h = vst;

	(void)a;
	pview_release(&h->callers);
	kids_free(&h->callers_kids);
	tree_state_fini(&h->callers_ts);
}

/* The callers tree follows the view of the profile (filters, refreshes). */
static void rebuild(struct app *a, void *vst)
{
	struct hs_state *h = vst;

	pview_release(&h->callers);
	kids_free(&h->callers_kids);
	if (h->callers_frame == CTREE_NONE)
		return;
	if (pview_callers(&h->callers, a->profile, &a->spec, h->callers_frame) ||
	    kids_build(&h->callers_kids, h->callers.tree)) {
		pview_release(&h->callers);
		h->callers_frame = CTREE_NONE;
		app_message(a, 1, "out of memory building the callers view");
	}
}

/* The callers of FRAME (CTREE_NONE closes them). */
static void show_callers(struct app *a, struct hs_state *h, uint32_t frame)
{
	h->callers_frame = frame;
	tree_state_reset(&h->callers_ts);
	rebuild(a, h);
	if (frame != CTREE_NONE)
		a->snap_frame = frame;
}

static void draw_callers(struct app *a, struct hs_state *h, struct surface *s, struct rect r)
{
	struct tree_src src = app_tree_src(a, &h->callers, &h->callers_kids, CTREE_NONE, 1, r.w);
	const struct frame *f = frametab_get(a->profile->frames, h->callers_frame);

	surf_printf(s, r.x, r.y, r.w, ST_WARN, "callers of %s (%.1f%% of samples; Esc: back)",
		    f->name, pview_pct(&a->pv, h->callers.weight));
	tree_flatten(&h->callers_ts, &src);
	tree_draw(&h->callers_ts, &src, s, (struct rect){ r.x, r.y + 1, r.w, r.h - 1 });
}

/* Functions with self time: the rows of the table (hotspots come sorted by it). */
static size_t shown(const struct app *a)
{
	size_t n = 0;

	while (n < (size_t)a->nhs && a->hs[n].self_samples)
		n++;
	return n;
}

static void draw(struct app *a, void *vst, struct surface *s, struct rect r)
{
	struct hs_state *hst = vst;
	size_t nctr = a->counting ? ctree_ncounters(a->pv.tree) : 0;
	size_t rows, n = shown(a);
	int x;

	if (hst->callers_frame != CTREE_NONE && hst->callers.tree) {
		draw_callers(a, hst, s, r);
		return;
	}
	if (!n) {
		surf_text(s, r.x + 1, r.y, r.w - 1, ST_DIM, "no samples yet");
		return;
	}
	rows = r.h > 1 ? (size_t)r.h - 1 : 0;
	list_scroll(&hst->sel, &hst->top, n, rows);
	x = surf_printf(s, r.x, r.y, r.w, ST_TITLE, "%7s %7s %8s ", "self%", "total%", "samples");
	if (a->base.saved) /* "Δ" is two bytes, one column: padded by hand */
		x += surf_text(s, r.x + x, r.y, r.w - x, ST_TITLE, "  Δself  Δtotal ");
	for (size_t i = 0, c; (int)(c = (size_t)app_ctr_column(a, nctr, r.w, i)) >= 0; i++)
		x += surf_printf(s, r.x + x, r.y, r.w - x, ST_TITLE, "%9.9s ",
				 app_ctr_label(a->counting->name[c]));
	if (a->info.machine[0])
		x += surf_printf(s, r.x + x, r.y, r.w - x, ST_TITLE, "%-20s ", "process");
	surf_text(s, r.x + x, r.y, r.w - x, ST_TITLE, "function  module");
	for (size_t i = 0; i < rows && hst->top + i < n; i++) {
		const struct hotspot *h = &a->hs[hst->top + i];
		const struct frame *f = frametab_get(a->profile->frames, h->frame);
		int y = r.y + 1 + (int)i, sel = hst->top + i == hst->sel;
		int match = a->search[0] && h->frame < a->nmatch && a->match[h->frame];
		enum style st = sel ? ST_SELECTED : match ? ST_MATCH : ST_NORMAL;
		char samples[16], line[1200], sh[512];

		fmt_count(samples, sizeof(samples), (double)h->self_samples);
		surf_fill(s, r.x, y, r.w, 1, st);
		x = surf_printf(s, r.x, y, r.w, st, "%6.1f%% %6.1f%% %8s ",
				app_pct(a, h->self_weight), app_pct(a, h->total_weight), samples);
		if (a->base.saved) {
			double bs, bt;
			int is_new = app_base_frame_pct(a, h->frame, &bs, &bt) != 0;
			double d = app_pct(a, h->total_weight) - bt;

			if (is_new)
				x +=
				    surf_text(s, r.x + x, y, r.w - x,
					      sel ? st : surf_diff_style(0, 1), "    new     new ");
			else
				x += surf_printf(s, r.x + x, y, r.w - x,
						 sel ? st : surf_diff_style(d, 0), "%+7.1f %+7.1f ",
						 app_pct(a, h->self_weight) - bs, d);
		}
		for (size_t k = 0, c; (int)(c = (size_t)app_ctr_column(a, nctr, r.w, k)) >= 0;
		     k++) {
			char v[16];

			fmt_count(v, sizeof(v), (double)h->self_ctr[c]);
			x += surf_printf(s, r.x + x, y, r.w - x, st, "%9s ", v);
		}
		if (a->info.machine[0]) { /* the process with the most of it, +N others */
			const struct frame *pf = h->process != CTREE_NONE
						     ? frametab_get(a->profile->frames, h->process)
						     : NULL;
			char proc[64];

			snprintf(proc, sizeof(proc), "%.*s%s", h->nprocesses > 1 ? 15 : 20,
				 pf ? pf->name : "-", h->nprocesses > 1 ? " +" : "");
			if (h->nprocesses > 1)
				snprintf(proc + strlen(proc), sizeof(proc) - strlen(proc), "%u",
					 h->nprocesses - 1);
			x += surf_printf(s, r.x + x, y, r.w - x, st, "%-20.20s ", proc);
		}
		snprintf(line, sizeof(line), "%s%s  %s", fmt_short_name(f->name, sh, sizeof(sh)),
			 f->inlined ? " (inlined)" : "", f->module);
		surf_text_fit(s, r.x + x, y, r.w - x, st, line);
	}
	if (hst->sel < n)
		a->snap_frame = a->hs[hst->sel].frame;
}

static int callers_key(struct app *a, struct hs_state *h, const struct key *k)
{
	if (k->code == K_ESC || k->code == K_BACKSPACE) {
		show_callers(a, h, CTREE_NONE);
		return 1;
	}
	return tree_key(&h->callers_ts, k, a->main_rect.h > 3 ? a->main_rect.h - 3 : 1);
}

static int key(struct app *a, void *vst, const struct key *k)
{
	struct hs_state *hst = vst;
	size_t page = a->main_rect.h > 2 ? (size_t)a->main_rect.h - 2 : 1;

	if (hst->callers_frame != CTREE_NONE)
		return callers_key(a, hst, k);
	if (list_move(&hst->sel, shown(a), k, page, page))
		return 1;
	switch (k->code) {
	case K_ENTER:
		if (hst->sel < (size_t)a->nhs)
			show_callers(a, hst, a->hs[hst->sel].frame);
		return 1;
	default:
		return 0;
	}
}

static void click(struct app *a, void *vst, int x, int y)
{
	struct hs_state *hst = vst;

	(void)a, (void)x;
	if (hst->callers_frame != CTREE_NONE) {
		if (y >= 2 && hst->callers_ts.top + (size_t)(y - 2) < hst->callers_ts.nrows)
			hst->callers_ts.sel = hst->callers_ts.top + (size_t)(y - 2);
		return;
	}
	if (y >= 1)
		hst->sel = hst->top + (size_t)(y - 1);
}

const struct view_ops view_hotspots = {
	.name = "Hotspots",
	.tab_key = '3',
	.enter = "callers (hotspots)",
	.state_size = sizeof(struct hs_state),
	.init = init,
	.rebuild = rebuild,
	.fini = fini,
	.draw = draw,
	.key = key,
	.click = click,
};
