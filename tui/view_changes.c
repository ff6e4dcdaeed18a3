/* view_changes — against the baseline (--baseline FILE, or b's pin): the
 * functions whose share changed most, as `flametop diff` lists them, with
 * the two-proportion z-test's mark; new and vanished ones say so. Enter
 * focuses on the function. */
#include "app.h"

#include "compare.h"
#include "saved.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

struct ch_state {
	size_t sel, top;
	int built; /* cmp and after hold a comparison */
	int owned; /* after's profile is a copy of ours (made against a pin) */
	int stale; /* the view changed since it was made */
	struct comparison cmp;
	struct saved_report after;
};

static void drop(struct ch_state *c)
{
	if (c->built) {
		compare_free(&c->cmp);
		if (c->owned)
			profile_free(c->after.profile);
	}
	c->built = c->owned = 0;
}

/* Made when the view is drawn, again after each refresh or filter: a
 * comparison costs both sides' hotspots, not worth it while unseen. */
static void rebuild(struct app *a, void *vst)
{
	(void)a;
	((struct ch_state *)vst)->stale = 1;
}

static void make(struct app *a, struct ch_state *c)
{
	drop(c);
	c->stale = 0;
	if (a->base.saved && app_comparison(a, &c->cmp, &c->after) == 0) {
		c->built = 1;
		c->owned = a->base.pin != NULL;
	}
}

static void fini_state(struct app *a, void *vst)
{
	(void)a;
	drop(vst);
}

static void draw(struct app *a, void *vst, struct surface *s, struct rect r)
{
	struct ch_state *c = vst;
	size_t rows = r.h > 1 ? (size_t)r.h - 1 : 0;
	int x;

	if (c->stale || (!c->built && a->base.saved))
		make(a, c);
	if (!c->built) {
		surf_text(s, r.x + 1, r.y, r.w - 1, ST_DIM,
			  a->base.saved ? "out of memory comparing with the baseline"
					: "no baseline: b pins the profile so far, or start with "
					  "--baseline FILE");
		return;
	}
	if (!c->cmp.n) {
		surf_text(s, r.x + 1, r.y, r.w - 1, ST_DIM, "no samples on either side yet");
		return;
	}
	list_scroll(&c->sel, &c->top, c->cmp.n, rows);
	x = surf_printf(s, r.x, r.y, r.w, ST_TITLE, "%7s %7s %7s %3s  ", "base%", "now%", "", "");
	/* "Δ" is two bytes and one column: its title is padded by hand. */
	surf_text(s, r.x + 16, r.y, 8, ST_TITLE, "  Δtotal");
	surf_text(s, r.x + x, r.y, r.w - x, ST_TITLE, "function  module (vs baseline)");
	for (size_t i = 0; i < rows && c->top + i < c->cmp.n; i++) {
		const struct compare_fn *f = &c->cmp.fns[c->top + i];
		int y = r.y + 1 + (int)i, sel = c->top + i == c->sel;
		int is_new = !f->present[CMP_BASE], gone = !f->present[CMP_AFTER];
		double d = f->total_pct[CMP_AFTER] - f->total_pct[CMP_BASE];
		enum style st = sel ? ST_SELECTED : ST_NORMAL;
		char line[1200], delta[16];

		if (is_new)
			snprintf(delta, sizeof(delta), "%7s", "new");
		else if (gone)
			snprintf(delta, sizeof(delta), "%7s", "gone");
		else
			snprintf(delta, sizeof(delta), "%+7.1f", d);
		surf_fill(s, r.x, y, r.w, 1, st);
		x = surf_printf(s, r.x, y, r.w, st, "%6.1f%% %6.1f%% ", f->total_pct[CMP_BASE],
				f->total_pct[CMP_AFTER]);
		x +=
		    surf_text(s, r.x + x, y, r.w - x, sel ? st : surf_diff_style(d, is_new), delta);
		x += surf_printf(s, r.x + x, y, r.w - x, st, " %-3s  ", compare_fn_mark(f));
		snprintf(line, sizeof(line), "%s  %s", f->name, f->module ? f->module : "");
		surf_text_fit(s, r.x + x, y, r.w - x, st, line);
	}
}

/* The selected function in the live profile's frames, or CTREE_NONE. */
static uint32_t frame_of(const struct app *a, const struct ch_state *c)
{
	const struct compare_fn *f;

	if (!c->built || c->sel >= c->cmp.n)
		return CTREE_NONE;
	f = &c->cmp.fns[c->sel];
	for (size_t i = 0; i < frametab_len(a->profile->frames); i++) {
		const struct frame *fr = frametab_get(a->profile->frames, (uint32_t)i);

		if (!strcmp(fr->name, f->name) &&
		    (c->cmp.by_name || !f->module || !strcmp(fr->module, f->module)))
			return (uint32_t)i;
	}
	return CTREE_NONE;
}

static int key(struct app *a, void *vst, const struct key *k)
{
	struct ch_state *c = vst;
	size_t page = a->main_rect.h > 2 ? (size_t)a->main_rect.h - 2 : 1;
	uint32_t f;

	if (c->built && list_move(&c->sel, c->cmp.n, k, page, 1)) {
		if ((f = frame_of(a, c)) != CTREE_NONE)
			a->snap_frame = f; /* f and H name it too */
		return 1;
	}
	if (k->code != K_ENTER)
		return 0;
	if ((f = frame_of(a, c)) == CTREE_NONE) {
		app_message(a, 0, "not in this profile (it vanished since the baseline)");
		return 1;
	}
	app_focus(a, f);
	app_show_view(a, &view_flame);
	return 1;
}

static void click(struct app *a, void *vst, int x, int y)
{
	struct ch_state *c = vst;

	(void)a, (void)x;
	if (y >= 1)
		c->sel = c->top + (size_t)(y - 1);
}

const struct view_ops view_changes = {
	.name = "Changes",
	.tab_key = '6',
	.enter = "focus on the function (changes)",
	.state_size = sizeof(struct ch_state),
	.rebuild = rebuild,
	.fini = fini_state,
	.draw = draw,
	.key = key,
	.click = click,
};
