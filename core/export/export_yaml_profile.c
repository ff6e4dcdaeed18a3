/* export_yaml_profile — the YAML's `profile` section: the frame table and
 * every (thread, call stack) with its samples, weight and counters. */
#include "export_yaml_impl.h"

#include "compare.h"
#include "saved.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The whole call tree, for `flametop report` to rebuild every view from:
 * the frame table, then one stack per (thread, call stack) as frame ids
 * root first, and the counters charged to each node. */
static void profile_frames(struct yctx *c)
{
	const struct frametab *ft = c->p->frames;
	struct yamlw *w = &c->w;

	yw_key(w, "modules");
	yw_seq(w);
	for (size_t i = 0; i < frametab_nmodules(ft); i++) {
		const struct frame_module *m = frametab_module_at(ft, i);

		yw_map(w);
		yw_kstr(w, "name", m->name);
		yw_kstr(w, "path", m->path);
		yw_kstr(w, "build_id", m->build_id);
		if (m->symbols)
			yw_kstr(w, "symbols", m->symbols);
		if (m->debuginfo)
			yw_kstr(w, "debuginfo", m->debuginfo);
		if (m->debuginfod)
			yw_kstr(w, "debuginfod", m->debuginfod);
		yw_end_map(w);
	}
	yw_end_seq(w);
	yw_key(w, "frames");
	yw_seq(w);
	for (size_t i = 0; i < frametab_len(ft); i++) {
		const struct frame *f = frametab_get(ft, (uint32_t)i);

		yw_map(w);
		yw_kstr(w, "name", f->name);
		yw_kstr(w, "module", f->module);
		yw_kstr(w, "file", f->file);
		yw_kuint(w, "line", f->line);
		yw_kstr(w, "kind", frame_kind_name(f->kind));
		yw_kbool(w, "inlined", f->inlined);
		yw_end_map(w);
	}
	yw_end_seq(w);
}

static void flow_path(struct yctx *c, const struct ctree *t, uint32_t node)
{
	long d = path_of(c, t, node);

	if (d < 0) {
		c->err = -ENOMEM;
		d = 0;
	}
	yw_flow_seq(&c->w);
	for (long k = 0; k < d; k++)
		yw_uint(&c->w, c->path[k]);
	yw_end_seq(&c->w);
}

static int node_counters(const struct ctree *t, uint32_t id, void *arg)
{
	struct yctx *c = arg;
	const uint64_t *self = ctree_ctr_self(t, id);
	int any = 0;

	for (size_t k = 0; self && k < ctree_ncounters(t); k++)
		any |= self[k] != 0;
	if (id == CTREE_ROOT || !any)
		return 0;
	yw_map(&c->w);
	yw_key(&c->w, "frames");
	flow_path(c, t, id);
	yw_key(&c->w, "self");
	yw_flow_seq(&c->w);
	for (size_t k = 0; k < ctree_ncounters(t); k++)
		yw_uint(&c->w, self[k]);
	yw_end_seq(&c->w);
	yw_end_map(&c->w);
	return 0;
}

/* KEY: one entry per (thread, stack) of a leaf table over tree T. */
static void write_stacks(struct yctx *c, const char *key, const struct ctree *t,
			 const struct leaf_stat *ls, size_t n, const char *count,
			 const char *weight)
{
	struct yamlw *w = &c->w;

	yw_key(w, key);
	yw_seq(w);
	for (size_t i = 0; i < n; i++) {
		yw_map(w);
		yw_kint(w, "tid", ls[i].tid);
		yw_key(w, "frames");
		flow_path(c, t, ls[i].leaf);
		yw_kuint(w, count, ls[i].samples);
		yw_kuint(w, weight, ls[i].weight);
		yw_end_map(w);
	}
	yw_end_seq(w);
}

void ey_section_profile(struct yctx *c)
{
	const struct profile *p = c->p;
	const struct counting *k = c->r->counting;
	struct yamlw *w = &c->w;

	yw_key(w, "profile");
	yw_map(w);
	yw_kstr(w, "weight_unit", c->r->weight_ns ? "nanoseconds" : "events");
	yw_kuint(w, "samples", p->samples);
	yw_kuint(w, "weight", p->weight);
	yw_kuint(w, "lost", p->lost);
	profile_frames(c);
	yw_key(w, "threads");
	yw_seq(w);
	for (size_t i = 0; i < p->nthreads; i++) {
		yw_map(w);
		yw_kint(w, "pid", p->threads[i].pid);
		yw_kint(w, "tid", p->threads[i].tid);
		yw_kstr(w, "comm", p->threads[i].comm);
		if (p->threads[i].pyname[0])
			yw_kstr(w, "python_name", p->threads[i].pyname);
		yw_end_map(w);
	}
	yw_end_seq(w);
	write_stacks(c, "stacks", p->tree, p->leaves, p->nleaves, "samples", "weight");
	/* Off-CPU: blocked intervals per (thread, switch-out stack), the
	 * reason frame last; weight in nanoseconds. */
	yw_kbool(w, "off_cpu", p->off_on);
	write_stacks(c, "off_stacks", p->off, p->off_leaves, p->noff_leaves, "intervals", "ns");
	yw_key(w, "counter_events");
	yw_seq(w);
	for (size_t i = 0; k && i < k->n && i < ctree_ncounters(p->tree); i++) {
		yw_map(w);
		yw_kstr(w, "name", k->name[i]);
		yw_kint(w, "role", k->role[i]);
		yw_end_map(w);
	}
	yw_end_seq(w);
	yw_key(w, "node_counters");
	yw_seq(w);
	if (k && ctree_ncounters(p->tree))
		ctree_walk(p->tree, CTREE_ROOT, node_counters, c);
	yw_end_seq(w);
	yw_end_map(w);
}
