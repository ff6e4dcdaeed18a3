/* screen — ncursesw: colours, input and flushing a surface. */
#define NCURSES_WIDECHAR 1
#include "screen.h"

#include <curses.h>
#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int colours; /* 0, 8 or 256 */
static attr_t attrs[ST_COUNT];
static int active;
static SCREEN *term;   /* ours, made by newterm */
static FILE *term_out; /* the terminal, unfiltered (a dup of stdout) */

struct style_def {
	short fg256, bg256, fg8, bg8;
	attr_t extra, mono; /* with colour; without */
};

/* -1: the terminal's default colour. */
static const struct style_def defs[ST_COUNT] = {
	[ST_NORMAL] = { -1, -1, -1, -1, 0, 0 },
	[ST_HEADER] = { 231, 24, COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE },
	[ST_TAB] = { 250, 236, COLOR_WHITE, COLOR_BLACK, 0, 0 },
	[ST_TAB_ON] = { 16, 214, COLOR_BLACK, COLOR_YELLOW, A_BOLD, A_REVERSE | A_BOLD },
	[ST_DIM] = { 245, -1, COLOR_CYAN, -1, 0, A_DIM },
	[ST_TITLE] = { 214, -1, COLOR_YELLOW, -1, A_BOLD, A_BOLD },
	[ST_SELECTED] = { 16, 51, COLOR_BLACK, COLOR_CYAN, A_BOLD, A_REVERSE | A_BOLD },
	[ST_MATCH] = { 16, 201, COLOR_BLACK, COLOR_MAGENTA, A_BOLD, A_UNDERLINE | A_BOLD },
	[ST_STATUS] = { 231, 238, COLOR_WHITE, COLOR_BLACK, 0, A_REVERSE },
	[ST_ERROR] = { 231, 160, COLOR_WHITE, COLOR_RED, A_BOLD, A_BOLD | A_REVERSE },
	[ST_GOOD] = { 46, -1, COLOR_GREEN, -1, A_BOLD, A_BOLD },
	[ST_WARN] = { 208, -1, COLOR_YELLOW, -1, A_BOLD, A_BOLD },
	[ST_SPARK] = { 45, -1, COLOR_CYAN, -1, 0, 0 },
	[ST_BORDER] = { 240, -1, COLOR_BLUE, -1, 0, 0 },
	[ST_FLAME_USER0] = { 16, 209, COLOR_BLACK, COLOR_RED, 0, A_REVERSE },
	[ST_FLAME_USER1] = { 16, 203, COLOR_BLACK, COLOR_RED, 0, A_REVERSE },
	[ST_FLAME_USER2] = { 16, 215, COLOR_BLACK, COLOR_RED, 0, A_REVERSE },
	[ST_FLAME_USER3] = { 16, 210, COLOR_BLACK, COLOR_RED, 0, A_REVERSE },
	[ST_FLAME_LIB0] = { 16, 221, COLOR_BLACK, COLOR_YELLOW, 0, A_REVERSE },
	[ST_FLAME_LIB1] = { 16, 227, COLOR_BLACK, COLOR_YELLOW, 0, A_REVERSE },
	[ST_FLAME_LIB2] = { 16, 186, COLOR_BLACK, COLOR_YELLOW, 0, A_REVERSE },
	[ST_FLAME_LIB3] = { 16, 222, COLOR_BLACK, COLOR_YELLOW, 0, A_REVERSE },
	[ST_FLAME_KERNEL] = { 16, 75, COLOR_BLACK, COLOR_BLUE, 0, A_REVERSE },
	[ST_FLAME_JIT] = { 16, 114, COLOR_BLACK, COLOR_GREEN, 0, A_REVERSE },
	[ST_FLAME_OTHER] = { 16, 250, COLOR_BLACK, COLOR_WHITE, 0, A_REVERSE },
	/* A differential flame graph: red grew, blue shrank, deeper for more;
	 * without colour, bold for grew and dim for shrank. */
	[ST_DIFF_SAME] = { 16, 252, COLOR_BLACK, COLOR_WHITE, 0, A_REVERSE },
	[ST_DIFF_UP1] = { 16, 224, COLOR_BLACK, COLOR_RED, 0, A_REVERSE },
	[ST_DIFF_UP2] = { 16, 210, COLOR_BLACK, COLOR_RED, 0, A_REVERSE | A_BOLD },
	[ST_DIFF_UP3] = { 231, 160, COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE | A_BOLD },
	[ST_DIFF_DOWN1] = { 16, 153, COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE | A_DIM },
	[ST_DIFF_DOWN2] = { 16, 111, COLOR_BLACK, COLOR_BLUE, 0, A_REVERSE | A_DIM },
	[ST_DIFF_DOWN3] = { 231, 26, COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE | A_DIM },
};

static void setup_colours(void)
{
	const char *no = getenv("NO_COLOR");

	colours = 0;
	if ((no && no[0]) || !has_colors() || start_color() == ERR)
		goto mono;
	use_default_colors();
	colours = COLORS >= 256 ? 256 : COLORS >= 8 ? 8 : 0;
	if (!colours)
		goto mono;
	for (int i = 1; i < ST_COUNT; i++) {
		const struct style_def *d = &defs[i];

		if (colours == 256)
			init_pair((short)i, d->fg256, d->bg256);
		else
			init_pair((short)i, d->fg8, d->bg8);
		attrs[i] = COLOR_PAIR(i) | d->extra;
	}
	return;
mono:
	for (int i = 0; i < ST_COUNT; i++)
		attrs[i] = defs[i].mono;
}

const struct glyphs *screen_glyphs(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs && (!strcasecmp(cs, "UTF-8") || !strcasecmp(cs, "utf8")) ? &glyphs_utf8
									   : &glyphs_ascii;
}

/* What terminals send for keys their terminfo entry may not list: tmux or
 * screen under TERM=xterm-256color send Home as ESC [ 1 ~ where the entry
 * says ESC O H, and without this the sequence reads as Esc, '[', '1', '~'
 * (view 1). Each is taught to ncurses unless it already means a key. */
static void teach_keys(void)
{
	static const struct {
		const char *seq;
		int key;
	} alt[] = {
		{ "\033[1~", KEY_HOME },  { "\033[7~", KEY_HOME }, { "\033[H", KEY_HOME },
		{ "\033OH", KEY_HOME },   { "\033[4~", KEY_END },  { "\033[8~", KEY_END },
		{ "\033[F", KEY_END },    { "\033OF", KEY_END },   { "\033[5~", KEY_PPAGE },
		{ "\033[6~", KEY_NPAGE }, { "\033[3~", KEY_DC },   { "\033OP", KEY_F(1) },
		{ "\033[11~", KEY_F(1) }, { "\033[[A", KEY_F(1) }, { "\033[A", KEY_UP },
		{ "\033[B", KEY_DOWN },   { "\033[C", KEY_RIGHT }, { "\033[D", KEY_LEFT },
		{ "\033OA", KEY_UP },     { "\033OB", KEY_DOWN },  { "\033OC", KEY_RIGHT },
		{ "\033OD", KEY_LEFT },   { "\033[Z", KEY_BTAB },
	};

	for (size_t i = 0; i < sizeof(alt) / sizeof(*alt); i++)
		if (key_defined(alt[i].seq) == 0)
			define_key(alt[i].seq, alt[i].key);
}

int screen_init(char *err, size_t len)
{
	int term_fd;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(err, len,
			 "the live screen needs a terminal; for scripts use "
			 "'flametop record'");
		return -1;
	}
	/* Esc alone must not wait a second for a sequence that never comes. */
	if (!getenv("ESCDELAY"))
		setenv("ESCDELAY", "25", 1);
	/* ncurses writes to a stream of its own: stdout filters what it is
	 * given (include/safeout.h), escapes included. */
	term_fd = dup(STDOUT_FILENO);
	term_out = term_fd >= 0 ? fdopen(term_fd, "w") : NULL;
	if (!term_out || !(term = newterm(NULL, term_out, stdin))) {
		snprintf(err, len, "cannot initialise the terminal (TERM=%s)",
			 getenv("TERM") ? getenv("TERM") : "");
		if (term_out)
			fclose(term_out);
		else if (term_fd >= 0)
			close(term_fd);
		term_out = NULL;
		return -1;
	}
	set_term(term);
	active = 1;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	teach_keys();
	nodelay(stdscr, TRUE);
	curs_set(0);
	mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	mouseinterval(0);
	setup_colours();
	return 0;
}

void screen_fini(void)
{
	if (active) {
		endwin();
		delscreen(term);
		fclose(term_out);
		term = NULL;
		term_out = NULL;
		active = 0;
	}
}

void screen_size(int *w, int *h) { getmaxyx(stdscr, *h, *w); }

void screen_resized(void) { clearok(curscr, TRUE); }

void screen_flush(const struct surface *s)
{
	wchar_t wc[2] = { 0, 0 };
	cchar_t cc;

	erase();
	for (int y = 0; y < s->h; y++)
		for (int x = 0; x < s->w; x++) {
			const struct cell *c = &s->cells[y * s->w + x];

			if (!c->ch)
				continue; /* the right half of a wide character */
			wc[0] = (wchar_t)c->ch;
			/* The pair goes in its own argument: setcchar ignores
			 * COLOR_PAIR bits in the attributes. */
			setcchar(&cc, wc, attrs[c->style] & ~A_COLOR,
				 (short)PAIR_NUMBER(attrs[c->style]), NULL);
			/* The bottom-right cell: writing it may scroll; ignore. */
			mvadd_wch(y, x, &cc);
		}
	refresh();
}

static struct key mouse_key(void)
{
	MEVENT ev;
	struct key k = { K_NONE, 0, 0 };

	if (getmouse(&ev) != OK)
		return k;
	k.x = ev.x;
	k.y = ev.y;
	if (ev.bstate & BUTTON4_PRESSED)
		k.code = K_WHEEL_UP;
	else if (ev.bstate & BUTTON5_PRESSED)
		k.code = K_WHEEL_DOWN;
	else if (ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED))
		k.code = K_CLICK;
	return k;
}

static uint32_t function_key(wint_t c)
{
	switch (c) {
	case KEY_UP:
		return K_UP;
	case KEY_DOWN:
		return K_DOWN;
	case KEY_LEFT:
		return K_LEFT;
	case KEY_RIGHT:
		return K_RIGHT;
	case KEY_HOME:
		return K_HOME;
	case KEY_END:
		return K_END;
	case KEY_PPAGE:
		return K_PGUP;
	case KEY_NPAGE:
		return K_PGDN;
	case KEY_ENTER:
		return K_ENTER;
	case KEY_BACKSPACE:
		return K_BACKSPACE;
	case KEY_DC:
		return K_DELETE;
	case KEY_BTAB:
		return K_BTAB;
	case KEY_F(1):
		return K_F1;
	case KEY_RESIZE:
		return K_RESIZE;
	default:
		return K_NONE;
	}
}

struct key screen_key(void)
{
	struct key k = { K_NONE, 0, 0 };
	wint_t c;
	int r = get_wch(&c);

	if (r == ERR)
		return k;
	if (r == KEY_CODE_YES) {
		if (c == KEY_MOUSE)
			return mouse_key();
		k.code = function_key(c);
		return k;
	}
	switch (c) {
	case '\r':
	case '\n':
		k.code = K_ENTER;
		break;
	case 0x7f:
	case 0x08:
		k.code = K_BACKSPACE;
		break;
	case 0x1b:
		k.code = K_ESC;
		break;
	case '\t':
		k.code = K_TAB;
		break;
	default:
		k.code = (uint32_t)c;
	}
	return k;
}
