/* view_threads — every thread that took samples: its share, its CPU over
 * the last interval as sampled (when the sampling event counts nanoseconds)
 * and as /proc/PID/task counts it (user, system, state); Enter shows that
 * thread's profile alone. */
#include "app.h"
#include "report.h"

#include "session.h"

#include <stdlib.h>

struct th_state {
	size_t sel, top;
};

static int cmp_samples(const void *x, const void *y, void *arg)
{
	const struct profile *p = arg;
	const struct thread_stat *a = &p->threads[*(const size_t *)x];
	const struct thread_stat *b = &p->threads[*(const size_t *)y];

	if (a->samples != b->samples)
		return a->samples < b->samples ? 1 : -1;
	return a->tid - b->tid;
}

/* Threads that took samples: the rows of the view. */
static size_t nshown(const struct app *a)
{
	size_t n = 0;

	for (size_t i = 0; i < a->profile->nthreads; i++)
		n += a->profile->threads[i].samples > 0;
	return n;
}

/* Thread indices by samples, heaviest first; malloc'd. */
static size_t order(const struct app *a, size_t **out)
{
	const struct profile *p = a->profile;
	size_t n = 0, *idx = malloc((p->nthreads + 1) * sizeof(*idx));

	*out = idx;
	if (!idx)
		return 0;
	for (size_t i = 0; i < p->nthreads; i++)
		if (p->threads[i].samples)
			idx[n++] = i;
	qsort_r(idx, n, sizeof(*idx), cmp_samples, (void *)p);
	return n;
}

static void draw(struct app *a, void *vst, struct surface *s, struct rect r)
{
	struct th_state *ts = vst;
	const struct profile *p = a->profile;
	size_t *idx, n, rows = r.h > 1 ? (size_t)r.h - 1 : 0;

	if (a->info.stacks_only[0]) {
		surf_printf(s, r.x + 1, r.y, r.w - 1, ST_DIM,
			    "%s has no threads: its stacks are one profile", a->info.stacks_only);
		return;
	}
	n = order(a, &idx);
	if (a->info.machine[0]) /* the machine: the process of each thread */
		surf_printf(s, r.x, r.y, r.w, ST_TITLE, "%8s %8s  %-16s %8s %7s %7s", "pid", "tid",
			    "name", "samples", "share%", a->info.weight_ns ? "cpu%" : "");
	else
		surf_printf(s, r.x, r.y, r.w, ST_TITLE, "%8s  %-16s %8s %7s %7s %6s %6s %-5s %s",
			    "tid", "name", "samples", "share%", a->info.weight_ns ? "cpu%" : "",
			    "usr%", "sys%", "state", "class");
	list_scroll(&ts->sel, &ts->top, n, rows);
	for (size_t i = 0; i < rows && ts->top + i < n; i++) {
		const struct thread_stat *t = &p->threads[idx[ts->top + i]];
		int y = r.y + 1 + (int)i, sel = ts->top + i == ts->sel;
		enum style st = sel ? ST_SELECTED : t->tid == a->spec.tid ? ST_MATCH : ST_NORMAL;
		const struct task_cpu *tc =
		    a->session ? tasks_find(session_tasks(a->session), t->tid) : NULL;
		char samples[16], cpu[16] = "", usr[16] = "", sys[16] = "", state[8] = "-";
		struct classify_thread ct;
		const char *cls = profile_thread_time(p, a->info.weight_ns, a->info.freq_hz, t, &ct)
				      ? NULL
				      : classify_thread_class(&ct);

		fmt_count(samples, sizeof(samples), (double)t->samples);
		if (a->info.weight_ns && a->saved && a->saved->duration_s > 0)
			/* a reopened export: over the whole run */
			snprintf(cpu, sizeof(cpu), "%6.1f",
				 100.0 * (double)t->weight / (a->saved->duration_s * 1e9));
		else if (a->info.weight_ns)
			snprintf(cpu, sizeof(cpu), "%6.1f",
				 100.0 * (double)t->weight_last / (a->info.refresh_s * 1e9));
		if (tc && tc->alive) {
			snprintf(usr, sizeof(usr), "%6.1f", tc->user_pct);
			snprintf(sys, sizeof(sys), "%6.1f", tc->sys_pct);
			snprintf(state, sizeof(state), "%c", tc->state);
		} else if (tc)
			snprintf(state, sizeof(state), "gone");
		surf_fill(s, r.x, y, r.w, 1, st);
		if (a->info.machine[0]) {
			surf_printf(s, r.x, y, r.w, st, "%8d %8d  %-16.16s %8s %6.1f%% %7s",
				    (int)t->pid, (int)t->tid, t->comm, samples,
				    profile_pct(p, t->weight), cpu);
			continue;
		}
		surf_printf(s, r.x, y, r.w, st, "%8d  %-16.16s %8s %6.1f%% %7s %6s %6s %-5s %s",
			    (int)t->tid, t->pyname[0] ? t->pyname : t->comm, samples,
			    profile_pct(p, t->weight), cpu, usr, sys, state, cls ? cls : "-");
	}
	if (!n)
		surf_text(s, r.x + 1, r.y + 1, r.w - 1, ST_DIM, "no samples yet");
	free(idx);
}

static int key(struct app *a, void *vst, const struct key *k)
{
	struct th_state *ts = vst;
	size_t *idx, n, page = a->main_rect.h > 2 ? (size_t)a->main_rect.h - 2 : 1;

	if (list_move(&ts->sel, nshown(a), k, page, 1))
		return 1;
	switch (k->code) {
	case K_ENTER:
		n = order(a, &idx);
		if (ts->sel < n && a->info.machine[0]) {
			/* the machine: the thread's process, focused */
			uint32_t f = app_process_frame(a, a->profile->threads[idx[ts->sel]].pid);

			if (f != CTREE_NONE)
				app_focus(a, f);
			app_show_view(a, &view_hotspots);
		} else if (ts->sel < n) {
			app_filter_thread(a, a->profile->threads[idx[ts->sel]].tid);
			app_show_view(a, &view_flame);
		}
		free(idx);
		return 1;
	default:
		return 0;
	}
}

static void click(struct app *a, void *vst, int x, int y)
{
	struct th_state *ts = vst;

	(void)a, (void)x;
	if (y >= 1)
		ts->sel = ts->top + (size_t)(y - 1);
}

const struct view_ops view_threads = {
	.name = "Threads",
	.tab_key = '4',
	.enter = "this thread only (threads)",
	.state_size = sizeof(struct th_state),
	.draw = draw,
	.key = key,
	.click = click,
};
