/* pview — derived call trees from the per-(thread, leaf) counts. */
#include "pview.h"

#include "stackwalk.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void set_totals(struct pview *v)
{
	const struct ctree_node *root = ctree_node(v->tree, CTREE_ROOT);

	v->samples = root->samples;
	v->weight = root->weight;
}

/* A leaf's counts as the spec wants them; 0 samples: leave it out. */
static int leaf_counts(const struct leaf_stat *l, const struct pview_spec *spec, uint64_t *samples,
		       uint64_t *weight)
{
	if (spec->tid && l->tid != spec->tid)
		return 0;
	if (spec->recent) {
		*samples = (uint64_t)llround(l->recent_samples);
		*weight = (uint64_t)llround(l->recent_weight);
	} else {
		*samples = l->samples;
		*weight = l->weight;
	}
	return *samples > 0;
}

/* Index of the outermost (FIRST) or innermost occurrence of FRAME in PATH. */
static long find_frame(const uint32_t *path, size_t n, uint32_t frame, int first)
{
	long at = -1;

	for (size_t i = 0; i < n; i++)
		if (path[i] == frame) {
			at = (long)i;
			if (first)
				break;
		}
	return at;
}

typedef int (*stack_fn)(struct ctree *t, uint32_t *path, size_t n, uint64_t samples,
			uint64_t weight, const void *arg);

/* Hands FN the stack of every leaf of table V (over tree T) the spec admits. */
static int walk_leaves(struct pview *v, const struct ctree *t, const struct leaf_stat *ls,
		       size_t nls, const struct pview_spec *spec, stack_fn fn, const void *arg)
{
	uint32_t path[STACKWALK_MAX + 1];

	for (size_t i = 0; i < nls; i++) {
		const struct leaf_stat *l = &ls[i];
		uint64_t samples, weight;
		size_t n;

		if (!leaf_counts(l, spec, &samples, &weight))
			continue;
		n = ctree_path(t, l->leaf, path, STACKWALK_MAX + 1);
		if (n > STACKWALK_MAX + 1)
			n = STACKWALK_MAX + 1;
		v->base_weight += weight;
		if (fn(v->tree, path, n, samples, weight, arg))
			return -ENOMEM;
	}
	return 0;
}

/* Walks every counted leaf of P the spec admits (with the off-CPU ones in
 * wall mode), handing FN its stack. */
static int rebuild(struct pview *v, const struct profile *p, const struct pview_spec *spec,
		   stack_fn fn, const void *arg)
{
	v->tree = ctree_new();
	v->owned = 1;
	if (!v->tree)
		return -ENOMEM;
	if (walk_leaves(v, p->tree, p->leaves, p->nleaves, spec, fn, arg) ||
	    (spec->wall && walk_leaves(v, p->off, p->off_leaves, p->noff_leaves, spec, fn, arg))) {
		pview_release(v);
		return -ENOMEM;
	}
	set_totals(v);
	return 0;
}

static int add_whole(struct ctree *t, uint32_t *path, size_t n, uint64_t samples, uint64_t weight,
		     const void *arg)
{
	(void)arg;
	return ctree_add_stack_n(t, path, n, samples, weight) == CTREE_NONE;
}

/* Focus: the stack from the focused function's outermost occurrence down. */
static int add_focused(struct ctree *t, uint32_t *path, size_t n, uint64_t samples, uint64_t weight,
		       const void *arg)
{
	long at = find_frame(path, n, *(const uint32_t *)arg, 1);

	if (at < 0)
		return 0;
	return ctree_add_stack_n(t, path + at, n - (size_t)at, samples, weight) == CTREE_NONE;
}

/* Callers: from the innermost occurrence up to the thread's root. */
static int add_callers(struct ctree *t, uint32_t *path, size_t n, uint64_t samples, uint64_t weight,
		       const void *arg)
{
	long at = find_frame(path, n, *(const uint32_t *)arg, 0);

	if (at < 0)
		return 0;
	for (long i = 0, j = at; i < j; i++, j--) {
		uint32_t x = path[i];

		path[i] = path[j];
		path[j] = x;
	}
	return ctree_add_stack_n(t, path, (size_t)at + 1, samples, weight) == CTREE_NONE;
}

int pview_build(struct pview *v, const struct profile *p, const struct pview_spec *spec)
{
	memset(v, 0, sizeof(*v));
	if (!spec->tid && !spec->recent && spec->focus == CTREE_NONE && !spec->wall) {
		v->tree = spec->frozen ? ctree_clone(p->tree) : p->tree;
		v->owned = spec->frozen;
		if (!v->tree)
			return -ENOMEM;
		set_totals(v);
		v->base_weight = v->weight;
		return 0;
	}
	if (spec->focus != CTREE_NONE)
		return rebuild(v, p, spec, add_focused, &spec->focus);
	return rebuild(v, p, spec, add_whole, NULL);
}

int pview_callers(struct pview *v, const struct profile *p, const struct pview_spec *spec,
		  uint32_t frame)
{
	memset(v, 0, sizeof(*v));
	return rebuild(v, p, spec, add_callers, &frame);
}

void pview_release(struct pview *v)
{
	if (v->owned)
		ctree_free(v->tree);
	memset(v, 0, sizeof(*v));
}

double pview_pct(const struct pview *v, uint64_t weight)
{
	/* Of every sample the thread and time filters admit: a focused
	 * function keeps the share it has in the whole profile. */
	uint64_t base = v->owned ? v->base_weight : ctree_node(v->tree, CTREE_ROOT)->weight;

	/* (A borrowed live tree grows between refreshes: its root is current.) */
	return base ? 100.0 * (double)weight / (double)base : 0.0;
}
