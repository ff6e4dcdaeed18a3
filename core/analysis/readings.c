/* readings — the panes' one-line verdicts from the timeline. */
#include "readings.h"

#include "classify.h"
#include "fmt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Waiting dominates when the threads spend most of their wall time off a
 * CPU for reasons of their own; time preempted (runnable, the CPUs held by
 * other work) is demand for CPU: CPU-starved, as the classification says.
 * The kernel dominates when system time is most of the CPU time. Shares are
 * of the wall time of the threads that ran (idle ones left out). */
static void cpu_line(const struct timeline_sum *m, const struct classify_share *sh, char *buf,
		     size_t len)
{
	double on = sh->on_pct, runnable = sh->runnable_pct;

	if (m->cpu_pct > 5 && m->sys_pct > m->user_pct)
		snprintf(buf, len, "kernel-heavy: sys %.0f%% vs user %.0f%% of a core", m->sys_pct,
			 m->user_pct);
	else if (on >= CLASSIFY_CPU_BOUND_PCT)
		snprintf(buf, len, "CPU-bound: on a CPU %.0f%% of wall", on);
	else if (on + runnable >= CLASSIFY_CPU_BOUND_PCT)
		snprintf(buf, len,
			 "CPU-starved: on a CPU %.0f%%, runnable but waiting for one "
			 "%.0f%% of wall",
			 on, runnable);
	else if (runnable >= 1)
		snprintf(buf, len,
			 "off-CPU %.0f%% of wall: waiting %.0f%% (I/O, locks, sleep), runnable "
			 "%.0f%%",
			 sh->off_pct, sh->waiting_pct, runnable);
	else
		snprintf(buf, len, "off-CPU %.0f%% of wall: waiting (I/O, locks, sleep)",
			 sh->off_pct);
}

static void memory_line(const struct timeline *tl, const struct timeline_growth *g, char *buf,
			size_t len)
{
	const struct timeline_point *pt = timeline_last(tl);
	char swap[32];
	int n = 0;

	if (g->leak)
		n = snprintf(buf, len,
			     "steady growth %+.1f MiB/min over %.0f s (fit R2 %.2f): possible leak",
			     g->mib_per_min, g->span_s, g->r2);
	else if (fabs(g->mib_per_min) < TIMELINE_LEAK_MIN_SLOPE)
		n = snprintf(buf, len, "stable (%+.2f MiB/min)",
			     fabs(g->mib_per_min) < 0.005 ? 0.0 : g->mib_per_min);
	else if (g->mib_per_min > 0 && g->span_s < TIMELINE_LEAK_MIN_S)
		n = snprintf(buf, len, "growing %+.1f MiB/min over %.0f s: too soon to say",
			     g->mib_per_min, g->span_s);
	else
		n = snprintf(buf, len, "%s %+.1f MiB/min, not steady (fit R2 %.2f)",
			     g->mib_per_min > 0 ? "growing" : "shrinking", g->mib_per_min, g->r2);
	if (pt && pt->rollup_valid && pt->swap_mib > 0 && n > 0 && (size_t)n < len) {
		fmt_bytes(swap, sizeof(swap), pt->swap_mib * 1048576.0);
		snprintf(buf + n, len - (size_t)n, "; %s in swap", swap);
	}
}

static void io_line(const struct timeline_sum *m, char *buf, size_t len)
{
	char rd[32], each[32];
	double calls = m->syscr_ps + m->syscw_ps, bytes = m->rchar_bps + m->wchar_bps;

	if (!m->io_valid) {
		snprintf(buf, len, "no I/O figures: /proc/PID/io not readable");
		return;
	}
	if (calls < 1 && m->vcsw_ps < 1) {
		snprintf(buf, len, "no I/O");
		return;
	}
	fmt_bytes(each, sizeof(each), calls > 0 ? bytes / calls : 0);
	if (m->read_bps + m->write_bps >= 1024) {
		fmt_bytes(rd, sizeof(rd), m->read_bps + m->write_bps);
		snprintf(buf, len, "%.0f I/O calls/s of %s, storage %s/s; %.0f blocking switches/s",
			 calls, each, rd, m->vcsw_ps);
	} else
		snprintf(buf, len, "%.0f I/O calls/s of %s; %.0f blocking switches/s", calls, each,
			 m->vcsw_ps);
}

static void gpu_line(const struct timeline *tl, char *buf, size_t len)
{
	const struct timeline_point *pt = timeline_last(tl);
	char mem[32];

	if (!pt || !pt->gpu_valid)
		return;
	if (pt->proc_gpu_mem_mib < 0) {
		if (pt->gpu_util_pct >= 0)
			snprintf(buf, len, "target not on the GPU; device %.0f%% busy",
				 pt->gpu_util_pct);
		else
			snprintf(buf, len, "target not on the GPU");
		return;
	}
	fmt_bytes(mem, sizeof(mem), pt->proc_gpu_mem_mib * 1048576.0);
	if (pt->proc_gpu_pct >= 0)
		snprintf(buf, len, "target holds %s of GPU memory, %.0f%% busy", mem,
			 pt->proc_gpu_pct);
	else
		snprintf(buf, len, "target holds %s of GPU memory", mem);
}

void readings_make(const struct timeline *tl, const struct classify_share *sh, struct readings *out)
{
	struct timeline_sum m;

	memset(out, 0, sizeof(*out));
	if (timeline_summary(tl, 0, &m) == 0) {
		out->has_share = 1;
		if (sh)
			out->share = *sh;
		else {
			out->share.off_pct = m.off_cpu_pct;
			out->share.on_pct = 100.0 - m.off_cpu_pct;
			out->share.runnable_pct = m.runnable_pct;
			out->share.waiting_pct = m.off_cpu_pct - m.runnable_pct;
		}
		cpu_line(&m, &out->share, out->cpu, sizeof(out->cpu));
		io_line(&m, out->io, sizeof(out->io));
	}
	out->has_growth = timeline_growth(tl, 0, &out->growth) == 0;
	if (out->has_growth)
		memory_line(tl, &out->growth, out->memory, sizeof(out->memory));
	gpu_line(tl, out->gpu, sizeof(out->gpu));
}
