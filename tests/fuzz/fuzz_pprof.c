/* pprof profiles from outside (flametop diff, flametop report): gzip'd or
 * raw protobuf, read into a profile or refused with a reason. */
#include "fuzz.h"
#include "saved.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct saved_report *s = calloc(1, sizeof(*s));
	char err[600];

	if (s && saved_load_pprof((const char *)data, size, "fuzz.pb.gz", s, err, sizeof(err)) == 0)
		saved_free(s);
	free(s);
	return 0;
}
