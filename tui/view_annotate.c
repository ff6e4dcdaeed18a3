/* view_annotate — `a` on a function (flame, tree, hotspots, changes): its
 * source lines with each line's share of the function's self and total
 * samples, hot lines highlighted and the hottest in view; Tab the
 * disassembly (per-instruction shares, each instruction's line before it);
 * n / N the next and previous hot spot; Esc back. Over the main view, as
 * the help is; the annotation itself is the model's (annotate.h). */
#include "app.h"

#include "saved.h"
#include "session.h"

#include <stdio.h>
#include <string.h>

#define HOT_PCT 5.0 /* a hot spot: at least this share of the function's total */

static size_t rows_of(const struct app *a)
{
	return a->ann.disasm ? a->ann.a.ninsns : a->ann.a.nlines;
}

static uint64_t total_at(const struct app *a, size_t i)
{
	return a->ann.disasm ? a->ann.a.insns[i].total : a->ann.a.lines[i].total;
}

static uint64_t self_at(const struct app *a, size_t i)
{
	return a->ann.disasm ? a->ann.a.insns[i].self : a->ann.a.lines[i].self;
}

static int hot(const struct app *a, size_t i)
{
	return annotation_pct(total_at(a, i), a->ann.a.total) >= HOT_PCT ||
	       annotation_pct(self_at(a, i), a->ann.a.self) >= HOT_PCT;
}

/* The row with the most samples: where the view opens. */
static size_t hottest(const struct app *a)
{
	size_t best = 0;

	for (size_t i = 0; i < rows_of(a); i++)
		if (total_at(a, i) > total_at(a, best) ||
		    (total_at(a, i) == total_at(a, best) && self_at(a, i) > self_at(a, best)))
			best = i;
	return best;
}

void app_annotate(struct app *a, uint32_t frame)
{
	const struct frame *f;
	int e;

	if (frame == CTREE_NONE || frame >= frametab_len(a->profile->frames)) {
		app_message(a, 1, "annotate: select a function first");
		return;
	}
	annotation_free(&a->ann.a);
	memset(&a->ann, 0, sizeof(a->ann));
	f = frametab_get(a->profile->frames, frame);
	if (a->session)
		e = annotate(a->profile, session_symbolizer(a->session), frame, a->ann_opts,
			     &a->ann.a);
	else if (a->saved && a->saved->saved)
		e = saved_lines_of(a->saved->saved, f->name, f->module, &a->ann.a);
	else
		e = -1;
	if (e || (!a->ann.a.nlines && !a->ann.a.ninsns)) {
		app_message(a, 1, "annotate %s: %s", f->name,
			    a->ann.a.note[0] ? a->ann.a.note
			    : a->session     ? "nothing to show"
					     : "the export kept no lines for it");
		annotation_free(&a->ann.a);
		return;
	}
	a->ann.open = 1;
	a->ann.disasm = !a->ann.a.nlines; /* no lines: the instructions */
	a->ann.sel = hottest(a);
	a->ann.top = a->ann.sel > 3 ? a->ann.sel - 3 : 0;
	if (a->ann.a.note[0])
		app_message(a, 0, "%s", a->ann.a.note);
}

void app_annotate_close(struct app *a)
{
	annotation_free(&a->ann.a);
	memset(&a->ann, 0, sizeof(a->ann));
}

static enum style heat(double pct)
{
	return pct >= 20        ? ST_DIFF_UP3
	       : pct >= HOT_PCT ? ST_DIFF_UP2
	       : pct > 0        ? ST_DIFF_UP1
				: ST_NORMAL;
}

/* Source text with its tabs as spaces (to 8 columns), for the screen. */
static const char *untab(const char *text, char *out, size_t len)
{
	size_t o = 0, col = 0;

	for (const char *p = text ? text : ""; *p && o + 9 < len; p++) {
		if (*p == '\t') {
			do
				out[o++] = ' ';
			while (++col % 8);
		} else {
			out[o++] = *p;
			col += ((unsigned char)*p & 0xc0) != 0x80; /* a UTF-8 lead byte */
		}
	}
	out[o] = 0;
	return out;
}

static void draw_source_row(struct app *a, struct surface *s, int x, int y, int w, size_t i,
			    int sel)
{
	const struct annot_line *l = &a->ann.a.lines[i];
	double sp = annotation_pct(l->self, a->ann.a.self),
	       tp = annotation_pct(l->total, a->ann.a.total);
	enum style st = sel ? ST_SELECTED : heat(tp > sp ? tp : sp);
	char line[1600], text[1024];

	untab(l->text, text, sizeof(text));
	if (l->self || l->total)
		snprintf(line, sizeof(line), "%6.1f%% %6.1f%% %6d  %s%s%s", sp, tp, l->line, text,
			 l->inlined[0] ? "   <- inlined " : "", l->inlined);
	else
		snprintf(line, sizeof(line), "%7s %7s %6d  %s", "", "", l->line, text);
	surf_fill(s, x, y, w, 1, st);
	surf_text(s, x, y, w, l->has_code || sel ? st : ST_DIM, line);
}

static void draw_insn_row(struct app *a, struct surface *s, int x, int y, int w, size_t i, int sel)
{
	const struct annot_insn *d = &a->ann.a.insns[i];
	double sp = annotation_pct(d->self, a->ann.a.self),
	       tp = annotation_pct(d->total, a->ann.a.total);
	enum style st = sel ? ST_SELECTED : heat(tp > sp ? tp : sp);
	char line[300];

	if (d->self || d->total)
		snprintf(line, sizeof(line), "%6.1f%% %6.1f%% %12llx:  %s", sp, tp,
			 (unsigned long long)d->vaddr, d->text);
	else
		snprintf(line, sizeof(line), "%7s %7s %12llx:  %s", "", "",
			 (unsigned long long)d->vaddr, d->text);
	surf_fill(s, x, y, w, 1, st);
	surf_text(s, x, y, w, st, line);
}

/* The line an instruction is on, as a title row before the first
 * instruction of each new line (the source interleaved). */
static const struct annot_line *line_of(const struct app *a, int line)
{
	for (size_t i = 0; line && i < a->ann.a.nlines; i++)
		if (a->ann.a.lines[i].line == line)
			return &a->ann.a.lines[i];
	return NULL;
}

void app_annotate_draw(struct app *a, struct surface *s, struct rect r)
{
	size_t n = rows_of(a), rows;
	int y = r.y;

	surf_fill(s, r.x, r.y, r.w, r.h, ST_NORMAL);
	surf_fill(s, r.x, y, r.w, 1, ST_TITLE);
	surf_printf(s, r.x, y++, r.w, ST_TITLE, "%s  %s  %s  self %llu  total %llu samples",
		    a->ann.disasm ? "disassembly" : "source", a->ann.a.name, a->ann.a.module,
		    (unsigned long long)a->ann.a.self, (unsigned long long)a->ann.a.total);
	surf_printf(s, r.x, y++, r.w, ST_DIM, "%7s %7s  %s   (%s; Tab %s, n/N hot spots, Esc back)",
		    "self", "total", a->ann.disasm ? "address: instruction" : "  line  source",
		    a->ann.a.source_from[0] ? a->ann.a.source_from
		    : a->ann.a.file[0]      ? a->ann.a.file
					    : "no source",
		    a->ann.disasm ? "source" : "disassembly");
	rows = r.h > 2 ? (size_t)(r.h - 2) : 0;
	if (a->ann.sel >= n)
		a->ann.sel = n ? n - 1 : 0;
	if (a->ann.sel < a->ann.top)
		a->ann.top = a->ann.sel;
	if (rows && a->ann.sel >= a->ann.top + rows)
		a->ann.top = a->ann.sel - rows + 1;
	for (size_t i = a->ann.top, shown = 0; i < n && shown < rows; i++, shown++) {
		if (!a->ann.disasm) {
			draw_source_row(a, s, r.x, y++, r.w, i, i == a->ann.sel);
			continue;
		}
		if (a->ann.a.insns[i].line &&
		    (i == a->ann.top || a->ann.a.insns[i].line != a->ann.a.insns[i - 1].line) &&
		    shown + 1 < rows) {
			const struct annot_line *l = line_of(a, a->ann.a.insns[i].line);
			char text[1024];

			surf_printf(s, r.x, y++, r.w, ST_DIM, "%16s %d: %s", "",
				    a->ann.a.insns[i].line,
				    untab(l ? l->text : NULL, text, sizeof(text)));
			shown++;
		}
		draw_insn_row(a, s, r.x, y++, r.w, i, i == a->ann.sel);
	}
}

/* The next hot row after (or before) the selection, wrapping. */
static void jump(struct app *a, int dir)
{
	size_t n = rows_of(a);

	for (size_t k = 1; k <= n; k++) {
		size_t i = (a->ann.sel + (dir > 0 ? k : n - k)) % n;

		if (hot(a, i)) {
			a->ann.sel = i;
			return;
		}
	}
	app_message(a, 0, "no hot spot (%.0f%% or more of the function)", HOT_PCT);
}

void app_annotate_key(struct app *a, const struct key *k)
{
	size_t n = rows_of(a), page = a->main_rect.h > 3 ? (size_t)a->main_rect.h - 3 : 1;

	switch (k->code) {
	case K_ESC:
	case 'q':
	case K_BACKSPACE:
		app_annotate_close(a);
		return;
	case K_TAB:
		if (!a->ann.a.nlines || !a->ann.a.ninsns) {
			app_message(a, 0, "%s",
				    a->ann.a.ninsns ? "no source lines for this function"
						    : "no disassembly for this function");
			return;
		}
		a->ann.disasm = !a->ann.disasm;
		a->ann.sel = hottest(a);
		return;
	case 'n':
		jump(a, 1);
		return;
	case 'N':
		jump(a, -1);
		return;
	case K_UP:
	case 'k':
		if (a->ann.sel)
			a->ann.sel--;
		return;
	case K_DOWN:
	case 'j':
		if (a->ann.sel + 1 < n)
			a->ann.sel++;
		return;
	case K_PGUP:
		a->ann.sel = a->ann.sel > page ? a->ann.sel - page : 0;
		return;
	case K_PGDN:
		a->ann.sel = a->ann.sel + page < n ? a->ann.sel + page : (n ? n - 1 : 0);
		return;
	case K_HOME:
		a->ann.sel = 0;
		return;
	case K_END:
		a->ann.sel = n ? n - 1 : 0;
		return;
	default:
		return;
	}
}
