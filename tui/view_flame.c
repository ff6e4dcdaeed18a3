/* view_flame — an icicle graph: the root on top, callees below, widths in
 * proportion to samples.  Laid out anew at each draw from the sorted
 * children, pruning what is narrower than a cell, so a 100 000-node tree
 * costs what the screen shows. */
#include "app.h"

#include "counting.h"
#include "grow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int frame_style(const struct frame *f)
{
	unsigned h = 5381;

	if (!f)
		return ST_FLAME_OTHER;
	for (const char *c = f->module; *c; c++)
		h = h * 33 + (unsigned char)*c;
	switch (f->kind) {
	case FRAME_KERNEL:
		return ST_FLAME_KERNEL;
	case FRAME_JIT:
		return ST_FLAME_JIT;
	case FRAME_USER:
	case FRAME_PYTHON:
		return ST_FLAME_USER0 + (int)(h % 4);
	case FRAME_LIBRARY:
		return ST_FLAME_LIB0 + (int)(h % 4);
	default:
		return ST_FLAME_OTHER;
	}
}

struct span {
	uint32_t node;
	int row;
	double x0, x1;
};

static int push_box(struct app *a, uint32_t node, int row, double x0, double x1)
{
	if (grow_array(&a->boxes, &a->capboxes, a->nboxes + 1, sizeof(*a->boxes)))
		return -1;
	a->boxes[a->nboxes++] = (struct flame_box){ node, row, (int)(x0 + 0.5), (int)(x1 + 0.5) };
	return 0;
}

static int cmp_box(const void *x, const void *y)
{
	const struct flame_box *a = x, *b = y;

	if (a->row != b->row)
		return a->row - b->row;
	return a->x0 - b->x0;
}

/* The run of frames from ROOT down that each have one child and no time of
 * their own (_start > __libc_start_main > ... > PyEval_EvalCode): its last
 * node, and how many it spans. */
static uint32_t single_run(struct app *a, uint32_t root, int *len)
{
	uint32_t at = root;
	size_t nk;
	const uint32_t *k;

	*len = 1;
	while ((k = kids_of(&a->kids, at, &nk)) && nk == 1 &&
	       !ctree_node(a->pv.tree, at)->self_weight) {
		at = k[0];
		++*len;
	}
	return at;
}

/* Boxes of the zoomed subtree at least one cell wide, by row then column.
 * A run of three or more single-child frames at the top is one row (the
 * view starts where the profile branches) until x expands it. */
static void layout(struct app *a, int width)
{
	uint32_t root = app_zoom_root(a);
	const struct ctree_node *rn = ctree_node(a->pv.tree, root);
	struct span *st = NULL;
	size_t sp = 0, cap = 0;

	a->nboxes = 0;
	a->flame_chain = CTREE_NONE;
	if (!rn->weight || grow_array(&st, &cap, 1, sizeof(*st)))
		return;
	if (!a->flame_expanded) {
		int len;
		uint32_t end = single_run(a, root, &len);

		if (len >= 3) {
			a->flame_chain = end;
			a->flame_chain_len = len;
			root = end;
		}
	}
	st[sp++] = (struct span){ root, 0, 0, width };
	while (sp) {
		struct span cur = st[--sp];
		const struct ctree_node *n = ctree_node(a->pv.tree, cur.node);
		size_t nk;
		const uint32_t *k = kids_of(&a->kids, cur.node, &nk);
		double x = cur.x0, scale = (cur.x1 - cur.x0) / (double)(n->weight ? n->weight : 1);

		if (push_box(a, cur.node, cur.row, cur.x0, cur.x1))
			break;
		for (size_t i = 0; i < nk; i++) {
			double w = (double)ctree_node(a->pv.tree, k[i])->weight * scale;

			if ((int)(x + w + 0.5) - (int)(x + 0.5) >= 1) {
				if (grow_array(&st, &cap, sp + 1, sizeof(*st)))
					break;
				st[sp++] = (struct span){ k[i], cur.row + 1, x, x + w };
			}
			x += w;
		}
	}
	free(st);
	qsort(a->boxes, a->nboxes, sizeof(*a->boxes), cmp_box);
}

static const struct flame_box *box_of(const struct app *a, uint32_t node)
{
	for (size_t i = 0; i < a->nboxes; i++)
		if (a->boxes[i].node == node)
			return &a->boxes[i];
	return NULL;
}

static void detail_line(struct app *a, struct surface *s, int y, int w)
{
	const struct ctree_node *n = ctree_node(a->pv.tree, a->sel);
	const struct frame *f = app_frame(a, a->sel);
	char line[2048], ctr[600] = "";
	const uint64_t *tot = ctree_ctr_total(a->pv.tree, a->sel);
	size_t w0 = 0;

	/* Against a baseline the change comes first: counters may not fit. */
	if (a->base.saved) {
		double b;
		int had = app_base_node_pct(a, a->sel, &b) == 0;

		w0 = (size_t)snprintf(ctr, sizeof(ctr),
				      had ? "  Δtotal %+.1f pts (baseline %.1f%%)"
					  : "  new: not in the baseline",
				      app_pct(a, n->weight) - b, b);
	}

	for (size_t i = 0; tot && a->counting && i < ctree_ncounters(a->pv.tree) &&
			   i < a->counting->n && w0 < sizeof(ctr);
	     i++) {
		char v[16];

		fmt_count(v, sizeof(v), (double)tot[i]);
		w0 += (size_t)snprintf(ctr + w0, sizeof(ctr) - w0, "  %s %s", a->counting->name[i],
				       v);
	}
	if (!f) {
		snprintf(line, sizeof(line), "all  %llu samples%s", (unsigned long long)n->samples,
			 ctr);
	} else {
		char where[600] = "";

		if (f->file)
			snprintf(where, sizeof(where), "  %s:%u", f->file, f->line);
		snprintf(line, sizeof(line),
			 "%s%s  %s%s  self %.1f%%  total %.1f%%  %llu samples%s", f->name,
			 f->inlined ? " (inlined)" : "", f->module, where,
			 app_pct(a, n->self_weight), app_pct(a, n->weight),
			 (unsigned long long)n->samples, ctr);
	}
	surf_fill(s, 0, y, w, 1, ST_TITLE);
	surf_text_fit(s, 0, y, w, ST_TITLE, line);
}

static void draw_box(struct app *a, struct surface *s, const struct flame_box *b, int y)
{
	const struct frame *f = app_frame(a, b->node);
	const struct ctree_node *n = ctree_node(a->pv.tree, b->node);
	int w = b->x1 - b->x0, st = frame_style(f);
	char label[512], sh[512];

	if (w <= 0)
		return;
	if (a->base.saved && b->node != CTREE_ROOT) {
		double base;
		int is_new = app_base_node_pct(a, b->node, &base) != 0;

		st = surf_diff_style(app_pct(a, n->weight) - base, is_new);
	}
	if (b->node == a->sel)
		st = ST_SELECTED;
	else if (f && n->frame < a->nmatch && a->match[n->frame] && a->search[0])
		st = ST_MATCH;
	surf_fill(s, b->x0, y, w, 1, (enum style)st);
	if (b->node == a->flame_chain && b->row == 0)
		snprintf(label, sizeof(label), "%s%s%s (%d frames in one run; x expands)",
			 app_frame(a, app_zoom_root(a)) ? "" : "all > ",
			 a->flame_chain_len > 2 ? "... > " : "",
			 f ? fmt_short_name(f->name, sh, sizeof(sh)) : "all", a->flame_chain_len);
	else if (!f)
		snprintf(label, sizeof(label), "all (%llu samples, %.1f%%)",
			 (unsigned long long)n->samples, app_pct(a, n->weight));
	else
		snprintf(label, sizeof(label), "%s", fmt_short_name(f->name, sh, sizeof(sh)));
	if (w >= 3)
		surf_text_fit(s, b->x0 + 1, y, w - 1, (enum style)st, label);
}

/* Against a baseline: what the colours say, on the view's first row. */
static void legend(struct app *a, struct surface *s, int y, int w)
{
	static const struct {
		int st;
		const char *label;
	} keys[] = {
		{ ST_DIFF_UP3, " +10 / new " }, { ST_DIFF_UP2, " +2 " },
		{ ST_DIFF_UP1, " +0.5 " },      { ST_DIFF_SAME, " same " },
		{ ST_DIFF_DOWN1, " -0.5 " },    { ST_DIFF_DOWN2, " -2 " },
		{ ST_DIFF_DOWN3, " -10 " },
	};
	int x = surf_printf(s, 0, y, w, ST_DIM, "width: %s; colour: total share vs %s (points) ",
			    a->base.pin ? "since the pin" : "now", a->base.name);

	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys) && x < w; i++)
		x += surf_text(s, x, y, w - x, (enum style)keys[i].st, keys[i].label);
}

/* The view's first row: the collapsed run's end, else the zoom's root. */
static uint32_t run_or_top(const struct app *a)
{
	return a->flame_chain != CTREE_NONE ? a->flame_chain : app_zoom_root(a);
}

static void draw(struct app *a, void *vst, struct surface *s, struct rect r)
{
	int rows = r.h >= 2 ? r.h - 1 : r.h; /* the last row is the detail line */
	const struct flame_box *sel;

	(void)vst; /* its boxes and zoom are the app's: search and clicks use them */
	if (a->base.saved && r.h >= 4) {
		legend(a, s, r.y, r.w);
		r.y++;
		r.h--;
		rows--;
	}

	layout(a, r.w);
	if (!a->nboxes) {
		surf_text(s, r.x + 1, r.y, r.w - 1, ST_DIM, "no samples yet");
		return;
	}
	/* A selection the collapsed run gave follows the run: once the
	 * profile branches above its end (the first samples were one stack,
	 * then others came), the top is selected, not that stack's leaf. */
	if (a->flame_sel_auto && a->sel != a->flame_chain)
		a->sel = run_or_top(a);
	/* Keep the selection on screen: a pruned node falls back to the
	 * nearest ancestor that was laid out. */
	while (!(sel = box_of(a, a->sel)) && a->sel != CTREE_ROOT)
		a->sel = ctree_node(a->pv.tree, a->sel)->parent;
	if (!sel) { /* above the view's top: the collapsed run, or the root */
		a->sel = run_or_top(a);
		a->flame_sel_auto = 1;
		sel = box_of(a, a->sel);
	}
	if (sel && sel->row < a->flame_scroll)
		a->flame_scroll = sel->row;
	if (sel && sel->row >= a->flame_scroll + rows)
		a->flame_scroll = sel->row - rows + 1;
	for (size_t i = 0; i < a->nboxes; i++) {
		int y = a->boxes[i].row - a->flame_scroll;

		if (y >= 0 && y < rows)
			draw_box(a, s, &a->boxes[i], r.y + y);
	}
	if (r.h >= 2)
		detail_line(a, s, r.y + r.h - 1, r.w);
}

/* The box next to the selection on its row, in direction DIR. */
static void sideways(struct app *a, int dir)
{
	const struct flame_box *b = box_of(a, a->sel);
	size_t i;

	if (!b)
		return;
	i = (size_t)(b - a->boxes);
	if (dir < 0 && i > 0 && a->boxes[i - 1].row == b->row)
		app_select(a, a->boxes[i - 1].node);
	else if (dir > 0 && i + 1 < a->nboxes && a->boxes[i + 1].row == b->row)
		app_select(a, a->boxes[i + 1].node);
}

static void down(struct app *a)
{
	size_t nk;
	const uint32_t *k = kids_of(&a->kids, a->sel, &nk);

	/* The heaviest child that has a box. */
	for (size_t i = 0; i < nk; i++)
		if (box_of(a, k[i])) {
			app_select(a, k[i]);
			return;
		}
}

static int key(struct app *a, void *vst, const struct key *k)
{
	(void)vst;
	switch (k->code) {
	case K_UP:
	case 'k':
		if (a->sel == a->flame_chain) { /* the collapsed run: up opens it */
			a->flame_expanded = 1;
			a->flame_sel_auto = 0; /* and its end stays selected */
		} else if (a->sel != app_zoom_root(a))
			app_select(a, ctree_node(a->pv.tree, a->sel)->parent);
		return 1;
	case 'x':
		a->flame_expanded = !a->flame_expanded;
		app_message(a, 0,
			    a->flame_expanded
				? "single-child frames: one row each (x folds them)"
				: "a run of single-child frames: one row (x opens it)");
		return 1;
	case K_DOWN:
	case 'j':
		down(a);
		return 1;
	case K_LEFT:
	case 'h':
		sideways(a, -1);
		return 1;
	case K_RIGHT:
	case 'l':
		sideways(a, 1);
		return 1;
	case K_ENTER:
		if (a->sel != app_zoom_root(a) && a->nzoom < 64) {
			a->zoom[a->nzoom++] = a->sel;
			a->flame_scroll = 0;
		}
		return 1;
	case K_BACKSPACE:
	case K_ESC:
		if (!a->nzoom)
			return k->code == K_ESC ? 0 : 1;
		a->nzoom--;
		a->flame_scroll = 0;
		return 1;
	case K_WHEEL_UP:
		a->flame_scroll -= a->flame_scroll > 0;
		return 1;
	case K_WHEEL_DOWN:
		a->flame_scroll++;
		return 1;
	default:
		return 0;
	}
}

static void click(struct app *a, void *vst, int x, int y)
{
	int row = y + a->flame_scroll;

	(void)vst;
	for (size_t i = 0; i < a->nboxes; i++)
		if (a->boxes[i].row == row && x >= a->boxes[i].x0 && x < a->boxes[i].x1)
			app_select(a, a->boxes[i].node);
}

const struct view_ops view_flame = {
	.name = "Flame",
	.tab_key = '1',
	.enter = "zoom into a frame (flame)",
	.draw = draw,
	.key = key,
	.click = click,
};
