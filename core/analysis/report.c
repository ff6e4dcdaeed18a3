/* report — the classification and the threads' share of a report's facts
 * (a session's, core/session_report.c; a reopened export's, export/saved.c). */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
