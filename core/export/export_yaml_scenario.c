/* export_yaml_scenario — the YAML's `scenario` section: how the run was
 * sampled, what the unwinders, the symbols, the collector, the Python
 * reader and the push did, and what was lost and why. */
#include "export_yaml_impl.h"

#include "push.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct stop_row {
	const char *module;
	uint64_t samples;
};

static int cmp_stop(const void *a, const void *b)
{
	const struct stop_row *x = a, *y = b;

	if (x->samples != y->samples)
		return x->samples < y->samples ? 1 : -1;
	return strcmp(x->module, y->module);
}

/* Incomplete stacks, grouped by the module of their outermost frame. */
static void write_stopped(struct yctx *c, const struct unwind_quality *q)
{
	struct stop_row *rows = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < q->stopped.cap; i++) {
		const struct frame *f;
		size_t k;

		if (q->stopped.vals[i] == U64MAP_NONE)
			continue;
		f = frametab_get(c->p->frames, (uint32_t)q->stopped.keys[i]);
		for (k = 0; k < n && strcmp(rows[k].module, f->module); k++)
			;
		if (k == n) {
			if (grow_array(&rows, &cap, n + 1, sizeof(*rows)))
				break;
			rows[n++] = (struct stop_row){ f->module, 0 };
		}
		rows[k].samples += q->stopped.vals[i];
	}
	if (n)
		qsort(rows, n, sizeof(*rows), cmp_stop);
	yw_key(&c->w, "stopped_in");
	yw_seq(&c->w);
	for (size_t i = 0; i < n && i < 10; i++) {
		yw_map(&c->w);
		yw_kstr(&c->w, "module", rows[i].module);
		yw_kuint(&c->w, "samples", rows[i].samples);
		yw_end_map(&c->w);
	}
	yw_end_seq(&c->w);
	free(rows);
}

static void write_unwind(struct yctx *c)
{
	const struct unwind_quality *q = c->r->unwind;
	struct yamlw *w = &c->w;

	yw_key(w, "unwind");
	if (!q) {
		yw_null(w);
		return;
	}
	yw_map(w);
	yw_kstr(w, "unwinder", c->r->unwinder);
	yw_kuint(w, "samples", q->samples);
	yw_key(w, "complete_pct");
	if (q->samples)
		yw_num(w, 100.0 * (double)q->complete / (double)q->samples, 2);
	else
		yw_null(w);
	yw_kuint(w, "stack_exhausted_samples", q->no_stack);
	yw_kuint(w, "hybrid_samples", q->hybrid);
	yw_kuint(w, "leaf_fixed_samples", q->leaf_fixed);
	yw_kuint(w, "python_trampolines", q->trampolines);
	write_stopped(c, q);
	yw_end_map(w);
}

/* What symbol data held, and the processes whose state came and went. */
static void write_symbols(struct yctx *c)
{
	const struct sym_stats *st = c->r->symbols;
	struct yamlw *w = &c->w;

	if (!st)
		return;
	yw_key(w, "symbols");
	yw_map(w);
	knum_or_null(w, "budget_mb", st->budget > 0, (double)st->budget / 1048576.0, 1);
	yw_knum(w, "held_mb", (double)st->held / 1048576.0, 1);
	yw_knum(w, "held_peak_mb", (double)st->held_peak / 1048576.0, 1);
	yw_kuint(w, "files", st->files);
	yw_kuint(w, "module_loads", st->loads);
	yw_kuint(w, "evictions", st->evictions);
	yw_kuint(w, "processes_seen", st->procs);
	yw_kuint(w, "processes_freed", st->procs_freed);
	yw_kuint(w, "jit_lines_dropped", st->jit_dropped);
	yw_kuint(w, "processes_held_peak", st->procs_peak);
	yw_key(w, "debuginfod");
	if (!st->debuginfod) {
		yw_null(w);
	} else {
		yw_map(w);
		yw_kstr(w, "urls", st->debuginfod);
		yw_kuint(w, "asked", st->fetch_asked);
		yw_kuint(w, "fetched", st->fetched);
		yw_kuint(w, "failed", st->fetch_failed);
		yw_end_map(w);
	}
	yw_end_map(w);
}

/* What was sent to a profiling server (record --push), when asked. */
static void write_push(struct yctx *c)
{
	const struct push_stats *st = c->r->push;
	struct yamlw *w = &c->w;

	if (!st)
		return;
	yw_key(w, "push");
	yw_map(w);
	yw_kstr(w, "url", c->r->push_url);
	yw_kuint(w, "pushes", st->pushes);
	yw_kuint(w, "sent", st->sent);
	yw_kuint(w, "failed", st->failed);
	yw_kuint(w, "retries", st->retries);
	yw_kuint(w, "dropped", st->dropped);
	yw_kuint(w, "bytes", st->bytes);
	yw_kint(w, "last_status", st->last_status);
	yw_kstr(w, "last_error", st->last_error[0] ? st->last_error : NULL);
	yw_end_map(w);
}

/* Where samples taken did not reach the profile, each cause on its own;
 * the queue between the collector and the analysis. */
static void write_collection(struct yctx *c)
{
	const struct collection_backlog *b = &c->r->collection;
	const struct profile *p = c->p;
	struct yamlw *w = &c->w;

	if (!c->r->have_collection)
		return;
	yw_key(w, "collection");
	yw_map(w);
	yw_kuint(w, "kernel_lost", p->lost);
	yw_kuint(w, "queue_dropped", p->queue_dropped);
	yw_kuint(w, "cut_at_stop", p->cut);
	yw_kuint(w, "out_of_memory", p->dropped);
	yw_knum(w, "queue_limit_mb", (double)b->queue_limit / 1048576.0, 1);
	yw_knum(w, "queue_peak_mb", (double)b->queue_peak / 1048576.0, 1);
	yw_knum(w, "analysis_lag_max_s", b->lag_max_s, 3);
	yw_kint(w, "collector_nice", b->collector_nice);
	yw_kbool(w, "collector_raised", b->collector_raised > 0);
	yw_end_map(w);
}

/* How the Python frames were read: null when they were not (--no-python). */
static void write_python(struct yctx *c)
{
	const struct pystack_stats *st = c->r->python;
	struct yamlw *w = &c->w;

	yw_key(w, "python_frames");
	if (!st) {
		yw_null(w);
		return;
	}
	yw_map(w);
	yw_kuint(w, "samples", st->samples);
	yw_kuint(w, "late_samples", st->late);
	yw_kuint(w, "mismatched_samples", st->mismatched);
	yw_kuint(w, "failed_reads", st->failed);
	yw_kuint(w, "code_object_reads", st->code_reads);
	knum_or_null(w, "mean_read_lag_ms", st->samples > 0,
		     st->samples ? st->lag_ms_sum / (double)st->samples : 0, 3);
	yw_end_map(w);
}

void ey_section_scenario(struct yctx *c)
{
	const struct report *r = c->r;
	struct yamlw *w = &c->w;
	char when[64];
	struct tm tm;

	localtime_r(&r->started_at, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S%z", &tm);
	/* ISO 8601 wants the offset as +hh:mm. */
	if (strlen(when) == 24)
		memmove(when + 23, when + 22, 2), when[22] = ':', when[25] = 0;
	yw_key(w, "scenario");
	yw_map(w);
	yw_kstr(w, "started_at", when);
	yw_knum(w, "duration_s", r->duration_s, 3);
	yw_kstr(w, "event", r->event);
	yw_kuint(w, "frequency_hz", r->freq_hz);
	yw_kstr(w, "call_graph", r->call_graph);
	write_unwind(c);
	write_symbols(c);
	write_push(c);
	write_collection(c);
	write_python(c);
	/* Per-instruction counts kept for annotation, and their memory. */
	yw_key(w, "annotation");
	yw_map(w);
	yw_kuint(w, "places", c->p->addrs.n);
	yw_kuint(w, "bytes", addrs_bytes(&c->p->addrs));
	yw_kuint(w, "dropped", c->p->addrs.dropped);
	yw_end_map(w);
	yw_kbool(w, "kernel_frames", !r->user_only);
	yw_kstr(w, "weight_unit", r->weight_ns ? "ns" : "events");
	yw_kuint(w, "samples", c->p->samples);
	yw_kuint(w, "lost_samples", profile_lost_total(c->p));
	if (r->machine) /* the idle task's, not in the tree */
		yw_kuint(w, "idle_samples", c->p->idle_samples);
	yw_kbool(w, "off_cpu", c->p->off_on);
	yw_kstr(w, "off_cpu_note", r->offcpu_note && r->offcpu_note[0] ? r->offcpu_note : NULL);
	yw_kbool(w, "wall", r->wall);
	yw_end_map(w);
}
