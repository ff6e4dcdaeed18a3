/* The report at the session: a live run of the 6:3:1 split workload,
 * reported mid-run (the cheap report the screen and record --push build
 * again and again: no source lines read) and at the end (finalized once for
 * an export: every frame's source line). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "frametab.h"
#include "profile.h"
#include "report.h"
#include "session.h"
#include "symbols.h"

#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char split_path[PATH_MAX];

/* The workloads are built beside the tests: BUILD/tests/test_report and
 * BUILD/workloads/split. */
static int find_split(void **state)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	(void)state;
	if (n <= 0)
		return -1;
	self[n] = 0;
	snprintf(split_path, sizeof(split_path), "%s/../workloads/split", dirname(self));
	return access(split_path, X_OK);
}

/* A hotspot's self share, in percent of the profile; -1 if absent. */
static double self_pct(const struct profile *p, const char *name)
{
	struct hotspot *hs = NULL;
	size_t n = profile_hotspots(p, &hs);
	double pct = -1;

	for (size_t i = 0; i < n; i++)
		if (!strcmp(frametab_get(p->frames, hs[i].frame)->name, name))
			pct = profile_pct(p, hs[i].self_weight);
	free(hs);
	return pct;
}

/* Frames named NAME that have their source file. */
static int has_source(const struct profile *p, const char *name)
{
	uint32_t id = frametab_find(p->frames, name, "split");
	const struct frame *f = id == FRAME_NONE ? NULL : frametab_get(p->frames, id);

	return f && f->file && strstr(f->file, "split.c");
}

static void live_report_is_cheap_and_the_end_report_whole(void **state)
{
	char *const argv[] = { split_path, "--rounds", "2000", NULL };
	struct session_config cfg = { .argv = argv,
				      .freq_hz = 999,
				      .call_graph = CALLGRAPH_FP,
				      .force_cpu_clock = 1,
				      .no_gpu = 1,
				      .no_offcpu = 1 };
	char err[256] = "", compiler[160], build_id[129];
	struct session *s;
	struct symbolizer *sym;
	struct report r;
	size_t pending;
	double a, b, c, tol;
	int exited = 0;

	(void)state;
	s = session_open(&cfg, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(session_start(s, err, sizeof(err)), 0);
	sym = session_symbolizer(s);
	while (!exited && session_profile(s)->samples < 100)
		exited = session_poll(s, 20);
	assert_false(exited); /* 2000 rounds take longer than 100 samples */

	/* Mid-run: the target as it is, the machine, the scenario. */
	session_report(s, &r);
	assert_int_equal(r.pid, session_target(s)->pid);
	assert_string_equal(r.state, "running");
	assert_false(r.exited);
	assert_string_equal(r.event, "cpu-clock");
	assert_int_equal(r.freq_hz, 999);
	assert_string_equal(r.call_graph, "fp");
	assert_non_null(strstr(r.command, "split --rounds 2000"));
	assert_true(r.fp.kernel[0]);
	assert_int_equal(r.fp.cores, (int)sysconf(_SC_NPROCESSORS_ONLN));
	fingerprint_binary(split_path, compiler, sizeof(compiler), build_id, sizeof(build_id));
	assert_true(build_id[0]);
	assert_string_equal(r.fp.build_id, build_id);
	/* Cheap: it read no source line (those wait for an export). */
	pending = sym_lines_pending(sym);
	assert_true(pending > 0);
	session_report(s, &r);
	assert_int_equal(sym_lines_pending(sym), pending);
	assert_false(has_source(r.profile, "work_a"));

	while (!exited)
		exited = session_poll(s, 50);
	session_finish(s);

	/* At the end: how it ended, the split as the workload made it, and
	 * one figure of the time off a CPU wherever it is printed. */
	session_report(s, &r);
	assert_true(r.exited);
	assert_string_equal(r.state, "exited");
	assert_true(r.have_status);
	assert_int_equal(r.exit_code, 0);
	assert_true(r.profile->samples >= 300);
	a = self_pct(r.profile, "work_a");
	b = self_pct(r.profile, "work_b");
	c = self_pct(r.profile, "work_c");
	print_message("%llu samples: work_a %.1f %%, work_b %.1f %%, work_c %.1f %%; %s\n",
		      (unsigned long long)r.profile->samples, a, b, c, bottleneck_name(r.cls.kind));
	print_message("on a CPU %.1f %%, runnable %.1f %%, waiting %.1f %%: %s\n", r.share.on_pct,
		      r.share.runnable_pct, r.share.waiting_pct, r.cls.detail);
	/* 6:3:1 of the work (the loop around the calls takes a little):
	 * within 5 binomial standard deviations of the samples taken. */
	tol = 5 * 100 * sqrt(0.6 * 0.4 / (double)r.profile->samples) + 2;
	assert_true(fabs(a - 60) <= tol);
	assert_true(fabs(b - 30) <= tol);
	assert_true(fabs(c - 10) <= tol);
	assert_string_equal(r.ci.hot_function, "work_a");
	assert_true(fabs(r.ci.hot_self_pct - a) < 1e-9);
	/* CPU-bound: on a CPU or, on a busy machine, runnable waiting for one
	 * (without switch-out stacks, the threads' schedstat says which). */
	assert_int_equal(r.cls.kind, BN_CPU);
	assert_true(r.share.on_pct + r.share.runnable_pct >= 80);
	assert_true(r.baseline.off_cpu_pct < 0 || r.baseline.off_cpu_pct == r.share.off_pct);
	assert_true(r.baseline.cpu_time_ms > 0);
	assert_true(r.baseline.wall_time_ms >= r.baseline.cpu_time_ms * 0.5);

	/* Finalized for an export: every frame has its source line (the
	 * screen's ticks read some on a time budget; the export reads all). */
	session_report_finalize(s, &r);
	assert_int_equal(sym_lines_pending(sym), 0);
	assert_true(has_source(r.profile, "work_a"));
	assert_true(has_source(r.profile, "work_c"));
	session_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(live_report_is_cheap_and_the_end_report_whole, find_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
