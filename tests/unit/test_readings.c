/* Process readings: the timeline's rates, growth and leak flag, the
 * one-line readings, and per-thread CPU from /proc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "readings.h"
#include "tasks.h"
#include "timeline.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* SECONDS one-second points: CPU user/sys as fractions of a core per
 * thread, RSS from RSS_MIB growing MIB_PER_S, and VCSW switches/s. */
struct shape {
	double user, sys, rss_mib, mib_per_s, wobble_mib;
	long threads, busy;
	double runnable; /* seconds preempted per second */
	uint64_t vcsw, syscr, rchar;
};

static struct timeline *feed(const struct shape *sh, int seconds)
{
	struct timeline *tl = timeline_new();
	struct target_reading r = { .valid = 1, .io_valid = 1, .rollup_valid = 1 };

	for (int i = 0; i <= seconds; i++) {
		r.utime_ns = (uint64_t)(i * sh->user * 1e9);
		r.stime_ns = (uint64_t)(i * sh->sys * 1e9);
		r.rss_kb = (uint64_t)((sh->rss_mib + i * sh->mib_per_s +
				       (i % 2 ? sh->wobble_mib : -sh->wobble_mib)) *
				      1024);
		r.pss_kb = r.rss_kb / 2;
		r.threads = sh->threads;
		r.busy_threads = sh->busy;
		r.runnable_ns = (uint64_t)(i * sh->runnable * 1e9);
		r.vcsw = (uint64_t)i * sh->vcsw;
		r.io.syscr = (uint64_t)i * sh->syscr;
		r.io.rchar = (uint64_t)i * sh->rchar;
		timeline_add(tl, i, &r, NULL);
	}
	return tl;
}

static void steady_growth_is_a_leak_after_long_enough(void **state)
{
	struct shape sh = { .user = 0.2, .rss_mib = 100, .mib_per_s = 2, .threads = 1 };
	struct timeline *tl = feed(&sh, 30);
	struct timeline_growth g;
	struct readings rd;

	(void)state;
	assert_int_equal(timeline_growth(tl, 60, &g), 0);
	assert_true(fabs(g.mib_per_min - 120.0) < 0.1);
	assert_true(g.r2 > 0.999 && g.leak);
	assert_true(fabs(g.span_s - 29.0) < 1e-9); /* 30 points, 1 s apart */
	readings_make(tl, NULL, &rd);
	assert_non_null(strstr(rd.memory, "possible leak"));
	assert_non_null(strstr(rd.memory, "+120.0 MiB/min"));
	/* The last 10 s only: too soon to call it. */
	assert_int_equal(timeline_growth(tl, 10, &g), 0);
	assert_false(g.leak);
	/* The reading is over the whole run, on the screen as in the export. */
	readings_make(tl, NULL, &rd);
	assert_true(rd.has_growth && fabs(rd.growth.mib_per_min - 120.0) < 0.1);
	timeline_free(tl);
}

static void noisy_or_flat_memory_is_no_leak(void **state)
{
	struct shape flat = { .user = 0.2, .rss_mib = 100, .threads = 1 };
	struct shape saw = {
		.user = 0.2, .rss_mib = 100, .mib_per_s = 0.05, .wobble_mib = 20, .threads = 1
	};
	struct timeline *tl = feed(&flat, 40);
	struct timeline_growth g;
	struct readings rd;

	(void)state;
	assert_int_equal(timeline_growth(tl, 0, &g), 0);
	assert_false(g.leak);
	readings_make(tl, NULL, &rd);
	assert_non_null(strstr(rd.memory, "stable"));
	timeline_free(tl);
	tl = feed(&saw, 40);
	assert_int_equal(timeline_growth(tl, 0, &g), 0);
	assert_true(g.r2 < 0.9);
	assert_false(g.leak);
	timeline_free(tl);
}

static void cpu_readings_name_the_kind_of_time(void **state)
{
	struct shape sleeper = {
		.user = 0.04, .sys = 0.01, .rss_mib = 5, .threads = 2, .vcsw = 300
	};
	struct shape spinner = { .user = 1.9, .sys = 0.02, .rss_mib = 5, .threads = 2 };
	struct shape kernel = { .user = 0.2,
				.sys = 0.7,
				.rss_mib = 5,
				.threads = 1,
				.syscr = 50000,
				.rchar = 50000 * 64 };
	struct timeline *tl = feed(&sleeper, 10);
	struct timeline_sum m;
	struct readings rd;

	(void)state;
	assert_int_equal(timeline_summary(tl, 0, &m), 0);
	/* 5 % of a core over two threads' wall: 97.5 % off-CPU. */
	assert_true(fabs(m.off_cpu_pct - 97.5) < 1e-6);
	assert_true(fabs(m.vcsw_ps - 300) < 1e-6);
	readings_make(tl, NULL, &rd);
	assert_non_null(strstr(rd.cpu, "off-CPU 98% of wall"));
	assert_non_null(strstr(rd.io, "300 blocking switches/s"));
	timeline_free(tl);

	tl = feed(&spinner, 10);
	readings_make(tl, NULL, &rd);
	assert_non_null(strstr(rd.cpu, "CPU-bound"));
	timeline_free(tl);

	tl = feed(&kernel, 10);
	readings_make(tl, NULL, &rd);
	assert_non_null(strstr(rd.cpu, "kernel-heavy: sys 70%"));
	assert_non_null(strstr(rd.io, "50000 I/O calls/s of 64 B"));
	timeline_free(tl);
}

/* Half a core, preempted the other half: CPU-starved, not waiting. Four
 * threads of which one ran: idle ones do not make it wait. */
static void preempted_and_idle_time_are_not_waiting(void **state)
{
	struct shape starved = { .user = 0.5, .rss_mib = 5, .threads = 1, .runnable = 0.48 };
	struct shape idle = { .user = 0.99, .rss_mib = 5, .threads = 4, .busy = 1 };
	struct shape unknown = { .user = 0.99, .rss_mib = 5, .threads = 4 };
	struct timeline *tl = feed(&starved, 10);
	struct timeline_sum m;
	struct readings rd;

	(void)state;
	assert_int_equal(timeline_summary(tl, 0, &m), 0);
	assert_true(fabs(m.runnable_pct - 48.0) < 1e-6);
	readings_make(tl, NULL, &rd);
	assert_non_null(
	    strstr(rd.cpu, "CPU-starved: on a CPU 50%, runnable but waiting for one 48%"));
	timeline_free(tl);

	tl = feed(&idle, 10);
	readings_make(tl, NULL, &rd);
	assert_non_null(strstr(rd.cpu, "CPU-bound: on a CPU 99%"));
	timeline_free(tl);

	/* Which threads ran unknown (the first interval): all live ones count. */
	tl = feed(&unknown, 10);
	readings_make(tl, NULL, &rd);
	assert_non_null(strstr(rd.cpu, "off-CPU 75% of wall"));
	timeline_free(tl);
}

/* Given the share of the threads' time the verdict uses, the CPU line
 * prints it, not /proc's own figure: one fact, one figure. */
static void the_cpu_line_prints_the_share_it_is_given(void **state)
{
	struct shape sleeper = { .user = 0.05, .rss_mib = 5, .threads = 2 };
	struct classify_share busy = { .on_pct = 81, .off_pct = 19, .waiting_pct = 19 };
	struct classify_share waits = {
		.on_pct = 23, .off_pct = 77, .runnable_pct = 4, .waiting_pct = 73
	};
	struct timeline *tl = feed(&sleeper, 10);
	struct readings rd;

	(void)state;
	readings_make(tl, &busy, &rd);
	assert_string_equal(rd.cpu, "CPU-bound: on a CPU 81% of wall");
	assert_true(rd.has_share && rd.share.off_pct == 19);
	readings_make(tl, &waits, &rd);
	assert_string_equal(rd.cpu, "off-CPU 77% of wall: waiting 73% (I/O, locks, sleep), "
				    "runnable 4%");
	readings_make(tl, NULL, &rd); /* /proc's: 2.5 % of two threads' wall */
	assert_true(fabs(rd.share.off_pct - 97.5) < 1e-6);
	timeline_free(tl);
}

static atomic_int stop;

static void *spin(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop))
		;
	return NULL;
}

static void *nap(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop))
		usleep(1000);
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double clock_s(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void threads_cpu_from_proc(void **state)
{
	pthread_t a, b;
	struct tasks ts;
	const struct task_cpu *sp = NULL, *np = NULL;
	clockid_t spin_clock;
	double t0, c0, truth;

	(void)state;
	tasks_init(&ts);
	atomic_store(&stop, 0);
	pthread_create(&a, NULL, spin, NULL);
	pthread_create(&b, NULL, nap, NULL);
	pthread_setname_np(a, "t-spin");
	pthread_setname_np(b, "t-nap");
	pthread_getcpuclockid(a, &spin_clock);
	t0 = now_s();
	c0 = clock_s(spin_clock);
	assert_int_equal(tasks_update(&ts, getpid(), 0), 3);
	while (now_s() - t0 < 0.6)
		usleep(10000);
	truth = 100.0 * (clock_s(spin_clock) - c0) / (now_s() - t0);
	assert_int_equal(tasks_update(&ts, getpid(), now_s() - t0), 3);
	for (size_t i = 0; i < ts.n; i++) {
		if (!strcmp(ts.v[i].comm, "t-spin"))
			sp = &ts.v[i];
		if (!strcmp(ts.v[i].comm, "t-nap"))
			np = &ts.v[i];
	}
	assert_non_null(sp);
	assert_non_null(np);
	/* The spinner's share of a core is what its own CPU clock says, however
	 * busy the machine (/proc counts in 10 ms ticks: two of them over
	 * 0.6 s are 3.3 points); the sleeper near nothing. */
	assert_true(truth > 5.0);
	assert_true(fabs(sp->user_pct + sp->sys_pct - truth) <= 6.0);
	assert_true(np->user_pct + np->sys_pct < 10.0);
	assert_true(np->vcsw > 50); /* it slept hundreds of times */
	pid_t spin_tid = sp->tid;

	atomic_store(&stop, 1);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	assert_int_equal(tasks_update(&ts, getpid(), now_s() - t0), 1);
	assert_false(tasks_find(&ts, spin_tid)->alive);
	assert_int_equal(ts.gone, 2);
	uint64_t v, iv;

	tasks_ctxt(&ts, &v, &iv);
	assert_true(v > 50); /* the ended threads' switches still count */
	tasks_fini(&ts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(steady_growth_is_a_leak_after_long_enough),
		cmocka_unit_test(noisy_or_flat_memory_is_no_leak),
		cmocka_unit_test(cpu_readings_name_the_kind_of_time),
		cmocka_unit_test(preempted_and_idle_time_are_not_waiting),
		cmocka_unit_test(the_cpu_line_prints_the_share_it_is_given),
		cmocka_unit_test(threads_cpu_from_proc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
