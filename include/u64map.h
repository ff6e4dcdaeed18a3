/* u64map — open-addressing hash map from a 64-bit key to a 32-bit value.
 * The hot-path index of flametop: instruction pointer → frame, (parent,
 * frame) → call-tree node.  UINT32_MAX is reserved as "absent". */
#ifndef FLAMETOP_U64MAP_H
#define FLAMETOP_U64MAP_H

#include <stddef.h>
#include <stdint.h>

#define U64MAP_NONE UINT32_MAX

struct u64map {
	uint64_t *keys;
	uint32_t *vals;
	size_t cap, len; /* cap is a power of two */
};

void u64map_init(struct u64map *m);
void u64map_clear(struct u64map *m); /* frees storage */
uint32_t u64map_get(const struct u64map *m, uint64_t key);
/* Returns 0 or -ENOMEM. Replaces an existing value. VAL is not U64MAP_NONE. */
int u64map_put(struct u64map *m, uint64_t key, uint32_t val);
/* Removes KEY, if present. */
void u64map_del(struct u64map *m, uint64_t key);

static inline uint64_t u64map_mix(uint64_t x)
{
	/* splitmix64 finaliser: cheap and spreads nearby addresses. */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

#endif
