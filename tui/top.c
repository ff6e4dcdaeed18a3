/* top — one poll loop over the collector's hand-overs, the keyboard and a
 * timer.
 *
 * Keys are handled and drawn at once; samples are analysed as they come,
 * a bounded time per turn (the collector thread empties the rings
 * meanwhile); the views are rebuilt once per refresh interval. On q or a
 * signal sampling stops at once and what was collected is analysed with a
 * progress line; q or a signal again drops the rest. */
#include "top.h"

#include "annotate_out.h"
#include "app.h"
#include "cmdlog.h"
#include "compare.h"
#include "face.h"
#include "hints.h"
#include "ledger_yaml.h"
#include "report.h"
#include "saved.h"
#include "screen.h"
#include "sampler.h"
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FDS 4096

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct loop {
	struct session *s; /* NULL: a saved export (flametop report) */
	struct app app;
	struct surface surf;
	struct pollfd fds[MAX_FDS];
	uint64_t next_refresh, refresh_ms;
	char ledger_save[4096];     /* --ledger: kept saved here as it changes ("": none;
				     * an export's hypotheses go beside it) */
	unsigned long ledger_saved; /* the ledger's change count last saved */
	char ledger_moved[12800];   /* why and where the ledger moved ("": it did not) */
	size_t hints_said;          /* hints said on the status line so far */
	uint64_t hints_next;        /* when to look for the next (0: not started) */
};

/* --ledger: a change is saved at once. Where the file cannot take it (a
 * full disk, a FIFO no one reads), the ledger moves to a fresh file, said
 * on screen (and on stderr at the end); where that fails too, the
 * hypotheses stay in memory (and in the exports) for the next try. */
static int keep_ledger_saved(struct loop *l)
{
	char err[8600], saved[4096];
	int e;

	if (!l->ledger_save[0] || l->app.ledger.changes == l->ledger_saved)
		return 0;
	e = face_save_ledger(l->ledger_save, &l->app.ledger, saved, sizeof(saved), err,
			     sizeof(err));
	if (e >= 0)
		l->ledger_saved = l->app.ledger.changes;
	if (e > 0) {
		snprintf(l->ledger_save, sizeof(l->ledger_save), "%s", saved);
		snprintf(l->ledger_moved, sizeof(l->ledger_moved), "hypotheses kept in %s (%s)",
			 saved, err);
		app_message(&l->app, 1, "%s", l->ledger_moved);
	} else if (e < 0) {
		app_message(&l->app, 1, "ledger not saved: %s; retried at the next change", err);
	}
	return e;
}

/* After the screen: where the hypotheses went, if not where asked; a
 * change not saved yet gets its last try. */
static void ledger_at_exit(struct loop *l)
{
	if (l->app.ledger.changes != l->ledger_saved && keep_ledger_saved(l) < 0)
		fprintf(stderr, "flametop: the hypotheses' last changes were not saved (%s)\n",
			l->ledger_save);
	if (l->ledger_moved[0])
		fprintf(stderr, "flametop: %s\n", l->ledger_moved);
}

/* Says where the hypotheses are kept when that is not the file named. */
static void ledger_note(struct loop *l, const struct cli_options *o)
{
	if (o->ledger_path && strcmp(o->ledger_path, l->ledger_save))
		app_message(&l->app, 0, "hypotheses kept in %s (the export is only read)",
			    l->ledger_save);
}

static void draw(struct loop *l)
{
	int w, h;

	screen_size(&w, &h);
	if (w != l->surf.w || h != l->surf.h)
		surf_resize(&l->surf, w, h);
	app_draw(&l->app, &l->surf);
	screen_flush(&l->surf);
}

static int read_keys(struct loop *l)
{
	struct key k;
	int n = 0;

	while ((k = screen_key()).code != K_NONE) {
		if (k.code == K_RESIZE)
			screen_resized();
		app_key(&l->app, &k);
		n++;
		if (l->app.quit)
			break;
	}
	return n;
}

/* Sampling stops; what was collected is analysed, the screen saying how
 * far; q or a signal again drops the rest (counted as cut). */
static void analyse_on_screen(struct loop *l)
{
	struct collection_backlog b;
	/* Stopped by a signal: the next one cuts (it may have come already). */
	int signals = face_stop_count() ? 1 : 0;
	char line[128];

	session_stop(l->s);
	session_backlog(l->s, &b);
	l->app.quit = 0;
	while (!session_analyse(l->s, 50000000ull)) {
		read_keys(l);
		if (l->app.quit || face_stop_count() > signals) {
			session_cut(l->s);
			l->app.quit = 1;
			return;
		}
		face_progress_line(l->s, b.samples, line, sizeof(line));
		app_message(&l->app, 0, "%s (q again drops the rest)", line);
		draw(l);
	}
}

/* What would make the answer better (hints.h), each said once on the
 * status line: looked for from 3 s in, then every 5 s (not at every
 * refresh: it walks the hotspots), one said at a time. */
static void say_hints(struct loop *l)
{
	char notes[HINTS_MAX][HINT_LEN];
	const struct target *t;
	size_t n;
	uint64_t now = now_ms();

	if (!l->s || l->hints_said >= HINTS_MAX || now < l->hints_next)
		return;
	if (!l->hints_next) {
		l->hints_next = now + 3000;
		return;
	}
	t = session_target(l->s);
	n = hints_make(
	    &(struct hints_input){ .profile = session_profile(l->s),
				   .exe = t->exe,
				   .pid = t->pid,
				   .fp = session_config(l->s)->call_graph != CALLGRAPH_DWARF,
				   .unwind = session_unwind(l->s) },
	    notes, HINTS_MAX);
	if (l->hints_said < n)
		app_message(&l->app, 0, "hint: %s", notes[l->hints_said++]);
	l->hints_next = now + 5000;
}

static void target_gone(struct loop *l)
{
	char how[128];

	analyse_on_screen(l);
	session_finish(l->s);
	target_state_line(session_target(l->s), how, sizeof(how));
	app_target_exited(&l->app, how);
}

static void run_loop(struct loop *l)
{
	while (!l->app.quit && !face_stop_signal()) {
		size_t n = l->app.exited ? 0 : session_pollfds(l->s, l->fds + 1, MAX_FDS - 1);
		uint64_t now = now_ms();
		int timeout = l->next_refresh > now ? (int)(l->next_refresh - now) : 0, dirty = 0;

		if (!l->app.exited)
			timeout = session_wait_ms(l->s, timeout);
		l->fds[0] = (struct pollfd){ STDIN_FILENO, POLLIN, 0 };
		poll(l->fds, n + 1, timeout);
		/* Always: a resize arrives as a signal, not as input, and
		 * ncurses hands it over as a key only when asked. */
		if (read_keys(l) > 0) {
			keep_ledger_saved(l);
			dirty = 1;
		}
		if (!l->app.exited && session_poll(l->s, 0))
			target_gone(l), dirty = 1;
		if (now_ms() >= l->next_refresh) {
			app_refresh(&l->app);
			say_hints(l);
			l->next_refresh = now_ms() + l->refresh_ms;
			dirty = 1;
		}
		if (dirty)
			draw(l);
	}
}

/* -o / --folded: written when the screen closes, as record does (with the
 * comparison when a baseline is set). */
static int write_exports(struct loop *l, const struct cli_options *o)
{
	struct face_export_opts fo;
	struct face_export x;
	int rc;

	if (app_export_opts(&l->app, &fo)) {
		fprintf(stderr, "flametop: out of memory comparing with the baseline\n");
		return 1;
	}
	if (face_export_begin(&x, l->app.saved, l->s, &fo))
		return 1;
	rc = face_write_exports(o, &x.r);
	face_export_end(&x);
	return rc;
}

/* --baseline FILE, read before the screen opens: a bad file is said as a
 * usage error. Returns 0 (OUT holds it, or nothing without the option). */
static int load_baseline(const struct cli_options *o, struct app_base *out)
{
	char err[4400];

	memset(out, 0, sizeof(*out));
	if (o->baseline_path && app_base_load(out, o->baseline_path, err, sizeof(err))) {
		fprintf(stderr, "flametop: --baseline: %s\n", err);
		return 2;
	}
	return 0;
}

/* The command's output at the end: said where it is kept, or what was
 * removed. */
static void command_output_done(struct cmdlog *out, const char *path, int keep)
{
	uint64_t written, dropped;

	if (!out)
		return;
	cmdlog_counts(out, &written, &dropped);
	cmdlog_close(out, keep && written);
	if (!written)
		return; /* it said nothing */
	if (keep && dropped)
		fprintf(stderr,
			"flametop: the command's output is in %s (its last %llu bytes of %llu)\n",
			path, (unsigned long long)(written - dropped), (unsigned long long)written);
	else if (keep)
		fprintf(stderr, "flametop: the command's output is in %s\n", path);
	else
		fprintf(stderr,
			"flametop: the command wrote %llu bytes, not kept (--keep-output keeps "
			"its last %d MiB)\n",
			(unsigned long long)written, CMDLOG_KEEP_MB);
}

static struct session *open_session(const struct cli_options *o, int outfd, char *err, size_t len)
{
	struct session_config cfg;
	struct session *s;

	cli_session_config(o, &cfg);
	cfg.child_out_fd = outfd;
	cfg.duration_s = 0; /* the screen runs until q */
	s = session_open(&cfg, err, len);

	if (s && session_start(s, err, len)) {
		session_free(s);
		return NULL;
	}
	if (s)
		face_stop_sampling_on_signal(session_stop_fd(s));
	return s;
}

int top_run(const struct cli_options *o) { return top_run_ex(o, NULL, 0); }

int top_run_ex(const struct cli_options *o, char *why, size_t whylen)
{
	struct loop *l = calloc(1, sizeof(*l));
	char err[1024], logpath[4096] = "";
	const char *kernel;
	int rc = 0, outfd = -1;
	struct cmdlog *out = NULL;
	struct ledger loaded;
	struct app_base base;

	if (!l) {
		fprintf(stderr, "flametop: out of memory\n");
		return 1;
	}
	/* The terminal first: without one there is nothing to launch for. */
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "flametop: the live screen needs a terminal; for scripts use "
				"'flametop record'\n");
		free(l);
		return 2;
	}
	if (o->argv && !(out = cmdlog_open((uint64_t)CMDLOG_KEEP_MB << 20, &outfd, logpath,
					   sizeof(logpath), err, sizeof(err)))) {
		fprintf(stderr, "flametop: %s\n", err);
		free(l);
		return 1;
	}
	ledger_init(&loaded);
	if (face_load_ledger(o, &loaded, l->ledger_save, sizeof(l->ledger_save)) ||
	    load_baseline(o, &base)) {
		if (outfd > 0)
			close(outfd);
		cmdlog_close(out, 0);
		ledger_fini(&loaded);
		free(l);
		return 2;
	}
	face_catch_signals(); /* from here on a stop signal writes the exports */
	l->s = open_session(o, outfd, err, sizeof(err));
	if (outfd > 0)
		close(outfd);
	if (!l->s) {
		if (why)
			snprintf(why, whylen, "%s", err);
		else
			fprintf(stderr, "flametop: %s\n", err);
		cmdlog_close(out, 0);
		ledger_fini(&loaded);
		app_base_free(&base);
		free(l);
		return why ? -1 : 1;
	}
	if (screen_init(err, sizeof(err)) || app_init(&l->app, l->s, session_profile(l->s))) {
		screen_fini();
		fprintf(stderr, "flametop: %s\n", err[0] ? err : "out of memory");
		face_stop_sampling_on_signal(-1);
		session_free(l->s);
		cmdlog_close(out, 0);
		ledger_fini(&loaded);
		app_base_free(&base);
		free(l);
		return 1;
	}
	l->app.base = base;
	l->app.from_list = o->proclist;
	l->app.ann_opts = &o->annot;
	l->surf.g = screen_glyphs();
	l->app.panes = o->panes;
	l->app.spec.wall = o->wall && session_profile(l->s)->off_on && l->app.info.weight_ns;
	l->app.ledger = loaded; /* app_init's ledger held nothing yet */
	l->ledger_saved = loaded.changes;
	if (logpath[0])
		app_message(&l->app, 0, "the command's output goes to %s (its last %d MiB; %s)",
			    logpath, CMDLOG_KEEP_MB,
			    o->keep_output ? "kept" : "removed at exit: --keep-output keeps it");
	kernel = target_kernel_note(session_target(l->s), sampler_user_only(session_sampler(l->s)));
	if (kernel)
		app_message(&l->app, 1, "pid %d is %s", (int)session_target(l->s)->pid, kernel);
	ledger_note(l, o);
	l->refresh_ms = (uint64_t)((o->refresh_s > 0 ? o->refresh_s : 1.0) * 1000);
	l->next_refresh = now_ms() + (l->refresh_ms < 250 ? l->refresh_ms : 250);
	draw(l);
	run_loop(l);
	if (!l->app.exited)
		analyse_on_screen(l);
	screen_fini();
	ledger_at_exit(l);
	session_finish(l->s);
	if (face_stop_signal())
		fprintf(stderr, "flametop: stopped by %s\n", strsignal(face_stop_signal()));
	rc = write_exports(l, o);
	app_fini(&l->app);
	surf_free(&l->surf);
	face_stop_sampling_on_signal(-1);
	session_free(l->s);
	free(l);
	command_output_done(out, logpath, o->keep_output);
	return rc;
}

/* flametop report FILE.yaml: the same screen over a saved export. */
int top_report(const struct cli_options *o)
{
	struct loop *l;
	struct saved_report *sr;
	char err[4600];
	struct ledger loaded;
	struct app_base base;
	int rc;

	/* No handler while the file loads: SIGINT ends a load at once (there
	 * is nothing to save yet), and the terminal is not in curses mode. */
	l = calloc(1, sizeof(*l));
	sr = calloc(1, sizeof(*sr));
	if (!l || !sr) {
		free(l);
		free(sr);
		fprintf(stderr, "flametop: out of memory\n");
		return 1;
	}
	if (saved_load(o->report_path, sr, err, sizeof(err))) {
		fprintf(stderr, "flametop: %s\n", err);
		free(l);
		free(sr);
		return 2;
	}
	face_say_truncated(sr);
	if (o->annotate_fn) { /* for scripts: annotated source on stdout, no screen */
		rc = annotate_print_saved(sr, o->annotate_fn, &o->annot);
		saved_free(sr);
		free(sr);
		free(l);
		return rc;
	}
	/* The file first: a bad one is said whatever the terminal. */
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "flametop: report opens the screen and needs a terminal\n");
		saved_free(sr);
		free(sr);
		free(l);
		return 2;
	}
	ledger_init(&loaded);
	if (load_baseline(o, &base)) {
		ledger_fini(&loaded);
		saved_free(sr);
		free(sr);
		free(l);
		return 2;
	}
	/* The export's own hypotheses, unless --ledger names a file to keep. */
	if (o->ledger_path ? face_load_ledger(o, &loaded, l->ledger_save, sizeof(l->ledger_save))
	    : sr->folded || sr->pprof                                   ? 0
	    : ledger_yaml_load_doc(&sr->doc, &loaded, err, sizeof(err)) ? 2
									: 0) {
		app_base_free(&base);
		if (!o->ledger_path)
			fprintf(stderr, "flametop: '%s': %s\n", o->report_path, err);
		ledger_fini(&loaded);
		saved_free(sr);
		free(sr);
		free(l);
		return 2;
	}
	face_catch_signals();
	if (screen_init(err, sizeof(err)) || app_init_saved(&l->app, &sr->report)) {
		screen_fini();
		fprintf(stderr, "flametop: %s\n", err[0] ? err : "out of memory");
		ledger_fini(&loaded);
		app_fini(&l->app);
		app_base_free(&base);
		saved_free(sr);
		free(sr);
		free(l);
		return 1;
	}
	l->surf.g = screen_glyphs();
	l->app.panes = o->panes;
	l->app.ann_opts = &o->annot;
	l->app.base = base;
	ledger_fini(&l->app.ledger);
	l->app.ledger = loaded;
	l->ledger_saved = loaded.changes;
	app_message(&l->app, 0, "%s reopened: browse, mark hypotheses, e exports again",
		    o->report_path);
	ledger_note(l, o);
	l->refresh_ms = 1000;
	l->next_refresh = now_ms() + l->refresh_ms;
	draw(l);
	run_loop(l);
	screen_fini();
	ledger_at_exit(l);
	rc = write_exports(l, o);
	app_fini(&l->app);
	surf_free(&l->surf);
	saved_free(sr);
	free(sr);
	free(l);
	return rc;
}
