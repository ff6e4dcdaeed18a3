/* hints — remedies for a profile that says less than it could. */
#include "hints.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "frametab.h"

/* The unnamed bucket of a module: "[module]" for a file's code that no
 * symbol covers. */
static int opaque(const struct frame *f)
{
	size_t n = strlen(f->module);

	return (f->kind == FRAME_USER || f->kind == FRAME_LIBRARY) && f->name[0] == '[' &&
	       strlen(f->name) == n + 2 && !strncmp(f->name + 1, f->module, n);
}

/* What names a runtime's JIT code, by its executable's name. */
static const char *jit_remedy(const char *exe)
{
	const char *base = strrchr(exe, '/');

	base = base ? base + 1 : exe;
	if (strstr(base, "node") || strstr(base, "deno") || strstr(base, "bun"))
		return "start it with node --perf-basic-prof (or --perf-prof) so that it writes "
		       "/tmp/perf-PID.map";
	if (strstr(base, "java"))
		return "run the JVM with -XX:+PreserveFramePointer and a perf map agent "
		       "(perf-map-agent) that writes /tmp/perf-PID.map";
	if (strstr(base, "python"))
		return "CPython 3.12+ writes /tmp/perf-PID.map with python -X perf";
	if (strstr(base, "dotnet"))
		return "set DOTNET_PerfMapEnabled=1 so that .NET writes /tmp/perf-PID.map";
	return "a runtime with a JIT names its code in /tmp/perf-PID.map when asked to "
	       "(node --perf-basic-prof, python -X perf, a JVM perf map agent)";
}

static int has_perf_map(pid_t pid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)pid);
	return pid > 0 && stat(path, &st) == 0;
}

size_t hints_make(const struct hints_input *in, char out[][HINT_LEN], size_t max)
{
	const struct profile *p = in->profile;
	struct hotspot *hs = NULL;
	long nh;
	size_t n = 0;
	double unknown = 0;
	int opaque_said = 0;

	if (!p || p->samples < HINT_MIN_SAMPLES || !max)
		return 0;
	nh = profile_hotspots(p, &hs);
	for (long i = 0; i < nh && n < max; i++) {
		const struct frame *f = frametab_get(p->frames, hs[i].frame);
		double pct = profile_pct(p, hs[i].self_weight);

		if (f->kind == FRAME_UNKNOWN)
			unknown += pct;
		if (!opaque_said && opaque(f) && pct >= HINT_OPAQUE_PCT) {
			snprintf(
			    out[n++], HINT_LEN,
			    "%.80s takes %.0f%% of the samples and has no symbols here: set "
			    "DEBUGINFOD_URLS (e.g. https://debuginfod.debian.net) to fetch its "
			    "debug file, or give --addresses to tell its code apart",
			    f->name, pct);
			opaque_said = 1;
		}
	}
	free(hs);
	if (n < max && unknown >= HINT_UNKNOWN_PCT && !has_perf_map(in->pid))
		snprintf(out[n++], HINT_LEN,
			 "%.0f%% of the samples are in code no file or map names ([unknown]), "
			 "likely JIT code: %s",
			 unknown, jit_remedy(in->exe ? in->exe : ""));
	if (n < max && in->fp && in->unwind && in->unwind->samples >= HINT_MIN_SAMPLES &&
	    100.0 * (double)in->unwind->complete / (double)in->unwind->samples <
		HINT_FP_COMPLETE_PCT)
		snprintf(out[n++], HINT_LEN,
			 "frame pointers: only %.0f%% of the stacks reach their thread's start "
			 "(code built without frame pointers cuts them short); --call-graph dwarf "
			 "(the default) unwinds without them",
			 100.0 * (double)in->unwind->complete / (double)in->unwind->samples);
	return n;
}
