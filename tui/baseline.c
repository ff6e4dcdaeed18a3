/* baseline — the screen compared with a baseline: a profile read from a file
 * (--baseline FILE: an export, folded stacks or pprof) or the live profile
 * pinned with `b` (the views then show what came since). For each node on
 * screen, the same call path's share in the baseline; for each function,
 * its baseline shares. View state: it lives here, keyed by our node and
 * frame ids, rebuilt with the view. */
#include "app.h"

#include "compare.h"
#include "face.h"
#include "grow.h"
#include "saved.h"
#include "session.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XLAT_UNSET (U64MAP_NONE - 1) /* not looked up yet */

struct name_ix {
	const char *name;
	uint32_t id;
};

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct name_ix *)a)->name, ((const struct name_ix *)b)->name);
}

static void forget_maps(struct app_base *b)
{
	free(b->xlat);
	free(b->bnode);
	b->xlat = b->bnode = NULL;
	b->nxlat = b->nbnode = 0;
}

void app_base_free(struct app_base *b)
{
	forget_maps(b);
	free(b->names);
	free(b->hs);
	if (b->saved) {
		saved_free(b->saved);
		free(b->saved);
	}
	ctree_free(b->pin);
	memset(b, 0, sizeof(*b));
}

/* The baseline's hotspots, by its frame id, and (folded stacks have no
 * modules) a name index. */
static int index_base(struct app_base *b)
{
	const struct profile *p = b->saved->profile;
	size_t nf = frametab_len(p->frames);

	b->by_name = b->saved->folded;
	b->nhs = profile_hotspots(p, &b->hs);
	if (b->nhs < 0)
		return -ENOMEM;
	if (b->by_name) {
		if (!(b->names = calloc(nf ? nf : 1, sizeof(*b->names))))
			return -ENOMEM;
		for (size_t i = 0; i < nf; i++)
			b->names[i] = (struct name_ix){ frametab_get(p->frames, (uint32_t)i)->name,
							(uint32_t)i };
		qsort(b->names, nf, sizeof(*b->names), cmp_name);
		b->nnames = nf;
	}
	b->root_weight = ctree_node(p->tree, CTREE_ROOT)->weight;
	return 0;
}

int app_base_load(struct app_base *b, const char *path, char *err, size_t len)
{
	struct saved_report *s = calloc(1, sizeof(*s));
	const char *slash = strrchr(path, '/');

	if (!s) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	if (saved_load(path, s, err, len)) {
		free(s);
		return -EINVAL;
	}
	app_base_free(b);
	b->saved = s;
	snprintf(b->name, sizeof(b->name), "%s", slash ? slash + 1 : path);
	if (index_base(b)) {
		app_base_free(b);
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

/* b: the profile as it is now becomes the baseline; the views then show the
 * samples taken since. b again drops the baseline. */
int app_toggle_pin(struct app *a, char *msg, size_t len)
{
	struct saved_report *s;
	struct ctree *pin;

	if (a->base.saved) {
		app_base_free(&a->base);
		snprintf(msg, len, "baseline dropped: the whole profile again");
		return 0;
	}
	if (a->session && !a->exited)
		a->elapsed_s = session_elapsed(a->session);
	s = calloc(1, sizeof(*s));
	pin = ctree_clone(a->profile->tree);
	if (!s || !pin || !(s->profile = profile_from_tree(a->profile->tree, a->profile->frames))) {
		free(s);
		ctree_free(pin);
		snprintf(msg, len, "out of memory pinning the baseline");
		return 1;
	}
	s->folded = 0;
	snprintf(s->path, sizeof(s->path), "pinned at %.0f s", a->elapsed_s);
	snprintf(s->report.command, sizeof(s->report.command), "%s", a->info.comm);
	s->report.profile = s->profile;
	a->base.saved = s;
	a->base.pin = pin;
	a->base.pinned_at = a->elapsed_s;
	snprintf(a->base.name, sizeof(a->base.name), "the first %.1f s", a->elapsed_s);
	if (index_base(&a->base)) {
		app_base_free(&a->base);
		snprintf(msg, len, "out of memory pinning the baseline");
		return 1;
	}
	snprintf(msg, len,
		 "baseline pinned: the profile of the first %.1f s; the views show what "
		 "came since, red grew, blue shrank (b drops it)",
		 a->elapsed_s);
	return 0;
}

void app_base_view_changed(struct app *a) { forget_maps(&a->base); }

/* Makes slot I of the memo *V (of *N) exist, new slots not looked up yet. */
static int memo_slot(uint32_t **v, size_t *n, uint32_t i)
{
	size_t old = *n;

	if (i < *n)
		return 0;
	if (grow_array(v, n, (size_t)i + 1, sizeof(**v)))
		return -1;
	for (size_t k = old; k < *n; k++)
		(*v)[k] = XLAT_UNSET;
	return 0;
}

/* Our frame ID as the baseline's frame, or U64MAP_NONE. */
static uint32_t xlat(struct app *a, uint32_t id)
{
	struct app_base *b = &a->base;
	const struct frame *f;
	uint32_t v = U64MAP_NONE;

	if (memo_slot(&b->xlat, &b->nxlat, id))
		return U64MAP_NONE;
	if (b->xlat[id] != XLAT_UNSET)
		return b->xlat[id];
	f = frametab_get(a->profile->frames, id);
	if (!b->by_name) {
		v = frametab_find_as(b->saved->profile->frames, f);
	} else {
		struct name_ix k = { f->name, 0 },
			       *hit = bsearch(&k, b->names, b->nnames, sizeof(*b->names), cmp_name);

		v = hit ? hit->id : U64MAP_NONE;
	}
	return b->xlat[id] = v;
}

/* Our NODE's call path in the baseline's tree, or CTREE_NONE. */
static uint32_t base_node(struct app *a, uint32_t node)
{
	struct app_base *b = &a->base;
	const struct ctree_node *n;
	uint32_t parent, f, v;

	if (node == CTREE_ROOT)
		return CTREE_ROOT;
	if (memo_slot(&b->bnode, &b->nbnode, node))
		return CTREE_NONE;
	if (b->bnode[node] != XLAT_UNSET)
		return b->bnode[node];
	n = ctree_node(a->pv.tree, node);
	parent = base_node(a, n->parent);
	f = n->frame == CTREE_NONE ? U64MAP_NONE : xlat(a, n->frame);
	v = parent == CTREE_NONE || f == U64MAP_NONE
		? CTREE_NONE
		: ctree_child(b->saved->profile->tree, parent, f);
	if (node < b->nbnode) /* the recursion may have moved the array */
		b->bnode[node] = v;
	return v;
}

int app_base_node_pct(struct app *a, uint32_t node, double *pct)
{
	uint32_t bn;

	*pct = 0;
	if (!a->base.saved)
		return -1;
	bn = base_node(a, node);
	if (bn == CTREE_NONE)
		return -1;
	*pct = a->base.root_weight
		   ? 100.0 * (double)ctree_node(a->base.saved->profile->tree, bn)->weight /
			 (double)a->base.root_weight
		   : 0;
	return 0;
}

int app_base_frame_pct(struct app *a, uint32_t frame, double *self, double *total)
{
	uint32_t bf;

	*self = *total = 0;
	if (!a->base.saved || (bf = xlat(a, frame)) == U64MAP_NONE)
		return -1;
	for (long i = 0; i < a->base.nhs; i++)
		if (a->base.hs[i].frame == bf) {
			*self = profile_pct(a->base.saved->profile, a->base.hs[i].self_weight);
			*total = profile_pct(a->base.saved->profile, a->base.hs[i].total_weight);
			return 0;
		}
	return -1;
}

/* For an export: the comparison of the baseline with what is shown now. */
int app_export_opts(struct app *a, struct face_export_opts *o)
{
	*o = (struct face_export_opts){ .ledger = &a->ledger,
					.annot = a->ann_opts,
					.wall = a->spec.wall };
	if (!a->base.saved)
		return 0;
	o->base = a->base.saved;
	o->after = a->base.pin ? profile_from_tree(a->pv.tree, a->profile->frames) : a->profile;
	o->after_owned = a->base.pin != NULL;
	o->after_label = a->base.pin ? "since the pin" : a->saved ? "this report" : "this run";
	return o->after ? 0 : -ENOMEM;
}

int app_comparison(struct app *a, struct comparison *c, struct saved_report *after)
{
	struct face_export_opts o;

	memset(after, 0, sizeof(*after));
	if (!a->base.saved)
		return -1;
	if (app_export_opts(a, &o))
		return -ENOMEM;
	if (saved_compare_profile(c, o.base, o.after, o.after_label, after)) {
		if (o.after_owned)
			profile_free(o.after);
		return -ENOMEM;
	}
	return 0;
}
