/* Counter arithmetic: multiplex scaling, totals over per-CPU groups, sample
 * deltas charged to call stacks, intervals and derived metrics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "counting.h"
#include "profile.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* cycles leads, instructions and the cache pair are counted. */
static struct counting *hw_counting(size_t ncpus)
{
	static const char *names[] = { "cycles", "instructions", "cache-references",
				       "cache-misses" };
	static const uint64_t cfg[] = { PERF_COUNT_HW_CPU_CYCLES, PERF_COUNT_HW_INSTRUCTIONS,
					PERF_COUNT_HW_CACHE_REFERENCES,
					PERF_COUNT_HW_CACHE_MISSES };
	struct event_spec g[4];

	memset(g, 0, sizeof(g));
	for (int i = 0; i < 4; i++) {
		snprintf(g[i].name, sizeof(g[i].name), "%s", names[i]);
		g[i].attr.type = PERF_TYPE_HARDWARE;
		g[i].attr.config = cfg[i];
	}
	return counting_new(g, 4, ncpus);
}

static struct group_read rd(uint64_t en, uint64_t run, uint64_t a, uint64_t b, uint64_t c,
			    uint64_t d)
{
	struct group_read g = { .nr = 4, .enabled = en, .running = run };

	g.value[0] = a, g.value[1] = b, g.value[2] = c, g.value[3] = d;
	return g;
}

static void scaling_arithmetic(void **state)
{
	(void)state;
	assert_true(fabs(counting_scale(100, 1000, 1000) - 100) < 1e-9);
	assert_true(fabs(counting_scale(100, 1000, 500) - 200) < 1e-9);
	assert_true(fabs(counting_scale(100, 1000, 250) - 400) < 1e-9);
	assert_true(fabs(counting_scale(0, 1000, 0)) < 1e-9);
	/* running can exceed enabled by rounding: never scale down */
	assert_true(fabs(counting_scale(100, 1000, 1001) - 100) < 1e-9);
}

static void totals_over_per_cpu_groups(void **state)
{
	struct counting *c = hw_counting(2);
	struct group_read r[2];

	(void)state;
	/* One task ran 1 s, half on each CPU, never multiplexed: each CPU's
	 * group was enabled the whole second but ran only its half. */
	r[0] = rd(1000, 500, 600, 1200, 10, 1);
	r[1] = rd(1000, 500, 400, 800, 10, 1);
	counting_set_totals(c, r, 2);
	assert_true(fabs(c->total[0] - 1000) < 1e-6);
	assert_true(fabs(c->total[1] - 2000) < 1e-6);
	assert_true(fabs(counting_enabled_pct(c) - 100) < 1e-6);
	/* The group was multiplexed: counted for 40 % of that second. */
	r[0] = rd(1000, 200, 600, 1200, 10, 1);
	r[1] = rd(1000, 200, 400, 800, 10, 1);
	counting_set_totals(c, r, 2);
	assert_true(fabs(counting_enabled_pct(c) - 40) < 1e-6);
	assert_true(fabs(c->total[0] - 2500) < 1e-6);
	assert_true(fabs(c->total[3] - 5) < 1e-6);
	counting_free(c);
}

static void derived_metrics(void **state)
{
	struct counting *c = hw_counting(1);
	struct counting_derived d;
	double v[4] = { 1000, 2500, 200, 50 }, z[4] = { 0, 10, 0, 0 };

	(void)state;
	counting_derive(c, v, &d);
	assert_true(d.has_ipc && fabs(d.ipc - 2.5) < 1e-9);
	assert_true(d.has_cache && fabs(d.cache_miss_pct - 25) < 1e-9);
	assert_false(d.has_branch); /* no branch events in the group */
	counting_derive(c, z, &d);
	assert_false(d.has_ipc); /* no cycles: not measurable, not zero */
	assert_false(d.has_cache);
	counting_free(c);
}

/* Two threads, two CPUs, two call paths: each sample's change since that
 * thread's previous sample on that CPU lands on the sampled stack. */
static void deltas_charged_to_stacks(void **state)
{
	struct counting *c = hw_counting(2);
	struct profile *p = profile_new();
	uint32_t fa[2], fb[2];
	struct {
		uint32_t tid, cpu;
		struct group_read r;
		int path_b;
	} seq[] = {
		{ 10, 0, rd(100, 100, 1000, 3000, 0, 0), 0 }, /* first: all of it */
		{ 10, 0, rd(200, 200, 2000, 6000, 0, 0), 0 }, /* +1000 cycles +3000 instr */
		{ 20, 0, rd(50, 50, 500, 250, 40, 20), 1 },   /* another thread, own base */
		{ 10, 1, rd(300, 100, 700, 700, 0, 0), 1 },   /* same thread, other CPU */
		{ 20, 0, rd(150, 150, 1500, 750, 80, 40), 1 },
		{ 10, 0, rd(400, 300, 2500, 6500, 0, 0), 0 },
	};
	uint64_t delta[EVENTS_MAX];
	struct hotspot *hs;
	long n;

	(void)state;
	assert_int_equal(profile_set_counters(p, 4), 0);
	fa[0] = fb[0] = frametab_intern(p->frames, "main", "m", NULL, 0, FRAME_USER);
	fa[1] = frametab_intern(p->frames, "compute", "m", NULL, 0, FRAME_USER);
	fb[1] = frametab_intern(p->frames, "lookup", "m", NULL, 0, FRAME_USER);
	for (size_t i = 0; i < sizeof(seq) / sizeof(*seq); i++) {
		assert_int_equal(counting_sample(c, seq[i].tid, seq[i].cpu, &seq[i].r, delta), 0);
		profile_add_ctr(p, 1, (pid_t)seq[i].tid, seq[i].path_b ? fb : fa, 2, 1, 0, delta);
	}
	{
		uint32_t m = ctree_child(p->tree, CTREE_ROOT, fa[0]);
		uint32_t a = ctree_child(p->tree, m, fa[1]), b = ctree_child(p->tree, m, fb[1]);
		const uint64_t *ta = ctree_ctr_total(p->tree, a), *tb = ctree_ctr_total(p->tree, b);
		const uint64_t *tm = ctree_ctr_total(p->tree, m);

		/* compute: 1000 + 1000 + 500 cycles; 3000 + 3000 + 500 instructions */
		assert_int_equal(ta[0], 2500);
		assert_int_equal(ta[1], 6500);
		/* lookup: 500 + 700 + 1000 cycles; misses 20 + 0 + 20 */
		assert_int_equal(tb[0], 2200);
		assert_int_equal(tb[3], 40);
		assert_int_equal(tm[0], 4700);
		assert_int_equal(ctree_ctr_self(p->tree, m)[0], 0);
		assert_int_equal(ctree_ctr_self(p->tree, a)[1], 6500);
	}
	n = profile_hotspots(p, &hs);
	assert_true(n >= 2);
	for (long i = 0; i < n; i++)
		if (hs[i].frame == fa[1]) {
			assert_int_equal(hs[i].self_ctr[0], 2500);
			assert_int_equal(hs[i].total_ctr[1], 6500);
		} else if (hs[i].frame == fa[0]) {
			assert_int_equal(hs[i].total_ctr[0], 4700);
			assert_int_equal(hs[i].self_ctr[0], 0);
		}
	free(hs);
	/* Per thread: thread 10 was charged 2500 + 700 cycles. */
	assert_int_equal(profile_thread(p, 1, 10)->ctr[0], 3200);
	assert_int_equal(profile_thread(p, 1, 20)->ctr[0], 1500);
	/* A read with the wrong number of events is refused. */
	seq[0].r.nr = 3;
	assert_int_equal(counting_sample(c, 10, 0, &seq[0].r, delta), -EINVAL);
	counting_free(c);
	profile_free(p);
}

static void intervals_and_ring(void **state)
{
	struct counting *c = hw_counting(1);
	struct group_read r = rd(1000, 1000, 100, 200, 0, 0);
	const struct counting_point *pt;

	(void)state;
	counting_tick(c, 0.5); /* no totals yet: nothing to record */
	assert_int_equal(c->len, 0);
	counting_set_totals(c, &r, 1);
	counting_tick(c, 1.0);
	r = rd(2000, 1500, 400, 500, 0, 0);
	counting_set_totals(c, &r, 1);
	counting_tick(c, 2.0);
	assert_int_equal(c->len, 2);
	pt = counting_point_at(c, 1);
	assert_true(fabs(pt->dt_s - 1.0) < 1e-9);
	/* 400 counted in 1500 of 2000 ns → 533.3 scaled; minus the first 100 */
	assert_true(fabs(pt->value[0] - (400.0 * 2000 / 1500 - 100)) < 1e-6);
	assert_true(fabs(pt->enabled_pct - 50) < 1e-6);
	/* A sliver after the last tick joins it instead of making a 0 s point. */
	counting_tick(c, 2.01);
	assert_int_equal(c->len, 2);
	assert_true(fabs(counting_point_at(c, 1)->dt_s - 1.01) < 1e-9);
	/* The ring keeps the newest COUNTING_SERIES_MAX points. */
	for (int i = 0; i < COUNTING_SERIES_MAX + 5; i++)
		counting_tick(c, 3.0 + i);
	assert_int_equal(c->len, COUNTING_SERIES_MAX);
	assert_true(fabs(counting_point_at(c, COUNTING_SERIES_MAX - 1)->t_s -
			 (3.0 + COUNTING_SERIES_MAX + 4)) < 1e-9);
	assert_null(counting_point_at(c, COUNTING_SERIES_MAX));
	counting_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(scaling_arithmetic), cmocka_unit_test(totals_over_per_cpu_groups),
		cmocka_unit_test(derived_metrics),    cmocka_unit_test(deltas_charged_to_stacks),
		cmocka_unit_test(intervals_and_ring),
	};

	return cmocka_run_group_tests_name("counting", tests, NULL, NULL);
}
