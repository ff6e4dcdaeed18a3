/* proclist — `flametop` alone: the machine's processes, as htop lists them
 * (PID, user, CPU %, RSS, threads, state, command; by CPU, refreshed each
 * second), `/` filters, `<` `>` (or P M T N) choose the sort column, Enter
 * opens the profile screen on the selected process, and q there comes back
 * to the list (the process is detached: sampling stops, -o/--folded/--pprof
 * are written as on any quit). A process that cannot be profiled says why
 * on the status line. The rows come from counters/proclist.c; what is
 * shown (sort, filter, selection) lives here. */
#include "face.h"
#include "fmt.h"
#include "lineedit.h"
#include "proclist.h"
#include "screen.h"
#include "top.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

enum sort_key {
	SORT_PID,
	SORT_USER,
	SORT_CPU,
	SORT_RSS,
	SORT_THREADS,
	SORT_STATE,
	SORT_CMD,
	SORT_N
};

static const char *const sort_names[SORT_N] = {
	"PID", "USER", "CPU%", "RSS", "THR", "S", "COMMAND"
};

struct plist {
	struct proclist pl;
	size_t *shown; /* indices into pl.rows, filtered and sorted */
	size_t nshown, sel, top;
	pid_t sel_pid; /* the selection follows its process across refreshes */
	enum sort_key sort;
	int invert, quit;
	struct lineedit filter;
	int typing; /* '/' is being answered */
	char status[512];
	int status_error;
	struct surface surf;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_rows(const struct proc_row *x, const struct proc_row *y, enum sort_key k)
{
	switch (k) {
	case SORT_USER:
		return strcmp(x->user, y->user);
	case SORT_CPU:
		return (x->cpu_pct < y->cpu_pct) - (x->cpu_pct > y->cpu_pct);
	case SORT_RSS:
		return (x->rss_kb < y->rss_kb) - (x->rss_kb > y->rss_kb);
	case SORT_THREADS:
		return (x->threads < y->threads) - (x->threads > y->threads);
	case SORT_STATE:
		return (x->state > y->state) - (x->state < y->state);
	case SORT_CMD:
		return strcmp(x->cmdline, y->cmdline);
	default:
		return 0;
	}
}

static int cmp_shown(const void *a, const void *b, void *arg)
{
	const struct plist *p = arg;
	const struct proc_row *x = &p->pl.rows[*(const size_t *)a];
	const struct proc_row *y = &p->pl.rows[*(const size_t *)b];
	int c = cmp_rows(x, y, p->sort);

	if (p->invert)
		c = -c;
	return c ? c : (x->pid > y->pid) - (x->pid < y->pid);
}

static int matches(const struct proc_row *r, const char *f)
{
	char pid[16];

	if (!f[0])
		return 1;
	snprintf(pid, sizeof(pid), "%d", (int)r->pid);
	return strcasestr(r->cmdline, f) || strcasestr(r->comm, f) || strcasestr(r->user, f) ||
	       !strcmp(pid, f);
}

/* The rows to show, the selection kept on its process where it still is. */
static void arrange(struct plist *p)
{
	char f[256];

	le_get(&p->filter, f, sizeof(f));
	free(p->shown);
	p->shown = malloc((p->pl.n + 1) * sizeof(*p->shown));
	p->nshown = 0;
	if (!p->shown)
		return;
	for (size_t i = 0; i < p->pl.n; i++)
		if (matches(&p->pl.rows[i], f))
			p->shown[p->nshown++] = i;
	qsort_r(p->shown, p->nshown, sizeof(*p->shown), cmp_shown, p);
	for (size_t i = 0; i < p->nshown; i++)
		if (p->pl.rows[p->shown[i]].pid == p->sel_pid) {
			p->sel = i;
			return;
		}
	if (p->sel >= p->nshown)
		p->sel = p->nshown ? p->nshown - 1 : 0;
	if (p->nshown)
		p->sel_pid = p->pl.rows[p->shown[p->sel]].pid;
}

static void say(struct plist *p, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(struct plist *p, int error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->status, sizeof(p->status), fmt, ap);
	va_end(ap);
	p->status_error = error;
}

static void draw(struct plist *p)
{
	struct surface *s = &p->surf;
	int w, h, rows, y = 0;
	char line[1024], rss[16], f[256];

	screen_size(&w, &h);
	if (w != s->w || h != s->h)
		surf_resize(s, w, h);
	surf_clear(s);
	if (h < 4 || w < 20) {
		surf_text(s, 0, 0, w, ST_NORMAL, "terminal too small");
		screen_flush(s);
		return;
	}
	surf_fill(s, 0, y, w, 1, ST_HEADER);
	surf_printf(s, 0, y++, w, ST_HEADER,
		    "flametop  processes: %zu (%ld running)  CPU %.0f%% of a core in all", p->pl.n,
		    p->pl.running, p->pl.total_cpu_pct);
	le_get(&p->filter, f, sizeof(f));
	surf_fill(s, 0, y, w, 1, ST_TITLE);
	snprintf(line, sizeof(line), "%7s %-9s %6s %8s %5s %1s  %s", "PID", "USER", "CPU%", "RSS",
		 "THR", "S", "COMMAND");
	surf_text(s, 0, y++, w, ST_TITLE, line);
	rows = h - 4;
	if (p->sel < p->top)
		p->top = p->sel;
	if (rows > 0 && p->sel >= p->top + (size_t)rows)
		p->top = p->sel - (size_t)rows + 1;
	for (int i = 0; i < rows && p->top + (size_t)i < p->nshown; i++) {
		const struct proc_row *r = &p->pl.rows[p->shown[p->top + (size_t)i]];
		int sel = p->top + (size_t)i == p->sel;
		enum style st = sel ? ST_SELECTED : r->kernel ? ST_DIM : ST_NORMAL;

		fmt_bytes(rss, sizeof(rss), (double)r->rss_kb * 1024.0);
		/* The command line is the process's own: surf_text makes it safe. */
		snprintf(line, sizeof(line), "%7d %-9.9s %6.1f %8s %5ld %c  %s", (int)r->pid,
			 r->user, r->cpu_pct, rss, r->threads, r->state, r->cmdline);
		surf_fill(s, 0, y, w, 1, st);
		surf_text(s, 0, y++, w, st, line);
	}
	if (!p->nshown)
		surf_printf(s, 1, y, w - 1, ST_DIM, "no process matches '%s'", f);
	/* The status line: the filter being typed, a message, or the keys. */
	surf_fill(s, 0, h - 2, w, 1, ST_STATUS);
	if (p->typing)
		surf_printf(s, 0, h - 2, w, ST_STATUS, "filter: %s", f);
	else if (p->status[0])
		surf_text(s, 0, h - 2, w, p->status_error ? ST_ERROR : ST_STATUS, p->status);
	else if (f[0])
		surf_printf(s, 0, h - 2, w, ST_STATUS, "filter '%s' (/ edits, Esc clears)", f);
	surf_fill(s, 0, h - 1, w, 1, ST_STATUS);
	surf_printf(s, 0, h - 1, w, ST_STATUS,
		    "Enter profile  / filter  < > sort (%s%s)  P M T N cpu mem thr pid  I invert  "
		    "q quit",
		    sort_names[p->sort], p->invert ? ", inverted" : "");
	screen_flush(s);
}

static void move(struct plist *p, long by)
{
	long to = (long)p->sel + by;

	if (to < 0)
		to = 0;
	if (p->nshown && to >= (long)p->nshown)
		to = (long)p->nshown - 1;
	p->sel = p->nshown ? (size_t)to : 0;
	if (p->nshown)
		p->sel_pid = p->pl.rows[p->shown[p->sel]].pid;
}

static void sort_by(struct plist *p, enum sort_key k)
{
	p->sort = k;
	arrange(p);
}

/* Enter: the profile screen on the selected process, back here on q. */
static void profile(struct plist *p, const struct cli_options *o)
{
	const struct proc_row *r;
	struct cli_options po = *o;
	char why[1024] = "", err[256];
	int rc;

	if (!p->nshown)
		return;
	r = &p->pl.rows[p->shown[p->sel]];
	if (r->pid == getpid()) {
		say(p, 1, "pid %d is this flametop: pick another process", (int)r->pid);
		return;
	}
	po.pid = r->pid;
	po.proclist = 1;
	screen_fini();
	rc = top_run_ex(&po, why, sizeof(why));
	if (screen_init(err, sizeof(err))) { /* the terminal is gone */
		p->quit = 1;
		return;
	}
	if (rc < 0)
		say(p, 1, "pid %d (%s) cannot be profiled: %s", (int)r->pid, r->comm, why);
	else
		say(p, 0, "detached from pid %d (%s)%s", (int)r->pid, r->comm,
		    rc ? "; an export failed: see above" : "");
	p->surf.g = screen_glyphs();
	screen_resized();
}

static void filter_key(struct plist *p, const struct key *k)
{
	switch (k->code) {
	case K_ENTER:
		p->typing = 0;
		break;
	case K_ESC:
		p->typing = 0;
		le_set(&p->filter, "");
		break;
	case K_BACKSPACE:
		le_backspace(&p->filter);
		break;
	case 0x15: /* Ctrl-U */
		le_kill_line(&p->filter);
		break;
	default:
		if (k->code >= 0x20 && k->code < 0x110000)
			le_insert(&p->filter, k->code);
		break;
	}
	arrange(p);
}

static void key(struct plist *p, const struct key *k, const struct cli_options *o)
{
	long page = p->surf.h > 5 ? p->surf.h - 5 : 1;

	if (p->typing) {
		filter_key(p, k);
		return;
	}
	p->status[0] = 0;
	switch (k->code) {
	case K_UP:
	case 'k':
		move(p, -1);
		break;
	case K_DOWN:
	case 'j':
		move(p, 1);
		break;
	case K_PGUP:
		move(p, -page);
		break;
	case K_PGDN:
		move(p, page);
		break;
	case K_HOME:
		move(p, -(long)p->nshown);
		break;
	case K_END:
		move(p, (long)p->nshown);
		break;
	case K_ENTER:
		profile(p, o);
		break;
	case '/':
		p->typing = 1;
		break;
	case K_ESC:
		le_set(&p->filter, "");
		arrange(p);
		break;
	case '<':
	case ',':
		sort_by(p, (enum sort_key)((p->sort + SORT_N - 1) % SORT_N));
		break;
	case '>':
	case '.':
		sort_by(p, (enum sort_key)((p->sort + 1) % SORT_N));
		break;
	case 'P':
		sort_by(p, SORT_CPU);
		break;
	case 'M':
		sort_by(p, SORT_RSS);
		break;
	case 'T':
		sort_by(p, SORT_THREADS);
		break;
	case 'N':
		sort_by(p, SORT_PID);
		break;
	case 'I':
		p->invert = !p->invert;
		arrange(p);
		break;
	case 'q':
		p->quit = 1;
		break;
	case K_RESIZE:
		screen_resized();
		break;
	default:
		break;
	}
}

int proclist_run(const struct cli_options *o)
{
	struct plist *p = calloc(1, sizeof(*p));
	char err[256] = "";
	double next = 0;

	if (!p) {
		fprintf(stderr, "flametop: out of memory\n");
		return 1;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "flametop: the process list needs a terminal; for scripts give "
				"'flametop record' -p PID, -a or a command (see --help)\n");
		free(p);
		return 2;
	}
	proclist_init(&p->pl);
	p->sort = SORT_CPU;
	face_catch_signals();
	if (screen_init(err, sizeof(err))) {
		fprintf(stderr, "flametop: %s\n", err);
		free(p);
		return 1;
	}
	p->surf.g = screen_glyphs();
	/* A first scan to have rates at the second. */
	proclist_scan(&p->pl);
	next = now_s() + 0.5;
	arrange(p);
	while (!p->quit && !face_stop_signal()) {
		struct pollfd in = { STDIN_FILENO, POLLIN, 0 };
		struct key k;
		double wait = next - now_s();

		draw(p);
		poll(&in, 1, wait > 0 ? (int)(wait * 1000) + 1 : 0);
		while ((k = screen_key()).code != K_NONE && !p->quit)
			key(p, &k, o);
		if (now_s() >= next) {
			if (proclist_scan(&p->pl))
				say(p, 1, "/proc unreadable: %s", strerror(errno));
			arrange(p);
			next = now_s() + 1.0;
		}
	}
	screen_fini();
	surf_free(&p->surf);
	proclist_fini(&p->pl);
	free(p->shown);
	free(p);
	return 0;
}
