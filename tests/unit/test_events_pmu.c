/* PMU-specific event names with umasks. libpfm4 is made to see an Intel
 * Skylake PMU (LIBPFM_FORCE_PMU) so the encodings are the same on every
 * machine, PMU or not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "events.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void pmu_specific_names(void **state)
{
	struct event_spec e;
	char err[512];

	(void)state;
	/* INST_RETIRED is event 0xc0 with umask ANY_P 0x00: a raw event. */
	assert_int_equal(events_encode("skl::INST_RETIRED:ANY_P", &e, err, sizeof(err)), 0);
	assert_int_equal(e.attr.type, PERF_TYPE_RAW);
	assert_int_equal(e.attr.config & 0xffff, 0x00c0);
	/* MEM_LOAD_RETIRED.L3_MISS: event 0xd1, umask 0x20; :u excludes the kernel. */
	assert_int_equal(events_encode("skl::MEM_LOAD_RETIRED:L3_MISS:u", &e, err, sizeof(err)), 0);
	assert_int_equal(e.attr.type, PERF_TYPE_RAW);
	assert_int_equal(e.attr.config & 0xffff, 0x20d1);
	assert_true(e.attr.exclude_kernel);
	/* The PMU prefix is optional for the detected PMU. */
	assert_int_equal(events_encode("MEM_LOAD_RETIRED:L3_MISS", &e, err, sizeof(err)), 0);
	assert_int_equal(e.attr.config & 0xffff, 0x20d1);
	/* A wrong umask is an error naming the string. */
	assert_int_not_equal(events_encode("skl::INST_RETIRED:NOSUCH", &e, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "INST_RETIRED:NOSUCH"));
	/* Near misses are suggested with their PMU. */
	assert_int_equal(events_encode("skl::INST_RETIRD", &e, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "skl::INST_RETIRED"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pmu_specific_names),
	};

	setenv("LIBPFM_FORCE_PMU", "skl", 1);
	return cmocka_run_group_tests_name("events_pmu", tests, NULL, NULL);
}
