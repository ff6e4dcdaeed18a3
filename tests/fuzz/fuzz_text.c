/* Other text from outside: DRM fdinfo files and /proc/kallsyms. */
#include "fuzz.h"
#include "gpu.h"
#include "kallsyms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *t;

	if (size < 1 || !(t = fuzz_text(data + 1, size - 1)))
		return 0;
	if (data[0] & 1) {
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
