/* app_draw — drawing the screen into a surface: the header (target, state,
 * rate, samples, lost, unwind quality, clock, filters), the panes' strip
 * and readings line, the tabs, the status line with its hints, and the
 * help. The app's state is app.c's; this file only reads it. */
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

static const struct pane_ops *const panes[PANE_COUNT] = {
	&pane_cpu, &pane_rss, &pane_io, &pane_counters, &pane_gpu,
};

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
	"P             panes on / off; mouse: click selects, wheel scrolls",
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
	app_evidence_for(a, text, &sn);
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

static int base_node_pct(void *a, uint32_t node, double *pct)
{
	return app_base_node_pct(a, node, pct);
}

struct tree_src app_tree_src(struct app *a, const struct pview *pv, const struct kids *k,
			     uint32_t reveal, int callers, int width)
{
	struct tree_src src = { .pv = pv,
				.kids = k,
				.reveal = reveal,
				.callers = callers,
				.frames = a->profile->frames };
	size_t nctr = a->counting ? ctree_ncounters(pv->tree) : 0;
	int c;

	if (a->search[0]) {
		src.match = a->match;
		src.nmatch = a->nmatch;
	}
	while (src.nctr < TREE_MAX_CTR && (c = app_ctr_column(a, nctr, width, src.nctr)) >= 0) {
		src.ctr[src.nctr] = c;
		src.label[src.nctr++] = app_ctr_label(a->counting->name[c]);
	}
	if (a->base.saved) {
		src.base_pct = base_node_pct;
		src.base_arg = a;
	}
	return src;
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
