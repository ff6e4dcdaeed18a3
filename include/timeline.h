/* timeline — the target's process readings turned into per-interval rates:
 * CPU %, RSS, I/O bytes per second; a ring of the last TIMELINE_MAX
 * intervals, and the RSS growth slope by least squares.
 *
 * Fed with target readings by the session at each refresh; read by the
 * panes, the ledger's snapshots and the exports. */
#ifndef FLAMETOP_TIMELINE_H
#define FLAMETOP_TIMELINE_H

#include <stddef.h>

#include "target.h"

#define TIMELINE_MAX      3600
#define TIMELINE_MIN_DT_S 0.2 /* shorter intervals are not points of their own */

struct timeline_point {
	double t_s, dt_s;            /* end of the interval since start, its length */
	double cpu_pct;              /* user + sys over the interval; 100 = one core */
	double user_pct, sys_pct;
	double rss_mib;              /* at the end of the interval */
	double read_bps, write_bps;  /* storage bytes (read_bytes, write_bytes) */
	double rchar_bps, wchar_bps; /* bytes through read/write calls, any file */
	int io_valid;
};

struct timeline {
	struct timeline_point *v;
	size_t head, len; /* ring: v[(head + i) % TIMELINE_MAX] is the i-th oldest */
	struct target_reading prev;
	double prev_t;
	int have_prev;
};

struct timeline *timeline_new(void);
void timeline_free(struct timeline *tl);
/* Closes an interval at T_S seconds with reading R (a first call only
 * remembers R). */
void timeline_add(struct timeline *tl, double t_s, const struct target_reading *r);
size_t timeline_len(const struct timeline *tl);
/* I-th oldest kept point (0 .. len-1); NULL when out of range. */
const struct timeline_point *timeline_at(const struct timeline *tl, size_t i);
const struct timeline_point *timeline_last(const struct timeline *tl);

/* RSS growth over the last WINDOW_S seconds by least squares: MiB per
 * minute and the fit's R². Returns -1 with fewer than 3 points. */
int timeline_rss_slope(const struct timeline *tl, double window_s, double *mib_per_min,
		       double *r2);

#endif
