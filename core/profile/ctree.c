/* ctree — call tree stored as an array of nodes plus a (parent, frame) index. */
#include "ctree.h"

#include "grow.h"
#include "u64map.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct ctree {
	struct ctree_node *v;
	size_t len, cap;
	struct u64map index; /* (parent << 32 | frame) → node */
	size_t nctr;         /* counters per node */
	uint64_t *ctr;       /* 2 * nctr per node: totals, then self */
	size_t ctr_cap;      /* in nodes */
};

static uint64_t edge_key(uint32_t parent, uint32_t frame) { return (uint64_t)parent << 32 | frame; }

static uint32_t push_node(struct ctree *t, uint32_t parent, uint32_t frame)
{
	struct ctree_node *n;

	if (grow_array(&t->v, &t->cap, t->len + 1, sizeof(*t->v)))
		return CTREE_NONE;
	if (t->nctr) {
		size_t old = t->ctr_cap;

		if (grow_array(&t->ctr, &t->ctr_cap, t->len + 1, 2 * t->nctr * sizeof(*t->ctr)))
			return CTREE_NONE;
		memset(t->ctr + old * 2 * t->nctr, 0,
		       (t->ctr_cap - old) * 2 * t->nctr * sizeof(*t->ctr));
	}
	n = &t->v[t->len];
	memset(n, 0, sizeof(*n));
	n->frame = frame;
	n->parent = parent;
	n->first_child = CTREE_NONE;
	n->next_sibling = CTREE_NONE;
	if (parent != CTREE_NONE) {
		n->depth = t->v[parent].depth + 1;
		n->next_sibling = t->v[parent].first_child;
		t->v[parent].first_child = (uint32_t)t->len;
	}
	return (uint32_t)t->len++;
}

struct ctree *ctree_new(void)
{
	struct ctree *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	u64map_init(&t->index);
	if (push_node(t, CTREE_NONE, CTREE_NONE) == CTREE_NONE) {
		free(t);
		return NULL;
	}
	return t;
}

struct ctree *ctree_clone(const struct ctree *t)
{
	struct ctree *c = calloc(1, sizeof(*c));
	size_t cbytes = t->len * 2 * t->nctr * sizeof(*t->ctr);

	if (!c)
		return NULL;
	u64map_init(&c->index);
	c->v = malloc(t->len * sizeof(*c->v));
	c->ctr = t->nctr ? malloc(cbytes) : NULL;
	if (!c->v || (t->nctr && !c->ctr))
		goto fail;
	memcpy(c->v, t->v, t->len * sizeof(*c->v));
	if (t->nctr)
		memcpy(c->ctr, t->ctr, cbytes);
	c->len = c->cap = t->len;
	c->nctr = t->nctr;
	c->ctr_cap = t->nctr ? t->len : 0;
	for (size_t i = 1; i < t->len; i++)
		if (u64map_put(&c->index, edge_key(t->v[i].parent, t->v[i].frame), (uint32_t)i))
			goto fail;
	return c;
fail:
	ctree_free(c);
	return NULL;
}

void ctree_free(struct ctree *t)
{
	if (!t)
		return;
	free(t->v);
	free(t->ctr);
	u64map_clear(&t->index);
	free(t);
}

uint32_t ctree_child(const struct ctree *t, uint32_t parent, uint32_t frame)
{
	uint32_t id = u64map_get(&t->index, edge_key(parent, frame));

	return id == U64MAP_NONE ? CTREE_NONE : id;
}

static uint32_t child_or_new(struct ctree *t, uint32_t parent, uint32_t frame)
{
	uint32_t id = ctree_child(t, parent, frame);

	if (id != CTREE_NONE)
		return id;
	id = push_node(t, parent, frame);
	if (id != CTREE_NONE && u64map_put(&t->index, edge_key(parent, frame), id)) {
		/* Unlink the node we could not index, so the tree stays consistent. */
		t->v[parent].first_child = t->v[id].next_sibling;
		t->len--;
		return CTREE_NONE;
	}
	return id;
}

uint32_t ctree_add_stack(struct ctree *t, const uint32_t *frames, size_t n, uint64_t weight)
{
	return ctree_add_stack_n(t, frames, n, 1, weight);
}

uint32_t ctree_add_stack_n(struct ctree *t, const uint32_t *frames, size_t n, uint64_t samples,
			   uint64_t weight)
{
	uint32_t cur = CTREE_ROOT;

	/* Find or create the whole path first: a failure leaves counts
	 * untouched. Then up through the parents: no copy of the path (N comes
	 * from a file too: nothing on the stack is sized by it). */
	for (size_t i = 0; i < n; i++) {
		cur = child_or_new(t, cur, frames[i]);
		if (cur == CTREE_NONE)
			return CTREE_NONE;
	}
	for (uint32_t id = cur; id != CTREE_NONE; id = t->v[id].parent) {
		t->v[id].samples += samples;
		t->v[id].weight += weight;
	}
	t->v[cur].self_samples += samples;
	t->v[cur].self_weight += weight;
	return cur;
}

int ctree_set_counters(struct ctree *t, size_t nctr)
{
	if (nctr > CTREE_MAX_CTR)
		return -EINVAL;
	free(t->ctr);
	t->ctr = NULL;
	t->ctr_cap = 0;
	t->nctr = nctr;
	if (!nctr || grow_array(&t->ctr, &t->ctr_cap, t->len, 2 * nctr * sizeof(*t->ctr)) == 0) {
		if (nctr)
			memset(t->ctr, 0, t->ctr_cap * 2 * nctr * sizeof(*t->ctr));
		return 0;
	}
	t->nctr = 0;
	return -ENOMEM;
}

size_t ctree_ncounters(const struct ctree *t) { return t->nctr; }

const uint64_t *ctree_ctr_total(const struct ctree *t, uint32_t id)
{
	return t->nctr ? t->ctr + (size_t)id * 2 * t->nctr : NULL;
}

const uint64_t *ctree_ctr_self(const struct ctree *t, uint32_t id)
{
	return t->nctr ? t->ctr + (size_t)id * 2 * t->nctr + t->nctr : NULL;
}

void ctree_charge(struct ctree *t, uint32_t leaf, const uint64_t *ctr)
{
	if (!t->nctr || leaf == CTREE_NONE)
		return;
	for (size_t k = 0; k < t->nctr; k++)
		t->ctr[(size_t)leaf * 2 * t->nctr + t->nctr + k] += ctr[k];
	for (uint32_t id = leaf; id != CTREE_NONE; id = t->v[id].parent)
		for (size_t k = 0; k < t->nctr; k++)
			t->ctr[(size_t)id * 2 * t->nctr + k] += ctr[k];
}

const struct ctree_node *ctree_node(const struct ctree *t, uint32_t id) { return &t->v[id]; }
size_t ctree_len(const struct ctree *t) { return t->len; }

void ctree_walk(const struct ctree *t, uint32_t from, ctree_visit_fn fn, void *arg)
{
	/* Iterative, so a 10 000-deep recursion in the target cannot overflow us. */
	uint32_t id = from;

	while (id != CTREE_NONE) {
		int skip = fn(t, id, arg);

		if (!skip && t->v[id].first_child != CTREE_NONE) {
			id = t->v[id].first_child;
			continue;
		}
		while (id != from && t->v[id].next_sibling == CTREE_NONE)
			id = t->v[id].parent;
		if (id == from)
			break;
		id = t->v[id].next_sibling;
	}
}

size_t ctree_path(const struct ctree *t, uint32_t id, uint32_t *out, size_t max)
{
	size_t depth = id == CTREE_NONE ? 0 : t->v[id].depth;

	for (size_t i = depth; i > 0 && id != CTREE_ROOT; i--, id = t->v[id].parent)
		if (i - 1 < max)
			out[i - 1] = t->v[id].frame;
	return depth;
}

int ctree_cmp_heavier(const void *a, const void *b, void *tree)
{
	const struct ctree_node *x = ctree_node(tree, *(const uint32_t *)a);
	const struct ctree_node *y = ctree_node(tree, *(const uint32_t *)b);

	if (x->weight != y->weight)
		return x->weight < y->weight ? 1 : -1;
	return (x->frame > y->frame) - (x->frame < y->frame);
}

struct add_ctx {
	struct ctree *dst;
	uint32_t *path;
	size_t cap;
	int err;
};

static int add_visit(const struct ctree *t, uint32_t id, void *arg)
{
	struct add_ctx *c = arg;
	const struct ctree_node *n = ctree_node(t, id);
	size_t d;

	if (id == CTREE_ROOT || !n->self_samples || c->err)
		return 0;
	if (grow_array(&c->path, &c->cap, n->depth, sizeof(*c->path))) {
		c->err = -ENOMEM;
		return 1;
	}
	d = ctree_path(t, id, c->path, n->depth);
	if (ctree_add_stack_n(c->dst, c->path, d, n->self_samples, n->self_weight) == CTREE_NONE)
		c->err = -ENOMEM;
	return 0;
}

int ctree_add_tree(struct ctree *dst, const struct ctree *src)
{
	struct add_ctx c = { dst, NULL, 0, 0 };

	ctree_walk(src, CTREE_ROOT, add_visit, &c);
	free(c.path);
	return c.err;
}

void ctree_subtract(struct ctree *t, const struct ctree *earlier)
{
	size_t n = earlier->len < t->len ? earlier->len : t->len;

	for (size_t i = 0; i < n; i++) {
		struct ctree_node *d = &t->v[i];
		const struct ctree_node *e = &earlier->v[i];

		if (d->frame != e->frame || d->parent != e->parent)
			continue; /* not the same node: not a snapshot of T */
		d->samples -= e->samples < d->samples ? e->samples : d->samples;
		d->self_samples -=
		    e->self_samples < d->self_samples ? e->self_samples : d->self_samples;
		d->weight -= e->weight < d->weight ? e->weight : d->weight;
		d->self_weight -= e->self_weight < d->self_weight ? e->self_weight : d->self_weight;
		for (size_t k = 0; t->nctr == earlier->nctr && k < 2 * t->nctr; k++) {
			uint64_t *x = &t->ctr[i * 2 * t->nctr + k];
			uint64_t y = earlier->ctr[i * 2 * t->nctr + k];

			*x -= y < *x ? y : *x;
		}
	}
}
