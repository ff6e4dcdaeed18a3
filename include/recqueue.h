/* recqueue — the bounded queue of record batches between the collector
 * (which only copies the kernel's rings) and the analysis (which unwinds,
 * symbolizes and builds the model, and may fall behind).
 *
 * Bounded in bytes: a batch counts from the moment it is pushed until the
 * analysis gives it back with recqueue_done, so the bound is on all the
 * memory records wait in. The collector asks recqueue_room before copying
 * a sample; past the bound samples are dropped, and counted, by it. An
 * eventfd is readable while a batch waits, for the analysis's poll. */
#ifndef FLAMETOP_RECQUEUE_H
#define FLAMETOP_RECQUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "batch.h"

#define RECQUEUE_DEFAULT_MB 256 /* --queue-mb's default: see docs/benchmarks.md */

struct recqueue_stats {
	size_t limit;             /* bytes */
	size_t bytes, peak;       /* held now, at most */
	size_t waiting;           /* batches pushed and not yet popped */
	uint64_t waiting_samples; /* their samples */
	uint64_t pushed;          /* batches, all told */
};

struct recqueue;

/* A queue of at most LIMIT bytes (0: RECQUEUE_DEFAULT_MB). NULL on ENOMEM. */
struct recqueue *recqueue_new(size_t limit);
/* Frees it and every batch still in it. */
void recqueue_free(struct recqueue *q);
/* Readable while a batch waits. */
int recqueue_fd(const struct recqueue *q);
/* BYTES more (beside HELD, in a batch not yet pushed) stay within the bound. */
int recqueue_room(struct recqueue *q, size_t held, size_t bytes);
/* Appends B (the queue owns it until popped). */
void recqueue_push(struct recqueue *q, struct batch *b);
/* The oldest batch, or NULL when none waits. */
struct batch *recqueue_pop(struct recqueue *q);
/* The analysis is done with B (popped): its bytes leave the bound; B is
 * kept for reuse or freed. */
void recqueue_done(struct recqueue *q, struct batch *b);
/* An empty batch: one given back, else a new one (NULL on ENOMEM). */
struct batch *recqueue_empty(struct recqueue *q);
void recqueue_get_stats(struct recqueue *q, struct recqueue_stats *out);

#endif
