/* classify — rules over CPU time, wall time, kernel share and I/O. */
#include "classify.h"

#include <stdio.h>

/* On-CPU time at or above this share of wall time is CPU-bound: below it the
 * target spends a third or more of its life waiting. */
#define CPU_BOUND_RATIO 0.67
/* When the kernel takes at least half of the CPU time, the kernel is the cost. */
#define KERNEL_SHARE 0.5
/* Disk traffic above this rate while off-CPU points to file I/O. */
#define IO_BYTES_PER_S (1u << 20)

const char *bottleneck_name(enum bottleneck b)
{
	static const char *const names[] = {
		[BN_CPU] = "CPU",
		[BN_IO_FILE] = "I/O-File",
		[BN_IO_NETWORK] = "I/O-Network",
		[BN_MEMORY] = "Memory",
		[BN_CACHE] = "Cache",
		[BN_KERNEL] = "Kernel",
		[BN_OFFCPU_LOCK] = "Off-CPU/Lock",
		[BN_UNKNOWN] = "Unknown",
	};
	return names[b];
}

void classify(const struct classify_input *in, struct classification *out)
{
	double ratio, sys_share, io_rate;

	if (in->samples == 0 || in->wall_ms <= 0) {
		out->kind = BN_UNKNOWN;
		snprintf(out->detail, sizeof(out->detail),
			 "no samples in %.0f ms of wall time: the target did not run on a CPU "
			 "while sampled",
			 in->wall_ms);
		return;
	}
	ratio = in->cpu_ms / in->wall_ms;
	sys_share = in->cpu_ms > 0 ? in->sys_ms / in->cpu_ms : 0;
	io_rate = (double)(in->io_read_bytes + in->io_write_bytes) / (in->wall_ms / 1000.0);
	if (ratio >= CPU_BOUND_RATIO) {
		out->kind = sys_share >= KERNEL_SHARE ? BN_KERNEL : BN_CPU;
		snprintf(out->detail, sizeof(out->detail),
			 "%s-bound: on-CPU %.0f ms in %.0f ms of wall time (%.0f%% of one core, "
			 "%ld thread%s sampled); user %.0f ms, sys %.0f ms (%.0f%% in the kernel)",
			 out->kind == BN_KERNEL ? "kernel" : "CPU", in->cpu_ms, in->wall_ms,
			 100 * ratio, in->threads, in->threads == 1 ? "" : "s", in->user_ms,
			 in->sys_ms, 100 * sys_share);
		return;
	}
	out->kind = io_rate >= IO_BYTES_PER_S ? BN_IO_FILE : BN_OFFCPU_LOCK;
	snprintf(out->detail, sizeof(out->detail),
		 "off-CPU-bound: on-CPU only %.0f ms in %.0f ms of wall time (%.0f%%), so the "
		 "target waits %.0f%% of the time; disk I/O %.1f MiB/s%s",
		 in->cpu_ms, in->wall_ms, 100 * ratio, 100 * (1 - ratio), io_rate / (1 << 20),
		 out->kind == BN_IO_FILE ? " (file I/O likely)"
					 : " (waiting on locks, sleeps or other processes)");
}
