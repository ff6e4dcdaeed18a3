/* recqueue — batches from the collector to the analysis, bounded. */
#include "recqueue.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define SPARE_MAX 4 /* empty batches kept for reuse */

struct recqueue {
	pthread_mutex_t lock;
	struct batch *head, *tail;
	struct batch *spare[SPARE_MAX];
	size_t nspare;
	int efd;
	struct recqueue_stats st;
};

struct recqueue *recqueue_new(size_t limit)
{
	struct recqueue *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	q->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->efd < 0) {
		free(q);
		return NULL;
	}
	pthread_mutex_init(&q->lock, NULL);
	q->st.limit = limit ? limit : (size_t)RECQUEUE_DEFAULT_MB << 20;
	return q;
}

void recqueue_free(struct recqueue *q)
{
	struct batch *b, *next;

	if (!q)
		return;
	for (b = q->head; b; b = next) {
		next = b->next;
		batch_free(b);
	}
	for (size_t i = 0; i < q->nspare; i++)
		batch_free(q->spare[i]);
	close(q->efd);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

int recqueue_fd(const struct recqueue *q) { return q->efd; }

int recqueue_room(struct recqueue *q, size_t held, size_t bytes)
{
	int ok;

	pthread_mutex_lock(&q->lock);
	ok = q->st.bytes + held + bytes <= q->st.limit;
	pthread_mutex_unlock(&q->lock);
	return ok;
}

void recqueue_push(struct recqueue *q, struct batch *b)
{
	uint64_t one = 1;

	b->next = NULL;
	pthread_mutex_lock(&q->lock);
	if (q->tail)
		q->tail->next = b;
	else
		q->head = b;
	q->tail = b;
	q->st.bytes += batch_bytes(b);
	if (q->st.bytes > q->st.peak)
		q->st.peak = q->st.bytes;
	q->st.waiting++;
	q->st.waiting_samples += b->samples;
	q->st.pushed++;
	pthread_mutex_unlock(&q->lock);
	if (write(q->efd, &one, sizeof(one)) < 0) {
		/* the counter is far from full: nothing to do */
	}
}

struct batch *recqueue_pop(struct recqueue *q)
{
	struct batch *b;
	uint64_t v;

	pthread_mutex_lock(&q->lock);
	if ((b = q->head)) {
		q->head = b->next;
		if (!q->head)
			q->tail = NULL;
		b->next = NULL;
		q->st.waiting--;
		q->st.waiting_samples -= b->samples;
	}
	/* Cleared under the lock: a push after this sets it again. */
	if (!q->head && read(q->efd, &v, sizeof(v)) < 0) {
		/* nothing was signalled */
	}
	pthread_mutex_unlock(&q->lock);
	return b;
}

void recqueue_done(struct recqueue *q, struct batch *b)
{
	size_t bytes = batch_bytes(b);

	batch_reset(b);
	pthread_mutex_lock(&q->lock);
	q->st.bytes -= bytes <= q->st.bytes ? bytes : q->st.bytes;
	if (q->nspare < SPARE_MAX) {
		q->spare[q->nspare++] = b;
		b = NULL;
	}
	pthread_mutex_unlock(&q->lock);
	batch_free(b);
}

struct batch *recqueue_empty(struct recqueue *q)
{
	struct batch *b = NULL;

	pthread_mutex_lock(&q->lock);
	if (q->nspare)
		b = q->spare[--q->nspare];
	pthread_mutex_unlock(&q->lock);
	return b ? b : batch_new();
}

void recqueue_get_stats(struct recqueue *q, struct recqueue_stats *out)
{
	pthread_mutex_lock(&q->lock);
	*out = q->st;
	pthread_mutex_unlock(&q->lock);
}
