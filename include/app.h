/* app — the screen's state and behaviour, without a terminal: what is
 * selected, folded, zoomed, filtered; what each key does; how the screen is
 * laid out and drawn into a surface.  The live loop (top) feeds it keys and
 * refreshes; tests and benchmarks drive it directly.
 *
 * View state lives here and only here (selection, folding, scroll, zoom),
 * keyed by call-tree node ids or frame paths, never stored in the model. */
#ifndef FLAMETOP_APP_H
#define FLAMETOP_APP_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "annotate.h"
#include "classify.h"
#include "fmt.h"
#include "keys.h"
#include "ledger.h"
#include "lineedit.h"
#include "pview.h"
#include "readings.h"
#include "surface.h"
#include "treeview.h"
#include "u64map.h"

struct session;
struct counting;
struct timeline;

/* The views in the registry's order (app_views[]): names for the built-in
 * ones; a view added to the registry needs none. */
enum view_id { VIEW_FLAME, VIEW_TREE, VIEW_HOTSPOTS, VIEW_THREADS, VIEW_LEDGER };
#define APP_MAX_VIEWS 9 /* keys 1-9 */

enum prompt_kind { PROMPT_NONE, PROMPT_SEARCH, PROMPT_HYPOTHESIS, PROMPT_EVIDENCE, PROMPT_EXPORT };

enum pane_id { PANE_CPU, PANE_RSS, PANE_IO, PANE_COUNTERS, PANE_GPU, PANE_COUNT };
#define PANE_ROWS 6 /* box, three lines of figures, a sparkline */

/* One laid-out box of the flame view. */
struct flame_box {
	uint32_t node;
	int row, x0, x1;
};

struct app_info {
	int pid;
	char comm[64];
	char event[64];
	unsigned freq_hz;
	uint64_t period;
	char call_graph[32];
	int hw_counters;
	int weight_ns; /* sampled weight is CPU time (cpu-clock, task-clock) */
	double refresh_s;
	/* A file of stacks alone (folded, pprof): what it is, and that it has
	 * no process, threads, readings or counters; "" otherwise. */
	char stacks_only[64];
	/* -a / --cgroup: "the whole machine (2 CPUs)", "cgroup /sys/fs/..."; "" else */
	char machine[600];
};

/* A baseline the screen compares with (baseline.c). */
struct saved_report;
struct comparison;
struct app_base {
	struct saved_report *saved; /* the baseline's profile (owned), or NULL: none */
	struct ctree *pin;          /* b: the live tree when pinned (views show since) */
	double pinned_at;
	char name[256];     /* what the header calls it */
	int by_name;        /* folded stacks: matched by function name */
	struct hotspot *hs; /* its functions */
	long nhs;
	uint64_t root_weight;
	struct name_ix *names; /* by_name: its frames sorted by name */
	size_t nnames;
	uint32_t *xlat, *bnode; /* our frame -> its frame, our node -> its node */
	size_t nxlat, nbnode;
};

struct app {
	/* the model (borrowed) */
	struct session *session; /* NULL: a profile without a live session */
	struct profile *profile;
	const struct timeline *timeline;
	const struct counting *counting;
	struct app_info info;
	char gpu_desc[160];       /* what the GPU probe found */
	struct readings readings; /* the panes' verdicts, made at each refresh */
	struct ledger ledger;
	const struct report *saved;          /* a reopened export (flametop report), or NULL */
	struct suggestion sugg[SUGGEST_MAX]; /* what the numbers suggest, for the ledger view */
	size_t nsugg;
	/* what is shown */
	struct pview_spec spec;
	struct pview pv;
	struct kids kids;
	struct hotspot *hs;
	long nhs;
	unsigned view;               /* index in app_views[] */
	void *vstate[APP_MAX_VIEWS]; /* each view's own state (view_ops.state_size) */
	int paused, exited, help, show_panes;
	unsigned panes; /* bit per pane_id: shown */
	double elapsed_s;
	/* flame and tree share one selection: a node of pv.tree */
	uint32_t sel;
	uint32_t zoom[64];
	int nzoom;
	int flame_scroll;
	int flame_expanded;   /* x: show a run of single-child frames row by row */
	uint32_t flame_chain; /* the collapsed run's last frame (its box), or CTREE_NONE */
	int flame_chain_len;
	int flame_sel_auto; /* the selection is the collapsed run's, not the user's */
	struct flame_box *boxes;
	size_t nboxes, capboxes;
	struct tree_state ts;
	uint32_t snap_frame; /* the function selected last (f focuses on it) */
	/* search */
	char search[256];
	uint8_t *match; /* per frame id */
	size_t nmatch;
	double search_pct;
	size_t search_funcs;
	uint32_t *hits; /* matching nodes, by function name, then path */
	size_t nhits, caphits;
	size_t hit_cur; /* the match n/N stepped to last: one order for every view */
	char *hit_key;  /* that match's function and path: found again after a refresh */
	/* prompt */
	enum prompt_kind prompt;
	struct lineedit le;
	unsigned prompt_id;
	unsigned hyp_added; /* hypotheses written with H (the ledger view selects the newest) */
	/* export */
	char export_path[4096];
	/* the status line */
	char msg[600];
	int msg_err;
	time_t msg_at;
	int quit;
	/* `a`: the annotation over the main view (view_annotate.c) */
	struct {
		int open, disasm;
		size_t sel, top;
		struct annotation a;
	} ann;
	const struct annotate_opts *ann_opts; /* --source-prefix (NULL: none) */
	int from_list;                        /* opened from the process list: q goes back to it */
	struct rect main_rect;
	struct app_base base;
};

/* A view: one file with its own state, and one line in app_views[]. Its
 * tab key, its place in the tabs and the help come from here. ST is the
 * view's state (STATE_SIZE bytes, zeroed, NULL when 0). */
struct view_ops {
	const char *name;  /* on its tab */
	uint32_t tab_key;  /* the key that shows it */
	const char *enter; /* what Enter does in it, for the help ("zoom into a frame") */
	size_t state_size;
	void (*init)(struct app *a, void *st); /* optional */
	void (*rebuild)(struct app *a,
			void *st);             /* the view of the profile was rebuilt (optional) */
	void (*fini)(struct app *a, void *st); /* optional */
	void (*draw)(struct app *a, void *st, struct surface *s, struct rect r);
	/* Returns 1 when the key was the view's. */
	int (*key)(struct app *a, void *st, const struct key *k);
	void (*click)(struct app *a, void *st, int x, int y); /* relative to the view */
};

extern const struct view_ops view_flame, view_tree, view_hotspots, view_threads, view_ledger,
    view_changes;
/* The registry, in tab order, NULL-ended. */
extern const struct view_ops *const app_views[];
size_t app_nviews(void);
#define VIEW_COUNT ((int)app_nviews())
/* "1-6": the keys of the first and last views, into BUF. */
const char *app_view_keys(char *buf, size_t len);
/* V's name in lower case ("hotspots"), for prose, into BUF. */
const char *app_view_lower(const struct view_ops *v, char *buf, size_t len);
/* Shows view V (also from another view: the threads' Enter shows the flame). */
void app_show_view(struct app *a, const struct view_ops *v);

struct pane_ops {
	const char *name;
	void (*draw)(const struct app *a, struct surface *s, struct rect r);
};

extern const struct pane_ops pane_cpu, pane_rss, pane_io, pane_counters, pane_gpu;

/* Sets up the app on PROFILE (and SESSION, when live). */
int app_init(struct app *a, struct session *session, struct profile *profile);
/* The same on a reopened export: its profile, facts and suggestions. */
struct report;
int app_init_saved(struct app *a, const struct report *saved);
/* The suggestions not yet adopted or rejected: I-th of them, or NULL. */
const struct suggestion *app_suggestion(const struct app *a, size_t i);
size_t app_nsuggestions(const struct app *a);
/* Adopts (V supports) or rejects suggestion I: a hypothesis marked with its
 * evidence. */
void app_take_suggestion(struct app *a, size_t i, enum verdict v);
void app_fini(struct app *a);
/* Rebuilds what the views show from the model (unless paused). */
void app_refresh(struct app *a);
/* The target exited: say so, keep everything browsable. */
void app_target_exited(struct app *a, const char *how);
void app_key(struct app *a, const struct key *k);
void app_draw(struct app *a, struct surface *s);
/* A message in the status line (ERR: shown as an error). */
void app_message(struct app *a, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Writes the YAML export to PATH; on failure saves it elsewhere. Says
 * what happened in the status line. Returns 0 when PATH was written. */
int app_export(struct app *a, const char *path);

/* Marks hypothesis ID with a snapshot of what is on screen. */
void app_mark(struct app *a, unsigned id, enum verdict v);

/* Focus on FRAME: every occurrence of the function merged under the root. */
void app_focus(struct app *a, uint32_t frame);
/* `a` on FRAME: its annotation over the main view (view_annotate.c); a
 * message says why where there is none. */
/* The evidence a hypothesis of TEXT would be given now (the function it
 * names, else the selection), for the prompt's preview and the mark. */
void app_evidence_for(const struct app *a, const char *text, struct hyp_snapshot *sn);
/* Search (app_search.c): the matches of a->search in the view, anew; the
 * next (DIR 1), previous (-1) or first after a new search (0) shown. */
void app_search_update(struct app *a);
void app_search_jump(struct app *a, int dir);
void app_annotate(struct app *a, uint32_t frame);
void app_annotate_close(struct app *a);
void app_annotate_draw(struct app *a, struct surface *s, struct rect r);
void app_annotate_key(struct app *a, const struct key *k);
/* -a / --cgroup: the root frame of PID's stacks ("comm-PID"), or CTREE_NONE. */
uint32_t app_process_frame(const struct app *a, pid_t pid);
/* Threads: the profile of TID alone (0: all). */
void app_filter_thread(struct app *a, pid_t tid);
/* Hypotheses: a prompt to edit the evidence of ID. */
void app_edit_evidence(struct app *a, unsigned id);

/* The baseline (baseline.c): read from a file into B (before or after the
 * app is set up), or the live profile pinned (b toggles). Returns 0, or
 * -errno with the reason in ERR. */
int app_base_load(struct app_base *b, const char *path, char *err, size_t len);
/* b: pins the profile as it is now as the baseline, or drops the
 * baseline; what happened goes to MSG. Returns 0, or 1 when it failed. */
int app_toggle_pin(struct app *a, char *msg, size_t len);
void app_base_free(struct app_base *b);
/* The view was rebuilt: node ids may mean other nodes. */
void app_base_view_changed(struct app *a);
/* The baseline's total share of NODE's call path, or of FRAME's function
 * (self and total). 0, or -1 when the baseline has none (new). */
int app_base_node_pct(struct app *a, uint32_t node, double *pct);
int app_base_frame_pct(struct app *a, uint32_t frame, double *self, double *total);
struct face_export_opts;
/* What the screen puts in an export (face.h): its ledger, annotation
 * options, wall view, and its baseline compared with what is shown (a
 * profile of its own since a pin). Returns 0, or -ENOMEM. */
int app_export_opts(struct app *a, struct face_export_opts *o);
/* The changes view's comparison of the baseline with what is shown now
 * (AFTER is filled to hold the shown side; against a pin its profile is a
 * copy, the caller's to free); 0, -1 with no baseline, -ENOMEM. */
int app_comparison(struct app *a, struct comparison *c, struct saved_report *after);

/* What the tree views draw (treeview.h) of PV and its children K, REVEAL
 * opened, as callers or not, in WIDTH columns: the search's matches, the
 * counter columns, the baseline's shares. */
struct tree_src app_tree_src(struct app *a, const struct pview *pv, const struct kids *k,
			     uint32_t reveal, int callers, int width);
/* Counter columns of the tree and hotspots: the I-th shown (at most 3 of
 * N), by index into the counters, or -1; as many as WIDTH leaves room for
 * a function name of 40 columns, and never a clock when samples are CPU
 * time (cpu-clock and task-clock would repeat the sample count). */
int app_ctr_column(const struct app *a, size_t n, int width, size_t i);
/* A counter's name in at most 9 columns ("context-switches" -> "ctx-sw"). */
const char *app_ctr_label(const char *name);

/* No GPU to show (its pane then takes no room). */
int app_gpu_absent(const struct app *a);

/* Used by the views. */
double app_pct(const struct app *a, uint64_t weight);
const struct frame *app_frame(const struct app *a, uint32_t node);
void app_select(struct app *a, uint32_t node);
uint32_t app_zoom_root(const struct app *a);
/* A sparkline of V[0..n) scaled to MAX into W cells at (X, Y). */
void draw_spark(struct surface *s, int x, int y, int w, const double *v, size_t n, double max);

#endif
