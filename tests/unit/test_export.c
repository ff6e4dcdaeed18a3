/* YAML and folded exports of a synthetic profile; atomic writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "outfile.h"
#include "report.h"
#include "saved.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>
#include <zlib.h>

#include "profile.pb-c.h"

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
/* The same names as every export writes them (the frame table's one form:
 * a ';' would split a folded stack, so it is a ',' everywhere). */
static const char *const weird_out[NWEIRD] = {
	"ns::Foo<int*>::operator()(char const*, long) const",
	"key: value # not a comment",
	"say \"hi\" and 'bye'",
	"123",
	"true",
	"- dash first",
	"tab\there ünïcødé",
	"semi,colon",
};

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
	fingerprint_take(&r->fp, 0, NULL, -1);
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
		assert_true(has_scalar(all, n, weird_out[i]));
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
	struct hyp_snapshot sn = { .valid = 1,
				   .self_pct = 41.5,
				   .total_pct = 60,
				   .to_s = 12,
				   .cpu_pct = 99,
				   .rss_mib = 14.25,
				   .nctr = 1 };
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

/* The pprof file gunzipped and decoded by protobuf-c: what go tool pprof
 * reads (the integration test runs go tool pprof itself). */
static void pprof_decodes(void **state)
{
	struct profile *p = weird_profile();
	struct report r;
	char path[] = "/tmp/flametop-pprof-XXXXXX";
	size_t len = 0, cap = 1 << 20;
	uint8_t *raw = malloc(cap);
	Perftools__Profiles__Profile *pb;
	uint64_t samples = 0, weight = 0;
	int fd, n;
	gzFile gz;

	(void)state;
	fill_report(&r, p);
	r.weight_ns = 1;
	r.duration_s = 2.5;
	profile_thread_comm(p, 1, 1, "worker");
	frametab_note_module(p->frames, "prog", "/usr/bin/prog", "deadbeef");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	{
		FILE *f = fdopen(fd, "w");

		assert_int_equal(exporter_pprof.write(f, &r), 0);
		fclose(f);
	}
	gz = gzopen(path, "rb");
	assert_non_null(gz);
	while ((n = gzread(gz, raw + len, (unsigned)(cap - len))) > 0)
		len += (size_t)n;
	gzclose(gz);
	unlink(path);
	pb = perftools__profiles__profile__unpack(NULL, len, raw);
	assert_non_null(pb);
	assert_string_equal(pb->string_table[0], "");
	assert_int_equal(pb->n_sample_type, 2);
	assert_string_equal(pb->string_table[pb->sample_type[0]->type], "samples");
	assert_string_equal(pb->string_table[pb->sample_type[1]->type], "cpu");
	assert_string_equal(pb->string_table[pb->sample_type[1]->unit], "nanoseconds");
	assert_int_equal(pb->duration_nanos, 2500000000ll);
	for (size_t i = 0; i < pb->n_sample; i++) {
		const Perftools__Profiles__Sample *s = pb->sample[i];
		const Perftools__Profiles__Location *leaf, *root;

		samples += (uint64_t)s->value[0];
		weight += (uint64_t)s->value[1];
		assert_int_equal(s->n_location_id, 2);
		leaf = pb->location[s->location_id[0] - 1];
		root = pb->location[s->location_id[1] - 1];
		assert_int_equal(leaf->id, s->location_id[0]);
		assert_string_equal(
		    pb->string_table[pb->function[root->line[0]->function_id - 1]->name], "main");
		/* weird[k] took k + 1 samples */
		for (size_t k = 0; k < NWEIRD; k++)
			if (!strcmp(pb->string_table[pb->function[leaf->line[0]->function_id - 1]
							 ->name],
				    weird_out[k]))
				assert_int_equal(s->value[0], (int64_t)k + 1);
		assert_int_equal(s->n_label, 2);
		assert_string_equal(pb->string_table[s->label[0]->key], "tid");
		assert_int_equal(s->label[0]->num, 1);
		assert_string_equal(pb->string_table[s->label[1]->str], "worker");
	}
	assert_int_equal(samples, p->samples);
	assert_int_equal(weight, p->weight);
	/* Mappings: prog with its path and build id, the library by name. */
	assert_int_equal(pb->n_mapping, 2);
	assert_string_equal(pb->string_table[pb->mapping[0]->filename], "/usr/bin/prog");
	assert_string_equal(pb->string_table[pb->mapping[0]->build_id], "deadbeef");
	assert_string_equal(pb->string_table[pb->mapping[1]->filename], "lib weird.so");
	assert_true(pb->mapping[0]->has_line_numbers);
	perftools__profiles__profile__free_unpacked(pb, NULL);
	free(raw);
	profile_free(p);
}

/* An export read back rebuilds the tree exactly (every stack, thread and
 * counter) and writes itself again byte for byte, the export time aside. */
static void saved_export_round_trip(void **state)
{
	struct profile *p = profile_new();
	struct counting *k = calloc(1, sizeof(*k));
	struct report r;
	struct saved_report sr;
	char path[] = "/tmp/flametop-saved-XXXXXX", err[512];
	uint32_t m = frametab_intern(p->frames, "main", "prog", "main.c", 10, FRAME_USER);
	uint32_t f = frametab_intern(p->frames, "work", "prog", "main.c", 20, FRAME_USER);
	uint32_t g = frametab_intern_inline(p->frames, "step", "prog", "main.c", 30, FRAME_USER);
	uint32_t sys =
	    frametab_intern(p->frames, "vfs_read", "[kernel.kallsyms]", NULL, 0, FRAME_KERNEL);
	uint32_t a[] = { m, f, g }, b[] = { m, f }, c[] = { m, sys };
	uint64_t ctr[2] = { 7, 3 };
	char *one, *two;
	FILE *out;
	int fd;

	(void)state;
	k->n = 2;
	snprintf(k->name[0], sizeof(k->name[0]), "task-clock");
	snprintf(k->name[1], sizeof(k->name[1]), "page-faults");
	assert_int_equal(profile_set_counters(p, 2), 0);
	for (int i = 0; i < 30; i++)
		profile_add_ctr(p, 5, i % 3 ? 5 : 6, a, 3, 1000 + (uint64_t)i, 0, ctr);
	for (int i = 0; i < 12; i++)
		profile_add_ctr(p, 5, 5, b, 2, 900, 0, ctr);
	profile_add_ctr(p, 5, 6, c, 2, 500, 1, ctr);
	profile_thread_comm(p, 5, 5, "main-thread");
	profile_thread_comm(p, 5, 6, "worker: \"x\"");
	frametab_note_module(p->frames, "prog", "/usr/bin/prog", "abcdef");
	fill_report(&r, p);
	r.counting = k;
	r.weight_ns = 1;
	r.exported_at = 1700000000;
	snprintf(r.cls.detail, sizeof(r.cls.detail), "CPU-bound: a detail, with: colons");
	r.nsugg = suggest(
	    &(struct classify_input){
		.samples = 43, .wall_ms = 100, .cpu_ms = 99, .user_ms = 99, .off_cpu_pct = -1 },
	    r.sugg);
	one = export_to_string(&exporter_yaml, &r);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, one, strlen(one)), (ssize_t)strlen(one));
	close(fd);

	assert_int_equal(saved_load(path, &sr, err, sizeof(err)), 0);
	assert_int_equal(sr.profile->samples, p->samples);
	assert_int_equal(sr.profile->weight, p->weight);
	assert_int_equal(ctree_len(sr.profile->tree), ctree_len(p->tree));
	assert_int_equal(sr.profile->nthreads, 2);
	assert_int_equal(sr.profile->kernel_samples, 1);
	assert_string_equal(frametab_get(sr.profile->frames, g)->name, "step");
	assert_true(frametab_get(sr.profile->frames, g)->inlined);
	assert_string_equal(frametab_module(sr.profile->frames, "prog")->build_id, "abcdef");
	assert_int_equal(ctree_ctr_total(sr.profile->tree, CTREE_ROOT)[0], 43 * 7);
	assert_int_equal(sr.report.nsugg, r.nsugg);
	sr.report.ledger = r.ledger;
	sr.report.exported_at = r.exported_at;
	two = export_to_string(&exporter_yaml, &sr.report);
	assert_string_equal(one, two);
	free(two);
	saved_free(&sr);

	/* A file that is not an export, and one that lost its profile. */
	out = fopen(path, "w");
	fputs("flametop: {format: 1}\nhypotheses: []\n", out);
	fclose(out);
	assert_int_equal(saved_load(path, &sr, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no 'profile' section"));
	out = fopen(path, "w");
	fputs("flametop: {format: 1}\nprofile:\n  frames: []\n  stacks:\n  - {tid: 1, frames: [3], "
	      "samples: 1, weight: 1}\n",
	      out);
	fclose(out);
	assert_int_equal(saved_load(path, &sr, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "line 5: not a frame id of this profile"));
	unlink(path);
	free(one);
	free(k);
	profile_free(p);
}

/* Folded stacks read back: flametop's own lines (" (inlined)"), perf's
 * stackcollapse marks ("_[k]", "_[j]"), repeated stacks merged; a line that
 * is not "stack COUNT" refused with its number. */
static void folded_read_back(void **state)
{
	const char *text = "main;parse;lex 30\n"
			   "main;parse;lex 12\n"
			   "main;step (inlined) 5\n"
			   "main;read;vfs_read_[k] 7\r\n"
			   "\n"
			   "node;LazyCompile:~f_[j] 2\n";
	struct saved_report sr;
	char err[512], *out;
	uint32_t lex, step, vfs, jit;

	(void)state;
	assert_int_equal(saved_load_folded(text, strlen(text), "t.folded", &sr, err, sizeof(err)),
			 0);
	assert_int_equal(sr.profile->samples, 56);
	assert_int_equal(sr.profile->kernel_samples, 7);
	lex = frametab_find(sr.profile->frames, "lex", "[folded]");
	vfs = frametab_find(sr.profile->frames, "vfs_read", "[kernel.kallsyms]");
	jit = frametab_find(sr.profile->frames, "LazyCompile:~f", "[jit]");
	assert_int_not_equal(lex, U64MAP_NONE);
	assert_int_not_equal(vfs, U64MAP_NONE);
	assert_int_not_equal(jit, U64MAP_NONE);
	assert_int_equal(frametab_get(sr.profile->frames, vfs)->kind, FRAME_KERNEL);
	step = frametab_len(sr.profile->frames);
	for (uint32_t i = 0; i < frametab_len(sr.profile->frames); i++)
		if (frametab_get(sr.profile->frames, i)->inlined)
			step = i;
	assert_string_equal(frametab_get(sr.profile->frames, step)->name, "step");
	/* Written again: the same stacks, the repeated one merged. */
	out = export_to_string(&exporter_folded, &sr.report);
	assert_non_null(strstr(out, "main;parse;lex 42\n"));
	assert_non_null(strstr(out, "main;step (inlined) 5\n"));
	assert_non_null(strstr(out, "main;read;vfs_read 7\n"));
	free(out);
	saved_free(&sr);
	assert_int_equal(
	    saved_load_folded("main;a 3\nmain;b x\n", 17, "bad.folded", &sr, err, sizeof(err)),
	    -EINVAL);
	assert_non_null(strstr(err, "line 2: not folded stacks"));
	assert_int_equal(saved_load_folded("\n\n", 2, "empty.folded", &sr, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "no stacks"));
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

/* The registry chooses a format by the path's ending; every format names
 * the extension of its fallback file. */
static void formats_are_chosen_by_path(void **state)
{
	static const struct {
		const char *path;
		const struct exporter *exp;
		const char *ext;
	} cases[] = {
		{ "p.yaml", &exporter_yaml, "yaml" },
		{ "p.yml", &exporter_yaml, "yaml" },
		{ "p", &exporter_yaml, "yaml" },
		{ "p.json", &exporter_yaml, "yaml" },
		{ "p.folded", &exporter_folded, "folded" },
		{ "p.collapsed", &exporter_folded, "folded" },
		{ "p.txt", &exporter_folded, "folded" },
		{ "p.pb.gz", &exporter_pprof, "pb.gz" },
		{ "p.pprof", &exporter_pprof, "pb.gz" },
		{ "p.pb", &exporter_pprof, "pb.gz" },
		{ "p.gz", &exporter_yaml, "yaml" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_ptr_equal(exporter_for_path(cases[i].path), cases[i].exp);
		assert_string_equal(exporter_ext(exporter_for_path(cases[i].path)), cases[i].ext);
	}
	for (size_t i = 0; exporters[i]; i++)
		assert_non_null(exporters[i]->ext);
	assert_string_equal(exporter_ext(&exporter_folded_diff), "folded");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(formats_are_chosen_by_path),
		cmocka_unit_test(yaml_names_round_trip),
		cmocka_unit_test(yaml_prunes_small_steps),
		cmocka_unit_test(yaml_hypotheses),
		cmocka_unit_test(folded_lines),
		cmocka_unit_test(pprof_decodes),
		cmocka_unit_test(saved_export_round_trip),
		cmocka_unit_test(folded_read_back),
		cmocka_unit_test(write_is_atomic_and_failure_is_clean),
	};
	return cmocka_run_group_tests_name("export", tests, NULL, NULL);
}
