/* The ledger through YAML and back: every field, hostile text, bad input
 * refused with its line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ledger_yaml.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *to_yaml(const struct ledger *l, size_t *len)
{
	struct report r;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	memset(&r, 0, sizeof(r));
	r.ledger = l;
	assert_non_null(f);
	assert_int_equal(exporter_ledger.write(f, &r), 0);
	fclose(f);
	return buf;
}

static void fill(struct ledger *l)
{
	struct hyp_snapshot sn;

	ledger_init(l);
	assert_non_null(ledger_add(l, "hash_token dominates: 41% self", 1790000000));
	assert_non_null(ledger_add(l, "yes", 1790000100)); /* reads as a bool unquoted */
	assert_non_null(ledger_add(l, "I/O: \"quoted\", colons: and ünïcode — 12", 1790000200));
	memset(&sn, 0, sizeof(sn));
	sn.valid = 1;
	snprintf(sn.function, sizeof(sn.function), "std::vector<int>::push_back(int const&)");
	snprintf(sn.module, sizeof(sn.module), "libfoo.so");
	sn.self_pct = 41.25, sn.total_pct = 58.5, sn.from_s = 0, sn.to_s = 12.5, sn.recent = 1;
	sn.cpu_pct = 99.5, sn.rss_mib = 14.25, sn.rss_slope_mib_min = 150.125, sn.has_slope = 1;
	sn.read_bps = 4096, sn.write_bps = 1048576;
	sn.nctr = 2;
	snprintf(sn.ctr_name[0], sizeof(sn.ctr_name[0]), "cycles");
	sn.ctr_value[0] = 123456789;
	snprintf(sn.ctr_name[1], sizeof(sn.ctr_name[1]), "cache-misses");
	sn.ctr_value[1] = 4242;
	assert_int_equal(ledger_mark(l, 1, VERDICT_SUPPORTS, &sn, 1790000300), 0);
	assert_int_equal(ledger_mark(l, 3, VERDICT_REJECTS, NULL, 1790000400), 0);
	assert_int_equal(ledger_set_evidence(l, 3, "wchar 0 B/s: no writes"), 0);
	assert_int_equal(ledger_delete(l, 2), 0); /* ids are not reused: 1 and 3 stay */
}

static void round_trip_keeps_every_field(void **state)
{
	struct ledger a, b;
	char err[256], *y, *y2;
	size_t len, len2;

	(void)state;
	fill(&a);
	y = to_yaml(&a, &len);
	ledger_init(&b);
	assert_int_equal(ledger_yaml_load(y, len, &b, err, sizeof(err)), 0);
	assert_int_equal(b.n, 2);
	for (size_t i = 0; i < a.n; i++) {
		const struct hypothesis *x = &a.v[i], *z = &b.v[i];

		assert_int_equal(z->id, x->id);
		assert_string_equal(z->text, x->text);
		assert_int_equal(z->verdict, x->verdict);
		assert_true((!x->evidence && !z->evidence) || !strcmp(x->evidence, z->evidence));
		assert_int_equal(z->created_at, x->created_at);
		assert_int_equal(z->marked_at, x->marked_at);
		assert_int_equal(z->snap.valid, x->snap.valid);
	}
	const struct hyp_snapshot *s = &b.v[0].snap;

	assert_string_equal(s->function, "std::vector<int>::push_back(int const&)");
	assert_string_equal(s->module, "libfoo.so");
	assert_float_equal(s->self_pct, 41.25, 1e-9);
	assert_float_equal(s->to_s, 12.5, 1e-9);
	assert_true(s->recent && s->has_slope);
	assert_float_equal(s->rss_slope_mib_min, 150.125, 1e-9);
	assert_int_equal(s->nctr, 2);
	assert_string_equal(s->ctr_name[1], "cache-misses");
	assert_float_equal(s->ctr_value[0], 123456789, 1e-9);
	/* New hypotheses continue past the largest id read. */
	assert_int_equal(ledger_add(&b, "next", 0)->id, 4);
	assert_int_equal(ledger_delete(&b, 4), 0);
	/* Written again, byte for byte the same. */
	y2 = to_yaml(&b, &len2);
	assert_int_equal(len2, len);
	assert_memory_equal(y2, y, len);
	free(y);
	free(y2);
	ledger_fini(&a);
	ledger_fini(&b);
}

static void bad_ledgers_are_refused_with_the_line(void **state)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "hypotheses: [\n", "line" },
		{ "- a\n- b\n", "no top-level map" },
		{ "flametop: {}\n", "no 'hypotheses' list" },
		{ "hypotheses: 3\n", "must be a list" },
		{ "hypotheses:\n  - id: 1\n    verdict: open\n", "needs a name" },
		{ "hypotheses:\n  - name: x\n    verdict: open\n", "needs an id" },
		{ "hypotheses:\n  - {id: 1, name: x, verdict: open}\n  - {id: 1, name: y, verdict: "
		  "open}\n",
		  "line 3: a hypothesis needs an id, a unique" },
		{ "hypotheses:\n  - {id: 1, name: x, verdict: maybe}\n", "verdict must be" },
		{ "hypotheses:\n  - {id: 1, name: x, verdict: open, created_at: yesterday}\n",
		  "a time must read" },
		{ "hypotheses:\n  - {id: 1, name: x, verdict: open, snapshot: {cpu_pct: lots}}\n",
		  "not a number" },
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct ledger l;

		ledger_init(&l);
		err[0] = 0;
		assert_int_equal(
		    ledger_yaml_load(bad[i].text, strlen(bad[i].text), &l, err, sizeof(err)),
		    -EINVAL);
		if (!strstr(err, bad[i].why))
			fail_msg("case %zu: '%s' does not say '%s'", i, err, bad[i].why);
		ledger_fini(&l);
	}
}

static void empty_and_missing(void **state)
{
	struct ledger l;
	char err[256];

	(void)state;
	ledger_init(&l);
	assert_int_equal(ledger_yaml_load("hypotheses: []\n", 15, &l, err, sizeof(err)), 0);
	assert_int_equal(ledger_yaml_load("hypotheses:\n", 12, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(
	    ledger_yaml_load_file("/nonexistent/ledger.yaml", &l, NULL, err, sizeof(err)), -ENOENT);
	assert_int_equal(ledger_yaml_load_file("/proc/self/mem", &l, NULL, err, sizeof(err)) < 0,
			 1);
	ledger_fini(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip_keeps_every_field),
		cmocka_unit_test(bad_ledgers_are_refused_with_the_line),
		cmocka_unit_test(empty_and_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
