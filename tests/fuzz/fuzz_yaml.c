/* YAML read back: a ledger (--ledger) and a whole export (flametop report),
 * the first byte choosing; what loaded is exported again (to /dev/null), so
 * the replay of measured sections and the writers are in reach too. */
#include "fuzz.h"
#include "ledger_yaml.h"
#include "exporters.h"
#include "report.h"
#include "saved.h"

#include <stdio.h>

static FILE *sink(void)
{
	static FILE *null;

	if (!null)
		null = fopen("/dev/null", "w");
	return null;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[600];

	if (size < 1 || !sink())
		return 0;
	if (data[0] & 1) {
		struct ledger l;
		struct report r;

		ledger_init(&l);
		if (ledger_yaml_load((const char *)data + 1, size - 1, &l, err, sizeof(err)) == 0) {
			memset(&r, 0, sizeof(r));
			r.ledger = &l;
			exporter_ledger.write(sink(), &r);
		}
		ledger_fini(&l);
	} else {
		struct saved_report *s = calloc(1, sizeof(*s));

		if (s && saved_load_text((const char *)data + 1, size - 1, "fuzz", s, err,
					 sizeof(err)) == 0) {
			exporter_yaml.write(sink(), &s->report);
			exporter_folded.write(sink(), &s->report);
			saved_free(s);
		}
		free(s);
	}
	return 0;
}
