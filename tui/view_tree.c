/* view_tree — the call tree top-down, sharing the flame view's selection. */
#include "app.h"

static void draw(struct app *a, void *vst, struct surface *s, struct rect r)
{
	(void)vst;
	struct tree_src src =
	    app_tree_src(a, &a->pv, &a->kids, a->sel == CTREE_ROOT ? CTREE_NONE : a->sel, 0, r.w);

	tree_flatten(&a->ts, &src);
	if (!a->ts.nrows) {
		surf_text(s, r.x + 1, r.y, r.w - 1, ST_DIM, "no samples yet");
		return;
	}
	a->sel = a->ts.rows[a->ts.sel].node;
	tree_draw(&a->ts, &src, s, r);
}

static int key(struct app *a, void *vst, const struct key *k)
{
	int page = a->main_rect.h > 2 ? a->main_rect.h - 2 : 1;

	(void)vst;
	if (!tree_key(&a->ts, k, page))
		return 0;
	if (a->ts.nrows)
		app_select(a, a->ts.rows[a->ts.sel].node);
	return 1;
}

static void click(struct app *a, void *vst, int x, int y)
{
	(void)vst, (void)x;
	if (y >= 1 && a->ts.top + (size_t)(y - 1) < a->ts.nrows) {
		a->ts.sel = a->ts.top + (size_t)(y - 1);
		app_select(a, a->ts.rows[a->ts.sel].node);
	}
}

const struct view_ops view_tree = {
	.name = "Tree",
	.tab_key = '2',
	.enter = "open/close (tree)",
	.draw = draw,
	.key = key,
	.click = click,
};
