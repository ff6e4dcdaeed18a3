/* ledger — the user's hypotheses about a profile, each marked supports,
 * rejects or open, with the evidence seen when it was marked.
 *
 * The snapshot is filled by whoever marks (the screen knows the selected
 * frame; the model knows the numbers); the ledger only keeps it and writes
 * the evidence line it suggests. */
#ifndef FLAMETOP_LEDGER_H
#define FLAMETOP_LEDGER_H

#include <stddef.h>
#include <time.h>

#include "events.h"

enum verdict { VERDICT_OPEN, VERDICT_SUPPORTS, VERDICT_REJECTS };

struct hyp_snapshot {
	int valid;
	char function[256], module[128];
	double self_pct, total_pct; /* of the samples in view */
	double from_s, to_s;        /* the time window, seconds since start */
	int recent;                 /* the window is the recent (decaying) profile */
	double cpu_pct, rss_mib, rss_slope_mib_min;
	int has_slope;
	double read_bps, write_bps;
	size_t nctr;
	char ctr_name[EVENTS_MAX][64];
	double ctr_value[EVENTS_MAX]; /* totals over the window */
};

struct hypothesis {
	unsigned id;
	char *text;
	enum verdict verdict;
	char *evidence; /* NULL until marked or written */
	time_t created_at, marked_at;
	struct hyp_snapshot snap;
};

struct ledger {
	struct hypothesis *v;
	size_t n, cap;
	unsigned next_id;
	unsigned long changes; /* bumped by every change, for whoever keeps it saved */
};

void ledger_init(struct ledger *l);
void ledger_fini(struct ledger *l);
/* Returns the new hypothesis, or NULL on ENOMEM or empty TEXT. */
struct hypothesis *ledger_add(struct ledger *l, const char *text, time_t now);
struct hypothesis *ledger_find(struct ledger *l, unsigned id);
/* Sets the verdict and keeps SNAP; evidence left empty is pre-filled from
 * it. Returns 0 or -ENOMEM. */
int ledger_mark(struct ledger *l, unsigned id, enum verdict v, const struct hyp_snapshot *snap,
		time_t now);
int ledger_set_evidence(struct ledger *l, unsigned id, const char *evidence);
int ledger_set_text(struct ledger *l, unsigned id, const char *text);
int ledger_delete(struct ledger *l, unsigned id);

/* "hash_token 41.3% self, 58.0% total over 0-12 s; CPU 99%; RSS 14.2 MiB". */
void ledger_evidence_line(const struct hyp_snapshot *s, char *buf, size_t len);
const char *verdict_name(enum verdict v);

#endif
