/* The command line: the input split at NULs into argv[1..]. */
#include "fuzz.h"
#include "cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = size < 2048 ? size : 2048;
	char *argv[64], *t = fuzz_text(data, n), err[1024];
	struct cli_options o;
	int argc = 1;

	if (!t)
		return 0;
	argv[0] = "flametop";
	for (size_t i = 0; i <= n && argc < 63; i += strlen(t + i) + 1)
		argv[argc++] = t + i;
	argv[argc] = NULL;
	cli_parse(argc, argv, 100000, &o, err, sizeof(err));
	free(t);
	return 0;
}
