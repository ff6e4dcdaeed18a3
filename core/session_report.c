/* session_report — a run's facts as a report (report.h), in two steps by
 * cost: session_report, cheap enough for every refresh of the screen's
 * ledger and every record --push, and session_report_finalize, once per
 * export (every frame's source line, the hints). */
#include "report.h"
#include "session_impl.h"

#include <stdio.h>
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

/* The machine's fingerprint, read once a session (/proc/cpuinfo, the
 * target's ELF notes); the steal share is the run's so far. */
static void take_fingerprint(struct session *s, struct fingerprint *out)
{
	unsigned long long total, steal;
	double pct = -1;

	if (!s->have_fp || strcmp(s->fp_exe, s->target.exe)) { /* a command's, once exec'd */
		fingerprint_take(&s->fp, sampler_hw_available(s->sampler), s->target.exe, -1);
		snprintf(s->fp_exe, sizeof(s->fp_exe), "%s", s->target.exe);
		s->have_fp = 1;
	}
	*out = s->fp;
	if (s->have_ticks0 && fingerprint_cpu_times(&total, &steal) == 0 && total > s->cpu_ticks0)
		pct = 100.0 * (double)(steal - s->steal0) / (double)(total - s->cpu_ticks0);
	out->steal_pct = pct;
}

void session_report(struct session *s, struct report *r)
{
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
	take_fingerprint(s, &r->fp);
	fill_baseline(r, s);
	report_classify(r);
	readings_make(s->timeline, &r->share, &r->readings);
}

void session_report_finalize(struct session *s, struct report *r)
{
	struct hints_input hi = { .profile = s->profile,
				  .exe = s->target.exe,
				  .pid = s->target.pid,
				  .fp = s->cfg.call_graph != CALLGRAPH_DWARF,
				  .unwind = &s->walk.q };

	sym_fill_lines(s->sym, 0); /* every frame's source, for the export */
	r->nnotes = hints_make(&hi, r->notes, HINTS_MAX);
}
