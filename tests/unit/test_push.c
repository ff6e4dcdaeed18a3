/* push: the ingest URL Pyroscope reads, and what a push refuses before any
 * request; frame_module's symbol sources survive a YAML round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "frametab.h"
#include "push.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void ingest_url_escapes_the_name(void **state)
{
	char *u = push_ingest_url("http://pyro:4040/", "split{hostname=h1,env=ci}", 100, 110, 999);

	(void)state;
	assert_non_null(u);
	assert_string_equal(u, "http://pyro:4040/ingest?name=split%7Bhostname%3Dh1%2Cenv%3Dci%7D"
			       "&from=100&until=110&format=pprof&sampleRate=999&spyName=flametop");
	free(u);
}

static void refused(const struct push_config *c, const char *says)
{
	char err[512] = "";
	struct pusher *p = push_new(c, err, sizeof(err));

	assert_null(p);
	assert_non_null(strstr(err, says));
}

static void bad_urls_and_labels_are_refused(void **state)
{
	struct push_config c = { .url = "ftp://x", .retries = -1 };
	char err[512];
	struct pusher *p;

	(void)state;
	refused(&c, "http:// or https://");
	c.url = "http://pyro:4040";
	c.nlabels = 1;
	for (const char *const *bad = (const char *const[]){ "k", "=v", "1k=v", "k-x=v", "k=",
							     "k={v}", "k=a,b", "k=a\nb", NULL };
	     *bad; bad++) {
		c.labels[0] = *bad;
		refused(&c, "--push-label");
	}
	c.labels[0] = "team.name=perf_1";
	c.app = "my app";
	refused(&c, "--push-app");
	c.app = "myapp";
	p = push_new(&c, err, sizeof(err));
	assert_non_null(p);
	/* Nothing sampled: nothing pushed, nothing left. */
	assert_int_equal(push_drain(p, 0.1), 0);
	push_free(p);
}

static void module_sources_are_kept(void **state)
{
	struct frametab *t = frametab_new();
	const struct frame_module *m;

	(void)state;
	assert_int_equal(frametab_module_symbols(t, "split", "dynsym", NULL, NULL), -ENOENT);
	assert_int_equal(frametab_note_module(t, "split", "/bin/split", "abcd"), 0);
	assert_int_equal(frametab_module_symbols(t, "split", "dynsym", NULL, "downloading"), 0);
	assert_int_equal(frametab_module_symbols(t, "split", "debuginfod", "/c/abcd/debuginfo",
						 "fetched from http://s"),
			 0);
	m = frametab_module(t, "split");
	assert_string_equal(m->symbols, "debuginfod");
	assert_string_equal(m->debuginfo, "/c/abcd/debuginfo");
	assert_string_equal(m->debuginfod, "fetched from http://s");
	/* NULL leaves a field as it was. */
	assert_int_equal(frametab_module_symbols(t, "split", NULL, NULL, NULL), 0);
	assert_string_equal(m->symbols, "debuginfod");
	frametab_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ingest_url_escapes_the_name),
		cmocka_unit_test(bad_urls_and_labels_are_refused),
		cmocka_unit_test(module_sources_are_kept),
	};

	return cmocka_run_group_tests_name("push", tests, NULL, NULL);
}
