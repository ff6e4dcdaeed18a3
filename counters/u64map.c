/* u64map — linear probing, grown at 50 % load. */
#include "u64map.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void u64map_init(struct u64map *m) { memset(m, 0, sizeof(*m)); }

void u64map_clear(struct u64map *m)
{
	free(m->keys);
	free(m->vals);
	u64map_init(m);
}

uint32_t u64map_get(const struct u64map *m, uint64_t key)
{
	size_t mask, i;

	if (!m->cap)
		return U64MAP_NONE;
	mask = m->cap - 1;
	for (i = u64map_mix(key) & mask; m->vals[i] != U64MAP_NONE; i = (i + 1) & mask)
		if (m->keys[i] == key)
			return m->vals[i];
	return U64MAP_NONE;
}

static void insert(uint64_t *keys, uint32_t *vals, size_t cap, uint64_t key, uint32_t val)
{
	size_t mask = cap - 1, i;

	for (i = u64map_mix(key) & mask; vals[i] != U64MAP_NONE; i = (i + 1) & mask)
		if (keys[i] == key)
			break;
	keys[i] = key;
	vals[i] = val;
}

static int grow(struct u64map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	uint64_t *keys = malloc(cap * sizeof(*keys));
	uint32_t *vals = malloc(cap * sizeof(*vals));

	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -ENOMEM;
	}
	memset(vals, 0xff, cap * sizeof(*vals));
	for (size_t i = 0; i < m->cap; i++)
		if (m->vals[i] != U64MAP_NONE)
			insert(keys, vals, cap, m->keys[i], m->vals[i]);
	free(m->keys);
	free(m->vals);
	m->keys = keys;
	m->vals = vals;
	m->cap = cap;
	return 0;
}

int u64map_put(struct u64map *m, uint64_t key, uint32_t val)
{
	if ((m->len + 1) * 2 > m->cap && grow(m))
		return -ENOMEM;
	if (u64map_get(m, key) == U64MAP_NONE)
		m->len++;
	insert(m->keys, m->vals, m->cap, key, val);
	return 0;
}

void u64map_del(struct u64map *m, uint64_t key)
{
	size_t mask = m->cap - 1, i, j;

	if (!m->cap)
		return;
	for (i = u64map_mix(key) & mask; m->keys[i] != key; i = (i + 1) & mask)
		if (m->vals[i] == U64MAP_NONE)
			return;
	if (m->vals[i] == U64MAP_NONE)
		return;
	/* Backward shift: entries after the hole move into it unless their
	 * home slot lies between the hole and where they are. */
	for (j = i;;) {
		m->vals[i] = U64MAP_NONE;
		for (;;) {
			size_t k;

			j = (j + 1) & mask;
			if (m->vals[j] == U64MAP_NONE) {
				m->len--;
				return;
			}
			k = u64map_mix(m->keys[j]) & mask;
			if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
				continue;
			break;
		}
		m->keys[i] = m->keys[j];
		m->vals[i] = m->vals[j];
		i = j;
	}
}
