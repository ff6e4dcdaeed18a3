/* addrs — samples per instruction of each sampled function, for
 * annotation: (function frame, place) → self samples (the instruction was
 * running) and total samples (running, or the call there was on the
 * stack: what its callees took). A place is the symbolizer's (one
 * instruction in one file, whichever process ran it). Each sample counts
 * once per (function, place), recursion or not. Bounded: past ADDRS_MAX
 * entries new ones are counted as dropped. */
#ifndef FLAMETOP_ADDRS_H
#define FLAMETOP_ADDRS_H

#include <stddef.h>
#include <stdint.h>

#include "u64map.h"

#define ADDRS_MAX (1u << 20) /* entries: 40 MiB at most */

struct addr_count {
	uint64_t place;
	uint32_t frame;
	uint32_t seen; /* the last sample that counted here (recursion once) */
	uint64_t self, total;
};

struct addrs {
	struct addr_count *v;
	size_t n, cap;
	struct u64map index; /* mix of (frame, place) → index in v, probed on */
	uint32_t seq;        /* samples added */
	uint64_t dropped;    /* counts not kept: the table was full */
};

void addrs_init(struct addrs *a);
void addrs_fini(struct addrs *a);
/* One sample: N (frame, place) pairs, leaf first; the first is the running
 * instruction when SELF (a user-code leaf), else a call site like the
 * others. Pairs with place 0 are skipped. */
void addrs_add(struct addrs *a, const uint32_t *frames, const uint64_t *places, size_t n, int self);
/* The entries of FRAME, by place (ascending), into a malloc'd *OUT;
 * returns how many, or -1 on ENOMEM. */
long addrs_of(const struct addrs *a, uint32_t frame, struct addr_count **out);
/* Bytes held. */
size_t addrs_bytes(const struct addrs *a);

#endif
