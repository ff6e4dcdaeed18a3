/* export_yaml — the YAML performance map (schema: docs/yaml-schema.md). */
#include "report.h"

#include "compare.h"
#include "export_lines.h"
#include "grow.h"
#include "ledger_yaml.h"
#include "push.h"
#include "saved.h"
#include "yamlw.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "export_yaml_impl.h"

/* The node of the off-CPU tree at NODE's path (of c->t), or CTREE_NONE. */
static uint32_t off_node(struct yctx *c, uint32_t node)
{
	uint32_t at = CTREE_ROOT;
	long d;

	if (!c->p->off_on || (d = path_of(c, c->t, node)) < 0)
		return CTREE_NONE;
	for (long i = 0; i < d && at != CTREE_NONE; i++)
		at = ctree_child(c->p->off, at, c->path[i]);
	return at;
}

/* Off-CPU nanoseconds at or below the path of NODE (of c->t) in the
 * off-CPU tree. */
static uint64_t off_at(struct yctx *c, uint32_t node)
{
	uint32_t at = off_node(c, node);

	return at == CTREE_NONE ? 0 : ctree_node(c->p->off, at)->weight;
}

/* What a kind of time is called in a step's type. */
static const char *reason_type(enum block_reason r)
{
	switch (r) {
	case BLOCK_LOCK:
		return "lock";
	case BLOCK_SLEEP:
		return "sleep";
	case BLOCK_FILE:
		return "I/O-File";
	case BLOCK_NET:
	case BLOCK_POLL:
		return "I/O-Network";
	case BLOCK_PIPE:
		return "pipe";
	case BLOCK_CHILD:
		return "child";
	case BLOCK_FAULT:
		return "page-fault";
	case BLOCK_PREEMPT:
		return "CPU-starved";
	default:
		return "off-CPU";
	}
}

/* Why the stack ending at NODE of T blocked: its kernel frames, else its
 * libc ones (nanosleep, pthread_mutex_lock...), as when it was recorded. */
static enum block_reason stack_reason(struct yctx *c, const struct ctree *t, uint32_t node)
{
	long d = path_of(c, t, node);

	return d < 0 ? BLOCK_NONE : blocking_of_stack(c->p->frames, c->path, (size_t)d);
}

struct reason_sum {
	struct yctx *c;
	uint64_t ns[BLOCK_NREASONS];
};

static int add_reason(const struct ctree *t, uint32_t id, void *arg)
{
	struct reason_sum *s = arg;
	const struct ctree_node *n = ctree_node(t, id);

	if (n->self_weight)
		s->ns[stack_reason(s->c, t, id)] += n->self_weight;
	return 0;
}

/* The kind of time spent at or below NODE: its blocked time's main reason
 * when it spent more time blocked than on a CPU (ON, OFF in ns), else CPU,
 * or kernel for a kernel frame. */
static const char *step_type(struct yctx *c, uint32_t node, uint64_t on, uint64_t off)
{
	const struct frame *f = frametab_get(c->p->frames, ctree_node(c->t, node)->frame);
	uint32_t o;

	if (off > on && (o = off_node(c, node)) != CTREE_NONE) {
		struct reason_sum s = { c, { 0 } };
		int best = 0;

		ctree_walk(c->p->off, o, add_reason, &s);
		for (int r = 1; r < BLOCK_NREASONS; r++)
			if (s.ns[r] > s.ns[best])
				best = r;
		return reason_type((enum block_reason)best);
	}
	return f->kind == FRAME_KERNEL ? "kernel" : "CPU";
}

static uint64_t run_time(const struct yctx *c)
{
	if (!c->r->weight_ns)
		return 0;
	return c->r->wall ? c->total : c->total + (c->p->off_on ? c->p->off_ns : 0);
}

/* "main > dispatch > alpha_leaf": NODE's path (of T) as a reader follows it. */
static void tree_path(struct yctx *c, const struct ctree *t, uint32_t node, char *buf, size_t len)
{
	long d = path_of(c, t, node);
	size_t w = 0;

	buf[0] = 0;
	for (long i = 0; i < d && w < len; i++)
		w += (size_t)snprintf(buf + w, len - w, "%s%s", i ? " > " : "",
				      frametab_get(c->p->frames, c->path[i])->name);
}

static void readable_path(struct yctx *c, uint32_t node, char *buf, size_t len)
{
	tree_path(c, c->t, node, buf, len);
}

static void location(const struct frame *f, char *buf, size_t len)
{
	if (f->file && f->line)
		snprintf(buf, len, "%s:%u", f->file, f->line);
	else if (f->file)
		snprintf(buf, len, "%s", f->file);
	else
		buf[0] = 0;
}

static void kloc(struct yamlw *w, const struct frame *f)
{
	char loc[1200];

	location(f, loc, sizeof(loc));
	yw_kstr(w, "location", loc[0] ? loc : NULL);
}

static void section_head(struct yctx *c)
{
	const struct report *r = c->r;
	struct yamlw *w = &c->w;

	yw_key(w, "flametop");
	yw_map(w);
	yw_kstr(w, "version", FLAMETOP_VERSION);
	yw_kint(w, "format", REPORT_FORMAT);
	{
		char stamp[32];
		time_t now = r->exported_at ? r->exported_at : time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
		yw_kstr(w, "exported_at", stamp);
	}
	yw_end_map(w);
}

static void section_target(struct yctx *c)
{
	const struct report *r = c->r;
	struct yamlw *w = &c->w;

	yw_key(w, "target");
	yw_map(w);
	yw_kint(w, "pid", r->pid);
	yw_kstr(w, "command", r->command);
	yw_kstr(w, "exe", r->exe[0] ? r->exe : NULL);
	yw_kstr(w, "state", r->state ? r->state : r->exited ? "exited" : "running");
	yw_kbool(w, "zombie", r->zombie);
	yw_key(w, "exit_status");
	if (r->have_status && !r->exit_signal)
		yw_int(w, r->exit_code);
	else
		yw_null(w);
	yw_key(w, "exit_signal");
	if (r->have_status && r->exit_signal)
		yw_int(w, r->exit_signal);
	else
		yw_null(w);
	yw_kbool(w, "stopped_by_flametop", r->stopped_by_flametop);
	yw_kbool(w, "kernel_thread", r->kernel_thread);
	yw_kbool(w, "machine", r->machine);
	yw_kstr(w, "cgroup", r->cgroup && r->cgroup[0] ? r->cgroup : NULL);
	yw_key(w, "interpreter");
	if (r->python_version) {
		yw_map(w);
		yw_kstr(w, "name", "cpython");
		yw_kstr(w, "version", r->python_version);
		yw_kstr(w, "module", r->python_module);
		yw_end_map(w);
	} else {
		yw_null(w);
	}
	yw_end_map(w);
}

static void section_fingerprint(struct yctx *c)
{
	const struct fingerprint *fp = &c->r->fp;
	struct yamlw *w = &c->w;

	yw_key(w, "fingerprint");
	yw_map(w);
	yw_kstr(w, "hostname", fp->hostname);
	yw_kstr(w, "kernel", fp->kernel);
	yw_kstr(w, "cpu_model", fp->cpu_model);
	yw_kint(w, "cores", fp->cores);
	yw_key(w, "smt");
	if (fp->smt < 0)
		yw_null(w);
	else
		yw_bool(w, fp->smt);
	yw_key(w, "perf_event_paranoid");
	if (fp->paranoid == -99)
		yw_null(w);
	else
		yw_int(w, fp->paranoid);
	yw_kstr(w, "hardware_counters", fp->hw_counters ? "available" : "unavailable");
	yw_kstr(w, "hardware_note", c->r->hw_note && c->r->hw_note[0] ? c->r->hw_note : NULL);
	knum_or_null(w, "memory_total_mb", fp->memory_total_mb > 0, fp->memory_total_mb, 0);
	yw_kstr(w, "libc", fp->libc[0] ? fp->libc : NULL);
	yw_kstr(w, "cpu_governor", fp->governor[0] ? fp->governor : NULL);
	knum_or_null(w, "cpu_mhz", fp->cpu_mhz > 0, fp->cpu_mhz, 0);
	knum_or_null(w, "steal_pct", fp->steal_pct >= 0, fp->steal_pct, 2);
	yw_kstr(w, "target_compiler", fp->compiler[0] ? fp->compiler : NULL);
	yw_kstr(w, "target_build_id", fp->build_id[0] ? fp->build_id : NULL);
	yw_end_map(w);
}

/* The threads' share off a CPU (the one figure every face prints), and what
 * /proc said over the run. */
static void baseline_readings(struct yamlw *w, const struct report_baseline *b)
{
	knum_or_null(w, "off_cpu_pct", b->off_cpu_pct >= 0, b->off_cpu_pct, 1);
	knum_or_null(w, "memory_pss_mb", b->has_rollup, b->memory_pss_mb, 2);
	knum_or_null(w, "memory_swap_mb", b->has_rollup, b->memory_swap_mb, 2);
	knum_or_null(w, "memory_slope_mb_per_min", b->has_growth, b->growth.mib_per_min, 3);
	knum_or_null(w, "memory_slope_fit_r2", b->has_growth, b->growth.r2, 3);
	knum_or_null(w, "memory_slope_span_s", b->has_growth, b->growth.span_s, 1);
	yw_kbool(w, "memory_leak_suspected", b->has_growth && b->growth.leak);
	if (b->io_valid) {
		yw_kuint(w, "io_rchar_bytes", b->io_rchar);
		yw_kuint(w, "io_wchar_bytes", b->io_wchar);
		yw_kuint(w, "io_read_calls", b->io_syscr);
		yw_kuint(w, "io_write_calls", b->io_syscw);
	}
	yw_kuint(w, "ctxt_switches_voluntary", b->ctxt_voluntary);
	yw_kuint(w, "ctxt_switches_involuntary", b->ctxt_involuntary);
	yw_kint(w, "threads_seen", b->threads_seen);
	yw_kint(w, "threads_ended", b->threads_ended);
	yw_knum(w, "threads_unattributed_cpu_ms", b->threads_unattributed_cpu_ms, 1);
}

static void section_readings(struct yctx *c)
{
	const struct readings *rd = &c->r->readings;
	const char *k[] = { "cpu", "memory", "io", "gpu" };
	const char *v[] = { rd->cpu, rd->memory, rd->io, rd->gpu };

	yw_key(&c->w, "readings");
	yw_map(&c->w);
	for (int i = 0; i < 4; i++)
		yw_kstr(&c->w, k[i], v[i][0] ? v[i] : NULL);
	yw_end_map(&c->w);
}

static void section_gpu(struct yctx *c)
{
	const struct gpu_reading *g = c->r->gpu;
	struct yamlw *w = &c->w;

	yw_key(w, "gpu");
	yw_map(w);
	yw_kstr(w, "source", c->r->gpu_desc);
	if (g && g->valid) {
		yw_kstr(w, "device", g->name);
		yw_kint(w, "devices", g->devices);
		knum_or_null(w, "utilization_pct", g->has_util, g->util_pct, 1);
		knum_or_null(w, "memory_used_mb", g->has_mem, (double)g->mem_used / 1048576.0, 1);
		knum_or_null(w, "memory_total_mb", g->has_mem, (double)g->mem_total / 1048576.0, 1);
		yw_kbool(w, "target_on_gpu", g->proc_found);
		knum_or_null(w, "target_memory_mb", g->proc_found, (double)g->proc_mem / 1048576.0,
			     1);
		knum_or_null(w, "target_utilization_pct", g->has_proc_util, g->proc_util_pct, 1);
		yw_kstr(w, "target_engine", g->proc_engine[0] ? g->proc_engine : NULL);
	}
	yw_kstr(w, "note", g && g->valid && g->note[0] ? g->note : NULL);
	yw_end_map(w);
}

/* A thread's own class (classify_thread_class), or NULL: not known. */
static const char *thread_class(const struct report *r, const struct thread_stat *st)
{
	struct classify_thread ct;

	return report_thread_time(r, st, &ct) ? NULL : classify_thread_class(&ct);
}

/* Every thread /proc showed (bounded), with its samples and its class. */
static void section_threads(struct yctx *c)
{
	const struct tasks *ts = c->r->tasks;
	struct yamlw *w = &c->w;

	yw_key(w, "threads");
	yw_seq(w);
	for (size_t i = 0; ts && i < ts->n; i++) {
		const struct task_cpu *t = &ts->v[i];
		const struct thread_stat *st = NULL;
		const char *cls;

		for (size_t k = 0; k < c->p->nthreads && !st; k++)
			if (c->p->threads[k].tid == t->tid)
				st = &c->p->threads[k];
		yw_map(w);
		yw_kint(w, "tid", t->tid);
		yw_kstr(w, "comm", t->comm);
		yw_kstr(w, "python_name", st && st->pyname[0] ? st->pyname : NULL);
		yw_knum(w, "user_time_ms", (double)t->utime_ns / 1e6, 1);
		yw_knum(w, "sys_time_ms", (double)t->stime_ns / 1e6, 1);
		yw_kuint(w, "samples", st ? st->samples : 0);
		yw_knum(w, "share_pct", st ? profile_pct(c->p, st->weight) : 0.0, 2);
		cls = st ? thread_class(c->r, st) : NULL;
		if (!cls && t->alive && c->p->off_on)
			cls = "idle"; /* neither ran nor woke in the window */
		yw_kstr(w, "class", cls);
		yw_kbool(w, "ended", !t->alive);
		yw_end_map(w);
	}
	yw_end_seq(w);
}

/* Blocked time from switch-out stacks: the total and by reason. The share
 * of the threads' wall time off a CPU is baseline.off_cpu_pct alone (one
 * fact, one figure). */
static void baseline_offcpu(struct yctx *c)
{
	const struct profile *p = c->p;
	struct yamlw *w = &c->w;

	yw_key(w, "off_cpu");
	if (!p->off_on) {
		yw_null(w);
		return;
	}
	yw_map(w);
	yw_knum(w, "blocked_ms", (double)p->off_ns / 1e6, 1);
	yw_kuint(w, "intervals", ctree_node(p->off, CTREE_ROOT)->samples);
	if (c->r->weight_ns)
		yw_knum(w, "on_cpu_sampled_ms", (double)p->weight / 1e6, 1);
	yw_key(w, "by_reason_ms");
	yw_map(w);
	for (int r = 0; r < BLOCK_NREASONS; r++)
		if (p->off_reason_ns[r])
			yw_knum(w, blocking_key((enum block_reason)r),
				(double)p->off_reason_ns[r] / 1e6, 1);
	yw_end_map(w);
	yw_end_map(w);
}

static void section_baseline(struct yctx *c)
{
	const struct report_baseline *b = &c->r->baseline;
	struct yamlw *w = &c->w;

	yw_key(w, "baseline");
	yw_map(w);
	yw_knum(w, "wall_time_ms", b->wall_time_ms, 1);
	yw_knum(w, "cpu_time_ms", b->cpu_time_ms, 1);
	yw_knum(w, "user_time_ms", b->user_time_ms, 1);
	yw_knum(w, "sys_time_ms", b->sys_time_ms, 1);
	yw_knum(w, "memory_peak_mb", b->memory_peak_mb, 2);
	yw_knum(w, "memory_delta_mb", b->memory_delta_mb, 2);
	yw_kuint(w, "io_read_bytes", b->io_read_bytes);
	yw_kuint(w, "io_write_bytes", b->io_write_bytes);
	yw_kint(w, "threads", b->threads);
	baseline_readings(w, b);
	baseline_offcpu(c);
	yw_end_map(w);
}

/* Children of ID above the prune threshold, heaviest first; malloc'd. */
static size_t kept_children(const struct yctx *c, uint32_t id, uint32_t **out)
{
	const struct ctree *t = c->t;
	size_t n = 0, cap = 0;
	uint32_t *v = NULL;

	for (uint32_t k = ctree_node(t, id)->first_child; k != CTREE_NONE;
	     k = ctree_node(t, k)->next_sibling) {
		if (pct(c, ctree_node(t, k)->weight) < c->r->prune_pct)
			continue;
		if (grow_array(&v, &cap, n + 1, sizeof(*v)))
			break;
		v[n++] = k;
	}
	if (n)
		qsort_r(v, n, sizeof(*v), ctree_cmp_heavier, (void *)t);
	*out = v;
	return n;
}

static void note_step(struct yctx *c, uint32_t frame, const char *id)
{
	if (grow_array(&c->steps, &c->cap, c->nsteps + 1, sizeof(*c->steps)))
		return;
	c->steps[c->nsteps].frame = frame;
	snprintf(c->steps[c->nsteps++].id, sizeof(c->steps->id), "%s", id);
}

static void write_steps(struct yctx *c, uint32_t parent, const char *prefix)
{
	uint32_t *kids;
	size_t n = kept_children(c, parent, &kids);
	struct yamlw *w = &c->w;

	yw_seq(w);
	for (size_t i = 0; i < n; i++) {
		const struct ctree_node *nd = ctree_node(c->t, kids[i]);
		const struct frame *f = frametab_get(c->p->frames, nd->frame);
		char id[64];

		snprintf(id, sizeof(id), "%s%s%zu", prefix, *prefix ? "." : "", i + 1);
		note_step(c, nd->frame, id);
		yw_map(w);
		yw_kstr(w, "id", id);
		yw_kstr(w, "function", f->name);
		yw_kstr(w, "module", f->module);
		kloc(w, f);
		yw_kbool(w, "inlined", f->inlined);
		yw_kuint(w, "samples", nd->samples);
		yw_knum(w, "total_pct", pct(c, nd->weight), 2);
		yw_knum(w, "self_pct", pct(c, nd->self_weight), 2);
		{
			/* Blocked time below the step; on-CPU and blocked apart
			 * only when samples are time outside the wall tree. */
			uint64_t off = off_at(c, kids[i]), all = run_time(c);
			int apart = c->r->weight_ns && !c->r->wall;

			if (c->p->off_on)
				yw_knum(w, "off_cpu_ms", (double)off / 1e6, 1);
			yw_kstr(w, "type",
				step_type(c, kids[i], apart ? nd->weight : 0, apart ? off : 0));
			if (all) {
				uint64_t t = c->r->wall ? nd->weight : nd->weight + off;

				yw_knum(w, "wall_time_ms", (double)t / 1e6, 1);
				yw_knum(w, "time_share_pct", 100.0 * (double)t / (double)all, 2);
			}
		}
		ey_kcounters(c, ctree_ctr_total(c->t, kids[i]));
		yw_key(w, "children");
		if (strlen(id) < sizeof(id) - 12)
			write_steps(c, kids[i], id);
		else {
			yw_seq(w);
			yw_end_seq(w);
		}
		yw_end_map(w);
	}
	yw_end_seq(w);
	free(kids);
}

static void section_map(struct yctx *c)
{
	struct yamlw *w = &c->w;

	yw_key(w, "performance_map");
	yw_map(w);
	yw_knum(w, "prune_below_pct", c->r->prune_pct, 2);
	yw_kuint(w, "total_samples", c->p->samples);
	yw_kstr(w, "shares_of",
		c->r->wall ? "wall time (on-CPU samples and off-CPU intervals)" : "on-CPU samples");
	yw_key(w, "steps");
	write_steps(c, CTREE_ROOT, "");
	yw_end_map(w);
}

static void write_evidence(struct yctx *c, uint32_t frame)
{
	size_t k = 0;

	yw_flow_seq(&c->w);
	for (size_t i = 0; i < c->nsteps && k < MAX_EVIDENCE; i++)
		if (c->steps[i].frame == frame) {
			yw_str(&c->w, c->steps[i].id);
			k++;
		}
	yw_end_seq(&c->w);
}

/* The heaviest paths through FRAME, as a reader follows them (with
 * EVIDENCE's step ids, which they name). */
static void write_paths(struct yctx *c, uint32_t frame)
{
	uint32_t best[MAX_EVIDENCE];
	size_t n = 0;
	char buf[1024];

	for (uint32_t id = 1; id < ctree_len(c->t); id++) {
		const struct ctree_node *nd = ctree_node(c->t, id);
		size_t k;

		if (nd->frame != frame || !nd->self_weight)
			continue;
		for (k = n; k > 0 && ctree_node(c->t, best[k - 1])->self_weight < nd->self_weight;
		     k--)
			if (k < MAX_EVIDENCE)
				best[k] = best[k - 1];
		if (k < MAX_EVIDENCE) {
			best[k] = id;
			n += n < MAX_EVIDENCE;
		}
	}
	yw_key(&c->w, "paths");
	yw_seq(&c->w);
	for (size_t i = 0; i < n; i++) {
		readable_path(c, best[i], buf, sizeof(buf));
		yw_str(&c->w, buf);
	}
	yw_end_seq(&c->w);
}

/* A hotspot's hot lines: annotated now from a live session, or as a
 * reopened export saved them (saved.h). */
static void write_lines(struct yctx *c, uint32_t frame)
{
	struct annotation a;
	struct annotate_opts o = { .nprefix = 0 };

	if (c->r->annot_opts)
		o = *c->r->annot_opts;
	o.counted_only = 1; /* the export writes the lines and instructions with samples */
	if (c->r->sym) {
		if (annotate(c->p, c->r->sym, frame, &o, &a) == 0) {
			if (a.nlines)
				export_lines(&c->w, &a, EXPORT_LINES_MAX);
			if (a.ninsns)
				export_instructions(&c->w, &a, EXPORT_INSNS_MAX);
		}
		annotation_free(&a);
	} else if (c->r->saved) { /* as saved, byte for byte */
		const struct frame *f = frametab_get(c->p->frames, frame);

		saved_replay_hotspot(c->r->saved, &c->w, f->name, f->module, "lines");
		saved_replay_hotspot(c->r->saved, &c->w, f->name, f->module, "instructions");
	}
}

static int section_hotspots(struct yctx *c)
{
	struct hotspot *hs;
	long n = ctree_hotspots(c->t, frametab_len(c->p->frames), &hs);
	struct yamlw *w = &c->w;
	int rank = 0;

	if (n < 0)
		return (int)n;
	if (c->r->machine && n > 0) /* each function's process, as the screen's column */
		ctree_hotspot_processes(c->t, frametab_len(c->p->frames), hs, (size_t)n);
	yw_key(w, "hotspots");
	yw_seq(w);
	for (long i = 0; i < n && rank < MAX_HOTSPOTS; i++) {
		const struct frame *f = frametab_get(c->p->frames, hs[i].frame);

		if (!hs[i].self_samples)
			break;
		yw_map(w);
		yw_kint(w, "rank", ++rank);
		yw_kstr(w, "function", f->name);
		yw_kstr(w, "module", f->module);
		kloc(w, f);
		yw_kbool(w, "inlined", f->inlined);
		yw_knum(w, "self_pct", pct(c, hs[i].self_weight), 2);
		yw_knum(w, "total_pct", pct(c, hs[i].total_weight), 2);
		if (c->off_by_frame)
			yw_knum(w, "off_cpu_ms", (double)c->off_by_frame[hs[i].frame] / 1e6, 1);
		yw_kuint(w, "samples", hs[i].self_samples);
		yw_kuint(w, "samples_on_stack", hs[i].total_samples);
		yw_kstr(w, "category", frame_kind_name(f->kind));
		if (c->r->machine) {
			yw_kstr(w, "process",
				hs[i].process != CTREE_NONE
				    ? frametab_get(c->p->frames, hs[i].process)->name
				    : NULL);
			yw_kuint(w, "processes", hs[i].nprocesses);
		}
		ey_kcounters(c, ctree_ncounters(c->t) ? hs[i].self_ctr : NULL);
		yw_key(w, "evidence");
		write_evidence(c, hs[i].frame);
		write_paths(c, hs[i].frame);
		if (rank <= EXPORT_LINES_HOTSPOTS)
			write_lines(c, hs[i].frame);
		yw_end_map(w);
	}
	yw_end_seq(w);
	free(hs);
	return 0;
}

static void section_suggestions(struct yctx *c)
{
	struct yamlw *w = &c->w;

	yw_key(w, "suggested_hypotheses");
	yw_seq(w);
	for (size_t i = 0; i < c->r->nsugg; i++) {
		const struct suggestion *sg = &c->r->sugg[i];

		yw_map(w);
		yw_kstr(w, "key", sg->key);
		yw_kstr(w, "hypothesis", sg->text);
		yw_kstr(w, "evidence", sg->evidence);
		yw_end_map(w);
	}
	yw_end_seq(w);
}

static void section_hypotheses(struct yctx *c) { ledger_yaml_write(&c->w, c->r->ledger); }

/* Per-interval process readings (the panes' history). */
static void section_timeline(struct yctx *c)
{
	const struct timeline *tl = c->r->timeline;
	struct yamlw *w = &c->w;

	yw_key(w, "timeline");
	yw_seq(w);
	for (size_t i = 0; i < timeline_len(tl); i++) {
		const struct timeline_point *pt = timeline_at(tl, i);

		yw_map(w);
		yw_knum(w, "t_s", pt->t_s, 2);
		yw_knum(w, "cpu_pct", pt->cpu_pct, 1);
		yw_knum(w, "user_pct", pt->user_pct, 1);
		yw_knum(w, "sys_pct", pt->sys_pct, 1);
		yw_knum(w, "rss_mib", pt->rss_mib, 2);
		if (pt->rollup_valid) {
			yw_knum(w, "pss_mib", pt->pss_mib, 2);
			yw_knum(w, "swap_mib", pt->swap_mib, 2);
		}
		if (pt->io_valid) {
			yw_knum(w, "read_bytes_per_s", pt->read_bps, 0);
			yw_knum(w, "write_bytes_per_s", pt->write_bps, 0);
			yw_knum(w, "rchar_per_s", pt->rchar_bps, 0);
			yw_knum(w, "wchar_per_s", pt->wchar_bps, 0);
			yw_knum(w, "read_calls_per_s", pt->syscr_ps, 1);
			yw_knum(w, "write_calls_per_s", pt->syscw_ps, 1);
		}
		yw_knum(w, "ctxt_voluntary_per_s", pt->vcsw_ps, 1);
		yw_knum(w, "ctxt_involuntary_per_s", pt->ivcsw_ps, 1);
		yw_kint(w, "threads", pt->threads);
		yw_knum(w, "off_cpu_pct", pt->off_cpu_pct, 1);
		yw_knum(w, "runnable_pct", pt->runnable_pct, 1);
		if (pt->gpu_valid) {
			if (pt->gpu_util_pct >= 0)
				yw_knum(w, "gpu_util_pct", pt->gpu_util_pct, 1);
			if (pt->proc_gpu_mem_mib >= 0)
				yw_knum(w, "gpu_target_mem_mib", pt->proc_gpu_mem_mib, 1);
			if (pt->proc_gpu_pct >= 0)
				yw_knum(w, "gpu_target_pct", pt->proc_gpu_pct, 1);
		}
		yw_end_map(w);
	}
	yw_end_seq(w);
}

/* A section as measured, or, for a reopened export, as it was saved. */
static void measured(struct yctx *c, const char *key, void (*fn)(struct yctx *c))
{
	if (c->r->saved)
		saved_replay(c->r->saved, &c->w, key);
	else
		fn(c);
}

#define TOP_BOTTLENECKS 5

struct self_time {
	uint32_t node;
	int blocked; /* a node of the off-CPU tree: time blocked there */
	uint64_t t;
};

static int cmp_self_time(const void *a, const void *b)
{
	const struct self_time *x = a, *y = b;

	return x->t < y->t ? 1 : x->t > y->t ? -1 : 0;
}

/* Where the time goes, first: the call paths with the most time of their
 * own (on a CPU, or blocked there), as {step, type, share}. */
static void section_top_bottlenecks(struct yctx *c)
{
	struct yamlw *w = &c->w;
	struct self_time *v = NULL;
	size_t n = 0, cap = 0;
	uint64_t all = run_time(c);
	char buf[1024];

	/* On a CPU: the samples' own time; blocked: the switch-out stacks'
	 * (in wall mode the tree holds both). Events sampled: shares of them. */
	for (uint32_t id = 1; id < ctree_len(c->t); id++) {
		struct self_time st = { id, 0, ctree_node(c->t, id)->self_weight };

		if (st.t && !grow_array(&v, &cap, n + 1, sizeof(*v)))
			v[n++] = st;
	}
	for (uint32_t id = 1; all && !c->r->wall && c->p->off_on && id < ctree_len(c->p->off);
	     id++) {
		struct self_time st = { id, 1, ctree_node(c->p->off, id)->self_weight };

		if (st.t && !grow_array(&v, &cap, n + 1, sizeof(*v)))
			v[n++] = st;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_self_time);
	yw_key(w, "top_bottlenecks");
	yw_seq(w);
	for (size_t i = 0; i < n && i < TOP_BOTTLENECKS; i++) {
		const struct ctree *t = v[i].blocked ? c->p->off : c->t;
		const struct frame *f = frametab_get(c->p->frames, ctree_node(t, v[i].node)->frame);
		enum block_reason why = stack_reason(c, t, v[i].node);

		tree_path(c, t, v[i].node, buf, sizeof(buf));
		yw_map(w);
		yw_kstr(w, "step", buf);
		yw_kstr(w, "type",
			v[i].blocked || (c->r->wall && why != BLOCK_NONE) ? reason_type(why)
			: f->kind == FRAME_KERNEL                         ? "kernel"
									  : "CPU");
		yw_knum(w, "share", all ? 100.0 * (double)v[i].t / (double)all : pct(c, v[i].t), 2);
		if (all)
			yw_knum(w, "wall_time_ms", (double)v[i].t / 1e6, 1);
		yw_end_map(w);
	}
	yw_end_seq(w);
	free(v);
}

/* The ledger as a reader of a hand-off wants it: each suspicion, whether
 * it was confirmed, dismissed or is still open, and why. */
static void section_suspicions(struct yctx *c)
{
	const struct ledger *l = c->r->ledger;
	struct yamlw *w = &c->w;

	yw_key(w, "suspicion_stack");
	yw_seq(w);
	for (size_t i = 0; l && i < l->n; i++) {
		const struct hypothesis *h = &l->v[i];

		yw_map(w);
		yw_kstr(w, "suspicion", h->text);
		yw_kstr(w, "verdict",
			h->verdict == VERDICT_SUPPORTS  ? "confirmed"
			: h->verdict == VERDICT_REJECTS ? "dismissed"
							: "open");
		yw_kstr(w, "evidence", h->evidence);
		yw_end_map(w);
	}
	yw_end_seq(w);
}

static void section_classification(struct yctx *c)
{
	yw_kstr(&c->w, "bottleneck_classification", bottleneck_name(c->r->cls.kind));
	yw_kstr(&c->w, "bottleneck_detail", c->r->cls.detail);
}

/* What would make the answer better (hints.h): one line each. */
static void section_notes(struct yctx *c)
{
	yw_key(&c->w, "notes");
	yw_seq(&c->w);
	for (size_t i = 0; i < c->r->nnotes; i++)
		yw_str(&c->w, c->r->notes[i]);
	yw_end_seq(&c->w);
}

static void section_classification_saved(struct yctx *c)
{
	measured(c, "bottleneck_classification", section_classification);
	if (c->r->saved)
		saved_replay(c->r->saved, &c->w, "bottleneck_detail");
}

/* Off-CPU nanoseconds through each function (each interval once). */
static uint64_t *off_by_frame(const struct profile *p)
{
	size_t nf = frametab_len(p->frames);
	uint64_t *v;
	struct hotspot *hs;
	long n;

	if (!p->off_on || !(v = calloc(nf ? nf : 1, sizeof(*v))))
		return NULL;
	n = ctree_hotspots(p->off, nf, &hs);
	for (long i = 0; i < n; i++)
		v[hs[i].frame] = hs[i].total_weight;
	if (n >= 0)
		free(hs);
	return v;
}

static int write_yaml(FILE *f, const struct report *r)
{
	struct yctx c = { .r = r, .p = r->profile };
	int e = yw_open(&c.w, f);

	if (e)
		return e;
	c.t = r->tree ? r->tree : c.p->tree;
	c.total = ctree_node(c.t, CTREE_ROOT)->weight;
	c.off_by_frame = off_by_frame(c.p);
	yw_map(&c.w);
	section_head(&c);
	if (r->comparison)
		ey_section_comparison(&c);
	else if (r->saved)
		saved_replay(r->saved, &c.w, "comparison");
	/* For a reader: who and where, then the summary (the verdict, where
	 * the time goes, the hypotheses), then the figures and the map, and
	 * the bulky series and the whole tree (for reopening) last. */
	measured(&c, "target", section_target);
	measured(&c, "fingerprint", section_fingerprint);
	section_classification_saved(&c);
	measured(&c, "notes", section_notes);
	section_top_bottlenecks(&c);
	measured(&c, "suggested_hypotheses", section_suggestions);
	section_hypotheses(&c);
	section_suspicions(&c);
	measured(&c, "scenario", ey_section_scenario);
	measured(&c, "baseline", section_baseline);
	measured(&c, "readings", section_readings);
	measured(&c, "gpu", section_gpu);
	measured(&c, "threads", section_threads);
	section_map(&c);
	e = section_hotspots(&c);
	measured(&c, "counters", ey_section_counters);
	measured(&c, "timeline", section_timeline);
	ey_section_profile(&c);
	yw_end_map(&c.w);
	free(c.steps);
	free(c.path);
	free(c.off_by_frame);
	if (!e)
		e = c.err;
	if (yw_close(&c.w) || e)
		return e ? e : -EIO;
	return 0;
}

static const char *const yaml_suffixes[] = { ".yaml", ".yml", NULL };
const struct exporter exporter_yaml = {
	.name = "yaml", .write = write_yaml, .ext = "yaml", .suffixes = yaml_suffixes
};
