/* Ring-buffer draining and record decoding on hand-built buffers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "perf_records.h"
#include "perf_ring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DATA 4096

struct fake {
	uint8_t *mem;
	struct perf_ring ring;
};

static void fake_init(struct fake *f)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	f->mem = calloc(1, page + DATA);
	ring_attach(&f->ring, f->mem, DATA);
}

/* Writes BYTES at the ring's logical position POS (wrapping), as the kernel would. */
static void put(struct fake *f, uint64_t pos, const void *bytes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		f->ring.data[(pos + i) % DATA] = ((const uint8_t *)bytes)[i];
}

struct seen {
	int n;
	uint16_t sizes[16];
	uint8_t first_payload[16];
};

static int on_rec(const struct perf_event_header *h, void *arg)
{
	struct seen *s = arg;

	s->sizes[s->n] = h->size;
	s->first_payload[s->n] = ((const uint8_t *)(h + 1))[0];
	s->n++;
	return 0;
}

static void drains_wrapped_record(void **state)
{
	struct fake f;
	struct seen s = { 0 };
	uint8_t rec[48];
	struct perf_event_header *h = (void *)rec;
	uint64_t start = DATA - 16; /* the record straddles the end */

	(void)state;
	fake_init(&f);
	memset(rec, 0xab, sizeof(rec));
	h->type = PERF_RECORD_SAMPLE;
	h->size = sizeof(rec);
	rec[8] = 0x42;
	put(&f, start, rec, sizeof(rec));
	f.ring.meta->data_tail = start;
	f.ring.meta->data_head = start + sizeof(rec);
	assert_int_equal(ring_pending(&f.ring), 48);
	assert_int_equal(ring_drain(&f.ring, 0, on_rec, &s), 1);
	assert_int_equal(s.sizes[0], 48);
	assert_int_equal(s.first_payload[0], 0x42);
	assert_int_equal(f.ring.meta->data_tail, start + 48);
	assert_int_equal(ring_pending(&f.ring), 0);
	free(f.mem);
}

static void corrupt_size_is_skipped(void **state)
{
	struct fake f;
	struct seen s = { 0 };
	struct perf_event_header h = { PERF_RECORD_SAMPLE, 0, 4 }; /* smaller than a header */

	(void)state;
	fake_init(&f);
	put(&f, 0, &h, sizeof(h));
	f.ring.meta->data_head = 64;
	assert_int_equal(ring_drain(&f.ring, 0, on_rec, &s), -EBADMSG);
	assert_int_equal(s.n, 0);
	assert_int_equal(f.ring.meta->data_tail, 64); /* never stuck on it */
	free(f.mem);
}

static void drain_respects_byte_budget(void **state)
{
	struct fake f;
	struct seen s = { 0 };
	struct perf_event_header h = { PERF_RECORD_SAMPLE, 0, 32 };

	(void)state;
	fake_init(&f);
	for (int i = 0; i < 4; i++)
		put(&f, (uint64_t)i * 32, &h, sizeof(h));
	f.ring.meta->data_head = 128;
	assert_int_equal(ring_drain(&f.ring, 64, on_rec, &s), 2);
	assert_int_equal(ring_pending(&f.ring), 64);
	assert_int_equal(ring_drain(&f.ring, 0, on_rec, &s), 2);
	free(f.mem);
}

static void decodes_sample_with_callchain(void **state)
{
	uint64_t buf[16];
	struct perf_event_header *h = (void *)buf;
	struct perf_rec r;
	uint64_t *p = buf + 1;

	(void)state;
	*p++ = 0x401000;              /* ip */
	*p++ = (uint64_t)7 << 32 | 5; /* pid 5, tid 7 */
	*p++ = 123456;                /* time */
	*p++ = 1;                     /* cpu 1, res 0 */
	*p++ = 250000;                /* period */
	*p++ = 3;                     /* nr */
	*p++ = (uint64_t)PERF_CONTEXT_USER;
	*p++ = 0x401000;
	*p++ = 0x402000;
	h->type = PERF_RECORD_SAMPLE;
	h->misc = PERF_RECORD_MISC_USER;
	h->size = (uint16_t)((uint8_t *)p - (uint8_t *)buf);
	assert_int_equal(perf_rec_decode(h, PERF_RECS_SAMPLE_TYPE, &r), 0);
	assert_int_equal(r.pid, 5);
	assert_int_equal(r.tid, 7);
	assert_int_equal(r.time, 123456);
	assert_int_equal(r.sample.cpu, 1);
	assert_int_equal(r.sample.period, 250000);
	assert_int_equal(r.sample.nr, 3);
	assert_int_equal(r.sample.ips[2], 0x402000);
	/* The collector's look reads the same pid, tid and time. */
	memset(&r, 0xff, sizeof(r));
	assert_int_equal(perf_rec_peek(h, PERF_RECS_SAMPLE_TYPE, &r), 0);
	assert_int_equal(r.type, PERF_RECORD_SAMPLE);
	assert_int_equal(r.pid, 5);
	assert_int_equal(r.tid, 7);
	assert_int_equal(r.time, 123456);
	assert_int_equal(r.id, 0);
	/* ... and is refused where the record ends before them. */
	h->size = (uint16_t)(sizeof(*h) + 16);
	assert_int_equal(perf_rec_peek(h, PERF_RECS_SAMPLE_TYPE, &r), -EBADMSG);
	assert_int_equal(perf_rec_peek(h, PERF_RECS_SAMPLE_TYPE | PERF_SAMPLE_BRANCH_STACK, &r),
			 -ENOTSUP);
	h->size = (uint16_t)((uint8_t *)p - (uint8_t *)buf);
	/* A chain longer than the record is refused, not read past the end. */
	buf[6] = 1000;
	assert_int_equal(perf_rec_decode(h, PERF_RECS_SAMPLE_TYPE, &r), -EBADMSG);
}

static void decodes_sample_with_group_read(void **state)
{
	uint64_t buf[24];
	struct perf_event_header *h = (void *)buf;
	struct perf_rec r;
	uint64_t *p = buf + 1;

	(void)state;
	*p++ = 0x401000;              /* ip */
	*p++ = (uint64_t)7 << 32 | 5; /* pid 5, tid 7 */
	*p++ = 99;                    /* time */
	*p++ = 0;                     /* cpu */
	*p++ = 1000;                  /* period */
	*p++ = 2;                     /* read: nr */
	*p++ = 5000;                  /* time enabled */
	*p++ = 4000;                  /* time running */
	*p++ = 111, *p++ = 1;         /* value, id */
	*p++ = 222, *p++ = 2;
	*p++ = 1; /* callchain nr */
	*p++ = 0x401000;
	h->type = PERF_RECORD_SAMPLE;
	h->misc = PERF_RECORD_MISC_USER;
	h->size = (uint16_t)((uint8_t *)p - (uint8_t *)buf);
	assert_int_equal(perf_rec_decode(h, PERF_RECS_SAMPLE_TYPE | PERF_SAMPLE_READ, &r), 0);
	assert_int_equal(r.sample.read.nr, 2);
	assert_int_equal(r.sample.read.enabled, 5000);
	assert_int_equal(r.sample.read.running, 4000);
	assert_int_equal(r.sample.read.value[0], 111);
	assert_int_equal(r.sample.read.value[1], 222);
	assert_int_equal(r.sample.nr, 1);
	assert_int_equal(r.sample.ips[0], 0x401000);
	/* More events than a group can hold is a malformed record. */
	buf[6] = 100;
	assert_int_equal(perf_rec_decode(h, PERF_RECS_SAMPLE_TYPE | PERF_SAMPLE_READ, &r),
			 -EBADMSG);
	/* A read(2) of a leader has the same layout. */
	{
		struct group_read g;

		assert_int_equal(perf_read_decode(buf + 6, 7 * 8, &g), -EBADMSG);
		buf[6] = 2;
		assert_int_equal(perf_read_decode(buf + 6, 7 * 8, &g), 0);
		assert_int_equal(g.value[1], 222);
		assert_int_equal(perf_read_decode(buf + 6, 6 * 8, &g), -EBADMSG);
	}
}

static void decodes_side_band(void **state)
{
	uint64_t buf[16] = { 0 };
	struct perf_event_header *h = (void *)buf;
	uint8_t *b = (uint8_t *)(buf + 1);
	struct perf_rec r;
	uint32_t ids[2] = { 9, 10 };

	(void)state;
	/* COMM: pid, tid, "worker\0" padded to 8, then trailer pid/tid, time, cpu. */
	memcpy(b, ids, 8);
	memcpy(b + 8, "worker\0\0", 8);
	memcpy(b + 16, ids, 8);
	buf[4] = 777;
	buf[5] = 0;
	h->type = PERF_RECORD_COMM;
	h->misc = PERF_RECORD_MISC_COMM_EXEC;
	h->size = 48;
	assert_int_equal(perf_rec_decode(h, PERF_RECS_SAMPLE_TYPE, &r), 0);
	assert_string_equal(r.comm.comm, "worker");
	assert_true(r.comm.exec);
	assert_int_equal(r.time, 777);
	assert_int_equal(r.tid, 10);
	/* An unterminated name must not be read past the record. */
	memset(b + 8, 'x', 32);
	h->size = 40;
	assert_int_equal(perf_rec_decode(h, PERF_RECS_SAMPLE_TYPE & ~(uint64_t)PERF_SAMPLE_CPU, &r),
			 -EBADMSG);
	/* LOST: id, count. */
	memset(buf, 0, sizeof(buf));
	buf[1] = 1;
	buf[2] = 42;
	h->type = PERF_RECORD_LOST;
	h->size = 48;
	assert_int_equal(perf_rec_decode(h, PERF_RECS_SAMPLE_TYPE, &r), 0);
	assert_int_equal(r.lost.lost, 42);
}

/* Off-CPU: a sample that starts with its event's identifier, and a switch
 * record whose trailer ends with it. */
static void decodes_identifier_and_switch(void **state)
{
	uint64_t buf[16] = { 0 };
	struct perf_event_header *h = (void *)buf;
	uint64_t st = PERF_RECS_SAMPLE_TYPE | PERF_SAMPLE_IDENTIFIER;
	uint32_t ids[2] = { 7, 8 };
	struct perf_rec r;

	(void)state;
	/* SAMPLE: id, ip, pid/tid, time, cpu/res, period, callchain nr + 1 ip. */
	buf[1] = 0xfeed;
	buf[2] = 0x401000;
	memcpy(&buf[3], ids, 8);
	buf[4] = 5000;
	buf[5] = 1;
	buf[6] = 1;
	buf[7] = 1;
	buf[8] = 0x401000;
	h->type = PERF_RECORD_SAMPLE;
	h->size = 9 * 8;
	assert_int_equal(perf_rec_decode(h, st, &r), 0);
	assert_int_equal(r.id, 0xfeed);
	assert_int_equal(r.sample.ip, 0x401000);
	assert_int_equal(r.tid, 8);
	assert_int_equal(r.time, 5000);
	assert_int_equal(r.sample.nr, 1);
	/* SWITCH (out, preempted): only the trailer: pid/tid, time, cpu, id. */
	memset(buf, 0, sizeof(buf));
	memcpy(&buf[1], ids, 8);
	buf[2] = 6000;
	buf[3] = 1;
	buf[4] = 0xbeef;
	h->type = PERF_RECORD_SWITCH;
	h->misc = PERF_RECORD_MISC_SWITCH_OUT | PERF_RECORD_MISC_SWITCH_OUT_PREEMPT;
	h->size = 5 * 8;
	assert_int_equal(perf_rec_decode(h, st, &r), 0);
	assert_int_equal(r.type, PERF_RECORD_SWITCH);
	assert_int_equal(r.tid, 8);
	assert_int_equal(r.time, 6000);
	assert_int_equal(r.id, 0xbeef);
	assert_true(r.misc & PERF_RECORD_MISC_SWITCH_OUT_PREEMPT);
	h->size = 4 * 8; /* a trailer cut short */
	assert_int_equal(perf_rec_decode(h, st, &r), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(drains_wrapped_record),
		cmocka_unit_test(corrupt_size_is_skipped),
		cmocka_unit_test(drain_respects_byte_budget),
		cmocka_unit_test(decodes_sample_with_callchain),
		cmocka_unit_test(decodes_sample_with_group_read),
		cmocka_unit_test(decodes_side_band),
		cmocka_unit_test(decodes_identifier_and_switch),
	};
	return cmocka_run_group_tests_name("perf_ring", tests, NULL, NULL);
}
