/* /proc files: stat, status, io, smaps_rollup, maps — the first byte picks
 * the parser, the rest is the file. */
#include "fuzz.h"
#include "procfs.h"

static int count_map(const struct procfs_map *m, void *arg)
{
	(void)m;
	++*(int *)arg;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *t;
	int n = 0;

	if (size < 1 || !(t = fuzz_text(data + 1, size - 1)))
		return 0;
	switch (data[0] % 5) {
	case 0: {
		struct procfs_stat st;

		procfs_parse_stat(t, &st);
		break;
	}
	case 1: {
		struct procfs_status st;

		procfs_parse_status(t, &st);
		break;
	}
	case 2: {
		struct procfs_io io;

		procfs_parse_io(t, &io);
		break;
	}
	case 3: {
		struct procfs_rollup r;

		procfs_parse_rollup(t, &r);
		break;
	}
	default:
		procfs_parse_maps(t, count_map, &n);
	}
	free(t);
	return 0;
}
