/* perf map files: parsing, newest-wins lookup, growth, ownership. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "jitmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void parses_and_finds(void **state)
{
	struct jitmap m;
	const char text[] = "1000 100 JS:*hot /app/a.js:1\n"
			    "bad line\n"
			    "2000 0 zero-sized\n"
			    "1080 40 LazyCompile:inner\n"
			    "3000 10 Builtin:Name with spaces\n";
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");

	(void)state;
	jitmap_init(&m, 1, 0);
	assert_int_equal(jitmap_parse(&m, f), 3);
	fclose(f);
	assert_string_equal(jitmap_find(&m, 0x1000)->name, "JS:*hot /app/a.js:1");
	assert_string_equal(jitmap_find(&m, 0x10ff)->name, "JS:*hot /app/a.js:1");
	/* A later line covering the address wins (code moved, or replaced). */
	assert_string_equal(jitmap_find(&m, 0x1090)->name, "LazyCompile:inner");
	assert_null(jitmap_find(&m, 0x1100));
	assert_null(jitmap_find(&m, 0xfff));
	assert_null(jitmap_find(&m, 0x2000));
	assert_string_equal(jitmap_find(&m, 0x3005)->name, "Builtin:Name with spaces");
	jitmap_fini(&m);
}

/* A line over 4095 bytes stopped the parse for good: every name after it
 * was [unknown]. It is skipped and counted; the rest is read. */
static void a_long_line_is_skipped_not_a_wall(void **state)
{
	struct jitmap m;
	size_t n = 10000;
	char *text = malloc(n + 64), *p = text;
	FILE *f;

	(void)state;
	p += sprintf(p, "1000 10 first\n2000 10 ");
	memset(p, 'x', 6000);
	p += 6000;
	p += sprintf(p, "\n3000 10 after\n");
	f = fmemopen(text, (size_t)(p - text), "r");
	jitmap_init(&m, 1, 0);
	assert_int_equal(jitmap_parse(&m, f), 2);
	fclose(f);
	assert_string_equal(jitmap_find(&m, 0x3000)->name, "after");
	assert_null(jitmap_find(&m, 0x2000));
	assert_int_equal(m.dropped, 1);
	jitmap_fini(&m);
	free(text);
}

/* A map the target grows without end: entries and name bytes are bounded,
 * what is past them counted. */
static void growth_is_bounded_and_counted(void **state)
{
	struct jitmap m;
	char *text = malloc(64 * 1000), *p = text;
	FILE *f;

	(void)state;
	for (int i = 0; i < 1000; i++)
		p += sprintf(p, "%x 10 name_%d\n", 0x1000 + 0x10 * i, i);
	f = fmemopen(text, (size_t)(p - text), "r");
	jitmap_init(&m, 1, 0);
	m.max_entries = 100;
	assert_int_equal(jitmap_parse(&m, f), 100);
	assert_int_equal(m.dropped, 900);
	fclose(f);
	jitmap_fini(&m);
	f = fmemopen(text, (size_t)(p - text), "r");
	jitmap_init(&m, 1, 0);
	m.max_bytes = 400;
	/* 10 names of 7 bytes (with the NUL), then 8: kept until 400 is passed */
	assert_int_equal(jitmap_parse(&m, f), 10 + 42);
	assert_true(m.name_bytes < 400 + 8);
	assert_int_equal(m.dropped, 1000 - 52);
	fclose(f);
	jitmap_fini(&m);
	free(text);
}

static void rereads_as_it_grows_and_checks_owner(void **state)
{
	char path[64];
	struct jitmap m;
	FILE *f;
	pid_t fake = 4000000 + (getpid() % 100000); /* above pid_max: no real process */

	(void)state;
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)fake);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("5000 100 first\n", f);
	fflush(f);
	jitmap_init(&m, fake, getuid());
	assert_string_equal(jitmap_lookup(&m, 0x5010, 1000000000ull), "first");
	fputs("6000 100 second\n", f);
	fflush(f);
	/* Within 100 ms of the last look the file is not read again. */
	assert_null(jitmap_lookup(&m, 0x6010, 1050000000ull));
	assert_string_equal(jitmap_lookup(&m, 0x6010, 1200000000ull), "second");
	jitmap_fini(&m);
	/* Owned by neither the target's user nor root: never used. */
	if (getuid() == 0) {
		assert_int_equal(chown(path, 12345, 12345), 0);
		jitmap_init(&m, fake, 1000);
		assert_null(jitmap_lookup(&m, 0x5010, 1000000000ull));
		assert_true(m.refused);
		jitmap_fini(&m);
	}
	fclose(f);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_and_finds),
		cmocka_unit_test(a_long_line_is_skipped_not_a_wall),
		cmocka_unit_test(growth_is_bounded_and_counted),
		cmocka_unit_test(rereads_as_it_grows_and_checks_owner),
	};

	return cmocka_run_group_tests_name("jitmap", tests, NULL, NULL);
}
