/* Event strings as -e takes them ("cycles,instructions:u,PMU::EV:UMASK"). */
#include "fuzz.h"
#include "events.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct event_spec ev[EVENTS_MAX];
	char err[512], *t = fuzz_text(data, size < 4096 ? size : 4096);

	if (!t)
		return 0;
	events_parse_list(t, ev, err, sizeof(err));
	free(t);
	return 0;
}
