/* batch — perf records copied out of the kernel's rings, and put in time
 * order before they reach the model.
 *
 * Each ring is in time order, but the rings of a run (one per CPU or per
 * thread) are not in order with each other: an mmap seen by one thread must
 * come before the samples another thread takes in that code. A batch holds
 * what one pass of the collector took from every ring (records and, beside
 * each Python sample, the interpreter's frames read at that moment);
 * batch_sort orders it by time (ties keep the order they were copied in),
 * as perf's ordered-events does per flush. */
#ifndef FLAMETOP_BATCH_H
#define FLAMETOP_BATCH_H

#include <linux/perf_event.h>
#include <stddef.h>
#include <stdint.h>

struct batch_ent {
	uint64_t time; /* the record's time (0: it has none) */
	uint32_t seq;  /* copy order: ties keep it */
	uint32_t py;   /* 1 + where its Python frames are in PY, or 0 */
	size_t off;    /* where it is in BUF */
};

struct batch {
	uint8_t *buf; /* the records, as the kernel wrote them */
	size_t len, cap;
	struct batch_ent *ents;
	size_t n, ncap;
	size_t pos;   /* the next record to process */
	uint32_t *py; /* packed Python reads (pystack_pack) */
	size_t npy, cappy;
	uint64_t samples;   /* SAMPLE records held */
	uint64_t oom;       /* samples that could not be copied (out of memory) */
	struct batch *next; /* in a queue */
};

struct batch *batch_new(void);
void batch_free(struct batch *b);
/* Empties B; memory beyond a small steady-state size goes back. */
void batch_reset(struct batch *b);
/* Copies record H taken at TIME, with PY_WORDS words of packed Python
 * frames (NULL: none). Returns 0, or -ENOMEM (counted in oom for a sample). */
int batch_add(struct batch *b, const struct perf_event_header *h, uint64_t time,
	      const uint32_t *py_words, size_t npy_words);
/* Bytes B holds: what a queue of batches is bounded by. */
size_t batch_bytes(const struct batch *b);
/* Orders the records by time, ties by copy order (done once, before POS moves). */
void batch_sort(struct batch *b);
/* The record at I (in order after batch_sort); *PY (may be NULL) gets its
 * packed Python frames or NULL. */
const struct perf_event_header *batch_at(const struct batch *b, size_t i, const uint32_t **py);
/* SAMPLE records from POS on: not processed yet. */
uint64_t batch_samples_left(const struct batch *b);

#endif
