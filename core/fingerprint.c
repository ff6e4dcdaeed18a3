/* fingerprint — hostname, kernel, CPU, perf settings. */
#include "fingerprint.h"

#include "procfs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

void fingerprint_cpu_model(const char *cpuinfo, char *out, unsigned len)
{
	const char *p = cpuinfo ? strstr(cpuinfo, "model name") : NULL;
	size_t n;

	snprintf(out, len, "unknown");
	if (!p || !(p = strchr(p, ':')))
		return;
	p += strspn(p + 1, " \t") + 1;
	n = strcspn(p, "\n");
	snprintf(out, len, "%.*s", (int)n, p);
}

void fingerprint_take(struct fingerprint *fp, int hw_counters)
{
	struct utsname u;
	char *ci = procfs_slurp("/proc/cpuinfo", NULL);

	memset(fp, 0, sizeof(*fp));
	if (gethostname(fp->hostname, sizeof(fp->hostname) - 1))
		snprintf(fp->hostname, sizeof(fp->hostname), "unknown");
	if (uname(&u) == 0)
		snprintf(fp->kernel, sizeof(fp->kernel), "%s %s", u.sysname, u.release);
	fingerprint_cpu_model(ci, fp->cpu_model, sizeof(fp->cpu_model));
	free(ci);
	fp->cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
	fp->smt = procfs_read_int("/sys/devices/system/cpu/smt/active", -1);
	fp->paranoid = procfs_read_int("/proc/sys/kernel/perf_event_paranoid", -99);
	fp->hw_counters = hw_counters;
}
