/* saved_open — a saved profile read by its format: a pprof profile by
 * gzip's magic or its name, folded stacks by name, else a YAML export. */
#include "saved.h"

#include "outfile.h"
#include "safefile.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int saved_load(const char *path, struct saved_report *s, char *err, size_t len)
{
	size_t n = 0;
	char *text = safefile_slurp(path, 0, SAFEFILE_INPUT_MAX, &n);
	int e;

	if (!text) {
		e = errno ? -errno : -EIO;
		memset(s, 0, sizeof(*s));
		snprintf(err, len, "cannot read '%s': %s", path, safefile_strerror(e));
		return e;
	}
	/* gzip's magic, or a protobuf by name: a pprof profile. */
	if ((n >= 2 && (uint8_t)text[0] == 0x1f && (uint8_t)text[1] == 0x8b) ||
	    exporter_for_path(path) == &exporter_pprof)
		e = saved_load_pprof(text, n, path, s, err, len);
	else if (exporter_for_path(path) == &exporter_folded)
		e = saved_load_folded(text, n, path, s, err, len);
	else
		e = saved_load_text(text, n, path, s, err, len);
	free(text);
	return e;
}
