/* Derived views (thread filter, recent, focus, callers), the ledger and the
 * timeline, on synthetic data with known answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ledger.h"
#include "pview.h"
#include "timeline.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

enum { MAIN, A, B, C, H };

/* Thread 1: main;a;h x60, main;b x20. Thread 2: main;c;a;h x15, main;c x5.
 * h always under a: a's total is 75, h's 75; c's 20. */
static struct profile *known(uint32_t f[5])
{
	struct profile *p = profile_new();
	const char *names[] = { "main", "a", "b", "c", "h" };

	for (int i = 0; i < 5; i++)
		f[i] = frametab_intern(p->frames, names[i], "prog", NULL, 0, FRAME_USER);
	for (int i = 0; i < 60; i++)
		profile_add(p, 1, 1, (uint32_t[]){ f[MAIN], f[A], f[H] }, 3, 10, 0);
	for (int i = 0; i < 20; i++)
		profile_add(p, 1, 1, (uint32_t[]){ f[MAIN], f[B] }, 2, 10, 0);
	for (int i = 0; i < 15; i++)
		profile_add(p, 1, 2, (uint32_t[]){ f[MAIN], f[C], f[A], f[H] }, 4, 10, 0);
	for (int i = 0; i < 5; i++)
		profile_add(p, 1, 2, (uint32_t[]){ f[MAIN], f[C] }, 2, 10, 0);
	return p;
}

static uint32_t node(const struct ctree *t, const uint32_t *path, size_t n)
{
	uint32_t id = CTREE_ROOT;

	for (size_t i = 0; i < n && id != CTREE_NONE; i++)
		id = ctree_child(t, id, path[i]);
	return id;
}

/* Wall time: on-CPU samples (10 ns each here) and blocked intervals in one
 * tree, each blocked stack ending in its reason; a thread filter keeps its
 * own blocked time only. */
static void wall_view_merges_blocked_time(void **state)
{
	uint32_t f[5];
	struct profile *p = known(f); /* 1000 ns on-CPU */
	struct pview v;
	struct pview_spec s = { .focus = CTREE_NONE, .wall = 1 };
	uint32_t lock = profile_reason_frame(p, BLOCK_LOCK),
		 sleep = profile_reason_frame(p, BLOCK_SLEEP);
	struct ctree *wall;

	(void)state;
	p->off_on = 1;
	profile_add_offcpu(p, 1, 1, (uint32_t[]){ f[MAIN], f[B] }, 2, 3, 600, BLOCK_LOCK);
	profile_add_offcpu(p, 1, 2, (uint32_t[]){ f[MAIN], f[C] }, 2, 1, 400, BLOCK_SLEEP);
	assert_int_equal(p->off_ns, 1000);
	assert_int_equal(p->off_reason_ns[BLOCK_LOCK], 600);
	assert_int_equal(pview_build(&v, p, &s), 0);
	assert_int_equal(v.weight, 2000);
	assert_int_equal(ctree_node(v.tree, node(v.tree, (uint32_t[]){ f[MAIN], f[B] }, 2))->weight,
			 200 + 600);
	assert_int_equal(
	    ctree_node(v.tree, node(v.tree, (uint32_t[]){ f[MAIN], f[B], lock }, 3))->self_weight,
	    600);
	assert_true(fabs(pview_pct(&v, 600) - 30.0) < 1e-9);
	pview_release(&v);
	s.tid = 2; /* thread 2: 200 ns on-CPU, 400 ns asleep */
	assert_int_equal(pview_build(&v, p, &s), 0);
	assert_int_equal(v.weight, 600);
	assert_int_equal(
	    ctree_node(v.tree, node(v.tree, (uint32_t[]){ f[MAIN], f[C], sleep }, 3))->weight, 400);
	assert_int_equal(node(v.tree, (uint32_t[]){ f[MAIN], f[B], lock }, 3), CTREE_NONE);
	pview_release(&v);
	/* The exporters' wall tree says the same; the on-CPU view is untouched. */
	wall = profile_wall_tree(p);
	assert_int_equal(ctree_node(wall, CTREE_ROOT)->weight, 2000);
	ctree_free(wall);
	s.wall = 0;
	s.tid = 0;
	assert_int_equal(pview_build(&v, p, &s), 0);
	assert_int_equal(v.weight, 1000);
	pview_release(&v);
	profile_free(p);
}

static void plain_view_borrows_live_tree(void **state)
{
	uint32_t f[5];
	struct profile *p = known(f);
	struct pview v;
	struct pview_spec s = { .focus = CTREE_NONE };

	(void)state;
	assert_int_equal(pview_build(&v, p, &s), 0);
	assert_ptr_equal(v.tree, p->tree);
	assert_int_equal(v.samples, 100);
	s.frozen = 1;
	pview_release(&v);
	assert_int_equal(pview_build(&v, p, &s), 0);
	assert_ptr_not_equal(v.tree, p->tree);
	profile_add(p, 1, 1, (uint32_t[]){ f[MAIN] }, 1, 10, 0); /* the copy does not move */
	assert_int_equal(ctree_node(v.tree, CTREE_ROOT)->samples, 100);
	assert_int_equal(
	    ctree_node(v.tree, node(v.tree, (uint32_t[]){ f[MAIN], f[A] }, 2))->samples, 60);
	pview_release(&v);
	profile_free(p);
}

static void thread_filter(void **state)
{
	uint32_t f[5];
	struct profile *p = known(f);
	struct pview v;
	struct pview_spec s = { .tid = 2, .focus = CTREE_NONE };

	(void)state;
	assert_int_equal(pview_build(&v, p, &s), 0);
	assert_int_equal(v.samples, 20);
	assert_int_equal(
	    ctree_node(v.tree, node(v.tree, (uint32_t[]){ f[MAIN], f[C] }, 2))->samples, 20);
	assert_int_equal(node(v.tree, (uint32_t[]){ f[MAIN], f[B] }, 2), CTREE_NONE);
	assert_true(fabs(pview_pct(&v, 150) - 75.0) < 1e-9); /* of thread 2's 200 */
	pview_release(&v);
	profile_free(p);
}

static void focus_merges_occurrences(void **state)
{
	uint32_t f[5];
	struct profile *p = known(f);
	struct pview v;
	struct pview_spec s = { .focus = 0 };
	uint32_t a;

	(void)state;
	s.focus = f[A];
	assert_int_equal(pview_build(&v, p, &s), 0);
	a = node(v.tree, (uint32_t[]){ f[A] }, 1);
	assert_int_not_equal(a, CTREE_NONE);
	assert_int_equal(ctree_node(v.tree, a)->samples, 75); /* 60 under main, 15 under c */
	assert_int_equal(ctree_node(v.tree, node(v.tree, (uint32_t[]){ f[A], f[H] }, 2))->samples,
			 75);
	assert_true(fabs(pview_pct(&v, ctree_node(v.tree, a)->weight) - 75.0) < 1e-9);
	pview_release(&v);
	profile_free(p);
}

static void callers_bottom_up(void **state)
{
	uint32_t f[5];
	struct profile *p = known(f);
	struct pview v;
	struct pview_spec s = { .focus = CTREE_NONE };

	(void)state;
	assert_int_equal(pview_callers(&v, p, &s, f[H]), 0);
	assert_int_equal(v.samples, 75);
	assert_int_equal(
	    ctree_node(v.tree, node(v.tree, (uint32_t[]){ f[H], f[A], f[MAIN] }, 3))->samples, 60);
	assert_int_equal(
	    ctree_node(v.tree, node(v.tree, (uint32_t[]){ f[H], f[A], f[C], f[MAIN] }, 4))->samples,
	    15);
	pview_release(&v);
	profile_free(p);
}

static void recent_decays(void **state)
{
	uint32_t f[5];
	struct profile *p = known(f);
	struct pview v;
	struct pview_spec s = { .recent = 1, .focus = CTREE_NONE };

	(void)state;
	profile_decay(p, 0.5);
	for (int i = 0; i < 50; i++) /* new work after the old halved */
		profile_add(p, 1, 1, (uint32_t[]){ f[MAIN], f[B] }, 2, 10, 0);
	assert_int_equal(pview_build(&v, p, &s), 0);
	/* 50 old halved + 50 new; each (thread, leaf) rounds on its own */
	assert_in_range(v.samples, 100, 102);
	assert_int_equal(
	    ctree_node(v.tree, node(v.tree, (uint32_t[]){ f[MAIN], f[B] }, 2))->samples, 60);
	pview_release(&v);
	profile_free(p);
}

static void ledger_marks(void **state)
{
	struct ledger l;
	struct hyp_snapshot sn = { .valid = 1,
				   .self_pct = 41.25,
				   .total_pct = 58,
				   .from_s = 0,
				   .to_s = 12,
				   .cpu_pct = 99,
				   .rss_mib = 14.2 };
	struct hypothesis *h;

	(void)state;
	ledger_init(&l);
	snprintf(sn.function, sizeof(sn.function), "hash_token");
	assert_null(ledger_add(&l, "", 1));
	h = ledger_add(&l, "hashing dominates", 100);
	assert_non_null(h);
	assert_int_equal(h->id, 1);
	assert_int_equal(h->verdict, VERDICT_OPEN);
	assert_non_null(ledger_add(&l, "I/O bound", 101));
	assert_int_equal(ledger_mark(&l, 1, VERDICT_SUPPORTS, &sn, 110), 0);
	h = ledger_find(&l, 1);
	assert_int_equal(h->verdict, VERDICT_SUPPORTS);
	assert_int_equal(h->marked_at, 110);
	assert_string_equal(
	    h->evidence, "hash_token 41.2% self, 58.0% total over 0-12 s; CPU 99%; RSS 14.2 MiB");
	/* Evidence the user wrote is kept when marked again. */
	assert_int_equal(ledger_set_evidence(&l, 1, "hash_token is 41% of samples"), 0);
	assert_int_equal(ledger_mark(&l, 1, VERDICT_REJECTS, &sn, 120), 0);
	assert_string_equal(ledger_find(&l, 1)->evidence, "hash_token is 41% of samples");
	assert_int_equal(ledger_delete(&l, 1), 0);
	assert_null(ledger_find(&l, 1));
	assert_int_equal(l.n, 1);
	assert_int_equal(ledger_delete(&l, 1), -ENOENT);
	/* Ids are never reused. */
	assert_int_equal(ledger_add(&l, "third", 130)->id, 3);
	ledger_fini(&l);
}

static void timeline_rates_and_slope(void **state)
{
	struct timeline *tl = timeline_new();
	struct target_reading r = { .valid = 1, .io_valid = 1 };
	struct timeline_growth g;

	(void)state;
	for (int i = 0; i <= 60; i++) {
		r.utime_ns = (uint64_t)i * 500000000ull; /* half a core */
		r.stime_ns = (uint64_t)i * 100000000ull;
		r.rss_kb = 10240 + (uint64_t)i * 512; /* +0.5 MiB/s = 30 MiB/min */
		r.io.rchar = (uint64_t)i * 4096;
		timeline_add(tl, i, &r, NULL);
	}
	timeline_add(tl, 60.05, &r, NULL); /* too short: not a point */
	assert_int_equal(timeline_len(tl), 60);
	assert_true(fabs(timeline_last(tl)->cpu_pct - 60.0) < 1e-6);
	assert_true(fabs(timeline_last(tl)->user_pct - 50.0) < 1e-6);
	assert_true(fabs(timeline_last(tl)->rchar_bps - 4096.0) < 1e-6);
	assert_int_equal(timeline_growth(tl, 60, &g), 0);
	assert_true(fabs(g.mib_per_min - 30.0) < 1e-6);
	assert_true(g.r2 > 0.999);
	timeline_free(tl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_view_borrows_live_tree),
		cmocka_unit_test(wall_view_merges_blocked_time),
		cmocka_unit_test(thread_filter),
		cmocka_unit_test(focus_merges_occurrences),
		cmocka_unit_test(callers_bottom_up),
		cmocka_unit_test(recent_decays),
		cmocka_unit_test(ledger_marks),
		cmocka_unit_test(timeline_rates_and_slope),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
