/* surface — clipped drawing into a cell grid; UTF-8 in, cells out. */
#include "surface.h"

#include "fmt.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

const struct glyphs glyphs_utf8 = {
	.spark = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" },
	.hline = "─",
	.vline = "│",
	.tl = "┌",
	.tr = "┐",
	.bl = "└",
	.br = "┘",
	.open = "▾",
	.closed = "▸",
	.leaf = " ",
	.ellipsis = "…",
};

const struct glyphs glyphs_ascii = {
	.spark = { "_", ".", ",", "-", "=", "+", "*", "#" },
	.hline = "-",
	.vline = "|",
	.tl = "+",
	.tr = "+",
	.bl = "+",
	.br = "+",
	.open = "-",
	.closed = "+",
	.leaf = " ",
	.ellipsis = "~",
};

int surf_resize(struct surface *s, int w, int h)
{
	struct cell *c;

	if (w < 0)
		w = 0;
	if (h < 0)
		h = 0;
	c = calloc((size_t)w * (size_t)h + 1, sizeof(*c));
	if (!c) {
		s->w = s->h = 0;
		return -ENOMEM;
	}
	free(s->cells);
	s->cells = c;
	s->w = w;
	s->h = h;
	if (!s->g)
		s->g = &glyphs_ascii;
	surf_clear(s);
	return 0;
}

void surf_free(struct surface *s)
{
	free(s->cells);
	s->cells = NULL;
	s->w = s->h = 0;
}

void surf_fill(struct surface *s, int x, int y, int w, int h, enum style st)
{
	for (int r = y < 0 ? 0 : y; r < y + h && r < s->h; r++)
		for (int col = x < 0 ? 0 : x; col < x + w && col < s->w; col++)
			s->cells[r * s->w + col] = (struct cell){ ' ', (uint8_t)st };
}

void surf_clear(struct surface *s) { surf_fill(s, 0, 0, s->w, s->h, ST_NORMAL); }

int cp_width(uint32_t cp)
{
	int w;

	if (cp < 0x20 || cp == 0x7f)
		return 1; /* shown as '?' */
	if (cp < 0x7f)
		return 1;
	w = wcwidth((wchar_t)cp);
	return w < 0 ? 1 : w > 2 ? 2 : w == 0 ? 0 : w;
}

int surf_width(const char *text)
{
	size_t n = strlen(text), k;
	uint32_t cp;
	int w = 0;

	while ((k = utf8_decode(text, n, &cp))) {
		w += cp_width(cp);
		text += k;
		n -= k;
	}
	return w;
}

static void put(struct surface *s, int x, int y, uint32_t cp, enum style st)
{
	if (x >= 0 && y >= 0 && x < s->w && y < s->h)
		s->cells[y * s->w + x] = (struct cell){ cp, (uint8_t)st };
}

int surf_text(struct surface *s, int x, int y, int maxw, enum style st, const char *text)
{
	size_t n = strlen(text), k;
	uint32_t cp;
	int used = 0;

	if (y < 0 || y >= s->h)
		return 0;
	if (maxw > s->w - x)
		maxw = s->w - x; /* what lands on the surface is what was written */
	while ((k = utf8_decode(text, n, &cp))) {
		int w = cp_width(cp);

		text += k;
		n -= k;
		if (w == 0)
			continue; /* combining marks: dropped rather than mis-aligned */
		if (used + w > maxw)
			break;
		if (fmt_cp_is_control(cp))
			cp = '?';
		/* A wide character cut by the right edge becomes a space. */
		if (w == 2 && x + used + 1 >= s->w)
			cp = ' ', w = 1;
		put(s, x + used, y, cp, st);
		if (w == 2)
			put(s, x + used + 1, y, 0, st);
		used += w;
	}
	return used;
}

int surf_text_fit(struct surface *s, int x, int y, int maxw, enum style st, const char *text)
{
	int ew = surf_width(s->g->ellipsis);

	if (maxw <= 0)
		return 0;
	if (surf_width(text) <= maxw)
		return surf_text(s, x, y, maxw, st, text);
	if (maxw <= ew)
		return surf_text(s, x, y, maxw, st, text);
	int used = surf_text(s, x, y, maxw - ew, st, text);

	return used + surf_text(s, x + used, y, ew, st, s->g->ellipsis);
}

int surf_printf(struct surface *s, int x, int y, int maxw, enum style st, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return surf_text(s, x, y, maxw, st, buf);
}

void surf_style(struct surface *s, int x, int y, int w, enum style st)
{
	if (y < 0 || y >= s->h)
		return;
	for (int c = x < 0 ? 0 : x; c < x + w && c < s->w; c++)
		s->cells[y * s->w + c].style = (uint8_t)st;
}

void surf_box(struct surface *s, int x, int y, int w, int h, const char *title)
{
	const struct glyphs *g = s->g;

	if (w < 2 || h < 2)
		return;
	for (int c = x + 1; c < x + w - 1; c++) {
		surf_text(s, c, y, 1, ST_BORDER, g->hline);
		surf_text(s, c, y + h - 1, 1, ST_BORDER, g->hline);
	}
	for (int r = y + 1; r < y + h - 1; r++) {
		surf_text(s, x, r, 1, ST_BORDER, g->vline);
		surf_text(s, x + w - 1, r, 1, ST_BORDER, g->vline);
	}
	surf_text(s, x, y, 1, ST_BORDER, g->tl);
	surf_text(s, x + w - 1, y, 1, ST_BORDER, g->tr);
	surf_text(s, x, y + h - 1, 1, ST_BORDER, g->bl);
	surf_text(s, x + w - 1, y + h - 1, 1, ST_BORDER, g->br);
	if (title && w > 4)
		surf_text_fit(s, x + 1, y, w - 2, ST_TITLE, title);
}

const struct cell *surf_at(const struct surface *s, int x, int y)
{
	return x >= 0 && y >= 0 && x < s->w && y < s->h ? &s->cells[y * s->w + x] : NULL;
}

void surf_dump(const struct surface *s, FILE *f)
{
	char buf[4];

	for (int y = 0; y < s->h; y++) {
		for (int x = 0; x < s->w; x++) {
			uint32_t cp = s->cells[y * s->w + x].ch;

			if (cp)
				fwrite(buf, 1, utf8_encode(cp, buf), f);
		}
		fputc('\n', f);
	}
}

enum style surf_diff_style(double delta, int is_new)
{
	double m = fabs(delta);

	if (is_new)
		return ST_DIFF_UP3;
	if (m < 0.5)
		return ST_DIFF_SAME;
	if (delta > 0)
		return m < 2 ? ST_DIFF_UP1 : m < 10 ? ST_DIFF_UP2 : ST_DIFF_UP3;
	return m < 2 ? ST_DIFF_DOWN1 : m < 10 ? ST_DIFF_DOWN2 : ST_DIFF_DOWN3;
}
