/* surface — a grid of cells (a character and a style) that views draw into.
 *
 * Views never touch the terminal: one module (screen) flushes a surface to
 * ncurses, and the same surface dumps to text for tests and benchmarks.
 * Every write is clipped, so a view drawn into a 20x5 surface cannot write
 * outside it. */
#ifndef FLAMETOP_SURFACE_H
#define FLAMETOP_SURFACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fmt.h" /* utf8_decode, utf8_encode */

/* What a cell means; the screen maps each to colours and attributes. */
enum style {
	ST_NORMAL,
	ST_HEADER,   /* the top line */
	ST_TAB,      /* view tabs */
	ST_TAB_ON,   /* the current view's tab */
	ST_DIM,      /* secondary text */
	ST_TITLE,    /* pane titles, column heads */
	ST_SELECTED, /* the selected frame or row */
	ST_MATCH,    /* a search match */
	ST_STATUS,   /* the bottom line */
	ST_ERROR,    /* messages about failures */
	ST_GOOD,     /* RUNNING, supports */
	ST_WARN,     /* PAUSED, rejects, a leak */
	ST_SPARK,    /* sparklines */
	ST_BORDER,
	ST_FLAME_USER0, /* four shades each, picked by module */
	ST_FLAME_USER1,
	ST_FLAME_USER2,
	ST_FLAME_USER3,
	ST_FLAME_LIB0,
	ST_FLAME_LIB1,
	ST_FLAME_LIB2,
	ST_FLAME_LIB3,
	ST_FLAME_KERNEL,
	ST_FLAME_JIT,
	ST_FLAME_OTHER, /* unknown frames, the root */
	ST_DIFF_SAME,   /* against a baseline: within half a point */
	ST_DIFF_UP1,    /* grew: < 2, < 10, >= 10 points (or new) */
	ST_DIFF_UP2,
	ST_DIFF_UP3,
	ST_DIFF_DOWN1, /* shrank: the same steps */
	ST_DIFF_DOWN2,
	ST_DIFF_DOWN3,
	ST_COUNT,
};

/* A rectangle of cells. */
struct rect {
	int x, y, w, h;
};

struct cell {
	uint32_t ch; /* a Unicode code point; 0 continues a wide character */
	uint8_t style;
};

/* The characters lines, bars and markers are drawn with: Unicode, or ASCII
 * when the locale cannot show it. */
struct glyphs {
	const char *spark[8]; /* lowest to highest */
	const char *hline, *vline, *tl, *tr, *bl, *br;
	const char *open, *closed, *leaf; /* tree markers */
	const char *ellipsis;
};

extern const struct glyphs glyphs_utf8, glyphs_ascii;

struct surface {
	int w, h;
	struct cell *cells;
	const struct glyphs *g;
};

/* Returns 0 or -ENOMEM (the surface is then 0x0). */
int surf_resize(struct surface *s, int w, int h);
void surf_free(struct surface *s);
void surf_clear(struct surface *s);
/* Fills the rectangle with spaces of STYLE. */
void surf_fill(struct surface *s, int x, int y, int w, int h, enum style st);
/* The style of a change of DELTA points against a baseline (IS_NEW: not
 * in it). */
enum style surf_diff_style(double delta, int is_new);
/* Writes UTF-8 TEXT at (X, Y), at most MAXW columns; returns columns used.
 * Invalid bytes show as '?'. */
int surf_text(struct surface *s, int x, int y, int maxw, enum style st, const char *text);
/* The same, with ELLIPSIS at the end when TEXT does not fit. */
int surf_text_fit(struct surface *s, int x, int y, int maxw, enum style st, const char *text);
/* printf into the surface; clipped to MAXW. */
int surf_printf(struct surface *s, int x, int y, int maxw, enum style st, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Sets the style of cells without changing their characters. */
void surf_style(struct surface *s, int x, int y, int w, enum style st);
/* A frame with a title in its top border. */
void surf_box(struct surface *s, int x, int y, int w, int h, const char *title);
const struct cell *surf_at(const struct surface *s, int x, int y);
/* Display width of UTF-8 TEXT. */
int surf_width(const char *text);
/* The surface as UTF-8 text, one line per row, trailing spaces kept. */
void surf_dump(const struct surface *s, FILE *f);

int cp_width(uint32_t cp);

#endif
