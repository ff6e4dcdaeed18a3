/* timeline — the target's process readings turned into per-interval rates:
 * CPU %, RSS, I/O bytes per second; a ring of the last TIMELINE_MAX
 * intervals, and the RSS growth slope by least squares.
 *
 * Fed with target readings by the session at each refresh; read by the
 * panes, the ledger's snapshots and the exports. */
#ifndef FLAMETOP_TIMELINE_H
#define FLAMETOP_TIMELINE_H

#include <stddef.h>

#include "gpu.h"
#include "target.h"

#define TIMELINE_MAX      3600
#define TIMELINE_MIN_DT_S 0.2 /* shorter intervals are not points of their own */

struct timeline_point {
	double t_s, dt_s; /* end of the interval since start, its length */
	double cpu_pct;   /* user + sys over the interval; 100 = one core */
	double user_pct, sys_pct;
	double rss_mib;              /* at the end of the interval */
	double read_bps, write_bps;  /* storage bytes (read_bytes, write_bytes) */
	double rchar_bps, wchar_bps; /* bytes through read/write calls, any file */
	double syscr_ps, syscw_ps;   /* read and write calls per second */
	int io_valid;
	double pss_mib, swap_mib; /* at the end of the interval, when readable */
	int rollup_valid;
	double vcsw_ps, ivcsw_ps; /* voluntary, involuntary context switches/s */
	long threads;
	long busy_threads;   /* that ran (>= 1 % of a core); 0: not known */
	double off_cpu_pct;  /* of the busy (else live) threads' wall time, not on a CPU */
	double runnable_pct; /* of it, preempted: runnable, waiting for a CPU */
	int gpu_valid;       /* the GPU reader's values at the end */
	double gpu_util_pct; /* -1: not reported */
	double gpu_mem_mib, gpu_mem_total_mib;
	double proc_gpu_mem_mib; /* the target's own; -1: no context */
	double proc_gpu_pct;     /* -1: not reported */
};

/* Averages over a window, for readings and the export's baseline. */
struct timeline_sum {
	double span_s; /* seconds covered */
	double cpu_pct, user_pct, sys_pct;
	double read_bps, write_bps, rchar_bps, wchar_bps, syscr_ps, syscw_ps;
	double vcsw_ps, ivcsw_ps;
	double threads;      /* mean live threads */
	double off_cpu_pct;  /* of the threads' wall time, not on a CPU */
	double runnable_pct; /* of it, preempted (waiting for a CPU) */
	int io_valid;
};

/* Memory growth: the least-squares line through RSS over a window. */
struct timeline_growth {
	double mib_per_min, r2, span_s;
	int leak; /* steady growth: positive, good fit, long enough */
};

#define TIMELINE_LEAK_MIN_S     20.0 /* a climb shorter than this is not "steady" */
#define TIMELINE_LEAK_MIN_R2    0.9
#define TIMELINE_LEAK_MIN_SLOPE 0.5 /* MiB/min: below it, allocator noise */

struct timeline {
	struct timeline_point *v;
	size_t head, len; /* ring: v[(head + i) % TIMELINE_MAX] is the i-th oldest */
	struct target_reading prev;
	double prev_t;
	int have_prev;
};

struct timeline *timeline_new(void);
void timeline_free(struct timeline *tl);
/* Closes an interval at T_S seconds with reading R and the GPU's G (NULL:
 * none); a first call only remembers R. */
void timeline_add(struct timeline *tl, double t_s, const struct target_reading *r,
		  const struct gpu_reading *g);
/* Appends a point as it is (a saved timeline read back). */
void timeline_push(struct timeline *tl, const struct timeline_point *pt);
size_t timeline_len(const struct timeline *tl);
/* I-th oldest kept point (0 .. len-1); NULL when out of range. */
const struct timeline_point *timeline_at(const struct timeline *tl, size_t i);
const struct timeline_point *timeline_last(const struct timeline *tl);

/* RSS growth over the last WINDOW_S seconds (0: everything kept) by least
 * squares: MiB per minute, the fit's R², the span and the leak flag.
 * Returns -1 with fewer than 3 points. */
int timeline_growth(const struct timeline *tl, double window_s, struct timeline_growth *g);
/* Means over the last WINDOW_S seconds (0: everything kept); -1 if empty. */
int timeline_summary(const struct timeline *tl, double window_s, struct timeline_sum *sum);

#endif
