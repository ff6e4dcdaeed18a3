/* report — derive the export's facts from a session. */
#include "report.h"

#include "../session_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double delta_ms(uint64_t a, uint64_t b) { return a > b ? (double)(a - b) / 1e6 : 0.0; }
static uint64_t delta_u(uint64_t a, uint64_t b) { return a > b ? a - b : 0; }

/* What /proc said over the run: memory beyond RSS, I/O calls, context
 * switches, the threads' wall time off a CPU. */
static void fill_readings(struct report_baseline *b, const struct session *s)
{
	const struct target_reading *a = &s->target.first, *z = &s->target.last;
	struct timeline_sum m;

	b->off_cpu_pct = b->runnable_pct = -1;
	if (timeline_summary(s->timeline, 0, &m) == 0)
		b->off_cpu_pct = m.off_cpu_pct, b->runnable_pct = m.runnable_pct;
	b->has_rollup = z->rollup_valid;
	b->memory_pss_mb = (double)z->pss_kb / 1024.0;
	b->memory_swap_mb = (double)z->swap_kb / 1024.0;
	b->has_growth = timeline_growth(s->timeline, 0, &b->growth) == 0;
	/* A launched command's counters start at zero. */
	b->io_valid = z->io_valid && (a->io_valid || s->target.launched);
	if (b->io_valid) {
		b->io_rchar = delta_u(z->io.rchar, a->io.rchar);
		b->io_wchar = delta_u(z->io.wchar, a->io.wchar);
		b->io_syscr = delta_u(z->io.syscr, a->io.syscr);
		b->io_syscw = delta_u(z->io.syscw, a->io.syscw);
	}
	b->ctxt_voluntary = delta_u(z->vcsw, a->vcsw);
	b->ctxt_involuntary = delta_u(z->ivcsw, a->ivcsw);
	b->threads_seen = (long)s->tasks.seen;
	b->threads_ended = (long)s->tasks.gone;
	b->threads_unattributed_cpu_ms = (double)s->tasks.unattributed_ns / 1e6;
}

static void fill_baseline(struct report *r, const struct session *s)
{
	const struct target *t = &s->target;
	const struct target_reading *a = &t->first, *z = &t->last;
	struct report_baseline *b = &r->baseline;
	long active = 0;

	b->wall_time_ms = session_elapsed(s) * 1000.0;
	if (t->launched && t->have_status) {
		/* wait4 is exact and includes children the command waited for. */
		b->user_time_ms = (double)t->ru_utime_ns / 1e6;
		b->sys_time_ms = (double)t->ru_stime_ns / 1e6;
	} else {
		b->user_time_ms = delta_ms(z->utime_ns, a->utime_ns);
		b->sys_time_ms = delta_ms(z->stime_ns, a->stime_ns);
	}
	b->cpu_time_ms = b->user_time_ms + b->sys_time_ms;
	/* VmHWM, read at every poll (every 10 ms in a command's first half
	 * second), is the command's own; ru_maxrss counts the copy of flametop
	 * it was before exec too, so it is used only when it is clearly (1 MiB:
	 * the kernel's RSS counters are per-CPU and approximate) above that
	 * copy's size: then it is the command's, or a child's it waited for. */
	b->memory_peak_mb = (double)z->hwm_kb / 1024.0;
	if (t->launched && t->ru_maxrss_kb > z->hwm_kb && t->ru_maxrss_kb > t->fork_rss_kb + 1024)
		b->memory_peak_mb = (double)t->ru_maxrss_kb / 1024.0;
	b->memory_delta_mb = ((double)z->rss_kb - (double)a->rss_kb) / 1024.0;
	if (z->io_valid) {
		b->io_read_bytes = delta_u(z->io.read_bytes, a->io.read_bytes);
		b->io_write_bytes = delta_u(z->io.write_bytes, a->io.write_bytes);
	}
	for (size_t i = 0; i < s->profile->nthreads; i++)
		active += s->profile->threads[i].samples > 0;
	b->threads = active;
	fill_readings(b, s);
}

/* CI's off-CPU time from P: by reason, and each thread's (the verdict
 * follows those that carry the work). Returns the threads' array CI points
 * to, for the caller to free. */
static struct classify_thread *offcpu_input(const struct profile *p, int weight_ns,
					    unsigned freq_hz, struct classify_input *ci)
{
	ci->has_offcpu = p->off_on && p->off_ns > 0;
	for (int k = 0; k < BLOCK_NREASONS; k++)
		ci->offcpu_ms[k] = (double)p->off_reason_ns[k] / 1e6;
	struct classify_thread *thr =
	    ci->has_offcpu && p->nthreads ? calloc(p->nthreads, sizeof(*thr)) : NULL;
	size_t n = 0;

	for (size_t i = 0; thr && i < p->nthreads; i++)
		n += profile_thread_time(p, weight_ns, freq_hz, &p->threads[i], &thr[n]) == 0;
	ci->thr = thr;
	ci->nthr = n;
	return thr;
}

void report_classify(struct report *r)
{
	const struct report_baseline *b = &r->baseline;
	const struct profile *p = r->profile;
	struct classify_input *ci = &r->ci;
	struct hotspot *hs = NULL;
	uint64_t ksamples[BLOCK_NREASONS];

	*ci = (struct classify_input){
		.samples = p->samples,
		.wall_ms = b->wall_time_ms,
		.cpu_ms = b->cpu_time_ms,
		.user_ms = b->user_time_ms,
		.sys_ms = b->sys_time_ms,
		.io_read_bytes = b->io_read_bytes,
		.io_write_bytes = b->io_write_bytes,
		.threads = b->threads,
		.off_cpu_pct = b->off_cpu_pct,
		.proc_runnable_pct = b->runnable_pct,
		.has_growth = b->has_growth,
		.leak = b->has_growth && b->growth.leak,
		.growth_mib_min = b->growth.mib_per_min,
		.growth_r2 = b->growth.r2,
		.growth_span_s = b->growth.span_s,
		.weight = p->weight,
	};
	blocking_sum(p->tree, p->frames, ci->kernel_weight, ksamples);
	if (profile_hotspots(p, &hs) > 0 && hs[0].self_samples) {
		snprintf(ci->hot_function, sizeof(ci->hot_function), "%s",
			 frametab_get(p->frames, hs[0].frame)->name);
		ci->hot_self_pct = profile_pct(p, hs[0].self_weight);
		ci->hot_total_pct = profile_pct(p, hs[0].total_weight);
	}
	free(hs);
	if (r->counting && r->counting->have_totals) {
		struct counting_derived d;

		counting_derive(r->counting, r->counting->total, &d);
		ci->has_cache = d.has_cache;
		ci->cache_miss_pct = d.cache_miss_pct;
		ci->has_ipc = d.has_ipc;
		ci->ipc = d.ipc;
	}
	struct classify_thread *thr = offcpu_input(p, r->weight_ns, r->freq_hz, ci);

	classify_share(ci, &r->share);
	/* The one figure of the threads' time off a CPU: the share's. */
	if (b->off_cpu_pct >= 0 || r->share.from_samples)
		r->baseline.off_cpu_pct = r->share.off_pct;
	classify(ci, &r->cls);
	r->nsugg = suggest(ci, r->sugg);
	ci->thr = NULL;
	ci->nthr = 0;
	free(thr);
}

void profile_share(const struct profile *p, int weight_ns, unsigned freq_hz,
		   const struct timeline *tl, struct classify_share *out)
{
	struct classify_input ci = { .off_cpu_pct = -1 };
	struct classify_thread *thr;
	struct timeline_sum m;

	if (timeline_summary(tl, 0, &m) == 0) {
		ci.off_cpu_pct = m.off_cpu_pct;
		ci.proc_runnable_pct = m.runnable_pct;
		ci.wall_ms = m.span_s * 1000.0;
		ci.cpu_ms = m.cpu_pct * m.span_s * 10.0;
	}
	for (size_t i = 0; i < p->nthreads; i++)
		ci.threads += p->threads[i].samples > 0;
	thr = offcpu_input(p, weight_ns, freq_hz, &ci);
	classify_share(&ci, out);
	free(thr);
}

int report_thread_time(const struct report *r, const struct thread_stat *t,
		       struct classify_thread *out)
{
	return profile_thread_time(r->profile, r->weight_ns, r->freq_hz, t, out);
}

int profile_thread_time(const struct profile *p, int weight_ns, unsigned freq_hz,
			const struct thread_stat *t, struct classify_thread *out)
{
	memset(out, 0, sizeof(*out));
	if (!p->off_on)
		return -1;
	if (weight_ns)
		out->on_ms = (double)t->weight / 1e6;
	else if (freq_hz > 0)
		out->on_ms = (double)t->samples * 1000.0 / freq_hz;
	else
		return -1;
	for (int k = 0; k < BLOCK_NREASONS; k++)
		out->off_ms[k] = (double)t->off_reason_ns[k] / 1e6;
	return 0;
}

void report_from_session(struct report *r, const struct session *s)
{
	sym_fill_lines(s->sym, 0); /* every frame's source, for the export */
	const struct target *t = &s->target;

	memset(r, 0, sizeof(*r));
	r->profile = s->profile;
	r->pid = t->pid;
	snprintf(r->command, sizeof(r->command), "%s", t->cmdline[0] ? t->cmdline : t->comm);
	snprintf(r->exe, sizeof(r->exe), "%s", t->exe);
	r->exited = t->state == TARGET_EXITED;
	r->have_status = t->have_status;
	r->exit_code = t->exit_code;
	r->exit_signal = t->exit_signal;
	r->stopped_by_flametop = t->exit_signal && t->exit_signal == t->stopped_by_us;
	r->kernel_thread = t->kernel_thread;
	r->machine = t->machine;
	r->cgroup = t->cgroup;
	r->state =
	    (const char *const[]){ "running", "stopped", "exited", "exited" }[target_look(t)];
	r->zombie = target_look(t) == LOOK_ZOMBIE;
	r->started_at = s->started_at;
	r->duration_s = session_elapsed(s);
	snprintf(r->event, sizeof(r->event), "%s", sampler_event_name(s->sampler));
	r->freq_hz = s->cfg.freq_hz;
	snprintf(r->call_graph, sizeof(r->call_graph), "%s",
		 s->cfg.call_graph == CALLGRAPH_DWARF ? "dwarf" : "fp");
	r->unwinder = s->cfg.call_graph == CALLGRAPH_DWARF ? s->walk.ops->name : NULL;
	r->unwind = &s->walk.q;
	r->symbols = sym_stats(s->sym);
	r->python_version = session_python(s, &r->python_module);
	r->python = s->py ? pystack_stats(s->py) : NULL;
	r->have_collection = 1;
	session_backlog(s, &r->collection);
	r->user_only = sampler_user_only(s->sampler);
	r->hw_note = sampler_hw_note(s->sampler);
	r->ctr_note = sampler_counter_note(s->sampler);
	r->counting = s->counting;
	r->sym = s->sym; /* the hotspots' hot lines, annotated at the export */
	r->timeline = s->timeline;
	r->gpu_desc = s->gpu_desc;
	r->gpu = s->gpu ? &s->gpu_last : NULL;
	r->tasks = &s->tasks;
	r->weight_ns = sampler_weight_ns(s->sampler);
	r->offcpu_note = sampler_offcpu_note(s->sampler);
	r->prune_pct = REPORT_PRUNE_PCT;
	{
		unsigned long long total, steal;
		double pct = -1;

		if (s->have_ticks0 && fingerprint_cpu_times(&total, &steal) == 0 &&
		    total > s->cpu_ticks0)
			pct = 100.0 * (double)(steal - s->steal0) / (double)(total - s->cpu_ticks0);
		fingerprint_take(&r->fp, sampler_hw_available(s->sampler), t->exe, pct);
	}
	fill_baseline(r, s);
	report_classify(r);
	readings_make(s->timeline, &r->share, &r->readings);
	{
		struct hints_input hi = { .profile = s->profile,
					  .exe = t->exe,
					  .pid = t->pid,
					  .fp = s->cfg.call_graph != CALLGRAPH_DWARF,
					  .unwind = &s->walk.q };

		r->nnotes = hints_make(&hi, r->notes, HINTS_MAX);
	}
}
