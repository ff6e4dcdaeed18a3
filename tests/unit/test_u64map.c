/* u64map: the hash map every cache and index stands on, deletion included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "u64map.h"

#include <stdlib.h>

/* Many keys, a third deleted in a scattered order, others put again: each
 * get answers what a plain array of the same operations says. Colliding
 * runs (keys that differ by the table size) exercise the backward shift. */
static void matches_a_reference_through_deletions(void **state)
{
	enum { N = 5000 };
	static uint32_t ref[N];
	struct u64map m;
	size_t live = 0;

	(void)state;
	u64map_init(&m);
	for (uint32_t i = 0; i < N; i++) {
		ref[i] = i * 7 + 1;
		assert_int_equal(u64map_put(&m, (uint64_t)i * 4096, ref[i]), 0);
	}
	for (uint32_t i = 0; i < N; i += 3) {
		u64map_del(&m, (uint64_t)((i * 2654435761u) % N) * 4096);
		ref[(i * 2654435761u) % N] = U64MAP_NONE;
	}
	u64map_del(&m, 12345678); /* absent: nothing happens */
	for (uint32_t i = 0; i < N; i += 5)
		if (ref[i] == U64MAP_NONE) {
			ref[i] = i + 100000;
			assert_int_equal(u64map_put(&m, (uint64_t)i * 4096, ref[i]), 0);
		}
	for (uint32_t i = 0; i < N; i++) {
		assert_int_equal(u64map_get(&m, (uint64_t)i * 4096), ref[i]);
		live += ref[i] != U64MAP_NONE;
	}
	assert_int_equal(m.len, live);
	/* Everything gone: the table is empty again. */
	for (uint32_t i = 0; i < N; i++)
		u64map_del(&m, (uint64_t)i * 4096);
	assert_int_equal(m.len, 0);
	for (uint32_t i = 0; i < N; i++)
		assert_int_equal(u64map_get(&m, (uint64_t)i * 4096), U64MAP_NONE);
	u64map_clear(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(matches_a_reference_through_deletions),
	};

	return cmocka_run_group_tests_name("u64map", tests, NULL, NULL);
}
