/* view_ledger — the hypotheses: one line each with its verdict, and the
 * evidence under it. */
#include "app.h"

#include <stdio.h>

struct lg_state {
	size_t sel, top;
	unsigned added; /* the app's hyp_added when last looked at */
};

static enum style verdict_style(enum verdict v)
{
	return v == VERDICT_SUPPORTS ? ST_GOOD : v == VERDICT_REJECTS ? ST_WARN : ST_DIM;
}

/* Rows: the hypotheses, then the suggestions not yet taken; two lines each. */
static void draw_row(struct app *a, const struct lg_state *ls, struct surface *s, struct rect r,
		     size_t row, int y)
{
	const struct ledger *l = &a->ledger;
	int sel = row == ls->sel, x;
	enum style st = sel ? ST_SELECTED : ST_NORMAL;

	surf_fill(s, r.x, y, r.w, 1, st);
	if (row < l->n) {
		const struct hypothesis *h = &l->v[row];
		char head[32];

		snprintf(head, sizeof(head), "#%u ", h->id);
		x = surf_text(s, r.x, y, r.w, st, head);
		x += surf_printf(s, r.x + x, y, r.w - x, sel ? st : verdict_style(h->verdict),
				 "[%s] ", verdict_name(h->verdict));
		surf_text_fit(s, r.x + x, y, r.w - x, st, h->text);
		surf_text(s, r.x + 4, y + 1, r.w - 4, ST_DIM, "evidence: ");
		surf_text_fit(s, r.x + 14, y + 1, r.w - 14, ST_DIM,
			      h->evidence ? h->evidence : "(none yet: marking fills it in)");
		return;
	}
	{
		const struct suggestion *sg = app_suggestion(a, row - l->n);

		if (!sg)
			return;
		x = surf_text(s, r.x, y, r.w, sel ? st : ST_TITLE, "?  [suggested] ");
		surf_text_fit(s, r.x + x, y, r.w - x, st, sg->text);
		surf_text(s, r.x + 4, y + 1, r.w - 4, ST_DIM, "numbers:  ");
		surf_text_fit(s, r.x + 14, y + 1, r.w - 14, ST_DIM, sg->evidence);
	}
}

/* A hypothesis written since (H, from any view): it is the one selected. */
static void follow_new(const struct app *a, struct lg_state *ls)
{
	if (ls->added != a->hyp_added && a->ledger.n)
		ls->sel = a->ledger.n - 1;
	ls->added = a->hyp_added;
}

static void draw(struct app *a, void *vst, struct surface *s, struct rect r)
{
	struct lg_state *ls = vst;
	const struct ledger *l = &a->ledger;
	size_t per = 2, rows = (size_t)(r.h > 1 ? r.h - 1 : 0) / per;
	size_t n = l->n + app_nsuggestions(a);

	surf_text(
	    s, r.x, r.y, r.w, ST_TITLE,
	    l->n ? "hypotheses  (H new, s supports, r rejects, o open, d delete, Enter evidence; "
		   "on a suggestion: a or s adopts, r rejects)"
		 : "no hypotheses yet: H writes one; on a suggestion below, a or s adopts it, "
		   "r rejects it");
	if (!n) {
		surf_text(s, r.x + 1, r.y + 1, r.w - 1, ST_DIM,
			  "no hypotheses yet: press H and write one, e.g. \"parsing dominates\"");
		return;
	}
	follow_new(a, ls);
	list_scroll(&ls->sel, &ls->top, n, rows);
	for (size_t i = 0; i < rows && ls->top + i < n; i++)
		draw_row(a, ls, s, r, ls->top + i, r.y + 1 + (int)(i * per));
}

static int key(struct app *a, void *vst, const struct key *k)
{
	struct lg_state *ls = vst;
	struct ledger *l = &a->ledger;
	size_t n = l->n + app_nsuggestions(a);
	unsigned id;

	follow_new(a, ls);
	id = ls->sel < l->n ? l->v[ls->sel].id : 0;

	/* Two rows a hypothesis: a page is half the view's rows. */
	if (list_move(&ls->sel, n, k, a->main_rect.h > 3 ? (size_t)(a->main_rect.h - 1) / 2 : 1, 1))
		return 1;
	if (!id && ls->sel < n && ls->sel >= l->n) {
		/* A suggestion: adopt it or reject it; anything else leaves it. */
		size_t i = ls->sel - l->n;

		if (k->code == 'a' || k->code == 's' || k->code == 'r') {
			app_take_suggestion(a, i,
					    k->code == 'r' ? VERDICT_REJECTS : VERDICT_SUPPORTS);
			ls->sel = l->n - 1; /* onto the hypothesis it became */
			return 1;
		}
	}
	switch (k->code) {
	case 's':
	case 'r':
	case 'o':
		if (id)
			app_mark(a, id,
				 k->code == 's'   ? VERDICT_SUPPORTS
				 : k->code == 'r' ? VERDICT_REJECTS
						  : VERDICT_OPEN);
		return 1;
	case 'd':
		if (id && ledger_delete(l, id) == 0)
			app_message(a, 0, "hypothesis %u deleted", id);
		return 1;
	case K_ENTER:
		if (id)
			app_edit_evidence(a, id);
		return 1;
	default:
		return 0;
	}
}

static void click(struct app *a, void *vst, int x, int y)
{
	struct lg_state *ls = vst;

	(void)a, (void)x;
	if (y >= 1)
		ls->sel = ls->top + (size_t)(y - 1) / 2;
}

const struct view_ops view_ledger = {
	.name = "Hypotheses",
	.tab_key = '5',
	.enter = "edit the evidence (hypotheses)",
	.state_size = sizeof(struct lg_state),
	.draw = draw,
	.key = key,
	.click = click,
};
