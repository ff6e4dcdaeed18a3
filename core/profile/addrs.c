/* addrs — samples per instruction of each sampled function (include/addrs.h). */
#include "addrs.h"

#include "grow.h"

#include <stdlib.h>
#include <string.h>

void addrs_init(struct addrs *a)
{
	memset(a, 0, sizeof(*a));
	u64map_init(&a->index);
}

void addrs_fini(struct addrs *a)
{
	free(a->v);
	u64map_clear(&a->index);
	memset(a, 0, sizeof(*a));
}

static uint64_t key_of(uint32_t frame, uint64_t place)
{
	return u64map_mix(place ^ ((uint64_t)frame << 40 | (uint64_t)frame));
}

/* The entry of (FRAME, PLACE), added if new; NULL when full or on ENOMEM. */
static struct addr_count *entry(struct addrs *a, uint32_t frame, uint64_t place)
{
	uint64_t key = key_of(frame, place);

	for (int probe = 0; probe < 64; probe++, key++) {
		uint32_t i = u64map_get(&a->index, key);

		if (i == U64MAP_NONE) {
			if (a->n >= ADDRS_MAX ||
			    grow_array(&a->v, &a->cap, a->n + 1, sizeof(*a->v)) ||
			    u64map_put(&a->index, key, (uint32_t)a->n))
				return NULL;
			a->v[a->n] = (struct addr_count){ .place = place, .frame = frame };
			return &a->v[a->n++];
		}
		if (a->v[i].frame == frame && a->v[i].place == place)
			return &a->v[i];
	}
	return NULL;
}

void addrs_add(struct addrs *a, const uint32_t *frames, const uint64_t *places, size_t n, int self)
{
	a->seq++;
	for (size_t i = 0; i < n; i++) {
		struct addr_count *e;

		if (!places[i])
			continue;
		if (!(e = entry(a, frames[i], places[i]))) {
			a->dropped++;
			continue;
		}
		if (i == 0 && self)
			e->self++;
		if (e->seen != a->seq) { /* a recursive call counts once */
			e->seen = a->seq;
			e->total++;
		}
	}
}

static int by_place(const void *x, const void *y)
{
	const struct addr_count *p = x, *q = y;

	return (p->place > q->place) - (p->place < q->place);
}

long addrs_of(const struct addrs *a, uint32_t frame, struct addr_count **out)
{
	size_t n = 0;

	*out = NULL;
	for (size_t i = 0; i < a->n; i++)
		n += a->v[i].frame == frame;
	if (!(*out = malloc((n ? n : 1) * sizeof(**out))))
		return -1;
	n = 0;
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].frame == frame)
			(*out)[n++] = a->v[i];
	qsort(*out, n, sizeof(**out), by_place);
	return (long)n;
}

size_t addrs_bytes(const struct addrs *a)
{
	return a->cap * sizeof(*a->v) + a->index.cap * (sizeof(uint64_t) + sizeof(uint32_t));
}
