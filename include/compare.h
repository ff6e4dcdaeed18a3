/* compare — two profiles side by side, the second half of the profiling
 * loop: baseline, change one thing, measure again, compare.
 *
 * Each function's share of the samples on both sides (self and total), the
 * change in points, and whether that change is more than sampling alone
 * would give: a two-proportion z-test on the sample counts (the function's
 * samples out of all the side's samples). Where both sides carry their CPU
 * time (flametop exports), each share is also put in milliseconds: a share
 * can grow while the time spent falls. Functions found on one side only are
 * new or vanished. The measured figures of both sides (wall, CPU, memory
 * peak, I/O, off-CPU by reason) are set side by side where present.
 *
 * Functions are matched by name and module; when either side is folded
 * stacks (no modules), by name. */
#ifndef FLAMETOP_COMPARE_H
#define FLAMETOP_COMPARE_H

#include <stddef.h>
#include <stdint.h>

struct saved_report;
struct profile;

enum { CMP_BASE, CMP_AFTER };

struct compare_fn {
	char *name, *module;
	int present[2];
	double self_pct[2], total_pct[2]; /* of each side's weight */
	uint64_t self_n[2], total_n[2];   /* samples */
	double self_ms[2], total_ms[2];   /* share x the side's CPU time; < 0: unknown */
	double z_self, z_total;           /* after against base */
};

struct compare_metric {
	char key[48]; /* wall_time_ms, cpu_time_ms, ..., off_cpu_<reason>_ms */
	double v[2];
	int has[2];
};

#define COMPARE_MAX_METRICS 24

/* One side as compare_build takes it: a profile and its measured figures. */
struct compare_side {
	const struct profile *profile;
	int by_name; /* its stacks carry no modules (folded): match by name */
	struct {
		char key[48];
		double v;
	} m[COMPARE_MAX_METRICS];
	size_t nm;
	/* What it was read from, carried for the faces (compare reads
	 * nothing of it; NULL: none). */
	const struct saved_report *from;
};

/* Adds the figure KEY = V to S. Returns 0, or -1 when S is full or KEY too
 * long. */
int compare_side_metric(struct compare_side *s, const char *key, double v);

struct comparison {
	const struct saved_report *side[2]; /* each side's from */
	const struct profile *profile[2];
	struct compare_fn *fns; /* by the size of the change, largest first */
	size_t n;
	uint64_t samples[2];
	int by_name; /* matched by function name alone */
	int have_ms; /* both sides carry CPU time */
	struct compare_metric m[COMPARE_MAX_METRICS];
	size_t nm;
	/* --fail-if-slower: filled by the face */
	int slower_checked, slower;
	double slower_limit_pct, slower_change_pct;
	const char *slower_metric;
	int slower_per_work; /* the change is per unit of work (--work) */
};

/* Compares BASE and AFTER (their figures, and "samples": each side's
 * sample count). Returns 0 or -ENOMEM. Files are read into sides by
 * saved_compare (saved.h). */
int compare_build(struct comparison *c, const struct compare_side *base,
		  const struct compare_side *after);
void compare_free(struct comparison *c);

/* The z-test's two-sided significance: "**" p < 0.001 (|z| >= 3.29),
 * "*" p < 0.05 (|z| >= 1.96), "" otherwise. */
const char *compare_mark(double z);
/* Two-proportion z of X1/N1 against X2/N2 (pooled); 0 when undefined. */
double compare_z(uint64_t x1, uint64_t n1, uint64_t x2, uint64_t n2);
/* The significance mark of F's change: of the self or the total share,
 * whichever moved more surely (the larger |z|). */
const char *compare_fn_mark(const struct compare_fn *f);
/* M's change from base to after in percent of the base: 0, or -1 when a
 * side lacks it or the base is 0. */
int compare_change_pct(const struct compare_metric *m, double *pct);
/* The metric KEY, or NULL. */
const struct compare_metric *compare_metric(const struct comparison *c, const char *key);
/* How much slower AFTER is than BASE, in percent: CPU time where both sides
 * have it, else wall time, else the sample count (folded stacks of the same
 * rate). Sets *WHICH to the metric's name. */
double compare_slowdown_pct(const struct comparison *c, const char **which);

/* A hypothesis's prediction, in its text after "predicts" (or
 * "prediction:"):
 *   FUNCTION self|total OP N%     the after side's share (OP: < <= > >=)
 *   FUNCTION self|total falls|rises   a significant change (p < 0.05) that way
 *   METRIC OP N          the after side's figure (cpu_time_ms, wall_time_ms,
 *                        memory_peak_mb, io_read_bytes, ..., samples)
 *   METRIC change OP N%  its change from the base
 *   METRIC falls|rises   any change that way
 * Judged from the comparison: *VERDICT 1 (supports) or 2 (rejects) with the
 * figures in EVIDENCE; 0 (open) when the data cannot tell (the function is
 * on neither side, the metric missing, a change not significant). Returns
 * 0 when judged, 1 when TEXT predicts nothing, -EINVAL when the prediction
 * cannot be read (the reason in EVIDENCE). */
int compare_predict(const struct comparison *c, const char *text, int *verdict, char *evidence,
		    size_t len);

#endif
