/* compare: the significance test behind flametop diff's marks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "compare.h"

#include <math.h>

static void two_proportion_z(void **state)
{
	(void)state;
	/* 50/100 against 70/100: pooled p 0.6, se sqrt(0.24 * 0.02). */
	assert_true(fabs(compare_z(50, 100, 70, 100) - 0.2 / sqrt(0.24 * 0.02)) < 1e-9);
	/* Symmetric, sign is the direction. */
	assert_true(fabs(compare_z(70, 100, 50, 100) + compare_z(50, 100, 70, 100)) < 1e-12);
	/* The same share is no change, whatever the sizes. */
	assert_true(fabs(compare_z(30, 100, 300, 1000)) < 1e-12);
	/* Undefined: an empty side, or a share of 0 or 1 on both. */
	assert_true(compare_z(1, 0, 1, 10) == 0.0);
	assert_true(compare_z(0, 10, 0, 20) == 0.0);
	assert_true(compare_z(10, 10, 20, 20) == 0.0);
}

static void marks_follow_the_two_sided_thresholds(void **state)
{
	(void)state;
	assert_string_equal(compare_mark(0.0), "");
	assert_string_equal(compare_mark(1.95), "");
	assert_string_equal(compare_mark(-1.96), "*");
	assert_string_equal(compare_mark(3.28), "*");
	assert_string_equal(compare_mark(3.29), "**");
	assert_string_equal(compare_mark(-12.0), "**");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(two_proportion_z),
		cmocka_unit_test(marks_follow_the_two_sided_thresholds),
	};

	return cmocka_run_group_tests_name("compare", tests, NULL, NULL);
}
