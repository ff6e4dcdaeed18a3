/* view_hotspots — functions by self time, bottom-up; Enter opens a
 * function's callers as a tree (each sample once, at its innermost call). */
#include "app.h"

#include "counting.h"

#include <stdio.h>

static void draw_callers(struct app *a, struct surface *s, struct rect r)
{
	struct tree_src src = { a->callers.tree, &a->callers_kids, CTREE_NONE, 1 };
	const struct frame *f = frametab_get(a->profile->frames, a->callers_frame);

	surf_printf(s, r.x, r.y, r.w, ST_WARN, "callers of %s (%.1f%% of samples; Esc: back)",
		    f->name, pview_pct(&a->pv, a->callers.weight));
	tree_flatten(a, &a->callers_ts, &src);
	tree_draw(a, &a->callers_ts, &src, s, (struct rect){ r.x, r.y + 1, r.w, r.h - 1 });
}

/* Functions with self time: the rows of the table (hotspots come sorted by it). */
static size_t shown(const struct app *a)
{
	size_t n = 0;

	while (n < (size_t)a->nhs && a->hs[n].self_samples)
		n++;
	return n;
}

static void draw(struct app *a, struct surface *s, struct rect r)
{
	size_t nctr = a->counting ? ctree_ncounters(a->pv.tree) : 0;
	size_t rows, n = shown(a);
	int x;

	if (a->callers_frame != CTREE_NONE && a->callers.tree) {
		draw_callers(a, s, r);
		return;
	}
	if (!n) {
		surf_text(s, r.x + 1, r.y, r.w - 1, ST_DIM, "no samples yet");
		return;
	}
	rows = r.h > 1 ? (size_t)r.h - 1 : 0;
	if (a->hs_sel >= n)
		a->hs_sel = n - 1;
	if (a->hs_sel < a->hs_top)
		a->hs_top = a->hs_sel;
	if (rows && a->hs_sel >= a->hs_top + rows)
		a->hs_top = a->hs_sel - rows + 1;
	x = surf_printf(s, r.x, r.y, r.w, ST_TITLE, "%7s %7s %8s ", "self%", "total%", "samples");
	if (a->base.saved) /* "Δ" is two bytes, one column: padded by hand */
		x += surf_text(s, r.x + x, r.y, r.w - x, ST_TITLE, "  Δself  Δtotal ");
	for (size_t i = 0, c; (int)(c = (size_t)app_ctr_column(a, nctr, r.w, i)) >= 0; i++)
		x += surf_printf(s, r.x + x, r.y, r.w - x, ST_TITLE, "%9.9s ",
				 app_ctr_label(a->counting->name[c]));
	surf_text(s, r.x + x, r.y, r.w - x, ST_TITLE, "function  module");
	for (size_t i = 0; i < rows && a->hs_top + i < n; i++) {
		const struct hotspot *h = &a->hs[a->hs_top + i];
		const struct frame *f = frametab_get(a->profile->frames, h->frame);
		int y = r.y + 1 + (int)i, sel = a->hs_top + i == a->hs_sel;
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
				x += surf_text(s, r.x + x, y, r.w - x,
					       sel ? st : (enum style)app_diff_style(0, 1),
					       "    new     new ");
			else
				x += surf_printf(s, r.x + x, y, r.w - x,
						 sel ? st : (enum style)app_diff_style(d, 0),
						 "%+7.1f %+7.1f ", app_pct(a, h->self_weight) - bs,
						 d);
		}
		for (size_t k = 0, c; (int)(c = (size_t)app_ctr_column(a, nctr, r.w, k)) >= 0;
		     k++) {
			char v[16];

			fmt_count(v, sizeof(v), (double)h->self_ctr[c]);
			x += surf_printf(s, r.x + x, y, r.w - x, st, "%9s ", v);
		}
		snprintf(line, sizeof(line), "%s%s  %s", fmt_short_name(f->name, sh, sizeof(sh)),
			 f->inlined ? " (inlined)" : "", f->module);
		surf_text_fit(s, r.x + x, y, r.w - x, st, line);
	}
	if (a->hs_sel < n)
		a->snap_frame = a->hs[a->hs_sel].frame;
}

static int callers_key(struct app *a, const struct key *k)
{
	if (k->code == K_ESC || k->code == K_BACKSPACE) {
		app_show_callers(a, CTREE_NONE);
		return 1;
	}
	return tree_key(&a->callers_ts, k, a->main_rect.h > 3 ? a->main_rect.h - 3 : 1);
}

static int key(struct app *a, const struct key *k)
{
	size_t page = a->main_rect.h > 2 ? (size_t)a->main_rect.h - 2 : 1;

	if (a->callers_frame != CTREE_NONE)
		return callers_key(a, k);
	if (list_move(&a->hs_sel, shown(a), k, page, page))
		return 1;
	switch (k->code) {
	case K_ENTER:
		if (a->hs_sel < (size_t)a->nhs)
			app_show_callers(a, a->hs[a->hs_sel].frame);
		return 1;
	default:
		return 0;
	}
}

static void click(struct app *a, int x, int y)
{
	(void)x;
	if (a->callers_frame != CTREE_NONE) {
		if (y >= 2 && a->callers_ts.top + (size_t)(y - 2) < a->callers_ts.nrows)
			a->callers_ts.sel = a->callers_ts.top + (size_t)(y - 2);
		return;
	}
	if (y >= 1)
		a->hs_sel = a->hs_top + (size_t)(y - 1);
}

const struct view_ops view_hotspots = {
	.name = "Hotspots", .draw = draw, .key = key, .click = click
};
