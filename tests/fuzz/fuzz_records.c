/* Records from the perf ring: any bytes as a record, decoded with each
 * sample type flametop asks for. */
#include "fuzz.h"
#include "perf_records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t types[] = {
		PERF_RECS_SAMPLE_TYPE,
		PERF_RECS_SAMPLE_TYPE | PERF_SAMPLE_READ,
		PERF_RECS_SAMPLE_TYPE | PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER,
		PERF_RECS_SAMPLE_TYPE | PERF_SAMPLE_READ | PERF_SAMPLE_REGS_USER |
		    PERF_SAMPLE_STACK_USER | PERF_SAMPLE_IDENTIFIER,
	};
	uint64_t buf[8192];
	struct perf_event_header *h = (void *)buf;
	struct perf_rec r;
	struct group_read g;

	if (size < sizeof(*h) + 1 || size > sizeof(buf))
		return 0;
	memcpy(buf, data + 1, size - 1);
	if (h->size > size - 1)
		h->size = (uint16_t)(size - 1); /* the ring never hands out more than it holds */
	perf_rec_decode(h, types[data[0] % 4], &r);
	perf_read_decode(data, size, &g);
	return 0;
}
