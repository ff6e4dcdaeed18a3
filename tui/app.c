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
#include "sampler.h"
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
	session_report(a->session, &r);
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
	a->flame_sel_auto = 0;
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
	app_search_update(a);
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
void app_evidence_for(const struct app *a, const char *text, struct hyp_snapshot *sn)
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

	app_evidence_for(a, h ? h->text : "", &sn);
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
	struct face_export_opts fo;
	struct face_export x;
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
	if (app_export_opts(a, &fo)) {
		app_message(a, 1, "out of memory comparing with the baseline");
		return -ENOMEM;
	}
	if (face_export_begin(&x, a->saved, a->session, &fo)) {
		app_message(a, 1, "nothing to export: no session");
		return -EINVAL;
	}
	e = face_write_or_save(path, exp, exporter_ext(exp), &x.r, saved, sizeof(saved), err,
			       sizeof(err));
	if (e == 0)
		app_message(a, 0, "wrote %s (%s)", path, exp->name);
	else if (e > 0)
		app_message(a, 1, "%s; saved to %s instead", err, saved);
	else
		app_message(a, 1, "%s", err);
	face_export_end(&x);
	return e ? -EIO : 0;
}

/* ---- prompts ---- */

static void open_prompt(struct app *a, enum prompt_kind k, const char *text, unsigned id)
{
	a->prompt = k;
	a->prompt_id = id;
	le_set(&a->le, text ? text : "");
}

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
		app_search_update(a);
		if (a->search[0])
			app_message(a, 0,
				    "'%s': %zu functions, %.1f%% of samples (n/N: next/previous)",
				    a->search, a->search_funcs, a->search_pct);
		if (a->nhits)
			app_search_jump(a, 0);
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
		app_search_update(a);
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
	case 'b': {
		char msg[256];
		int bad = app_toggle_pin(a, msg, sizeof(msg));

		app_message(a, bad, "%s", msg);
		respec(a, NULL);
		return 1;
	}
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
			app_search_jump(a, k->code == 'n' ? 1 : -1);
			return;
		}
	}
	if (app_views[a->view]->key && app_views[a->view]->key(a, a->vstate[a->view], k))
		return;
	global_key(a, k);
}
