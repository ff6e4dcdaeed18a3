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
		cmocka_unit_test(rereads_as_it_grows_and_checks_owner),
	};

	return cmocka_run_group_tests_name("jitmap", tests, NULL, NULL);
}
