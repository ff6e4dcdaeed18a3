/* counting — what the counted events say: totals scaled for multiplexing,
 * the change each sample brings (charged to its call stack), per-interval
 * values kept as a time series, and the derived metrics (IPC, miss rates).
 *
 * Fed with group reads (struct group_read) by the session; read by exports
 * and, later, the counters pane. */
#ifndef FLAMETOP_COUNTING_H
#define FLAMETOP_COUNTING_H

#include <stddef.h>
#include <stdint.h>

#include "events.h"
#include "perf_records.h"
#include "u64map.h"

#define COUNTING_SERIES_MAX 3600 /* intervals kept: an hour at 1 s */

struct counting_point {
	double t_s;               /* end of the interval, seconds since start */
	double dt_s;              /* its length */
	double value[EVENTS_MAX]; /* scaled change over the interval */
	double enabled_pct;       /* share of the interval the group was counting */
};

struct counting_derived {
	double ipc, cache_miss_pct, branch_miss_pct; /* valid when has_* */
	int has_ipc, has_cache, has_branch;
};

struct counting {
	size_t n, ncpus;
	char name[EVENTS_MAX][64];
	enum event_role role[EVENTS_MAX];
	/* totals, as of the last counting_set_totals */
	double total[EVENTS_MAX];
	uint64_t enabled, running;
	int have_totals;
	/* the previous group read of each (thread, CPU), for sample deltas */
	struct u64map prev_index;
	struct group_read *prev;
	size_t nprev, cap_prev;
	/* the series: a ring of the last COUNTING_SERIES_MAX intervals */
	struct counting_point *series;
	size_t head, len;
	double mark_t, mark_total[EVENTS_MAX];
	uint64_t mark_enabled, mark_running;
};

/* For the N events of GROUP, leader first, opened on NCPUS CPUs per task. */
struct counting *counting_new(const struct event_spec *group, size_t n, size_t ncpus);
void counting_free(struct counting *c);

/* VALUE counted while the group ran RUNNING of ENABLED ns, scaled to the
 * whole of ENABLED (the kernel multiplexes groups that do not all fit). */
double counting_scale(uint64_t value, uint64_t enabled, uint64_t running);

/* A sample from thread TID on CPU carried NOW. Writes into DELTA the change
 * of each event since that thread's previous sample on that CPU (all of NOW
 * for its first). Not scaled: the leader samples only while its group
 * counts, so the change belongs wholly to the samples taken, and ratios
 * within the group (IPC) are exact. Returns 0, or -ENOMEM / -EINVAL (DELTA
 * untouched). */
int counting_sample(struct counting *c, uint32_t tid, uint32_t cpu, const struct group_read *now,
		    uint64_t *delta);

/* Replaces the totals with the sum of N leader reads, scaled for
 * multiplexing.  Each task has one group per CPU, all enabled together, so a
 * task's enabled time is the sum over its groups divided by NCPUS, and the
 * time it was counted is the sum of their running times: a group only runs
 * on its own CPU, which is not multiplexing. */
void counting_set_totals(struct counting *c, const struct group_read *reads, size_t n);
/* Closes an interval at T_S (seconds since start): its change since the
 * previous tick joins the series. */
void counting_tick(struct counting *c, double t_s);
/* The I-th point of the series, oldest first. */
const struct counting_point *counting_point_at(const struct counting *c, size_t i);
/* Share of the time the group counted, over the whole run, in percent. */
double counting_enabled_pct(const struct counting *c);

/* IPC and miss rates from VALUES (totals, one interval, one call-tree node),
 * where the group has the events they need and the denominator is not 0. */
void counting_derive(const struct counting *c, const double *values, struct counting_derived *out);
/* The index of the event playing ROLE, or -1. */
int counting_find(const struct counting *c, enum event_role role);

#endif
