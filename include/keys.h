/* keys — a key press as the screen hands it to the app and its views. */
#ifndef FLAMETOP_KEYS_H
#define FLAMETOP_KEYS_H

#include <stdint.h>

/* Keys as the app sees them: a Unicode code point, or one of these. */
enum {
	K_NONE = 0,
	K_CTRL_U = 0x15,
	K_CTRL_W = 0x17,
	K_UP = 0x110000,
	K_DOWN,
	K_LEFT,
	K_RIGHT,
	K_HOME,
	K_END,
	K_PGUP,
	K_PGDN,
	K_ENTER,
	K_BACKSPACE,
	K_DELETE,
	K_ESC,
	K_TAB,
	K_BTAB,
	K_F1,
	K_RESIZE,
	K_CLICK,      /* x, y: a left click */
	K_WHEEL_UP,   /* x, y */
	K_WHEEL_DOWN, /* x, y */
};

struct key {
	uint32_t code;
	int x, y;
};

#endif
