/* pview — the profile as a view asks for it: all threads or one, the whole
 * run or its recent (decaying) part, the whole tree or one function's
 * occurrences merged (focus), or the callers of a function (bottom-up).
 *
 * The plain view borrows the live tree; every other is a tree of its own,
 * rebuilt from the profile's per-(thread, leaf) counts.  No view state
 * (selection, folding) lives here: that is the face's. */
#ifndef FLAMETOP_PVIEW_H
#define FLAMETOP_PVIEW_H

#include <stdint.h>
#include <sys/types.h>

#include "profile.h"

#define PVIEW_HALF_LIFE_S 5.0 /* the recent profile forgets half of itself this often */

struct pview_spec {
	pid_t tid;      /* 0: every thread */
	int recent;     /* decayed counts instead of cumulative */
	uint32_t focus; /* frame id whose occurrences are merged, or CTREE_NONE */
	int frozen;     /* a copy, not the live tree (a paused display) */
	int wall;       /* on-CPU samples and off-CPU intervals together, in ns */
};

struct pview {
	struct ctree *tree;
	int owned;
	/* The root's totals. */
	uint64_t samples, weight;
	/* Weight of every sample the thread and time filters admit, focus or
	 * not: what shares are shares of. */
	uint64_t base_weight;
};

/* Builds the view SPEC of P. Returns 0 or -ENOMEM. */
int pview_build(struct pview *v, const struct profile *p, const struct pview_spec *spec);
/* Bottom-up: FRAME at the top, its callers below it, each sample counted
 * once at FRAME's innermost occurrence. */
int pview_callers(struct pview *v, const struct profile *p, const struct pview_spec *spec,
		  uint32_t frame);
void pview_release(struct pview *v);

/* Share of base_weight, in percent. */
double pview_pct(const struct pview *v, uint64_t weight);

#endif
