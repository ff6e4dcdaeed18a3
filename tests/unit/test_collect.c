/* Collection apart from analysis: batches in time order, the bounded queue
 * between the threads, and the collector thread on hand-built rings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "batch.h"
#include "collector.h"
#include "perf_records.h"
#include "recqueue.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define ST   (PERF_SAMPLE_TID | PERF_SAMPLE_TIME)
#define DATA 65536

struct sample_rec {
	struct perf_event_header h;
	uint32_t pid, tid;
	uint64_t time;
};

struct comm_rec {
	struct perf_event_header h;
	uint32_t pid, tid;
	char comm[8];
	uint32_t id_pid, id_tid; /* sample_id trailer */
	uint64_t time;
};

static struct sample_rec sample(uint32_t tid, uint64_t time)
{
	return (struct sample_rec){
		{ PERF_RECORD_SAMPLE, 0, sizeof(struct sample_rec) }, 7, tid, time
	};
}

static struct comm_rec comm(uint32_t tid, uint64_t time)
{
	struct comm_rec c = {
		{ PERF_RECORD_COMM, 0, sizeof(struct comm_rec) }, 7, tid, "w", 7, tid, time
	};

	return c;
}

static uint64_t time_of(const struct perf_event_header *h)
{
	struct perf_rec r;

	assert_int_equal(perf_rec_decode(h, ST, &r), 0);
	return r.time;
}

/* Two rings, each in order, interleaved in time: the batch comes out by
 * time, a tie keeping the order copied, each Python read with its record. */
static void batch_orders_records_of_many_rings_by_time(void **state)
{
	struct batch *b = batch_new();
	struct sample_rec a1 = sample(1, 100), a2 = sample(1, 300), b1 = sample(2, 200),
			  b2 = sample(2, 300);
	struct comm_rec c = comm(2, 50);
	uint32_t py[5] = { 1, 1, 0, 0, 42 };
	const uint32_t *got;

	(void)state;
	assert_non_null(b);
	assert_int_equal(batch_add(b, &a1.h, 100, NULL, 0), 0);
	assert_int_equal(batch_add(b, &a2.h, 300, py, 5), 0);
	assert_int_equal(batch_add(b, &c.h, 50, NULL, 0), 0);
	assert_int_equal(batch_add(b, &b1.h, 200, NULL, 0), 0);
	assert_int_equal(batch_add(b, &b2.h, 300, NULL, 0), 0);
	assert_int_equal(b->samples, 4);
	batch_sort(b);
	assert_int_equal(time_of(batch_at(b, 0, NULL)), 50);
	assert_int_equal(batch_at(b, 0, NULL)->type, PERF_RECORD_COMM);
	assert_int_equal(time_of(batch_at(b, 1, NULL)), 100);
	assert_int_equal(time_of(batch_at(b, 2, NULL)), 200);
	/* the tie at 300: ring a's (copied first) before ring b's */
	assert_int_equal(time_of(batch_at(b, 3, &got)), 300);
	assert_non_null(got);
	assert_int_equal(got[4], 42);
	assert_int_equal(((const struct sample_rec *)batch_at(b, 3, NULL))->tid, 1);
	assert_int_equal(((const struct sample_rec *)batch_at(b, 4, &got))->tid, 2);
	assert_null(got);
	b->pos = 3;
	assert_int_equal(batch_samples_left(b), 2);
	batch_free(b);
}

static struct batch *batch_of(struct recqueue *q, int nsamples, uint64_t t0)
{
	struct batch *b = recqueue_empty(q);

	for (int i = 0; i < nsamples; i++) {
		struct sample_rec s = sample(1, t0 + (uint64_t)i);

		assert_int_equal(batch_add(b, &s.h, s.time, NULL, 0), 0);
	}
	return b;
}

static int readable(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return poll(&p, 1, 0) == 1;
}

/* First in, first out; readable while a batch waits; a batch's bytes count
 * until the analysis is done with it; the bound says no past the limit. */
static void queue_is_bounded_and_wakes_the_analysis(void **state)
{
	struct recqueue *q = recqueue_new(4096);
	struct recqueue_stats st;
	struct batch *x, *y, *got;
	size_t bx, by;

	(void)state;
	assert_non_null(q);
	assert_false(readable(recqueue_fd(q)));
	x = batch_of(q, 10, 1000);
	y = batch_of(q, 20, 2000);
	bx = batch_bytes(x);
	by = batch_bytes(y);
	assert_true(recqueue_room(q, 0, 4096));
	assert_false(recqueue_room(q, 0, 4097));
	recqueue_push(q, x);
	assert_true(readable(recqueue_fd(q)));
	assert_false(recqueue_room(q, 0, 4096 - bx + 1));
	assert_true(recqueue_room(q, 0, 4096 - bx));
	/* what a batch not yet pushed holds counts too */
	assert_false(recqueue_room(q, 4096 - bx, 1));
	recqueue_push(q, y);
	recqueue_get_stats(q, &st);
	assert_int_equal(st.waiting, 2);
	assert_int_equal(st.waiting_samples, 30);
	assert_int_equal(st.bytes, bx + batch_bytes(y));
	got = recqueue_pop(q);
	assert_ptr_equal(got, x);
	assert_true(readable(recqueue_fd(q)));
	recqueue_get_stats(q, &st);
	assert_int_equal(st.waiting_samples, 20);
	assert_int_equal(st.bytes, bx + batch_bytes(y)); /* still being analysed */
	recqueue_done(q, got);
	recqueue_get_stats(q, &st);
	assert_int_equal(st.bytes, batch_bytes(y));
	assert_ptr_equal(recqueue_pop(q), y);
	assert_false(readable(recqueue_fd(q)));
	assert_null(recqueue_pop(q));
	recqueue_done(q, y);
	recqueue_get_stats(q, &st);
	assert_int_equal(st.bytes, 0);
	assert_int_equal(st.peak, bx + by);
	recqueue_free(q);
}

struct fake_ring {
	uint8_t *mem;
	struct perf_ring ring;
	uint64_t head;
	int fd;
};

static void fake_init(struct fake_ring *f)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	f->mem = calloc(1, page + DATA);
	ring_attach(&f->ring, f->mem, DATA);
	f->head = 0;
	f->fd = eventfd(0, EFD_NONBLOCK);
}

static void fake_put(struct fake_ring *f, const void *rec, size_t n)
{
	for (size_t i = 0; i < n; i++)
		f->ring.data[(f->head + i) % DATA] = ((const uint8_t *)rec)[i];
	f->head += n;
	__atomic_store_n(&f->ring.meta->data_head, f->head, __ATOMIC_RELEASE);
}

static void fake_fini(struct fake_ring *f)
{
	close(f->fd);
	free(f->mem);
}

/* The collector copies two rings into the queue; past the queue's bound
 * samples are dropped and counted, the records the model needs kept. */
static void collector_drops_samples_past_the_bound_and_keeps_the_rest(void **state)
{
	struct fake_ring r[2];
	struct collector_source src[2];
	struct recqueue *q =
	    recqueue_new(40 * (sizeof(struct sample_rec) + sizeof(struct batch_ent)));
	struct collector_config cfg = { .src = src, .nsrc = 2, .sample_type = ST };
	struct collector_stats st;
	struct collector *c;
	struct batch *b;
	char err[256];
	uint64_t samples = 0, comms = 0, last = 0, one = 1;
	int ordered = 1;

	(void)state;
	for (int i = 0; i < 2; i++) {
		fake_init(&r[i]);
		src[i] = (struct collector_source){ &r[i].ring, r[i].fd };
	}
	/* 100 samples in each ring, a comm every tenth: 20 comms */
	for (uint64_t t = 0; t < 100; t++) {
		for (int i = 0; i < 2; i++) {
			struct sample_rec s = sample((uint32_t)i + 1, 1000 + 2 * t + (uint64_t)i);

			if (t % 10 == 0) {
				struct comm_rec cm = comm((uint32_t)i + 1, s.time);

				fake_put(&r[i], &cm, sizeof(cm));
			}
			fake_put(&r[i], &s, sizeof(s));
		}
	}
	c = collector_start(&cfg, q, err, sizeof(err));
	assert_non_null(c);
	for (int i = 0; i < 2; i++)
		assert_int_equal(write(r[i].fd, &one, sizeof(one)), sizeof(one));
	collector_stop(c); /* takes what the rings hold, then ends */
	collector_get_stats(c, &st);
	while ((b = recqueue_pop(q))) {
		batch_sort(b);
		for (size_t i = 0; i < b->n; i++) {
			const struct perf_event_header *h = batch_at(b, i, NULL);

			samples += h->type == PERF_RECORD_SAMPLE;
			comms += h->type == PERF_RECORD_COMM;
			ordered &= time_of(h) >= last;
			last = time_of(h);
		}
		last = 0;
		recqueue_done(q, b);
	}
	assert_int_equal(comms, 20);
	assert_true(ordered);
	assert_true(samples > 0 && samples <= 40);
	assert_int_equal(st.samples, samples);
	assert_int_equal(samples + st.queue_dropped, 200);
	assert_int_equal(st.records, samples + comms);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(ring_pending(&r[i].ring), 0);
		fake_fini(&r[i]);
	}
	collector_free(c);
	recqueue_free(q);
}

/* Room in the queue: nothing is dropped, every sample arrives once. */
static void collector_hands_over_everything_while_running(void **state)
{
	struct fake_ring r;
	struct collector_source src;
	struct recqueue *q = recqueue_new(0);
	struct collector_config cfg = { .src = &src, .nsrc = 1, .sample_type = ST };
	struct collector_stats st;
	struct collector *c;
	struct batch *b;
	char err[256];
	uint64_t samples = 0, one = 1;
	struct pollfd p;

	(void)state;
	fake_init(&r);
	src = (struct collector_source){ &r.ring, r.fd };
	c = collector_start(&cfg, q, err, sizeof(err));
	assert_non_null(c);
	for (uint64_t t = 0; t < 500; t++) {
		struct sample_rec s = sample(1, t + 1);

		fake_put(&r, &s, sizeof(s));
		if (t % 100 == 99) {
			assert_int_equal(write(r.fd, &one, sizeof(one)), sizeof(one));
			usleep(2000);
		}
	}
	/* handed over within its period, without being stopped */
	p = (struct pollfd){ recqueue_fd(q), POLLIN, 0 };
	assert_int_equal(poll(&p, 1, 2000), 1);
	collector_stop(c);
	while ((b = recqueue_pop(q))) {
		samples += b->samples;
		recqueue_done(q, b);
	}
	collector_get_stats(c, &st);
	assert_int_equal(samples, 500);
	assert_int_equal(st.queue_dropped, 0);
	collector_free(c);
	fake_fini(&r);
	recqueue_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(batch_orders_records_of_many_rings_by_time),
		cmocka_unit_test(queue_is_bounded_and_wakes_the_analysis),
		cmocka_unit_test(collector_drops_samples_past_the_bound_and_keeps_the_rest),
		cmocka_unit_test(collector_hands_over_everything_while_running),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
