/* YAML and folded exports of a synthetic profile; atomic writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "outfile.h"
#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

static const char *const weird[] = {
	"ns::Foo<int*>::operator()(char const*, long) const",
	"key: value # not a comment",
	"say \"hi\" and 'bye'",
	"123",
	"true",
	"- dash first",
	"tab\there ünïcødé",
	"semi;colon",
};
#define NWEIRD (sizeof(weird) / sizeof(*weird))

static struct profile *weird_profile(void)
{
	struct profile *p = profile_new();
	uint32_t root = frametab_intern(p->frames, "main", "prog", "main.c", 10, FRAME_USER);

	for (size_t i = 0; i < NWEIRD; i++) {
		uint32_t f =
		    frametab_intern(p->frames, weird[i], "lib weird.so", NULL, 0, FRAME_LIBRARY);
		uint32_t s[] = { root, f };

		for (size_t k = 0; k <= i; k++)
			profile_add(p, 1, 1, s, 2, 1000, 0);
	}
	return p;
}

static void fill_report(struct report *r, const struct profile *p)
{
	memset(r, 0, sizeof(*r));
	r->profile = p;
	r->pid = 42;
	snprintf(r->command, sizeof(r->command), "prog --flag: \"x\"");
	snprintf(r->event, sizeof(r->event), "cpu-clock");
	snprintf(r->call_graph, sizeof(r->call_graph), "fp");
	r->freq_hz = 999;
	r->prune_pct = 0.5;
	r->exited = 1;
	r->have_status = 1;
	r->exit_code = 3;
	fingerprint_take(&r->fp, 0);
}

static char *export_to_string(const struct exporter *e, const struct report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_int_equal(e->write(f, r), 0);
	fclose(f);
	return buf;
}

/* Every scalar of the document, in order, each followed by a NUL. */
static size_t scalars(const char *doc, char *out, size_t cap)
{
	yaml_parser_t p;
	yaml_event_t ev;
	size_t n = 0;
	int done = 0;

	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)doc, strlen(doc));
	while (!done) {
		assert_true(yaml_parser_parse(&p, &ev));
		if (ev.type == YAML_SCALAR_EVENT && n + ev.data.scalar.length + 1 < cap) {
			memcpy(out + n, ev.data.scalar.value, ev.data.scalar.length);
			n += ev.data.scalar.length;
			out[n++] = 0;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return n;
}

static int has_scalar(const char *all, size_t n, const char *want)
{
	for (size_t i = 0; i < n; i += strlen(all + i) + 1)
		if (!strcmp(all + i, want))
			return 1;
	return 0;
}

static void yaml_names_round_trip(void **state)
{
	struct profile *p = weird_profile();
	struct report r;
	char *doc, *all = malloc(1 << 20);
	size_t n;

	(void)state;
	fill_report(&r, p);
	doc = export_to_string(&exporter_yaml, &r);
	n = scalars(doc, all, 1 << 20);
	for (size_t i = 0; i < NWEIRD; i++)
		assert_true(has_scalar(all, n, weird[i]));
	assert_true(has_scalar(all, n, "prog --flag: \"x\""));
	/* "123" and "true" are strings: they must be quoted to stay strings. */
	assert_non_null(strstr(doc, "function: \"123\""));
	assert_non_null(strstr(doc, "function: \"true\""));
	assert_non_null(strstr(doc, "hypotheses: []"));
	assert_non_null(strstr(doc, "exit_status: 3"));
	assert_non_null(strstr(doc, "location: \"main.c:10\""));
	free(doc);
	free(all);
	profile_free(p);
}

/* The ledger goes out whole: text, verdict, evidence, snapshot. */
static void yaml_hypotheses(void **state)
{
	struct profile *p = weird_profile();
	struct hyp_snapshot sn = { .valid = 1, .self_pct = 41.5, .total_pct = 60, .to_s = 12,
				   .cpu_pct = 99, .rss_mib = 14.25, .nctr = 1 };
	struct ledger l;
	struct report r;
	char *doc, *all = malloc(1 << 20);
	size_t n;

	(void)state;
	ledger_init(&l);
	snprintf(sn.function, sizeof(sn.function), "parse: \"x\"");
	snprintf(sn.ctr_name[0], sizeof(sn.ctr_name[0]), "page-faults");
	sn.ctr_value[0] = 730000;
	assert_non_null(ledger_add(&l, "parsing dominates: \"yes\"", 1000));
	assert_non_null(ledger_add(&l, "true", 1001));
	assert_int_equal(ledger_mark(&l, 1, VERDICT_SUPPORTS, &sn, 1010), 0);
	fill_report(&r, p);
	r.ledger = &l;
	doc = export_to_string(&exporter_yaml, &r);
	n = scalars(doc, all, 1 << 20);
	assert_true(has_scalar(all, n, "parsing dominates: \"yes\""));
	assert_true(has_scalar(all, n, "supports"));
	assert_true(has_scalar(all, n, "open"));
	assert_true(has_scalar(all, n, "parse: \"x\""));
	assert_non_null(strstr(doc, "name: \"true\""));
	assert_non_null(strstr(doc, "self_pct: 41.50"));
	assert_non_null(strstr(doc, "page-faults: 730000"));
	assert_non_null(strstr(doc, "evidence: \"parse: \\\"x\\\" 41.5% self"));
	free(doc);
	free(all);
	ledger_fini(&l);
	profile_free(p);
}

static void yaml_prunes_small_steps(void **state)
{
	struct profile *p = profile_new();
	uint32_t a = frametab_intern(p->frames, "big", "m", NULL, 0, FRAME_USER);
	uint32_t b = frametab_intern(p->frames, "tiny", "m", NULL, 0, FRAME_USER);
	struct report r;
	char *doc;

	(void)state;
	profile_add(p, 1, 1, &a, 1, 999, 0);
	profile_add(p, 1, 1, &b, 1, 1, 0); /* 0.1 % */
	fill_report(&r, p);
	doc = export_to_string(&exporter_yaml, &r);
	assert_non_null(strstr(doc, "function: big"));
	/* tiny is below the 0.5 % threshold in the map, yet still a hotspot. */
	assert_null(strstr(doc, "id: \"2\""));
	assert_non_null(strstr(doc, "function: tiny"));
	free(doc);
	profile_free(p);
}

static void folded_lines(void **state)
{
	struct profile *p = weird_profile();
	struct report r;
	char *doc;

	(void)state;
	fill_report(&r, p);
	doc = export_to_string(&exporter_folded, &r);
	assert_non_null(strstr(doc, "main;ns::Foo<int*>::operator()(char const*, long) const 1\n"));
	assert_non_null(strstr(doc, "main;semi,colon 8\n")); /* ';' cannot stand in a name */
	free(doc);
	profile_free(p);
}

static void write_is_atomic_and_failure_is_clean(void **state)
{
	struct profile *p = weird_profile();
	struct report r;
	char dir[] = "/tmp/flametop-test-XXXXXX", path[256], err[512], saved[512];
	struct stat st;

	(void)state;
	fill_report(&r, p);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out.yaml", dir);
	assert_int_equal(outfile_write(path, &exporter_yaml, &r, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size > 100);
	unlink(path);
	/* A missing directory: a clear error, nothing written. */
	snprintf(path, sizeof(path), "%s/no/such/dir/out.yaml", dir);
	assert_int_equal(outfile_write(path, &exporter_yaml, &r, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "cannot write"));
	assert_non_null(strstr(err, "No such file or directory"));
	/* The fallback lands in TMPDIR. */
	setenv("TMPDIR", dir, 1);
	assert_int_equal(
	    outfile_fallback(&exporter_yaml, &r, "yaml", saved, sizeof(saved), err, sizeof(err)),
	    0);
	assert_int_equal(strncmp(saved, dir, strlen(dir)), 0);
	assert_int_equal(stat(saved, &st), 0);
	unlink(saved);
	assert_int_equal(rmdir(dir), 0); /* no temporary file left behind */
	unsetenv("TMPDIR");
	profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(yaml_names_round_trip),
		cmocka_unit_test(yaml_prunes_small_steps),
		cmocka_unit_test(yaml_hypotheses),
		cmocka_unit_test(folded_lines),
		cmocka_unit_test(write_is_atomic_and_failure_is_clean),
	};
	return cmocka_run_group_tests_name("export", tests, NULL, NULL);
}
