/* perf map files (/tmp/perf-PID.map): parsed as they grow, then looked up. */
#include "fuzz.h"
#include "jitmap.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jitmap m;
	FILE *f = fmemopen((void *)data, size, "r");

	if (!f)
		return 0;
	jitmap_init(&m, 1, 0);
	jitmap_parse(&m, f);
	m.checked_ns = UINT64_MAX / 2; /* looked at just now: no re-read of a real file */
	jitmap_lookup(&m, 0x1000, UINT64_MAX / 2);
	jitmap_lookup(&m, UINT64_MAX, UINT64_MAX / 2);
	fclose(f);
	jitmap_fini(&m);
	return 0;
}
