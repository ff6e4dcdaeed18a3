/* Bottleneck classification on profiles with known answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "classify.h"

#include <string.h>

static struct classification run(double wall, double user, double sys, uint64_t io)
{
	struct classify_input in = { .samples = 100,
				     .wall_ms = wall,
				     .cpu_ms = user + sys,
				     .user_ms = user,
				     .sys_ms = sys,
				     .io_read_bytes = io,
				     .threads = 1 };
	struct classification c;

	classify(&in, &c);
	return c;
}

static void cpu_bound(void **state)
{
	struct classification c = run(2000, 1950, 30, 0);

	(void)state;
	assert_int_equal(c.kind, BN_CPU);
	assert_string_equal(bottleneck_name(c.kind), "CPU");
	assert_non_null(strstr(c.detail, "1980 ms"));
	assert_non_null(strstr(c.detail, "2000 ms"));
}

static void sleeping_is_off_cpu(void **state)
{
	struct classification c = run(2000, 100, 20, 0);

	(void)state;
	assert_int_equal(c.kind, BN_OFFCPU_LOCK);
	assert_non_null(strstr(c.detail, "waits 94%"));
}

static void reading_files_is_io(void **state)
{
	struct classification c = run(2000, 200, 200, 200u << 20);

	(void)state;
	assert_int_equal(c.kind, BN_IO_FILE);
	assert_non_null(strstr(c.detail, "100.0 MiB/s"));
}

static void syscall_heavy_is_kernel(void **state)
{
	struct classification c = run(1000, 300, 650, 0);

	(void)state;
	assert_int_equal(c.kind, BN_KERNEL);
	assert_non_null(strstr(c.detail, "68% in the kernel"));
}

static void no_samples_is_unknown(void **state)
{
	struct classify_input in = { .wall_ms = 1000 };
	struct classification c;

	(void)state;
	classify(&in, &c);
	assert_int_equal(c.kind, BN_UNKNOWN);
	assert_string_equal(bottleneck_name(BN_OFFCPU_LOCK), "Off-CPU/Lock");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cpu_bound),
		cmocka_unit_test(sleeping_is_off_cpu),
		cmocka_unit_test(reading_files_is_io),
		cmocka_unit_test(syscall_heavy_is_kernel),
		cmocka_unit_test(no_samples_is_unknown),
	};
	return cmocka_run_group_tests_name("classify", tests, NULL, NULL);
}
