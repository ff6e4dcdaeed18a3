/* export_yaml_impl — what the files of the YAML exporter share: the
 * writing context and its helpers. export_yaml.c writes the sections in
 * order; export_yaml_profile.c the whole call tree (for report to rebuild
 * from), export_yaml_counters.c the counters, export_yaml_compare.c a
 * comparison. Not a public header. */
#ifndef FLAMETOP_EXPORT_YAML_IMPL_H
#define FLAMETOP_EXPORT_YAML_IMPL_H

#include "exporters.h"
#include "report.h"

#include "grow.h"
#include "yamlw.h"

#define MAX_HOTSPOTS 50
#define MAX_EVIDENCE 8

struct step_ref {
	uint32_t frame;
	char id[64];
};

struct yctx {
	struct yamlw w;
	const struct report *r;
	const struct profile *p;
	struct step_ref *steps; /* every step written, for hotspot evidence */
	size_t nsteps, cap;
	uint32_t *path; /* a stack's frames, for the profile section */
	size_t pathcap;
	int err;
	const struct ctree *t;  /* what the map and hotspots are of: on-CPU or wall */
	uint64_t total;         /* its weight: what shares are of */
	uint64_t *off_by_frame; /* off-CPU ns through each function (NULL: none) */
};

static inline double pct(const struct yctx *c, uint64_t weight)
{
	return c->total ? 100.0 * (double)weight / (double)c->total : 0.0;
}

/* NODE's path in T, root first, into c->path: its length, or -1 (ENOMEM). */
static inline long path_of(struct yctx *c, const struct ctree *t, uint32_t node)
{
	size_t d = ctree_node(t, node)->depth;

	if (grow_array(&c->path, &c->pathcap, d + 1, sizeof(*c->path)))
		return -1;
	return d ? (long)ctree_path(t, node, c->path, d) : 0;
}


/* K: V, or K: null where it was not measured. */
static inline void knum_or_null(struct yamlw *w, const char *k, int have, double v, int decimals)
{
	if (have)
		yw_knum(w, k, v, decimals);
	else {
		yw_key(w, k);
		yw_null(w);
	}
}

void ey_section_scenario(struct yctx *c);
void ey_section_profile(struct yctx *c);
void ey_section_counters(struct yctx *c);
void ey_section_comparison(struct yctx *c);
/* {name: value, ..., ipc, cache_miss_pct, branch_miss_pct} of V. */
void ey_counter_values(struct yctx *c, const double *v);
/* "counters: {name: value, ...}" of CTR (NULL: none), in W. */
void ey_kcounters(struct yctx *c, const uint64_t *ctr);

#endif
