/* app_search — `/` over the profile in view: every node whose function
 * matches, highlighted, with its share; n / N step through the matches in
 * an order kept by name and path (not by where the last refresh put them),
 * opening the flame graph or the tree to show each. */
#include "app.h"
#include "compare.h"
#include "counting.h"
#include "gpu.h"
#include "grow.h"
#include "outfile.h"
#include "report.h"
#include "saved.h"
#include "face.h"
#include "session.h"
#include "timeline.h"
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int grow_hits(struct app *a)
{
	return grow_array(&a->hits, &a->caphits, a->nhits + 1, sizeof(*a->hits));
}

/* A match's place in an order that refreshes do not move: its function's
 * name, then its path's names from the root. Allocated; NULL: no memory. */
static char *hit_key(const struct app *a, uint32_t node)
{
	const struct frametab *ft = a->profile->frames;
	const char *leaf = frametab_get(ft, ctree_node(a->pv.tree, node)->frame)->name;
	size_t path = 0, head = strlen(leaf) + 1, at;
	char *key;

	for (uint32_t id = node; id != CTREE_ROOT && id != CTREE_NONE;
	     id = ctree_node(a->pv.tree, id)->parent)
		path += strlen(frametab_get(ft, ctree_node(a->pv.tree, id)->frame)->name) + 1;
	if (!(key = malloc(head + path + 1)))
		return NULL;
	memcpy(key, leaf, head - 1);
	key[head - 1] = '\x01';
	key[head + path] = 0;
	/* The path, root first: written from its end backwards. */
	at = head + path;
	for (uint32_t id = node; id != CTREE_ROOT && id != CTREE_NONE;
	     id = ctree_node(a->pv.tree, id)->parent) {
		const char *name = frametab_get(ft, ctree_node(a->pv.tree, id)->frame)->name;
		size_t n = strlen(name);

		at -= n + 1;
		key[at] = '\x02';
		memcpy(key + at + 1, name, n);
	}
	return key;
}

struct keyed_hit {
	char *key;
	uint32_t node;
};

static int cmp_keyed_hit(const void *x, const void *y)
{
	const struct keyed_hit *a = x, *b = y;

	return strcmp(a->key, b->key);
}

/* The hits in that order; the match n/N stepped to last stays current
 * when it is still there (else none is: n goes to the first). */
static void order_hits(struct app *a)
{
	struct keyed_hit *v = a->nhits ? calloc(a->nhits, sizeof(*v)) : NULL;
	size_t i;

	a->hit_cur = a->nhits;
	if (!v)
		return;
	for (i = 0; i < a->nhits; i++) {
		v[i].node = a->hits[i];
		if (!(v[i].key = hit_key(a, a->hits[i])))
			break;
	}
	if (i == a->nhits) {
		qsort(v, a->nhits, sizeof(*v), cmp_keyed_hit);
		for (i = 0; i < a->nhits; i++) {
			a->hits[i] = v[i].node;
			if (a->hit_key && !strcmp(v[i].key, a->hit_key))
				a->hit_cur = i;
		}
	}
	for (i = 0; i < a->nhits; i++)
		free(v[i].key);
	free(v);
}

/* Which frames match, the matching nodes in pre-order (heaviest first), and
 * the share of samples with a match anywhere on their stack. */
void app_search_update(struct app *a)
{
	size_t nf = frametab_len(a->profile->frames);
	uint32_t *stack = NULL;
	uint8_t *under = NULL; /* per stack entry: a match above it */
	size_t sp = 0, cap = 0, ucap = 0;
	uint64_t weight = 0;

	a->nhits = 0;
	a->hit_cur = 0;
	a->search_funcs = 0;
	a->search_pct = 0;
	if (!a->search[0])
		return;
	if (nf > a->nmatch) {
		uint8_t *m = realloc(a->match, nf);

		if (!m)
			return;
		a->match = m;
		a->nmatch = nf;
	}
	for (size_t i = 0; i < nf; i++) {
		a->match[i] = strcasestr(frametab_get(a->profile->frames, (uint32_t)i)->name,
					 a->search) != NULL;
		a->search_funcs += a->match[i];
	}
	if (grow_array(&stack, &cap, 1, sizeof(*stack)) ||
	    grow_array(&under, &ucap, 1, sizeof(*under)))
		goto out;
	stack[sp] = CTREE_ROOT;
	under[sp++] = 0;
	while (sp) {
		uint32_t id = stack[--sp];
		int above = under[sp];
		const struct ctree_node *n = ctree_node(a->pv.tree, id);
		int m = id != CTREE_ROOT && n->frame < a->nmatch && a->match[n->frame];
		size_t nk;
		const uint32_t *k = kids_of(&a->kids, id, &nk);

		if (m && !grow_hits(a))
			a->hits[a->nhits++] = id;
		if (m && !above)
			weight += n->weight;
		if (grow_array(&stack, &cap, sp + nk, sizeof(*stack)) ||
		    grow_array(&under, &ucap, sp + nk, sizeof(*under)))
			break;
		for (size_t i = nk; i > 0; i--) { /* heaviest popped first */
			stack[sp] = k[i - 1];
			under[sp++] = (uint8_t)(above || m);
		}
	}
	a->search_pct = app_pct(a, weight);
	order_hits(a);
out:
	free(stack);
	free(under);
}

/* ---- search navigation (flame and tree) ---- */

static int in_subtree(const struct ctree *t, uint32_t node, uint32_t root)
{
	for (; node != CTREE_NONE; node = ctree_node(t, node)->parent)
		if (node == root)
			return 1;
	return 0;
}

/* DIR 0: the first hit; 1 / -1: the next / previous after the selection. */
void app_search_jump(struct app *a, int dir)
{
	size_t at = 0;

	if (!a->nhits) {
		app_message(a, 0, a->search[0] ? "no match for '%s'" : "no search (/ starts one)",
			    a->search);
		return;
	}
	/* The match stepped to last, not the selection: the flame view may
	 * move the selection to an ancestor when a match is too narrow to
	 * draw, and the next n must still be the next match. */
	if (dir == 0 || a->hit_cur >= a->nhits)
		at = dir < 0 ? a->nhits - 1 : 0;
	else
		at = (a->hit_cur + a->nhits + (dir > 0 ? 1 : a->nhits - 1)) % a->nhits;
	a->hit_cur = at;
	if (!in_subtree(a->pv.tree, a->hits[at], app_zoom_root(a)))
		a->nzoom = 0;
	/* Too narrow for a cell of the flame graph: zoom to its caller, so the
	 * match itself is shown and selected. */
	if (a->view == VIEW_FLAME && a->main_rect.w > 0 && a->nzoom < 64) {
		uint64_t rw = ctree_node(a->pv.tree, app_zoom_root(a))->weight;
		uint64_t hw = ctree_node(a->pv.tree, a->hits[at])->weight;

		if (rw && (double)hw * a->main_rect.w / (double)rw < 1.5) {
			uint32_t parent = ctree_node(a->pv.tree, a->hits[at])->parent;

			a->zoom[a->nzoom++] = parent != CTREE_NONE ? parent : a->hits[at];
			a->flame_scroll = 0;
		}
	}
	app_select(a, a->hits[at]);
	free(a->hit_key);
	a->hit_key = hit_key(a, a->hits[at]); /* found again after a refresh */
	app_message(a, 0, "match %zu of %zu for '%s' (%.1f%% of samples)", at + 1, a->nhits,
		    a->search, a->search_pct);
}
