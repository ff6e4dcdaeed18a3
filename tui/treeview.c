/* treeview — the rows of a foldable call tree, shared by the call-tree view
 * and the hotspots' callers view; sorted children; the list keys. */
#include "treeview.h"

#include "fmt.h"
#include "keys.h"

#include "counting.h"
#include "grow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPEN_PCT 5.0 /* unfolded by default at this share and above */

static uint64_t child_key(uint64_t parent, uint32_t frame)
{
	return u64map_mix(parent ^ ((uint64_t)frame + 1) * 0x9e3779b97f4a7c15ull);
}

void tree_state_fini(struct tree_state *ts)
{
	u64map_clear(&ts->fold);
	free(ts->rows);
	memset(ts, 0, sizeof(*ts));
}

void tree_state_reset(struct tree_state *ts)
{
	u64map_clear(&ts->fold);
	ts->nrows = ts->sel = ts->top = 0;
}

/* Opens every ancestor of NODE. */
static void reveal(struct tree_state *ts, const struct ctree *t, uint32_t node)
{
	uint32_t path[256];
	size_t n = ctree_path(t, node, path, 256);
	uint64_t key = 1;

	for (size_t i = 0; i + 1 < n && i < 256; i++) {
		key = child_key(key, path[i]);
		u64map_put(&ts->fold, key, 1);
	}
}

static int is_open(const struct tree_state *ts, const struct ctree *t, uint32_t node, uint64_t key,
		   const struct pview *pv)
{
	uint32_t v = u64map_get(&ts->fold, key);

	if (v != U64MAP_NONE)
		return v == 1;
	return pview_pct(pv, ctree_node(t, node)->weight) >= OPEN_PCT;
}

struct visit {
	uint32_t node, depth;
	uint64_t key;
};

void tree_flatten(struct tree_state *ts, const struct tree_src *src)
{
	const struct pview *pv = src->pv;
	struct visit *st = NULL;
	size_t sp = 0, cap = 0, nk;
	const uint32_t *k;

	if (src->reveal != CTREE_NONE)
		reveal(ts, src->pv->tree, src->reveal);
	ts->nrows = 0;
	k = kids_of(src->kids, CTREE_ROOT, &nk);
	if (grow_array(&st, &cap, nk + 1, sizeof(*st)))
		return;
	for (size_t i = nk; i > 0; i--)
		st[sp++] =
		    (struct visit){ k[i - 1], 0,
				    child_key(1, ctree_node(src->pv->tree, k[i - 1])->frame) };
	while (sp) {
		struct visit v = st[--sp];
		struct tree_row *row;

		if (grow_array(&ts->rows, &ts->cap, ts->nrows + 1, sizeof(*ts->rows)))
			break;
		k = kids_of(src->kids, v.node, &nk);
		row = &ts->rows[ts->nrows++];
		*row = (struct tree_row){ v.node, v.depth, v.key, nk > 0, 0 };
		row->open = nk && is_open(ts, src->pv->tree, v.node, v.key, pv);
		if (row->node == src->reveal)
			ts->sel = ts->nrows - 1;
		if (!row->open || grow_array(&st, &cap, sp + nk, sizeof(*st)))
			continue;
		for (size_t i = nk; i > 0; i--)
			st[sp++] =
			    (struct visit){ k[i - 1], v.depth + 1,
					    child_key(v.key,
						      ctree_node(src->pv->tree, k[i - 1])->frame) };
	}
	free(st);
	if (ts->sel >= ts->nrows)
		ts->sel = ts->nrows ? ts->nrows - 1 : 0;
}

void tree_draw(struct tree_state *ts, const struct tree_src *src, struct surface *s, struct rect r)
{
	const struct pview *pv = src->pv;
	int head = 1, rows = r.h - head, x, delta = src->base_pct && !src->callers;

	if (rows <= 0)
		return;
	if (ts->sel < ts->top)
		ts->top = ts->sel;
	if (ts->sel >= ts->top + (size_t)rows)
		ts->top = ts->sel - (size_t)rows + 1;
	x = surf_printf(s, r.x, r.y, r.w, ST_TITLE, src->callers ? "%7s %8s " : "%7s %7s %8s ",
			src->callers ? "total%" : "self%", src->callers ? "samples" : "total%",
			"samples");
	if (delta) /* against a baseline: the path's change in total share */
		x += surf_text(s, r.x + x, r.y, r.w - x, ST_TITLE, " Δtotal ");
	for (size_t i = 0; i < src->nctr; i++)
		x += surf_printf(s, r.x + x, r.y, r.w - x, ST_TITLE, "%9.9s ", src->label[i]);
	surf_text(s, r.x + x, r.y, r.w - x, ST_TITLE, src->callers ? "caller" : "function");
	for (int i = 0; i < rows && ts->top + (size_t)i < ts->nrows; i++) {
		const struct tree_row *row = &ts->rows[ts->top + (size_t)i];
		const struct ctree_node *n = ctree_node(src->pv->tree, row->node);
		const struct frame *f = frametab_get(src->frames, n->frame);
		const uint64_t *tot = ctree_ctr_total(src->pv->tree, row->node);
		int y = r.y + head + i, sel = ts->top + (size_t)i == ts->sel;
		int match = src->match && n->frame < src->nmatch && src->match[n->frame];
		enum style st = sel ? ST_SELECTED : match ? ST_MATCH : ST_NORMAL;
		char samples[16], line[1200], sh[512];

		fmt_count(samples, sizeof(samples), (double)n->samples);
		surf_fill(s, r.x, y, r.w, 1, st);
		if (src->callers)
			x = surf_printf(s, r.x, y, r.w, st, "%6.1f%% %8s ",
					pview_pct(pv, n->weight), samples);
		else
			x = surf_printf(s, r.x, y, r.w, st, "%6.1f%% %6.1f%% %8s ",
					pview_pct(pv, n->self_weight), pview_pct(pv, n->weight),
					samples);
		if (delta) {
			double b;
			int is_new = src->base_pct(src->base_arg, row->node, &b) != 0;
			enum style ds =
			    sel ? st : surf_diff_style(pview_pct(pv, n->weight) - b, is_new);

			if (is_new)
				x += surf_text(s, r.x + x, y, r.w - x, ds, "    new ");
			else
				x += surf_printf(s, r.x + x, y, r.w - x, ds, "%+7.1f ",
						 pview_pct(pv, n->weight) - b);
		}
		for (size_t k = 0; tot && k < src->nctr; k++) {
			char v[16];

			fmt_count(v, sizeof(v), (double)tot[src->ctr[k]]);
			x += surf_printf(s, r.x + x, y, r.w - x, st, "%9s ", v);
		}
		for (uint32_t d = 0; d < row->depth && x < r.w; d++)
			x += surf_text(s, r.x + x, y, r.w - x, st, " ");
		x += surf_text(s, r.x + x, y, r.w - x, st,
			       row->has_children ? (row->open ? s->g->open : s->g->closed)
						 : s->g->leaf);
		snprintf(line, sizeof(line), " %s%s  %s", fmt_short_name(f->name, sh, sizeof(sh)),
			 f->inlined ? " (inlined)" : "", f->module);
		surf_text_fit(s, r.x + x, y, r.w - x, st, line);
	}
}

static void set_fold(struct tree_state *ts, int open)
{
	struct tree_row *row = &ts->rows[ts->sel];

	if (row->has_children)
		u64map_put(&ts->fold, row->key, open ? 1 : 2);
}

int tree_key(struct tree_state *ts, const struct key *k, int page)
{
	struct tree_row *row;

	if (!ts->nrows)
		return 0;
	row = &ts->rows[ts->sel];
	if (list_move(&ts->sel, ts->nrows, k, (size_t)page, (size_t)page))
		return 1;
	switch (k->code) {
	case K_ENTER:
		set_fold(ts, !row->open);
		return 1;
	case K_RIGHT:
	case 'l':
		set_fold(ts, 1);
		return 1;
	case K_LEFT:
	case 'h':
		if (row->open) {
			set_fold(ts, 0);
			return 1;
		}
		/* A closed row: go to its parent. */
		for (size_t i = ts->sel; i > 0; i--)
			if (ts->rows[i - 1].depth < row->depth) {
				ts->sel = i - 1;
				break;
			}
		return 1;
	default:
		return 0;
	}
}

int kids_build(struct kids *k, const struct ctree *t)
{
	size_t n = ctree_len(t);
	uint32_t *off = calloc(n + 2, sizeof(*off)), *list = malloc((n + 1) * sizeof(*list));

	if (!off || !list) {
		free(off);
		free(list);
		return -ENOMEM;
	}
	for (size_t i = 1; i < n; i++)
		off[ctree_node(t, (uint32_t)i)->parent + 2]++;
	for (size_t i = 2; i < n + 2; i++)
		off[i] += off[i - 1];
	/* off[p + 1] is now where p's children start; fill moves it to the end. */
	for (size_t i = 1; i < n; i++)
		list[off[ctree_node(t, (uint32_t)i)->parent + 1]++] = (uint32_t)i;
	for (size_t i = 0; i < n; i++)
		qsort_r(list + off[i], off[i + 1] - off[i], sizeof(*list), ctree_cmp_heavier,
			(void *)t);
	kids_free(k);
	k->off = off;
	k->list = list;
	k->n = n;
	return 0;
}

void kids_free(struct kids *k)
{
	free(k->off);
	free(k->list);
	memset(k, 0, sizeof(*k));
}

const uint32_t *kids_of(const struct kids *k, uint32_t node, size_t *n)
{
	if (node >= k->n) {
		*n = 0;
		return NULL;
	}
	*n = k->off[node + 1] - k->off[node];
	return k->list + k->off[node];
}

int list_move(size_t *sel, size_t n, const struct key *k, size_t page, size_t wheel)
{
	size_t up, down;

	switch (k->code) {
	case K_UP:
	case 'k':
		up = 1, down = 0;
		break;
	case K_DOWN:
	case 'j':
		up = 0, down = 1;
		break;
	case K_PGUP:
		up = page, down = 0;
		break;
	case K_PGDN:
		up = 0, down = page;
		break;
	case K_WHEEL_UP:
		up = wheel, down = 0;
		break;
	case K_WHEEL_DOWN:
		up = 0, down = wheel;
		break;
	case K_HOME:
		up = *sel, down = 0;
		break;
	case K_END:
		up = 0, down = n;
		break;
	default:
		return 0;
	}
	*sel = *sel > up ? *sel - up : 0;
	*sel = !n ? 0 : *sel + down >= n ? n - 1 : *sel + down;
	return 1;
}

void list_scroll(size_t *sel, size_t *top, size_t n, size_t rows)
{
	if (*sel >= n)
		*sel = n ? n - 1 : 0;
	if (*sel < *top)
		*top = *sel;
	if (rows && *sel >= *top + rows)
		*top = *sel - rows + 1;
}
