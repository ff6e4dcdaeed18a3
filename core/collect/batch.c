/* batch — copied records in time order. */
#include "batch.h"

#include "grow.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_KEEP_BYTES (1u << 20) /* a batch bigger than this gives its memory back */

struct batch *batch_new(void) { return calloc(1, sizeof(struct batch)); }

void batch_free(struct batch *b)
{
	if (!b)
		return;
	free(b->buf);
	free(b->ents);
	free(b->py);
	free(b);
}

void batch_reset(struct batch *b)
{
	b->n = b->len = b->pos = b->npy = 0;
	b->samples = b->oom = 0;
	b->next = NULL;
	/* A backlog grows a batch to what the rings held: give that back once
	 * it is processed, so memory returns to the steady state's. */
	if (b->cap > BATCH_KEEP_BYTES) {
		free(b->buf);
		free(b->ents);
		free(b->py);
		b->buf = NULL;
		b->ents = NULL;
		b->py = NULL;
		b->cap = b->ncap = b->cappy = 0;
	}
}

int batch_add(struct batch *b, const struct perf_event_header *h, uint64_t time,
	      const uint32_t *py_words, size_t npy_words)
{
	uint32_t py = 0;

	if (grow_array(&b->buf, &b->cap, b->len + h->size, 1) ||
	    grow_array(&b->ents, &b->ncap, b->n + 1, sizeof(*b->ents)))
		goto oom;
	if (py_words && npy_words) {
		if (grow_array(&b->py, &b->cappy, b->npy + npy_words, sizeof(*b->py)))
			goto oom;
		memcpy(b->py + b->npy, py_words, npy_words * sizeof(*py_words));
		py = (uint32_t)(b->npy + 1);
		b->npy += npy_words;
	}
	memcpy(b->buf + b->len, h, h->size);
	b->ents[b->n] = (struct batch_ent){ time, (uint32_t)b->n, py, b->len };
	b->n++;
	b->len += h->size;
	b->samples += h->type == PERF_RECORD_SAMPLE;
	return 0;
oom:
	b->oom += h->type == PERF_RECORD_SAMPLE;
	return -ENOMEM;
}

size_t batch_bytes(const struct batch *b)
{
	return b->len + b->n * sizeof(*b->ents) + b->npy * sizeof(*b->py);
}

static int cmp_time(const void *a, const void *b)
{
	const struct batch_ent *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

void batch_sort(struct batch *b)
{
	if (b->n > 1)
		qsort(b->ents, b->n, sizeof(*b->ents), cmp_time);
}

const struct perf_event_header *batch_at(const struct batch *b, size_t i, const uint32_t **py)
{
	if (py)
		*py = b->ents[i].py ? b->py + b->ents[i].py - 1 : NULL;
	return (const void *)(b->buf + b->ents[i].off);
}

uint64_t batch_samples_left(const struct batch *b)
{
	uint64_t n = 0;

	if (!b->pos)
		return b->samples;
	for (size_t i = b->pos; i < b->n; i++)
		n += batch_at(b, i, NULL)->type == PERF_RECORD_SAMPLE;
	return n;
}
