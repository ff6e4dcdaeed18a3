/* redraw_bench — how long the screen takes to draw a big profile.
 *
 * Builds a synthetic call tree of NODES nodes (default 100 000: deep and
 * bushy, 5 000 distinct functions), then times, on a 200x60 surface:
 *   - a full redraw of each view;
 *   - key-to-screen: one key handled and the screen drawn again, for the
 *     keys people press most (moves, zoom in/out, view switches, search);
 *   - a refresh (the view rebuilt from the model, as each second);
 *   - a YAML export of the whole profile.
 * Each figure is the median of many repetitions, in milliseconds.  No
 * terminal: what is timed is flametop's own work, not the terminal's. */
#include "app.h"
#include "exporters.h"
#include "report.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t next(uint32_t n)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* Stacks from a skewed random walk: a few hot paths, a long tail. */
static struct profile *big_profile(size_t nodes)
{
	struct profile *p = profile_new();
	uint32_t f[5000], stack[64];
	char name[64];

	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "ns::module_%d::function_%d", i % 37, i);
		f[i] = frametab_intern(p->frames, name, i % 3 ? "libbench.so" : "bench", NULL, 0,
				       i % 3 ? FRAME_LIBRARY : FRAME_USER);
	}
	while (ctree_len(p->tree) < nodes) {
		size_t depth = 3 + next(40);

		for (size_t d = 0; d < depth; d++)
			/* Shallow frames come from few functions: a real tree's shape. */
			stack[d] = f[next(d < 3 ? 4 : d < 8 ? 40 : 5000)];
		profile_add(p, 1, 1 + (pid_t)next(8), stack, depth, 1000000, 0);
	}
	return p;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return v[n / 2];
}

#define MAX_REPS 10000

static double time_draw(struct app *a, struct surface *s, int reps)
{
	static double t[MAX_REPS];

	for (int i = 0; i < reps; i++) {
		double t0 = now_ms();

		app_draw(a, s);
		t[i] = now_ms() - t0;
	}
	return median(t, reps);
}

static double time_keys(struct app *a, struct surface *s, const uint32_t *keys, int nkeys, int reps)
{
	static double t[MAX_REPS];

	for (int i = 0; i < reps; i++) {
		struct key k = { keys[i % nkeys], 0, 0 };
		double t0 = now_ms();

		app_key(a, &k);
		app_draw(a, s);
		t[i] = now_ms() - t0;
	}
	return median(t, reps);
}

int main(int argc, char **argv)
{
	size_t nodes = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
	int reps = argc > 2 ? atoi(argv[2]) : 50;
	struct profile *p;
	struct app a;
	struct surface s = { 0 };
	double t0, t[16];
	static const uint32_t moves[] = { 'j', 'j', 'l', 'l', 'h', 'k', 'j', 'l' };
	static const uint32_t zooms[] = { 'j', K_ENTER, 'j', K_ENTER, K_BACKSPACE, K_BACKSPACE };
	static const uint32_t views[] = { '1', '2', '3', '4', '5' };
	static const uint32_t tree[] = { 'j', 'j', K_ENTER, 'j', K_ENTER, 'k' };

	setlocale(LC_ALL, "C.UTF-8");
	if (reps < 1)
		reps = 1;
	if (reps > MAX_REPS)
		reps = MAX_REPS;
	t0 = now_ms();
	p = big_profile(nodes);
	printf("profile: %zu nodes, %zu functions, %llu samples (built in %.0f ms)\n",
	       ctree_len(p->tree), frametab_len(p->frames), (unsigned long long)p->samples,
	       now_ms() - t0);
	if (app_init(&a, NULL, p)) {
		fprintf(stderr, "redraw_bench: out of memory\n");
		return 1;
	}
	s.g = &glyphs_utf8;
	surf_resize(&s, 200, 60);
	for (int v = 0; v < VIEW_COUNT; v++) {
		char name[32];

		a.view = (enum view_id)v;
		printf("redraw %-12s %8.2f ms", app_view_lower(app_views[v], name, sizeof(name)),
		       time_draw(&a, &s, reps));
		if (v == VIEW_FLAME)
			printf("  (%zu frames drawn)", a.nboxes);
		if (v == VIEW_TREE)
			printf("  (%zu rows open)", a.ts.nrows);
		printf("\n");
	}
	a.view = VIEW_FLAME;
	printf("key→screen %-8s %8.2f ms\n", "move", time_keys(&a, &s, moves, 8, reps));
	printf("key→screen %-8s %8.2f ms\n", "zoom", time_keys(&a, &s, zooms, 6, reps));
	printf("key→screen %-8s %8.2f ms\n", "views", time_keys(&a, &s, views, 5, reps));
	a.view = VIEW_TREE;
	printf("key→screen %-8s %8.2f ms\n", "tree", time_keys(&a, &s, tree, 6, reps));
	for (int i = 0; i < 5; i++) {
		t0 = now_ms();
		app_refresh(&a);
		t[i] = now_ms() - t0;
	}
	printf("refresh (rebuild)   %8.2f ms\n", median(t, 5));
	for (int i = 0; i < 5; i++) {
		struct report r;
		FILE *f = fopen("/dev/null", "w");

		memset(&r, 0, sizeof(r));
		r.profile = p;
		r.prune_pct = REPORT_PRUNE_PCT;
		r.ledger = &a.ledger;
		t0 = now_ms();
		exporter_yaml.write(f, &r);
		t[i] = now_ms() - t0;
		fclose(f);
	}
	printf("YAML export         %8.2f ms\n", median(t, 5));
	app_fini(&a);
	surf_free(&s);
	profile_free(p);
	return 0;
}
