/* YAML read back: a ledger (--ledger) and a whole export (flametop report),
 * the first byte choosing. */
#include "fuzz.h"
#include "ledger_yaml.h"
#include "saved.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[600];

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		struct ledger l;

		ledger_init(&l);
		ledger_yaml_load((const char *)data + 1, size - 1, &l, err, sizeof(err));
		ledger_fini(&l);
	} else {
		struct saved_report *s = calloc(1, sizeof(*s));

		if (s && saved_load_text((const char *)data + 1, size - 1, "fuzz", s, err,
					 sizeof(err)) == 0)
			saved_free(s);
		free(s);
	}
	return 0;
}
