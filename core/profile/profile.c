/* profile — sample aggregation and per-function rollups. */
#include "profile.h"

#include "grow.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STACKWALK_MAX_PATH 1025 /* a sample's frames and the reason frame */

struct profile *profile_new(void)
{
	struct profile *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	u64map_init(&p->leaf_index);
	u64map_init(&p->off_index);
	u64map_init(&p->thread_index);
	addrs_init(&p->addrs);
	p->frames = frametab_new();
	p->tree = ctree_new();
	p->off = ctree_new();
	if (!p->frames || !p->tree || !p->off) {
		profile_free(p);
		return NULL;
	}
	return p;
}

void profile_free(struct profile *p)
{
	if (!p)
		return;
	frametab_free(p->frames);
	ctree_free(p->tree);
	free(p->threads);
	free(p->leaves);
	u64map_clear(&p->leaf_index);
	ctree_free(p->off);
	free(p->off_leaves);
	u64map_clear(&p->off_index);
	u64map_clear(&p->thread_index);
	addrs_fini(&p->addrs);
	free(p);
}

struct thread_stat *profile_thread(struct profile *p, pid_t pid, pid_t tid)
{
	uint32_t i = u64map_get(&p->thread_index, (uint64_t)(uint32_t)tid);
	struct thread_stat *t;

	/* By tid through an index: a saved export may hold 200 000 threads. */
	if (i != U64MAP_NONE)
		return &p->threads[i];
	if (grow_array(&p->threads, &p->cap_threads, p->nthreads + 1, sizeof(*p->threads)) ||
	    u64map_put(&p->thread_index, (uint64_t)(uint32_t)tid, (uint32_t)p->nthreads))
		return NULL;
	t = &p->threads[p->nthreads++];
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->tid = tid;
	return t;
}

void profile_thread_comm(struct profile *p, pid_t pid, pid_t tid, const char *comm)
{
	struct thread_stat *t = profile_thread(p, pid, tid);

	if (t)
		snprintf(t->comm, sizeof(t->comm), "%s", comm);
}

void profile_thread_pyname(struct profile *p, pid_t pid, pid_t tid, const char *name)
{
	struct thread_stat *t = profile_thread(p, pid, tid);

	if (t)
		snprintf(t->pyname, sizeof(t->pyname), "%s", name);
}

/* The (TID, LEAF) entry of a leaf table, added if new; NULL on ENOMEM (the
 * thread filter then misses it; the tree has it). */
static struct leaf_stat *leaf_entry(struct leaf_stat **v, size_t *n, size_t *cap,
				    struct u64map *index, pid_t tid, uint32_t leaf)
{
	uint64_t key = (uint64_t)(uint32_t)tid << 32 | leaf;
	uint32_t i = u64map_get(index, key);

	if (i == U64MAP_NONE) {
		if (grow_array(v, cap, *n + 1, sizeof(**v)) || u64map_put(index, key, (uint32_t)*n))
			return NULL;
		i = (uint32_t)(*n)++;
		(*v)[i] = (struct leaf_stat){ .tid = tid, .leaf = leaf };
	}
	return &(*v)[i];
}

static void count_leaf(struct profile *p, pid_t tid, uint32_t leaf, uint64_t samples,
		       uint64_t weight)
{
	struct leaf_stat *l =
	    leaf_entry(&p->leaves, &p->nleaves, &p->cap_leaves, &p->leaf_index, tid, leaf);

	if (!l)
		return;
	l->samples += samples;
	l->weight += weight;
	l->recent_samples += (double)samples;
	l->recent_weight += (double)weight;
}

void profile_decay(struct profile *p, double factor)
{
	for (size_t i = 0; i < p->nleaves; i++) {
		p->leaves[i].recent_samples *= factor;
		p->leaves[i].recent_weight *= factor;
	}
	for (size_t i = 0; i < p->noff_leaves; i++) {
		p->off_leaves[i].recent_samples *= factor;
		p->off_leaves[i].recent_weight *= factor;
	}
}

static void add(struct profile *p, pid_t pid, pid_t tid, const uint32_t *frames, size_t n,
		uint64_t samples, uint64_t weight, int leaf_kernel, const uint64_t *ctr)
{
	struct thread_stat *t;
	uint32_t leaf = ctree_add_stack_n(p->tree, frames, n, samples, weight);
	size_t nctr = ctree_ncounters(p->tree);

	if (leaf == CTREE_NONE) {
		p->dropped += samples;
		return;
	}
	p->samples += samples;
	p->weight += weight;
	p->kernel_samples += leaf_kernel ? samples : 0;
	if (ctr)
		ctree_charge(p->tree, leaf, ctr);
	count_leaf(p, tid, leaf, samples, weight);
	t = profile_thread(p, pid, tid);
	if (t) {
		t->samples += samples;
		t->weight += weight;
		for (size_t k = 0; ctr && k < nctr; k++)
			t->ctr[k] += ctr[k];
	}
}

void profile_add_ctr(struct profile *p, pid_t pid, pid_t tid, const uint32_t *frames, size_t n,
		     uint64_t weight, int leaf_kernel, const uint64_t *ctr)
{
	add(p, pid, tid, frames, n, 1, weight, leaf_kernel, ctr);
}

void profile_add_n(struct profile *p, pid_t pid, pid_t tid, const uint32_t *frames, size_t n,
		   uint64_t samples, uint64_t weight, int leaf_kernel)
{
	add(p, pid, tid, frames, n, samples, weight, leaf_kernel, NULL);
}

void profile_add(struct profile *p, pid_t pid, pid_t tid, const uint32_t *frames, size_t n,
		 uint64_t weight, int leaf_kernel)
{
	profile_add_ctr(p, pid, tid, frames, n, weight, leaf_kernel, NULL);
}

uint32_t profile_reason_frame(struct profile *p, enum block_reason reason)
{
	char name[64];

	blocking_frame_name(reason, name, sizeof(name));
	return frametab_intern(p->frames, name, "[off-cpu]", NULL, 0, FRAME_OFFCPU);
}

void profile_add_off_path(struct profile *p, pid_t pid, pid_t tid, const uint32_t *path, size_t n,
			  uint64_t intervals, uint64_t ns, enum block_reason reason)
{
	uint32_t leaf = ctree_add_stack_n(p->off, path, n, intervals, ns);
	struct thread_stat *t;
	struct leaf_stat *l;

	if (leaf == CTREE_NONE)
		return;
	p->off_ns += ns;
	p->off_reason_ns[reason] += ns;
	l = leaf_entry(&p->off_leaves, &p->noff_leaves, &p->cap_off_leaves, &p->off_index, tid,
		       leaf);
	if (l) {
		l->samples += intervals;
		l->weight += ns;
		l->recent_samples += (double)intervals;
		l->recent_weight += (double)ns;
	}
	if ((t = profile_thread(p, pid, tid))) {
		t->off_ns += ns;
		t->off_reason_ns[reason] += ns;
	}
}

void profile_add_offcpu(struct profile *p, pid_t pid, pid_t tid, const uint32_t *frames, size_t n,
			uint64_t intervals, uint64_t ns, enum block_reason reason)
{
	uint32_t path[STACKWALK_MAX_PATH];
	uint32_t rf = profile_reason_frame(p, reason);

	if (rf == FRAME_NONE)
		return;
	if (n > STACKWALK_MAX_PATH - 1)
		n = STACKWALK_MAX_PATH - 1;
	if (n) /* a wait whose switch-out sample was lost has no stack (FRAMES NULL) */
		memcpy(path, frames, n * sizeof(*path));
	path[n] = rf;
	profile_add_off_path(p, pid, tid, path, n + 1, intervals, ns, reason);
}

struct ctree *profile_wall_tree(const struct profile *p)
{
	struct ctree *t = ctree_clone(p->tree);

	if (t && ctree_add_tree(t, p->off)) {
		ctree_free(t);
		return NULL;
	}
	return t;
}

int profile_set_counters(struct profile *p, size_t nctr)
{
	return ctree_set_counters(p->tree, nctr);
}

void profile_tick_threads(struct profile *p)
{
	for (size_t i = 0; i < p->nthreads; i++) {
		struct thread_stat *t = &p->threads[i];

		for (size_t k = 0; k < CTREE_MAX_CTR; k++) {
			t->ctr_last[k] = t->ctr[k] - t->ctr_mark[k];
			t->ctr_mark[k] = t->ctr[k];
		}
		t->weight_last = t->weight - t->weight_mark;
		t->weight_mark = t->weight;
	}
}

double profile_pct(const struct profile *p, uint64_t weight)
{
	return p->weight ? 100.0 * (double)weight / (double)p->weight : 0.0;
}

struct rollup {
	struct hotspot *by_frame; /* indexed by frame id */
	uint32_t *on_path;        /* how many ancestors of the current node share its frame */
};

/* Total is added only at the outermost occurrence of a frame on a path, so
 * recursion does not count a sample twice. */
static void rollup_node(const struct ctree *t, uint32_t id, struct rollup *r)
{
	const struct ctree_node *n = ctree_node(t, id);
	struct hotspot *h = &r->by_frame[n->frame];
	const uint64_t *self = ctree_ctr_self(t, id), *total = ctree_ctr_total(t, id);
	size_t nctr = ctree_ncounters(t);

	h->self_samples += n->self_samples;
	h->self_weight += n->self_weight;
	for (size_t k = 0; k < nctr; k++)
		h->self_ctr[k] += self[k];
	if (r->on_path[n->frame] == 0) {
		h->total_samples += n->samples;
		h->total_weight += n->weight;
		for (size_t k = 0; k < nctr; k++)
			h->total_ctr[k] += total[k];
	}
}

static void rollup_tree(const struct ctree *t, struct rollup *r)
{
	/* Depth-first with explicit enter/leave so on_path stays exact. */
	uint32_t id = ctree_node(t, CTREE_ROOT)->first_child;

	while (id != CTREE_NONE) {
		const struct ctree_node *n = ctree_node(t, id);

		rollup_node(t, id, r);
		r->on_path[n->frame]++;
		if (n->first_child != CTREE_NONE) {
			id = n->first_child;
			continue;
		}
		for (;;) {
			n = ctree_node(t, id);
			r->on_path[n->frame]--;
			if (n->next_sibling != CTREE_NONE) {
				id = n->next_sibling;
				break;
			}
			id = n->parent;
			if (id == CTREE_ROOT) {
				id = CTREE_NONE;
				break;
			}
		}
	}
}

static int cmp_self(const void *a, const void *b)
{
	const struct hotspot *x = a, *y = b;

	if (x->self_weight != y->self_weight)
		return x->self_weight < y->self_weight ? 1 : -1;
	if (x->total_weight != y->total_weight)
		return x->total_weight < y->total_weight ? 1 : -1;
	return (x->frame > y->frame) - (x->frame < y->frame);
}

long profile_hotspots(const struct profile *p, struct hotspot **out)
{
	return ctree_hotspots(p->tree, frametab_len(p->frames), out);
}

long ctree_hotspots(const struct ctree *t, size_t nf, struct hotspot **out)
{
	size_t n = 0;
	struct rollup r = { calloc(nf + 1, sizeof(*r.by_frame)),
			    calloc(nf + 1, sizeof(*r.on_path)) };

	if (!r.by_frame || !r.on_path) {
		free(r.by_frame);
		free(r.on_path);
		return -ENOMEM;
	}
	rollup_tree(t, &r);
	for (size_t i = 0; i < nf; i++) {
		r.by_frame[i].frame = (uint32_t)i;
		r.by_frame[i].process = CTREE_NONE;
		if (r.by_frame[i].total_samples)
			r.by_frame[n++] = r.by_frame[i];
	}
	qsort(r.by_frame, n, sizeof(*r.by_frame), cmp_self);
	free(r.on_path);
	*out = r.by_frame;
	return (long)n;
}

struct proc_walk {
	uint64_t *self, *weight; /* per frame, in the process walked */
	uint32_t *touched;
	size_t ntouched;
};

static int proc_visit(const struct ctree *t, uint32_t id, void *arg)
{
	struct proc_walk *w = arg;
	const struct ctree_node *n = ctree_node(t, id);

	if (!w->self[n->frame] && !w->weight[n->frame])
		w->touched[w->ntouched++] = n->frame;
	w->self[n->frame] += n->self_weight;
	w->weight[n->frame] += n->weight ? n->weight : 1;
	return 0;
}

int ctree_hotspot_processes(const struct ctree *t, size_t nf, struct hotspot *hs, size_t n)
{
	struct proc_walk w = { calloc(nf + 1, sizeof(uint64_t)), calloc(nf + 1, sizeof(uint64_t)),
			       calloc(ctree_len(t) + 1, sizeof(uint32_t)), 0 };
	uint64_t *best_self = calloc(nf + 1, sizeof(uint64_t)),
		 *best_w = calloc(nf + 1, sizeof(uint64_t));
	uint32_t *best = calloc(nf + 1, sizeof(uint32_t)),
		 *count = calloc(nf + 1, sizeof(uint32_t));
	int e = -ENOMEM;

	if (!w.self || !w.weight || !w.touched || !best_self || !best_w || !best || !count)
		goto out;
	for (uint32_t c = ctree_node(t, CTREE_ROOT)->first_child; c != CTREE_NONE;
	     c = ctree_node(t, c)->next_sibling) {
		uint32_t proc = ctree_node(t, c)->frame;

		w.ntouched = 0;
		ctree_walk(t, c, proc_visit, &w);
		for (size_t i = 0; i < w.ntouched; i++) {
			uint32_t f = w.touched[i];

			count[f]++;
			if (w.self[f] > best_self[f] ||
			    (w.self[f] == best_self[f] && w.weight[f] > best_w[f])) {
				best_self[f] = w.self[f];
				best_w[f] = w.weight[f];
				best[f] = proc + 1;
			}
			w.self[f] = w.weight[f] = 0;
		}
	}
	for (size_t i = 0; i < n; i++) {
		hs[i].process =
		    hs[i].frame < nf && best[hs[i].frame] ? best[hs[i].frame] - 1 : CTREE_NONE;
		hs[i].nprocesses = hs[i].frame < nf ? count[hs[i].frame] : 0;
	}
	e = 0;
out:
	free(w.self), free(w.weight), free(w.touched);
	free(best_self), free(best_w), free(best), free(count);
	return e;
}

struct from_tree {
	struct profile *p;
	const struct frametab *ft;
	uint32_t *path, *ids;
	size_t cap;
	int err;
};

static int add_node(const struct ctree *t, uint32_t id, void *arg)
{
	struct from_tree *c = arg;
	const struct ctree_node *n = ctree_node(t, id);
	size_t depth;

	if (id == CTREE_ROOT || !n->self_samples)
		return 0;
	if (grow_array(&c->path, &c->cap, n->depth, sizeof(*c->path)) ||
	    !(c->ids = realloc(c->ids, c->cap * sizeof(*c->ids)))) {
		c->err = -ENOMEM;
		return 1;
	}
	depth = ctree_path(t, id, c->path, c->cap);
	for (size_t i = 0; i < depth; i++) {
		const struct frame *f = frametab_get(c->ft, c->path[i]);

		c->ids[i] = f->inlined ? frametab_intern_inline(c->p->frames, f->name, f->module,
								f->file, f->line, f->kind)
				       : frametab_intern(c->p->frames, f->name, f->module, f->file,
							 f->line, f->kind);
		if (c->ids[i] == FRAME_NONE) {
			c->err = -ENOMEM;
			return 1;
		}
	}
	profile_add_n(c->p, 1, 1, c->ids, depth, n->self_samples, n->self_weight,
		      frametab_get(c->ft, c->path[depth - 1])->kind == FRAME_KERNEL);
	return 0;
}

struct profile *profile_from_tree(const struct ctree *t, const struct frametab *ft)
{
	struct from_tree c = { profile_new(), ft, NULL, NULL, 0, 0 };

	if (c.p)
		ctree_walk(t, CTREE_ROOT, add_node, &c);
	free(c.path);
	free(c.ids);
	if (c.err) {
		profile_free(c.p);
		return NULL;
	}
	return c.p;
}

uint64_t profile_lost_total(const struct profile *p)
{
	return p->lost + p->dropped + p->queue_dropped + p->cut;
}
