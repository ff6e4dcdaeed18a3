/* unwind_bench — replays recorded samples through each unwinder.
 *
 *   unwind_bench [--check] [-F HZ] -- COMMAND [ARGS...]
 *
 * Profiles COMMAND in DWARF mode, keeping a copy of every sample's
 * registers and stack, then unwinds all of them with libdw and with
 * libunwind and with the compiled rules (libdw behind them) over the same
 * symbolizer (warm caches, as in a long run), printing unwinds per second
 * of CPU. --check also compares libdw with libunwind and with the rules
 * frame by frame and exits 1 when any stack differs. */
#include "session.h"
#include "stackwalk.h"
#include "unwind.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_SNAPS 50000

struct snap {
	struct unwind_sample in;
	uint64_t regs[PERF_RECS_NREGS];
	uint8_t *stack;
};

struct snaps {
	struct snap *v;
	size_t n;
};

static void keep(const struct perf_rec *r, void *arg)
{
	struct snaps *s = arg;
	struct snap *k;

	if (s->n >= MAX_SNAPS || !r->sample.regs_abi || !r->sample.stack_size)
		return;
	k = &s->v[s->n];
	memcpy(k->regs, r->sample.regs, sizeof(k->regs));
	k->stack = malloc(r->sample.stack_size);
	if (!k->stack)
		return;
	memcpy(k->stack, r->sample.stack, r->sample.stack_size);
	k->in = (struct unwind_sample){ (pid_t)r->pid, (pid_t)r->tid,        k->regs,
					k->stack,      r->sample.stack_size, 0 };
	s->n++;
}

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Unwinds every snapshot PASSES times after one warm-up pass; OUT gets the
 * last pass's stacks (STACKWALK_MAX each). Returns unwinds per CPU second. */
static double replay(const struct unwinder_ops *ops, struct symbolizer *sym, const struct snaps *s,
		     int passes, uint64_t *out, size_t *depth, double *frames)
{
	void *st = ops->create(sym);
	enum unwind_stop stop;
	double t0, t;
	size_t total = 0;

	for (size_t i = 0; i < s->n; i++)
		depth[i] =
		    ops->unwind(st, &s->v[i].in, out + i * STACKWALK_MAX, STACKWALK_MAX, &stop);
	t0 = cpu_s();
	for (int p = 0; p < passes; p++)
		for (size_t i = 0; i < s->n; i++)
			total += depth[i] = ops->unwind(st, &s->v[i].in, out + i * STACKWALK_MAX,
							STACKWALK_MAX, &stop);
	t = cpu_s() - t0;
	ops->destroy(st);
	*frames = s->n ? (double)total / (double)(s->n * (size_t)passes) : 0;
	return t > 0 ? (double)(s->n * (size_t)passes) / t : 0;
}

static size_t compare(const struct snaps *s, const uint64_t *a, const size_t *da, const uint64_t *b,
		      const size_t *db, const char *bname)
{
	size_t same = 0, shown = 0;

	for (size_t i = 0; i < s->n; i++) {
		int eq = da[i] == db[i] &&
			 !memcmp(a + i * STACKWALK_MAX, b + i * STACKWALK_MAX, da[i] * 8);

		same += eq;
		if (!eq && shown++ < 5)
			printf("differs: sample %zu: libdw %zu frames, %s %zu frames\n", i, da[i],
			       bname, db[i]);
	}
	return same;
}

int main(int argc, char **argv)
{
	struct snaps s = { calloc(MAX_SNAPS, sizeof(struct snap)), 0 };
	struct session_config cfg = {
		.freq_hz = 999,
		.call_graph = CALLGRAPH_DWARF,
		.tap = keep,
		.tap_arg = &s,
		.keep_exited = 1 /* the snapshots are replayed after the command ends */
	};
	int check = 0, a = 1, passes = 3;
	struct session *ses;
	char err[1024];
	uint64_t *pa, *pb, *pc;
	size_t *da, *db, *dc;
	double fa, fb, fc, ra, rb, rc;

	for (; a < argc && strcmp(argv[a], "--"); a++) {
		if (!strcmp(argv[a], "--check"))
			check = 1;
		else if (!strcmp(argv[a], "-F") && a + 1 < argc)
			cfg.freq_hz = (unsigned)atoi(argv[++a]);
	}
	if (a + 1 >= argc || !s.v) {
		fprintf(stderr, "usage: unwind_bench [--check] [-F HZ] -- COMMAND [ARGS...]\n");
		return 2;
	}
	cfg.argv = argv + a + 1;
	ses = session_open(&cfg, err, sizeof(err));
	if (!ses || session_start(ses, err, sizeof(err))) {
		fprintf(stderr, "unwind_bench: %s\n", err);
		return 1;
	}
	while (!session_poll(ses, 100))
		;
	session_finish(ses);
	pa = calloc(s.n * STACKWALK_MAX + 1, 8);
	pb = calloc(s.n * STACKWALK_MAX + 1, 8);
	da = calloc(s.n + 1, sizeof(*da));
	db = calloc(s.n + 1, sizeof(*db));
	pc = calloc(s.n * STACKWALK_MAX + 1, 8);
	dc = calloc(s.n + 1, sizeof(*dc));
	if (!pa || !pb || !da || !db || !pc || !dc)
		return 1;
	ra = replay(&unwinder_libdw, session_symbolizer(ses), &s, passes, pa, da, &fa);
	rb = replay(&unwinder_libunwind, session_symbolizer(ses), &s, passes, pb, db, &fb);
	rc = replay(&unwinder_rules, session_symbolizer(ses), &s, passes, pc, dc, &fc);
	printf("samples: %zu\n", s.n);
	printf("libdw: %.0f unwinds/s, %.1f frames/unwind\n", ra, fa);
	printf("libunwind: %.0f unwinds/s, %.1f frames/unwind\n", rb, fb);
	printf("rules: %.0f unwinds/s, %.1f frames/unwind\n", rc, fc);
	if (check) {
		size_t same = compare(&s, pa, da, pb, db, "libunwind"),
		       same_rules = compare(&s, pa, da, pc, dc, "rules");

		printf("identical: %zu of %zu\n", same, s.n);
		printf("rules identical to libdw: %zu of %zu\n", same_rules, s.n);
		if (same != s.n || same_rules != s.n)
			return 1;
	}
	session_free(ses);
	for (size_t i = 0; i < s.n; i++)
		free(s.v[i].stack);
	free(s.v), free(pa), free(pb), free(da), free(db), free(pc), free(dc);
	return 0;
}
