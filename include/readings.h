/* readings — one sentence per pane saying what kind of time or memory it
 * is, with the numbers that decided it: "off-CPU 62 % of wall", "steady
 * growth +150 MiB/min — possible leak".  Shown under the panes and written
 * to the export, so the screen and the YAML say the same thing. */
#ifndef FLAMETOP_READINGS_H
#define FLAMETOP_READINGS_H

#include "timeline.h"

#define READINGS_LIVE_S   5.0  /* the panes read the last few seconds */
#define READINGS_GROWTH_S 60.0 /* memory growth is judged over a minute */

struct readings {
	char cpu[160], memory[160], io[160], gpu[160]; /* "" when nothing to say */
};

/* Over the last WINDOW_S seconds of TL (0: all of it); memory growth over
 * GROWTH_S (0: all of it). */
void readings_make(const struct timeline *tl, double window_s, double growth_s,
		   struct readings *out);

#endif
