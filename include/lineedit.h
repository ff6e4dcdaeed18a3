/* lineedit — the one-line editor behind every prompt (search, hypothesis,
 * evidence, export path): UTF-8 text as code points, a cursor, and the
 * keys people expect from a shell's line. No terminal in here. */
#ifndef FLAMETOP_LINEEDIT_H
#define FLAMETOP_LINEEDIT_H

#include <stddef.h>
#include <stdint.h>

#define LINEEDIT_MAX 1024 /* code points */

struct lineedit {
	uint32_t cp[LINEEDIT_MAX];
	size_t len, cur;
};

/* Replaces the text with UTF-8 TEXT, cursor at the end. */
void le_set(struct lineedit *e, const char *text);
/* The text as UTF-8 into OUT (truncated to fit LEN, always terminated). */
void le_get(const struct lineedit *e, char *out, size_t len);
/* The same from code point FROM on (a line scrolled to show the cursor). */
void le_get_from(const struct lineedit *e, size_t from, char *out, size_t len);
/* Returns 0, or -1 when the line is full. */
int le_insert(struct lineedit *e, uint32_t cp);
void le_backspace(struct lineedit *e); /* deletes before the cursor */
void le_delete(struct lineedit *e);    /* deletes under the cursor */
void le_left(struct lineedit *e);
void le_right(struct lineedit *e);
void le_home(struct lineedit *e);
void le_end(struct lineedit *e);
void le_kill_line(struct lineedit *e); /* Ctrl-U: the whole line */
void le_kill_word(struct lineedit *e); /* Ctrl-W: the word before the cursor */

#endif
