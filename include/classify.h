/* classify — what kind of bottleneck a profile shows, with the numbers that
 * decided it. */
#ifndef FLAMETOP_CLASSIFY_H
#define FLAMETOP_CLASSIFY_H

#include <stdint.h>

enum bottleneck {
	BN_CPU,
	BN_IO_FILE,
	BN_IO_NETWORK,
	BN_MEMORY,
	BN_CACHE,
	BN_KERNEL,
	BN_OFFCPU_LOCK,
	BN_UNKNOWN,
};

/* What the classifier looks at; every field is measured, none is guessed. */
struct classify_input {
	uint64_t samples;
	double wall_ms;
	double cpu_ms; /* user + sys over the window */
	double user_ms, sys_ms;
	uint64_t io_read_bytes, io_write_bytes;
	long threads; /* threads that took samples */
};

struct classification {
	enum bottleneck kind;
	char detail[512];
};

void classify(const struct classify_input *in, struct classification *out);
const char *bottleneck_name(enum bottleneck b);

#endif
