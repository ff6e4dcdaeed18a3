/* screen — the terminal: the one module that talks to ncurses.  It flushes
 * a surface, turns terminal input into app keys, and chooses colours (256,
 * 8 or none; NO_COLOR honoured) and glyphs (Unicode or ASCII by locale). */
#ifndef FLAMETOP_SCREEN_H
#define FLAMETOP_SCREEN_H

#include "app.h"
#include "surface.h"

/* Takes over the terminal. Returns 0, or -1 with a reason in ERR. */
int screen_init(char *err, size_t len);
void screen_fini(void);
/* The glyph set the terminal's locale can show. */
const struct glyphs *screen_glyphs(void);
void screen_size(int *w, int *h);
/* After K_RESIZE: the next flush repaints the whole terminal. */
void screen_resized(void);
/* Draws S on the terminal. */
void screen_flush(const struct surface *s);
/* The next key without waiting; code K_NONE when there is none. */
struct key screen_key(void);

#endif
