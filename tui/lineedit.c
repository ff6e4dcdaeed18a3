/* lineedit — a code-point buffer with a cursor. */
#include "lineedit.h"

#include "surface.h"

#include <string.h>

void le_set(struct lineedit *e, const char *text)
{
	size_t n = strlen(text), k;
	uint32_t cp;

	e->len = 0;
	while (e->len < LINEEDIT_MAX && (k = utf8_decode(text, n, &cp))) {
		e->cp[e->len++] = cp;
		text += k;
		n -= k;
	}
	e->cur = e->len;
}

void le_get(const struct lineedit *e, char *out, size_t len) { le_get_from(e, 0, out, len); }

void le_get_from(const struct lineedit *e, size_t from, char *out, size_t len)
{
	size_t w = 0;
	char buf[4];

	if (!len)
		return;
	for (size_t i = from; i < e->len; i++) {
		size_t k = utf8_encode(e->cp[i], buf);

		if (w + k >= len)
			break;
		memcpy(out + w, buf, k);
		w += k;
	}
	out[w] = 0;
}

int le_insert(struct lineedit *e, uint32_t cp)
{
	if (e->len >= LINEEDIT_MAX)
		return -1;
	memmove(&e->cp[e->cur + 1], &e->cp[e->cur], (e->len - e->cur) * sizeof(*e->cp));
	e->cp[e->cur++] = cp;
	e->len++;
	return 0;
}

static void erase(struct lineedit *e, size_t from, size_t to)
{
	memmove(&e->cp[from], &e->cp[to], (e->len - to) * sizeof(*e->cp));
	e->len -= to - from;
	e->cur = from;
}

void le_backspace(struct lineedit *e)
{
	if (e->cur)
		erase(e, e->cur - 1, e->cur);
}

void le_delete(struct lineedit *e)
{
	if (e->cur < e->len)
		erase(e, e->cur, e->cur + 1);
}

void le_left(struct lineedit *e) { e->cur -= e->cur > 0; }
void le_right(struct lineedit *e) { e->cur += e->cur < e->len; }
void le_home(struct lineedit *e) { e->cur = 0; }
void le_end(struct lineedit *e) { e->cur = e->len; }
void le_kill_line(struct lineedit *e) { e->len = e->cur = 0; }

void le_kill_word(struct lineedit *e)
{
	size_t i = e->cur;

	/* As a shell does: spaces before the cursor, then the word. */
	while (i > 0 && e->cp[i - 1] == ' ')
		i--;
	while (i > 0 && e->cp[i - 1] != ' ')
		i--;
	erase(e, i, e->cur);
}
