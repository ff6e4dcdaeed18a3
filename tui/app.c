/* app — state, keys and layout of the screen; no terminal in here. */
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

/* The views, in tab order: a new view is its file and a line here. */
const struct view_ops *const app_views[] = {
	&view_flame, &view_tree, &view_hotspots, &view_threads, &view_ledger, &view_changes, NULL,
};

size_t app_nviews(void)
{
	size_t n = 0;

	while (app_views[n] && n < APP_MAX_VIEWS)
		n++;
	return n;
}

const char *app_view_keys(char *buf, size_t len)
{
	size_t n = app_nviews();

	snprintf(buf, len, "%c-%c", n ? (char)app_views[0]->tab_key : '1',
		 n ? (char)app_views[n - 1]->tab_key : '1');
	return buf;
}

const char *app_view_lower(const struct view_ops *v, char *buf, size_t len)
{
	size_t k = 0;

	for (; v->name[k] && k + 1 < len; k++)
		buf[k] = (char)tolower((unsigned char)v->name[k]);
	buf[k] = 0;
	return buf;
}

/* Each view's state, made at init and given back at fini. */
static int views_init(struct app *a)
{
	for (size_t v = 0; v < app_nviews(); v++) {
		const struct view_ops *ops = app_views[v];

		if (ops->state_size && !(a->vstate[v] = calloc(1, ops->state_size)))
			return -ENOMEM;
		if (ops->init)
			ops->init(a, a->vstate[v]);
	}
	return 0;
}

static void views_fini(struct app *a)
{
	for (size_t v = 0; v < app_nviews(); v++) {
		if (app_views[v]->fini && a->vstate[v])
			app_views[v]->fini(a, a->vstate[v]);
		free(a->vstate[v]);
		a->vstate[v] = NULL;
	}
}

static void views_rebuilt(struct app *a)
{
	for (size_t v = 0; v < app_nviews(); v++)
		if (app_views[v]->rebuild && (a->vstate[v] || !app_views[v]->state_size))
			app_views[v]->rebuild(a, a->vstate[v]);
}

static const struct pane_ops *const panes[PANE_COUNT] = {
	&pane_cpu, &pane_rss, &pane_io, &pane_counters, &pane_gpu,
};

void app_message(struct app *a, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->msg, sizeof(a->msg), fmt, ap);
	va_end(ap);
	a->msg_err = err;
	a->msg_at = time(NULL);
}

/* Copies SRC into DST of LEN bytes, cut to fit (a search, a path). */
static void copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = 0;
}

static void fill_info(struct app *a)
{
	const struct session_config *cfg = session_config(a->session);
	const struct target *t = session_target(a->session);
	const struct sampler *sp = session_sampler(a->session);
	struct app_info *i = &a->info;

	i->pid = (int)t->pid;
	snprintf(i->comm, sizeof(i->comm), "%s", t->comm);
	if (t->machine)
		snprintf(i->machine, sizeof(i->machine), "%.500s", t->cmdline);
	snprintf(i->event, sizeof(i->event), "%s", sampler_event_name(sp));
	i->freq_hz = cfg->freq_hz;
	i->period = cfg->period;
	snprintf(i->call_graph, sizeof(i->call_graph), "%s",
		 cfg->call_graph == CALLGRAPH_DWARF ? "dwarf" : "fp");
	i->hw_counters = sampler_hw_available(sp);
	i->weight_ns = sampler_weight_ns(sp);
	i->refresh_s = cfg->refresh_s > 0 ? cfg->refresh_s : 1.0;
}

int app_init(struct app *a, struct session *session, struct profile *profile)
{
	memset(a, 0, sizeof(*a));
	a->session = session;
	a->profile = profile;
	a->spec.focus = CTREE_NONE;
	a->snap_frame = CTREE_NONE;
	a->flame_chain = CTREE_NONE;
	a->show_panes = 1;
	a->panes = (1u << PANE_COUNT) - 1;
	a->info.refresh_s = 1.0;
	u64map_init(&a->ts.fold);
	ledger_init(&a->ledger);
	if (views_init(a))
		return -ENOMEM;
	snprintf(a->gpu_desc, sizeof(a->gpu_desc), "no GPU read");
	if (session) {
		const char *desc;

		session_gpu(session, &desc);
		snprintf(a->gpu_desc, sizeof(a->gpu_desc), "%s", desc);
		a->timeline = session_timeline(session);
		a->counting = session_counting(session);
		fill_info(a);
	}
	app_refresh(a);
	return a->pv.tree ? 0 : -ENOMEM;
}

/* The readings line and the panes' figures over the whole run, from the
 * share of the threads' time the verdict and the export print. */
static void make_readings(struct app *a)
{
	struct classify_share sh;

	profile_share(a->profile, a->info.weight_ns, a->info.freq_hz, a->timeline, &sh);
	readings_make(a->timeline, &sh, &a->readings);
}

int app_init_saved(struct app *a, const struct report *r)
{
	const char *base = strrchr(r->command, '/');
	int e = app_init(a, NULL, (struct profile *)r->profile);

	a->saved = r;
	a->spec.wall = r->wall;
	a->counting = r->counting;
	a->timeline = r->timeline;
	a->info.pid = (int)r->pid;
	/* The command's first word, without its directory. */
	snprintf(a->info.comm, sizeof(a->info.comm), "%.*s",
		 (int)strcspn(base ? base + 1 : r->command, " "), base ? base + 1 : r->command);
	snprintf(a->info.event, sizeof(a->info.event), "%s", r->event);
	a->info.freq_hz = r->freq_hz;
	snprintf(a->info.call_graph, sizeof(a->info.call_graph), "%s", r->call_graph);
	a->info.weight_ns = r->weight_ns;
	make_readings(a);
	a->elapsed_s = r->duration_s;
	a->exited = 1;
	memcpy(a->sugg, r->sugg, r->nsugg * sizeof(*r->sugg));
	a->nsugg = r->nsugg;
	snprintf(a->gpu_desc, sizeof(a->gpu_desc), "saved report: no live readings");
	/* Folded stacks and pprof carry stacks and nothing else: say so, do
	 * not show this machine's facts or wait for readings that never come. */
	if (!strcmp(r->call_graph, "folded") || !strcmp(r->call_graph, "pprof"))
		snprintf(a->info.stacks_only, sizeof(a->info.stacks_only), "%s",
			 r->call_graph[0] == 'f' ? "folded stacks" : "a pprof profile");
	if (r->wall && !e)
		app_refresh(a);
	return e;
}

/* A suggestion the ledger already holds (adopted or rejected) is not
 * suggested again. */
static int taken(const struct app *a, const struct suggestion *sg)
{
	for (size_t i = 0; i < a->ledger.n; i++)
		if (!strcmp(a->ledger.v[i].text, sg->text))
			return 1;
	return 0;
}

size_t app_nsuggestions(const struct app *a)
{
	size_t n = 0;

	for (size_t i = 0; i < a->nsugg; i++)
		n += !taken(a, &a->sugg[i]);
	return n;
}

const struct suggestion *app_suggestion(const struct app *a, size_t i)
{
	for (size_t k = 0; k < a->nsugg; k++)
		if (!taken(a, &a->sugg[k]) && i-- == 0)
			return &a->sugg[k];
	return NULL;
}

void app_take_suggestion(struct app *a, size_t i, enum verdict v)
{
	const struct suggestion *sg = app_suggestion(a, i);
	struct suggestion copy;
	struct hypothesis *h;

	if (!sg)
		return;
	copy = *sg;
	h = ledger_add(&a->ledger, copy.text, time(NULL));
	if (!h) {
		app_message(a, 1, "out of memory");
		return;
	}
	app_mark(a, h->id, v);
	ledger_set_evidence(&a->ledger, h->id, copy.evidence);
}

/* Live: the suggestions of the data so far (only while the ledger view
 * shows them: the rollups walk the whole tree). */
static void refresh_suggestions(struct app *a)
{
	struct report r;

	if (!a->session || a->view != VIEW_LEDGER)
		return;
	report_from_session(&r, a->session);
	memcpy(a->sugg, r.sugg, r.nsugg * sizeof(*r.sugg));
	a->nsugg = r.nsugg;
}

void app_fini(struct app *a)
{
	app_annotate_close(a);
	views_fini(a);
	pview_release(&a->pv);
	kids_free(&a->kids);
	free(a->hs);
	free(a->boxes);
	free(a->match);
	free(a->hits);
	free(a->hit_key);
	tree_state_fini(&a->ts);
	app_base_free(&a->base);
	ledger_fini(&a->ledger);
}

double app_pct(const struct app *a, uint64_t weight) { return pview_pct(&a->pv, weight); }

const struct frame *app_frame(const struct app *a, uint32_t node)
{
	const struct ctree_node *n = ctree_node(a->pv.tree, node);

	return n->frame == CTREE_NONE ? NULL : frametab_get(a->profile->frames, n->frame);
}

uint32_t app_zoom_root(const struct app *a)
{
	return a->nzoom ? a->zoom[a->nzoom - 1] : CTREE_ROOT;
}

void app_select(struct app *a, uint32_t node)
{
	a->sel = node;
	if (node != CTREE_ROOT)
		a->snap_frame = ctree_node(a->pv.tree, node)->frame;
}

/* The node of NEW with the frame path of OLD's ID, as deep as it exists. */
static uint32_t remap(const struct ctree *old, const struct ctree *new, uint32_t id)
{
	uint32_t path[256];
	size_t n = ctree_path(old, id, path, 256);
	uint32_t cur = CTREE_ROOT;

	for (size_t i = 0; i < n && i < 256; i++) {
		uint32_t c = ctree_child(new, cur, path[i]);

		if (c == CTREE_NONE)
			break;
		cur = c;
	}
	return cur;
}

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
static void search_update(struct app *a)
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

/* Builds the view of the profile SPEC asks for; the selection and zoom keep
 * their frame paths in the new tree. */
static void rebuild(struct app *a)
{
	struct pview nv;
	struct hotspot *hs;
	long nhs;

	a->spec.frozen = a->paused;
	if (pview_build(&nv, a->profile, &a->spec)) {
		app_message(a, 1, "out of memory building the view; showing the last one");
		return;
	}
	/* Pinned baseline: the plain view shows what came since the pin (the
	 * live tree only grows, so the pinned copy's ids are its ids). */
	if (a->base.pin && !a->spec.tid && a->spec.focus == CTREE_NONE && !a->spec.recent &&
	    !a->spec.wall) {
		struct ctree *since = nv.owned ? nv.tree : ctree_clone(nv.tree);

		if (since) {
			const struct ctree_node *root;

			ctree_subtract(since, a->base.pin);
			root = ctree_node(since, CTREE_ROOT);
			nv.tree = since;
			nv.owned = 1;
			nv.samples = root->samples;
			nv.weight = nv.base_weight = root->weight;
		}
	}
	app_base_view_changed(a);
	if (a->pv.tree && a->pv.tree != nv.tree) {
		a->sel = remap(a->pv.tree, nv.tree, a->sel);
		for (int i = 0; i < a->nzoom; i++)
			a->zoom[i] = remap(a->pv.tree, nv.tree, a->zoom[i]);
	}
	pview_release(&a->pv);
	a->pv = nv;
	if (kids_build(&a->kids, a->pv.tree))
		app_message(a, 1, "out of memory sorting the view");
	nhs = ctree_hotspots(a->pv.tree, frametab_len(a->profile->frames), &hs);
	if (nhs > 0 && a->info.machine[0])
		ctree_hotspot_processes(a->pv.tree, frametab_len(a->profile->frames), hs,
					(size_t)nhs);
	if (nhs >= 0) {
		free(a->hs);
		a->hs = hs;
		a->nhs = nhs;
	}
	search_update(a);
	views_rebuilt(a);
}

void app_refresh(struct app *a)
{
	const char *note;

	if (a->session && !a->exited)
		a->elapsed_s = session_elapsed(a->session);
	while (a->session && (note = session_take_note(a->session)))
		app_message(a, 1, "%s", note);
	make_readings(a);
	if (a->paused && a->pv.tree)
		return;
	rebuild(a);
	refresh_suggestions(a);
}

void app_target_exited(struct app *a, const char *how)
{
	a->exited = 1;
	if (a->session)
		a->elapsed_s = session_elapsed(a->session);
	app_message(a, 0, "target %s; everything stays browsable (e exports, q quits)", how);
	a->paused = 0;
	/* The run's last figures: the readings, the view and the suggestions
	 * as the export will have them. */
	make_readings(a);
	rebuild(a);
	refresh_suggestions(a);
}

/* Changes to what is shown rebuild at once, paused or not. */
static void respec(struct app *a, const char *what)
{
	rebuild(a); /* from the profile as it is now; a copy when paused */
	if (what)
		app_message(a, 0, "%s", what);
}

/* ---- hypotheses: the snapshot of what is on screen now ---- */

/* The function a hypothesis names: of the functions in view, the longest
 * whose name stands in TEXT as a word of its own. CTREE_NONE: none. */
static uint32_t named_frame(const struct app *a, const char *text)
{
	uint32_t best = CTREE_NONE;
	size_t best_len = 0;

	for (long i = 0; i < a->nhs; i++) {
		const char *name = frametab_get(a->profile->frames, a->hs[i].frame)->name, *p;
		size_t n = strlen(name);

		if (n <= best_len || n < 2)
			continue;
		for (p = strstr(text, name); p; p = strstr(p + 1, name)) {
			int before = p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '_');
			int after = isalnum((unsigned char)p[n]) || p[n] == '_';

			if (!before && !after) {
				best = a->hs[i].frame;
				best_len = n;
				break;
			}
		}
	}
	return best;
}

static void snapshot_of(const struct app *a, uint32_t frame, struct hyp_snapshot *sn);

/* What marking hypothesis TEXT attaches: the function it names; a
 * hypothesis naming none gets the process's figures alone, not whatever
 * frame happens to be selected. */
static void evidence_for(const struct app *a, const char *text, struct hyp_snapshot *sn)
{
	snapshot_of(a, named_frame(a, text), sn);
}

static void snapshot_of(const struct app *a, uint32_t frame, struct hyp_snapshot *sn)
{
	const struct timeline_point *pt = timeline_last(a->timeline);

	memset(sn, 0, sizeof(*sn));
	sn->valid = 1;
	sn->recent = a->spec.recent;
	sn->from_s = 0;
	sn->to_s = a->elapsed_s;
	if (frame != CTREE_NONE && frame < frametab_len(a->profile->frames)) {
		const struct frame *f = frametab_get(a->profile->frames, frame);

		snprintf(sn->function, sizeof(sn->function), "%s", f->name);
		snprintf(sn->module, sizeof(sn->module), "%s", f->module);
		for (long i = 0; i < a->nhs; i++)
			if (a->hs[i].frame == frame) {
				sn->self_pct = app_pct(a, a->hs[i].self_weight);
				sn->total_pct = app_pct(a, a->hs[i].total_weight);
			}
	}
	if (pt) {
		sn->cpu_pct = pt->cpu_pct;
		sn->rss_mib = pt->rss_mib;
		sn->read_bps = pt->rchar_bps;
		sn->write_bps = pt->wchar_bps;
	}
	sn->has_slope = a->readings.has_growth;
	sn->rss_slope_mib_min = a->readings.growth.mib_per_min;
	for (size_t i = 0; a->counting && i < a->counting->n && i < EVENTS_MAX; i++) {
		snprintf(sn->ctr_name[i], sizeof(sn->ctr_name[i]), "%s", a->counting->name[i]);
		sn->ctr_value[i] = a->counting->total[i];
		sn->nctr = i + 1;
	}
}

void app_mark(struct app *a, unsigned id, enum verdict v)
{
	struct hyp_snapshot sn;
	struct hypothesis *h = ledger_find(&a->ledger, id);

	evidence_for(a, h ? h->text : "", &sn);
	if (ledger_mark(&a->ledger, id, v, &sn, time(NULL)))
		app_message(a, 1, "could not mark hypothesis %u", id);
	else if (sn.function[0])
		app_message(a, 0, "hypothesis %u: %s; evidence from %s, which it names", id,
			    verdict_name(v), sn.function);
	else
		app_message(a, 0,
			    "hypothesis %u: %s; it names no function in view: the "
			    "process's figures are the evidence (Enter edits it)",
			    id, verdict_name(v));
}

/* ---- export ---- */

static void default_export_path(struct app *a)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(a->export_path, sizeof(a->export_path), "flametop-%s-%d-%s.yaml",
		 a->info.comm[0] ? a->info.comm : "profile", a->info.pid, stamp);
}

int app_export(struct app *a, const char *path)
{
	const struct exporter *exp = exporter_for_path(path);
	struct ctree *wall = NULL;
	struct comparison cmp;
	struct saved_report after;
	struct report r;
	char err[8600], saved[4096];
	int e;

	if (!strcmp(path, "-") || !strcmp(path, "/dev/stdout") || !strcmp(path, "/dev/tty")) {
		/* The screen is on the terminal: an export there would draw over it. */
		app_message(a, 1,
			    "'%s' is the screen's terminal: name a file (-o - writes "
			    "standard output after the screen closes)",
			    path);
		return -EINVAL;
	}
	if (a->saved)
		r = *a->saved;
	else if (a->session)
		report_from_session(&r, a->session);
	else {
		app_message(a, 1, "nothing to export: no session");
		return -EINVAL;
	}
	r.ledger = &a->ledger;
	r.annot_opts = a->ann_opts;
	if (a->spec.wall && !r.wall)
		face_wall(&r, &wall);
	if (app_comparison(a, &cmp, &after) == 0)
		r.comparison = &cmp;
	e = face_write_or_save(path, exp, exporter_ext(exp), &r, saved, sizeof(saved), err,
			       sizeof(err));
	if (e == 0)
		app_message(a, 0, "wrote %s (%s)", path, exp->name);
	else if (e > 0)
		app_message(a, 1, "%s; saved to %s instead", err, saved);
	else
		app_message(a, 1, "%s", err);
	e = e ? -EIO : 0;
	if (r.comparison)
		app_comparison_done(a, &cmp, &after);
	ctree_free(wall);
	return e;
}

/* ---- prompts ---- */

static void open_prompt(struct app *a, enum prompt_kind k, const char *text, unsigned id)
{
	a->prompt = k;
	a->prompt_id = id;
	le_set(&a->le, text ? text : "");
}

static const char *prompt_label(enum prompt_kind k)
{
	switch (k) {
	case PROMPT_SEARCH:
		return "search: ";
	case PROMPT_HYPOTHESIS:
		return "hypothesis: ";
	case PROMPT_EVIDENCE:
		return "evidence: ";
	case PROMPT_EXPORT:
		return "export to (YAML; .folded or .pb.gz by name): ";
	default:
		return "";
	}
}

static void search_jump(struct app *a, int dir);

static void prompt_done(struct app *a)
{
	char text[4096];
	struct hypothesis *h;

	le_get(&a->le, text, sizeof(text));
	switch (a->prompt) {
	case PROMPT_SEARCH:
		copy_str(a->search, sizeof(a->search), text);
		free(a->hit_key); /* a new search starts at its first match */
		a->hit_key = NULL;
		search_update(a);
		if (a->search[0])
			app_message(a, 0,
				    "'%s': %zu functions, %.1f%% of samples (n/N: next/previous)",
				    a->search, a->search_funcs, a->search_pct);
		if (a->nhits)
			search_jump(a, 0);
		break;
	case PROMPT_HYPOTHESIS:
		if ((h = ledger_add(&a->ledger, text, time(NULL)))) {
			app_message(a, 0, "hypothesis %u added; in view %c: s supports, r rejects",
				    h->id, (char)view_ledger.tab_key);
			a->hyp_added++; /* the ledger view selects it */
		} else if (text[0])
			app_message(a, 1, "out of memory adding the hypothesis");
		break;
	case PROMPT_EVIDENCE:
		if (ledger_set_evidence(&a->ledger, a->prompt_id, text))
			app_message(a, 1, "could not set the evidence");
		break;
	case PROMPT_EXPORT:
		if (text[0]) {
			copy_str(a->export_path, sizeof(a->export_path), text);
			app_export(a, text);
		}
		break;
	default:
		break;
	}
	a->prompt = PROMPT_NONE;
}

static void prompt_key(struct app *a, const struct key *k)
{
	switch (k->code) {
	case K_ENTER:
		prompt_done(a);
		break;
	case K_ESC:
		a->prompt = PROMPT_NONE;
		break;
	case K_BACKSPACE:
		le_backspace(&a->le);
		break;
	case K_DELETE:
		le_delete(&a->le);
		break;
	case K_LEFT:
		le_left(&a->le);
		break;
	case K_RIGHT:
		le_right(&a->le);
		break;
	case K_HOME:
		le_home(&a->le);
		break;
	case K_END:
		le_end(&a->le);
		break;
	case K_CTRL_U:
		le_kill_line(&a->le);
		break;
	case K_CTRL_W:
		le_kill_word(&a->le);
		break;
	default:
		if (k->code >= 0x20 && k->code < 0x110000 && k->code != 0x7f)
			le_insert(&a->le, k->code);
	}
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
static void search_jump(struct app *a, int dir)
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

void app_filter_thread(struct app *a, pid_t tid)
{
	char what[128];

	a->spec.tid = tid;
	a->nzoom = 0;
	snprintf(what, sizeof(what), "thread %d only (Esc clears)", (int)tid);
	respec(a, what);
}

void app_edit_evidence(struct app *a, unsigned id)
{
	struct hypothesis *h = ledger_find(&a->ledger, id);

	if (h)
		open_prompt(a, PROMPT_EVIDENCE, h->evidence, id);
}

/* ---- keys ---- */

static void set_view(struct app *a, size_t v)
{
	if (v < app_nviews())
		a->view = (unsigned)v;
	refresh_suggestions(a);
}

void app_show_view(struct app *a, const struct view_ops *v)
{
	for (size_t i = 0; i < app_nviews(); i++)
		if (app_views[i] == v)
			set_view(a, i);
}

/* The view K shows, or -1. */
static int view_of_key(uint32_t k)
{
	for (size_t i = 0; i < app_nviews(); i++)
		if (app_views[i]->tab_key == k)
			return (int)i;
	return -1;
}

/* Wall time: on-CPU samples and blocked intervals on one axis (both in
 * nanoseconds), or back to on-CPU samples alone. */
static void wall_toggle(struct app *a)
{
	if (!a->spec.wall && !a->profile->off_on) {
		app_message(a, 1, "no off-CPU data: %s",
			    a->session && sampler_offcpu_note(session_sampler(a->session))[0]
				? sampler_offcpu_note(session_sampler(a->session))
				: "switch-out stacks were not taken (--no-offcpu)");
		return;
	}
	if (!a->spec.wall && !a->info.weight_ns) {
		app_message(a, 1,
			    "wall time needs time-weighted samples: run with --wall "
			    "(or -e cpu-clock)");
		return;
	}
	a->spec.wall = !a->spec.wall;
	respec(a, a->spec.wall ? "wall time: on-CPU samples and time blocked, per stack "
				 "([blocked: REASON] frames)"
			       : "on-CPU samples only");
}

uint32_t app_process_frame(const struct app *a, pid_t pid)
{
	const struct frametab *ft = a->profile->frames;
	char tail[24];

	snprintf(tail, sizeof(tail), "-%d", (int)pid);
	for (size_t i = 0; i < frametab_len(ft); i++) {
		const struct frame *f = frametab_get(ft, (uint32_t)i);
		size_t n = strlen(f->name), k = strlen(tail);

		if ((f->kind == FRAME_PROCESS || !strcmp(f->module, "[kernel]")) && n > k &&
		    !strcmp(f->name + n - k, tail))
			return (uint32_t)i;
	}
	return CTREE_NONE;
}

void app_focus(struct app *a, uint32_t frame)
{
	char what[400];

	a->snap_frame = frame;
	a->spec.focus = frame;
	a->nzoom = 0;
	snprintf(what, sizeof(what), "focus on %s: every occurrence merged (f or Esc clears)",
		 frametab_get(a->profile->frames, frame)->name);
	respec(a, what);
	app_select(a, ctree_child(a->pv.tree, CTREE_ROOT, a->spec.focus) != CTREE_NONE
			  ? ctree_child(a->pv.tree, CTREE_ROOT, a->spec.focus)
			  : CTREE_ROOT);
}

static void focus_toggle(struct app *a)
{
	if (a->spec.focus != CTREE_NONE) {
		a->spec.focus = CTREE_NONE;
		a->nzoom = 0;
		respec(a, "focus cleared");
		return;
	}
	if (a->snap_frame == CTREE_NONE) {
		app_message(a, 0, "select a function first");
		return;
	}
	app_focus(a, a->snap_frame);
}

/* Esc, after the view had its turn: undo the latest restriction. */
static void escape(struct app *a)
{
	if (a->spec.focus != CTREE_NONE) {
		a->spec.focus = CTREE_NONE;
		respec(a, "focus cleared");
	} else if (a->spec.tid) {
		a->spec.tid = 0;
		respec(a, "thread filter cleared: all threads");
	} else if (a->search[0]) {
		a->search[0] = 0;
		search_update(a);
		app_message(a, 0, "search cleared");
	}
}

static int global_key(struct app *a, const struct key *k)
{
	if (view_of_key(k->code) >= 0) {
		set_view(a, (size_t)view_of_key(k->code));
		return 1;
	}
	switch (k->code) {
	case 'q':
		a->quit = 1;
		return 1;
	case K_TAB:
		set_view(a, (a->view + 1) % app_nviews());
		return 1;
	case K_BTAB:
		set_view(a, (a->view + app_nviews() - 1) % app_nviews());
		return 1;
	case '?':
	case K_F1:
		a->help = 1;
		return 1;
	case '/':
		open_prompt(a, PROMPT_SEARCH, a->search, 0);
		return 1;
	case 'H':
		open_prompt(a, PROMPT_HYPOTHESIS, "", 0);
		return 1;
	case 'e':
		if (!a->export_path[0])
			default_export_path(a);
		open_prompt(a, PROMPT_EXPORT, a->export_path, 0);
		return 1;
	case ' ':
		a->paused = !a->paused;
		if (a->exited)
			a->paused = 0;
		else
			respec(a, a->paused ? "display paused; sampling goes on (Space resumes)"
					    : "display resumed");
		return 1;
	case 'z':
		a->spec.recent = !a->spec.recent;
		respec(a, a->spec.recent ? "recent profile: samples fade with a 5 s half-life"
					 : "cumulative profile: every sample since the start");
		return 1;
	case 'w':
		wall_toggle(a);
		return 1;
	case 'f':
		focus_toggle(a);
		return 1;
	case 'a':
		if (a->view == VIEW_FLAME || a->view == VIEW_TREE || a->view == VIEW_HOTSPOTS ||
		    !strcmp(app_views[a->view]->name, "Changes"))
			app_annotate(a, a->snap_frame);
		return 1;
	case 'P':
		a->show_panes = !a->show_panes;
		return 1;
	case 'b':
		app_toggle_pin(a);
		respec(a, NULL);
		return 1;
	case K_ESC:
		escape(a);
		return 1;
	default:
		return 0;
	}
}

static void click(struct app *a, const struct key *k)
{
	struct rect r = a->main_rect;

	if (k->y == r.y - 1 && r.y > 0) { /* the tab row */
		int x = 0;

		for (size_t v = 0; v < app_nviews(); v++) {
			int w = (int)strlen(app_views[v]->name) + 4;

			if (k->x >= x && k->x < x + w)
				set_view(a, v);
			x += w;
		}
		return;
	}
	if (k->x >= r.x && k->x < r.x + r.w && k->y >= r.y && k->y < r.y + r.h &&
	    app_views[a->view]->click)
		app_views[a->view]->click(a, a->vstate[a->view], k->x - r.x, k->y - r.y);
}

void app_key(struct app *a, const struct key *k)
{
	if (k->code == K_RESIZE || k->code == K_NONE)
		return;
	if (a->prompt != PROMPT_NONE) {
		prompt_key(a, k);
		return;
	}
	if (a->help) {
		a->help = 0; /* any key closes it, and does nothing else */
		return;
	}
	if (a->ann.open) {
		app_annotate_key(a, k);
		return;
	}
	if (k->code == K_CLICK) {
		click(a, k);
		return;
	}
	if (k->code == 'n' || k->code == 'N') {
		if (a->view == VIEW_FLAME || a->view == VIEW_TREE) {
			search_jump(a, k->code == 'n' ? 1 : -1);
			return;
		}
	}
	if (app_views[a->view]->key && app_views[a->view]->key(a, a->vstate[a->view], k))
		return;
	global_key(a, k);
}

/* ---- drawing ---- */

void draw_spark(struct surface *s, int x, int y, int w, const double *v, size_t n, double max)
{
	size_t from = n > (size_t)w ? n - (size_t)w : 0;

	for (size_t i = from; i < n; i++) {
		int lvl = max > 0 ? (int)(v[i] / max * 7.0 + 0.5) : 0;

		lvl = lvl < 0 ? 0 : lvl > 7 ? 7 : lvl;
		surf_text(s, x + (int)(i - from), y, 1, ST_SPARK, s->g->spark[lvl]);
	}
}

/* The target as /proc shows it; paused is the view's own state. */
static const char *state_word(const struct app *a)
{
	enum target_look look = a->session ? target_look(session_target(a->session)) : LOOK_RUNNING;

	if (a->saved)
		return "SAVED";
	if (look == LOOK_ZOMBIE)
		return "ZOMBIE";
	if (a->exited)
		return "EXITED";
	if (a->paused)
		return "PAUSED";
	return look == LOOK_STOPPED ? "STOPPED" : "RUNNING";
}

/* Samples taken and not in the profile, each cause on its own (the
 * kernel's rings full, the analysis queue full, cut at the stop), and how
 * far behind the analysis is when it is. */
static void lost_part(const struct app *a, const struct profile *p, char *buf, size_t len)
{
	struct collection_backlog b = { 0 };
	size_t k;

	k = (size_t)snprintf(buf, len, "  lost %llu", (unsigned long long)(p->lost + p->dropped));
	if (p->queue_dropped && k < len)
		k += (size_t)snprintf(buf + k, len - k, " dropped %llu",
				      (unsigned long long)p->queue_dropped);
	if (p->cut && k < len)
		k += (size_t)snprintf(buf + k, len - k, " cut %llu", (unsigned long long)p->cut);
	if (a->session)
		session_backlog(a->session, &b);
	if (b.lag_s >= 0.5 && k < len)
		snprintf(buf + k, len - k, "  analysing: %.1f s behind", b.lag_s);
}

/* The header, by priority: who, the state, the clock and the filter tags
 * always show (the command name shortened if it must); the figures follow
 * while they fit, whole, the sample count first. */
static void draw_header(struct app *a, struct surface *s)
{
	const struct profile *p = a->profile;
	enum { PYTHON, RATE, SAMPLES, LOST, UNWIND, NPARTS };
	static const int priority[NPARTS] = { PYTHON, SAMPLES, LOST, UNWIND, RATE };
	const char *py = a->session ? session_python(a->session, NULL) : NULL;
	char part[NPARTS][200], filt[400] = "", samples[16], clock[16] = "", who[200];
	int x = 0, el = (int)a->elapsed_s, room, shown[NPARTS] = { 0 };
	enum style st = a->exited ? ST_WARN : a->paused ? ST_WARN : ST_GOOD;
	const char *state = state_word(a);

	surf_fill(s, 0, 0, s->w, 1, ST_HEADER);
	memset(part, 0, sizeof(part));
	if (a->info.period)
		snprintf(part[RATE], sizeof(part[RATE]), "  %s every %llu %s", a->info.event,
			 (unsigned long long)a->info.period, a->info.call_graph);
	else if (a->info.freq_hz)
		snprintf(part[RATE], sizeof(part[RATE]), "  %s %u Hz %s", a->info.event,
			 a->info.freq_hz, a->info.call_graph);
	if (py) /* its functions are read from the interpreter */
		snprintf(part[PYTHON], sizeof(part[PYTHON]), "  python %s", py);
	fmt_count(samples, sizeof(samples), (double)p->samples);
	snprintf(part[SAMPLES], sizeof(part[SAMPLES]), "  samples %s", samples);
	if (!a->info.stacks_only[0]) {
		lost_part(a, p, part[LOST], sizeof(part[LOST]));
		snprintf(clock, sizeof(clock), "  %02d:%02d", el / 60, el % 60);
	} else {
		part[RATE][0] = 0; /* such a file has no event, rate or clock */
	}
	if (a->session && session_unwind(a->session)->samples)
		snprintf(part[UNWIND], sizeof(part[UNWIND]), "  unwind %.0f%%",
			 100.0 * (double)session_unwind(a->session)->complete /
			     (double)session_unwind(a->session)->samples);
	if (a->spec.tid)
		snprintf(filt + strlen(filt), sizeof(filt) - strlen(filt), "  [thread %d]",
			 (int)a->spec.tid);
	if (a->spec.focus != CTREE_NONE)
		snprintf(filt + strlen(filt), sizeof(filt) - strlen(filt), "  [focus %s]",
			 frametab_get(p->frames, a->spec.focus)->name);
	if (a->spec.recent)
		snprintf(filt + strlen(filt), sizeof(filt) - strlen(filt), "  [recent]");
	if (a->spec.wall)
		snprintf(filt + strlen(filt), sizeof(filt) - strlen(filt), "  [wall]");
	if (a->base.saved)
		snprintf(filt + strlen(filt), sizeof(filt) - strlen(filt), "  [vs %s]",
			 a->base.name);
	/* What must show: the state, the clock, the tags; the command name
	 * gives way first. */
	room = s->w - surf_width(state) - surf_width(clock) - surf_width(filt);
	if (a->info.stacks_only[0])
		snprintf(who, sizeof(who), "flametop  %s (%s)  ", a->info.comm,
			 a->info.stacks_only);
	else if (a->info.machine[0])
		snprintf(who, sizeof(who), "flametop  %.*s  ", room > 20 ? room - 12 : 8,
			 a->info.machine);
	else {
		int keep = room - (int)strlen("flametop  pid 1234567  ") - 1;

		snprintf(who, sizeof(who), "flametop  pid %d %.*s  ", a->info.pid,
			 keep > 4 ? keep : 4, a->info.comm);
	}
	room -= surf_width(who);
	for (int i = 0; i < NPARTS; i++) {
		int k = priority[i], w = surf_width(part[k]);

		if (w && w <= room) {
			shown[k] = 1;
			room -= w;
		}
	}
	x += surf_text(s, x, 0, s->w - x, ST_HEADER, who);
	x += surf_text(s, x, 0, s->w - x, st, state);
	for (int k = 0; k < NPARTS; k++)
		if (shown[k])
			x += surf_text(s, x, 0, s->w - x, ST_HEADER, part[k]);
	x += surf_text(s, x, 0, s->w - x, ST_HEADER, clock);
	surf_text(s, x, 0, s->w - x, ST_WARN, filt);
}

static void draw_tabs(struct app *a, struct surface *s, int y)
{
	int x = 0;

	surf_fill(s, 0, y, s->w, 1, ST_TAB);
	for (size_t v = 0; v < app_nviews(); v++)
		x += surf_printf(s, x, y, s->w - x, v == a->view ? ST_TAB_ON : ST_TAB, " %c %s ",
				 (char)app_views[v]->tab_key, app_views[v]->name) +
		     1;
}

/* The visible panes' readings on one line, most telling first. */
static void draw_readings(struct app *a, struct surface *s, int y)
{
	const char *line[4] = { a->readings.cpu, a->readings.memory, a->readings.io,
				a->readings.gpu };
	const unsigned bit[4] = { 1u << PANE_CPU, 1u << PANE_RSS, 1u << PANE_IO, 1u << PANE_GPU };
	/* An absent GPU's tag always shows, at the end: the readings give way */
	const char *tag = (a->panes & (1u << PANE_GPU)) && app_gpu_absent(a) ? "no GPU" : "";
	char buf[700];
	size_t n = 0;
	int x, room = s->w - 2 - (tag[0] ? (int)strlen(" | no GPU") : 0);

	buf[0] = 0;
	for (int i = 0; i < 4; i++)
		if ((a->panes & bit[i]) && line[i][0] && n < sizeof(buf))
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? " | " : "",
					      line[i]);
	x = 1 + surf_text_fit(s, 1, y, room > 0 ? room : 0, ST_DIM, buf);
	if (tag[0])
		surf_text(s, x, y, s->w - 1 - x, ST_DIM, n ? " | no GPU" : "no GPU");
}

/* The GPU pane has nothing to say: no GPU here, or none read. It then
 * takes no room; the readings line says so. */
int app_gpu_absent(const struct app *a)
{
	const struct timeline_point *pt = timeline_last(a->timeline);

	if (pt && pt->gpu_valid)
		return 0;
	return !strncmp(a->gpu_desc, "no GPU", 6) || !strncmp(a->gpu_desc, "GPU not read", 12);
}

static void draw_panes(struct app *a, struct surface *s, int y, int h)
{
	int n = 0, x = 0, k = 0;
	unsigned shown = a->panes & ~(app_gpu_absent(a) ? 1u << PANE_GPU : 0u);

	for (int i = 0; i < PANE_COUNT; i++)
		n += !!(shown & (1u << i));
	if (!n)
		return;
	for (int i = 0; i < PANE_COUNT; i++) {
		int w;

		if (!(shown & (1u << i)))
			continue;
		w = (s->w - x) / (n - k++);
		panes[i]->draw(a, s, (struct rect){ x, y, w, h });
		x += w;
	}
}

/* At 80x24 all of it shows: 20 lines, none wider than 74 columns. The
 * views' keys and what Enter does in each come from the registry. */
static const char *const help_head[] = {
	"flametop keys                                   (any key closes this help)",
};
static const char *const help_tail[] = {
	"arrows, hjkl  move (flame: parent, child, neighbours)",
	"x             flame: open or fold a run of single-child frames",
	"Home End PgUp PgDn  first, last, a page up or down (lists, tree)",
	"@ENTER",
	"Backspace/Esc zoom out; Esc also clears focus, thread, search",
	"/  n  N       search (matches highlighted, their share); next, previous",
	"f             focus on the selected function (all occurrences)",
	"a             annotate it: hot lines (Tab instructions, n/N, Esc)",
	"b             pin the profile so far as a baseline: the views then",
	"              show what came since, coloured by change; b drops it",
	"Space         pause the display (sampling goes on)",
	"z             cumulative / recent (decaying) profile",
	"w             wall time: on-CPU and blocked time per stack, or on-CPU",
	"H; s r o d    new hypothesis; mark supports, rejects, open; delete",
	"e             export YAML (Ctrl-U clears the path)",
	"P             show / hide the panes",
	"mouse         click selects, wheel scrolls",
	"? F1          this help       q  quit (or back to the process list)",
};

#define HELP_MAX  32
#define HELP_COLS 74
#define HELP_KEYW 14 /* the key column */

struct help {
	char line[HELP_MAX][HELP_COLS + 1];
	int n;
};

static void help_add(struct help *h, const char *text)
{
	if (h->n < HELP_MAX)
		snprintf(h->line[h->n++], HELP_COLS + 1, "%s", text);
}

/* KEY's column, then ITEMS joined by ", " and wrapped under the column. */
static void help_wrapped(struct help *h, const char *key, const char *const *items, size_t n)
{
	char line[HELP_COLS + 1];
	int len = snprintf(line, sizeof(line), "%-*s", HELP_KEYW, key);

	for (size_t i = 0; i < n; i++) {
		int w = (int)strlen(items[i]) + (i + 1 < n ? 1 : 0);

		if (len > HELP_KEYW && len + 1 + w > HELP_COLS) {
			help_add(h, line);
			len = snprintf(line, sizeof(line), "%-*s", HELP_KEYW, "");
		}
		len += snprintf(line + len, sizeof(line) - (size_t)len, "%s%s%s",
				len > HELP_KEYW ? " " : "", items[i], i + 1 < n ? "," : "");
		if (len >= HELP_COLS)
			len = HELP_COLS;
	}
	help_add(h, line);
}

static void make_help(struct help *h)
{
	const char *names[APP_MAX_VIEWS], *enter[APP_MAX_VIEWS];
	char range[8], keys[32], lower[APP_MAX_VIEWS][32];
	size_t n = app_nviews(), ne = 0;

	h->n = 0;
	for (size_t i = 0; i < sizeof(help_head) / sizeof(*help_head); i++)
		help_add(h, help_head[i]);
	for (size_t i = 0; i < n; i++) {
		names[i] = app_view_lower(app_views[i], lower[i], sizeof(lower[i]));
		if (app_views[i]->enter)
			enter[ne++] = app_views[i]->enter;
	}
	snprintf(keys, sizeof(keys), "%s, Tab", app_view_keys(range, sizeof(range)));
	help_wrapped(h, keys, names, n);
	for (size_t i = 0; i < sizeof(help_tail) / sizeof(*help_tail); i++) {
		if (!strcmp(help_tail[i], "@ENTER"))
			help_wrapped(h, "Enter", enter, ne);
		else
			help_add(h, help_tail[i]);
	}
}

static void draw_help(struct surface *s)
{
	struct help hl;
	int n, w, h, x, y;

	make_help(&hl);
	n = hl.n;
	w = 78 < s->w ? 78 : s->w;
	h = n + 2 < s->h ? n + 2 : s->h;
	x = (s->w - w) / 2;
	y = (s->h - h) / 2;
	surf_fill(s, x, y, w, h, ST_NORMAL);
	surf_box(s, x, y, w, h, " help ");
	for (int i = 0; i < n && i < h - 2; i++)
		surf_text(s, x + 2, y + 1 + i, w - 4, i ? ST_NORMAL : ST_TITLE, hl.line[i]);
}

/* While a hypothesis is typed: what marking it will attach, on the row
 * above the prompt. */
static void draw_evidence_preview(struct app *a, struct surface *s, int y)
{
	char text[4096], line[1200];
	struct hyp_snapshot sn;

	le_get(&a->le, text, sizeof(text));
	evidence_for(a, text, &sn);
	ledger_evidence_line(&sn, line, sizeof(line));
	surf_fill(s, 0, y, s->w, 1, ST_DIM);
	surf_printf(s, 0, y, s->w, ST_DIM, "evidence when marked (%s): %s",
		    sn.function[0] ? "the function it names" : "names no function in view", line);
}

static void draw_status(struct app *a, struct surface *s, int y)
{
	surf_fill(s, 0, y, s->w, 1, ST_STATUS);
	if (a->prompt == PROMPT_HYPOTHESIS && y > 0)
		draw_evidence_preview(a, s, y - 1);
	if (a->prompt != PROMPT_NONE) {
		const char *label = prompt_label(a->prompt);
		char text[4096];
		int lw = surf_text(s, 0, y, s->w, ST_STATUS, label), avail = s->w - lw - 1;
		/* Keep the cursor on screen: scroll the line from the left. */
		size_t from =
		    avail > 0 && a->le.cur > (size_t)avail ? a->le.cur - (size_t)avail : 0;
		int cx;

		le_get_from(&a->le, from, text, sizeof(text));
		surf_text(s, lw, y, avail, ST_NORMAL, text);
		cx = lw;
		for (size_t i = from; i < a->le.cur; i++)
			cx += cp_width(a->le.cp[i]);
		surf_style(s, cx, y, 1, ST_SELECTED);
		return;
	}
	/* A debug file on its way: the line says so until it has come (a
	 * message of the moment keeps its first 3 s, an error stays). */
	{
		char line[300];
		int fetching = a->session && session_fetch_progress(a->session, line, sizeof(line));
		long age = (long)(time(NULL) - a->msg_at);

		if (a->msg[0] && (a->msg_err || age < (fetching ? 3 : 8))) {
			surf_text_fit(s, 0, y, s->w, a->msg_err ? ST_ERROR : ST_STATUS, a->msg);
			return;
		}
		if (fetching) {
			surf_text_fit(s, 0, y, s->w, ST_STATUS, line);
			return;
		}
	}
	/* "? help  q quit" always shows, at the right; the other hints fill
	 * what is left, whole hints only, most used first. */
	{
		static char views[16];
		static const char *const hints[] = { views,        "Enter zoom",   "/ search",
						     "e export",   "H hypothesis", "f focus",
						     "b baseline", "Space pause",  "z recent",
						     "w wall" };
		const char *must = a->from_list ? "? help  q back to list" : "? help  q quit";
		int right = surf_width(must), x = 0;
		char keys[8];

		snprintf(views, sizeof(views), "%s views", app_view_keys(keys, sizeof(keys)));
		if (s->w > right)
			surf_text(s, s->w - right, y, right, ST_STATUS, must);
		else
			surf_text(s, 0, y, s->w, ST_STATUS, must);
		for (size_t i = 0; i < sizeof(hints) / sizeof(*hints); i++) {
			int w = surf_width(hints[i]);

			if (x + w + 2 > s->w - right)
				break;
			x += surf_text(s, x, y, w, ST_STATUS, hints[i]) + 2;
		}
	}
}

void app_draw(struct app *a, struct surface *s)
{
	int y = 0, bottom = s->h - 1;

	surf_clear(s);
	if (s->w < 20 || s->h < 5) {
		surf_text(s, 0, 0, s->w, ST_ERROR, "flametop: terminal too small (20x5 at least)");
		return;
	}
	draw_header(a, s);
	y = 1;
	if (a->show_panes && a->panes && a->info.stacks_only[0]) {
		/* Stacks only: every pane would say it has nothing. One line. */
		surf_printf(s, 1, y++, s->w - 2, ST_DIM,
			    "none in %s: no CPU, memory, I/O, counter or GPU readings",
			    a->info.stacks_only);
	} else if (a->show_panes && a->panes && s->h >= 20 && s->w >= 40) {
		draw_panes(a, s, y, PANE_ROWS);
		y += PANE_ROWS;
		if (s->h >= 26)
			draw_readings(a, s, y++);
	}
	if (s->h >= 10) {
		draw_tabs(a, s, y);
		y++;
	}
	a->main_rect = (struct rect){ 0, y, s->w, bottom - y };
	app_views[a->view]->draw(a, a->vstate[a->view], s, a->main_rect);
	if (a->ann.open)
		app_annotate_draw(a, s, a->main_rect);
	draw_status(a, s, bottom);
	if (a->help)
		draw_help(s);
}

int app_ctr_column(const struct app *a, size_t n, int width, size_t i)
{
	int room = (width - 26 - 40) / 10; /* shares and samples take 26 */
	size_t k = 0;

	for (size_t c = 0; c < n && (int)k < room && k < 3; c++) {
		if (a->info.weight_ns && strstr(a->counting->name[c], "clock"))
			continue;
		if (k++ == i)
			return (int)c;
	}
	return -1;
}

const char *app_ctr_label(const char *name)
{
	static const struct {
		const char *name, *label;
	} short_names[] = {
		{ "context-switches", "ctx-sw" },      { "cpu-migrations", "migrate" },
		{ "page-faults", "faults" },           { "major-faults", "maj-flt" },
		{ "minor-faults", "min-flt" },         { "instructions", "instr" },
		{ "cache-references", "cache-ref" },   { "cache-misses", "cache-mis" },
		{ "branch-instructions", "branches" }, { "branch-misses", "br-miss" },
	};

	for (size_t i = 0; i < sizeof(short_names) / sizeof(*short_names); i++)
		if (!strcmp(name, short_names[i].name))
			return short_names[i].label;
	return name;
}
