/* readings — one sentence per pane saying what kind of time or memory it
 * is, with the numbers that decided it: "off-CPU 62 % of wall", "steady
 * growth +150 MiB/min — possible leak".  Shown under the panes and written
 * to the export, so the screen and the YAML say the same thing: both over
 * the whole run, the CPU line from the one share of the threads' time
 * (classify_share) that the verdict and the hypotheses print too. */
#ifndef FLAMETOP_READINGS_H
#define FLAMETOP_READINGS_H

#include "classify.h"
#include "timeline.h"

struct readings {
	char cpu[160], memory[160], io[160], gpu[160]; /* "" when nothing to say */
	/* the figures the lines were made from, for the panes */
	int has_share;
	struct classify_share share;
	int has_growth;
	struct timeline_growth growth;
};

/* Over the whole of TL; the CPU line from SH (NULL: /proc's figures). */
void readings_make(const struct timeline *tl, const struct classify_share *sh,
		   struct readings *out);

#endif
