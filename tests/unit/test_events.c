/* Event strings → perf_event_attr through libpfm4 (generic perf names). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "events.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct event_spec enc(const char *s)
{
	struct event_spec e;
	char err[512];
	int r = events_encode(s, &e, err, sizeof(err));

	if (r)
		fail_msg("%s: %s", s, err);
	return e;
}

static void generic_hardware_names(void **state)
{
	struct event_spec e;

	(void)state;
	e = enc("cycles");
	assert_int_equal(e.attr.type, PERF_TYPE_HARDWARE);
	assert_int_equal(e.attr.config, PERF_COUNT_HW_CPU_CYCLES);
	assert_false(e.attr.exclude_kernel);
	assert_false(e.attr.exclude_user);
	assert_string_equal(e.name, "cycles");
	assert_int_equal(enc("instructions").attr.config, PERF_COUNT_HW_INSTRUCTIONS);
	assert_int_equal(enc("cache-references").attr.config, PERF_COUNT_HW_CACHE_REFERENCES);
	assert_int_equal(enc("cache-misses").attr.config, PERF_COUNT_HW_CACHE_MISSES);
	assert_int_equal(enc("branches").attr.config, PERF_COUNT_HW_BRANCH_INSTRUCTIONS);
	assert_int_equal(enc("branch-misses").attr.config, PERF_COUNT_HW_BRANCH_MISSES);
	assert_int_equal(enc("BRANCH-MISSES").attr.config, PERF_COUNT_HW_BRANCH_MISSES);
	/* Cache events: cache id | op << 8 | result << 16. */
	e = enc("LLC-load-misses");
	assert_int_equal(e.attr.type, PERF_TYPE_HW_CACHE);
	assert_int_equal(e.attr.config, PERF_COUNT_HW_CACHE_LL | PERF_COUNT_HW_CACHE_OP_READ << 8 |
					    PERF_COUNT_HW_CACHE_RESULT_MISS << 16);
	assert_int_equal(events_role(&e.attr), ROLE_NONE);
	e = enc("instructions");
	assert_int_equal(events_role(&e.attr), ROLE_INSTRUCTIONS);
	e = enc("LLC-load-misses");
	assert_false(events_is_software(&e.attr));
}

static void software_names(void **state)
{
	struct event_spec e;

	(void)state;
	e = enc("task-clock");
	assert_int_equal(e.attr.type, PERF_TYPE_SOFTWARE);
	assert_int_equal(e.attr.config, PERF_COUNT_SW_TASK_CLOCK);
	assert_true(events_is_software(&e.attr));
	assert_int_equal(enc("page-faults").attr.config, PERF_COUNT_SW_PAGE_FAULTS);
	assert_int_equal(enc("context-switches").attr.config, PERF_COUNT_SW_CONTEXT_SWITCHES);
	assert_int_equal(enc("cpu-migrations").attr.config, PERF_COUNT_SW_CPU_MIGRATIONS);
	assert_int_equal(enc("major-faults").attr.config, PERF_COUNT_SW_PAGE_FAULTS_MAJ);
	assert_int_equal(enc("cpu-clock").attr.config, PERF_COUNT_SW_CPU_CLOCK);
}

static void modifiers(void **state)
{
	struct event_spec e;

	(void)state;
	e = enc("cycles:u");
	assert_true(e.attr.exclude_kernel);
	assert_false(e.attr.exclude_user);
	e = enc("instructions:k");
	assert_true(e.attr.exclude_user);
	assert_false(e.attr.exclude_kernel);
	e = enc("cycles:period=100000");
	assert_true(e.has_period);
	assert_int_equal(e.attr.sample_period, 100000);
	assert_false(e.attr.freq);
	assert_false(enc("cycles").has_period);
	e = enc("cycles:precise=2");
	assert_int_equal(e.attr.precise_ip, 2);
	e = enc("page-faults:u");
	assert_true(e.attr.exclude_kernel);
}

static void bad_names(void **state)
{
	struct event_spec e;
	char err[512];

	(void)state;
	assert_int_equal(events_encode("cache-mises", &e, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "unknown event 'cache-mises'"));
	assert_non_null(strstr(err, "did you mean: cache-misses"));
	assert_int_equal(events_encode("cycels", &e, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "cycles"));
	/* Nothing near: no suggestion, still one line. */
	assert_int_equal(events_encode("zzzzzzzzzzzz", &e, err, sizeof(err)), -ENOENT);
	assert_null(strstr(err, "did you mean"));
	assert_null(strchr(err, '\n'));
	assert_int_equal(events_encode("cycles:nosuchmod", &e, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "cycles:nosuchmod"));
	assert_int_equal(events_encode("", &e, err, sizeof(err)), -EINVAL);
}

static void lists(void **state)
{
	struct event_spec v[EVENTS_MAX];
	char err[512];

	(void)state;
	assert_int_equal(
	    events_parse_list("task-clock,page-faults,context-switches", v, err, sizeof(err)), 3);
	assert_string_equal(v[2].name, "context-switches");
	assert_int_equal(events_parse_list("cycles,,instructions", v, err, sizeof(err)), -EINVAL);
	assert_int_equal(events_parse_list("cycles,", v, err, sizeof(err)), -EINVAL);
	assert_int_equal(events_parse_list("a,b,c,d,e,f,g,h,i", v, err, sizeof(err)), -E2BIG);
	assert_int_equal(events_parse_list("cycles,nosuch", v, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "nosuch"));
	assert_int_equal(events_default_hw(v), 6);
	assert_int_equal(v[0].attr.config, PERF_COUNT_HW_CPU_CYCLES);
	assert_int_equal(events_default_sw(v), 6);
	assert_int_equal(v[0].attr.config, PERF_COUNT_SW_CPU_CLOCK);
	assert_int_equal(v[5].attr.config, PERF_COUNT_SW_PAGE_FAULTS_MAJ);
}

static void listing_filters(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	long n;

	(void)state;
	n = events_list(f, "branch-miss");
	fclose(f);
	assert_true(n >= 1);
	assert_non_null(strstr(buf, "perf::BRANCH-MISSES"));
	assert_null(strstr(buf, "perf::CYCLES "));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(generic_hardware_names),
		cmocka_unit_test(software_names),
		cmocka_unit_test(modifiers),
		cmocka_unit_test(bad_names),
		cmocka_unit_test(lists),
		cmocka_unit_test(listing_filters),
	};

	return cmocka_run_group_tests_name("events", tests, NULL, NULL);
}
