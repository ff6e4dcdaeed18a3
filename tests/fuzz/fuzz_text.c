/* Other text from outside: DRM fdinfo files, /proc/kallsyms, folded stacks
 * (flametop report FILE.folded); the first byte picks. */
#include "fuzz.h"
#include "gpu.h"
#include "kallsyms.h"
#include "saved.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *t;

	if (size < 1 || !(t = fuzz_text(data + 1, size - 1)))
		return 0;
	if (data[0] % 3 == 2) {
		struct saved_report *s = calloc(1, sizeof(*s));
		char err[600];

		if (s && saved_load_folded(t, size - 1, "fuzz.folded", s, err, sizeof(err)) == 0)
			saved_free(s);
		free(s);
	} else if (data[0] % 3 == 1) {
		struct gpu_drm_client c;

		gpu_drm_parse_fdinfo(t, &c);
	} else {
		struct kallsyms *k = kallsyms_parse(t);

		if (k) {
			kallsyms_lookup(k, 0xffffffff81000000ull);
			kallsyms_free(k);
		}
	}
	free(t);
	return 0;
}
