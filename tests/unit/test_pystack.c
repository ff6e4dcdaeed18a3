/* Python frames in native stacks: splicing, late reads, the layout table, a
 * process that is not Python. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "pystack.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct fixture {
	struct frametab *ft;
	struct pystack *p;
	uint32_t start, evalcode, eval, vcall, ext, sort, mod, main_, parse, loads;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *lib = "libpython3.11.so.1.0";

	f->ft = frametab_new();
	f->p = pystack_new(f->ft);
	f->start = frametab_intern(f->ft, "_start", "python3.11", NULL, 0, FRAME_USER);
	f->evalcode = frametab_intern(f->ft, "PyEval_EvalCode", lib, NULL, 0, FRAME_LIBRARY);
	f->eval = frametab_intern(f->ft, "_PyEval_EvalFrameDefault", lib, NULL, 0, FRAME_LIBRARY);
	f->vcall = frametab_intern(f->ft, "_PyFunction_Vectorcall", lib, NULL, 0, FRAME_LIBRARY);
	f->ext = frametab_intern(f->ft, "scanner_call", "_json.so", NULL, 0, FRAME_LIBRARY);
	f->sort = frametab_intern(f->ft, "list_sort", lib, NULL, 0, FRAME_LIBRARY);
	f->mod = frametab_intern(f->ft, "<module>", "main.py", "/app/main.py", 1, FRAME_PYTHON);
	f->main_ = frametab_intern(f->ft, "main", "main.py", "/app/main.py", 3, FRAME_PYTHON);
	f->parse =
	    frametab_intern(f->ft, "parse_records", "main.py", "/app/main.py", 9, FRAME_PYTHON);
	f->loads = frametab_intern(f->ft, "loads", "__init__.py", "/lib/json/__init__.py", 299,
				   FRAME_PYTHON);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	pystack_free(f->p);
	frametab_free(f->ft);
	free(f);
	return 0;
}

static const char *name(const struct fixture *f, uint32_t id)
{
	return frametab_get(f->ft, id)->name;
}

/* The native stack (innermost first) of a sample in a C extension called
 * from json.loads, called from parse_records (two interpreter calls: the
 * extension calls back into Python). */
static size_t two_calls(const struct fixture *f, uint32_t *fr)
{
	uint32_t s[] = { f->sort, f->eval, f->ext, f->vcall, f->eval, f->evalcode, f->start };

	memcpy(fr, s, sizeof(s));
	return sizeof(s) / sizeof(*s);
}

static void each_eval_frame_gives_way_to_its_python_run(void **state)
{
	struct fixture *f = *state;
	struct pystack_read py = { 0 };
	uint32_t fr[64];
	size_t n = two_calls(f, fr);
	const char *want[] = { "list_sort", "loads",    "scanner_call",    "parse_records",
			       "main",      "<module>", "PyEval_EvalCode", "_start" };

	/* innermost run: loads; outer run: parse_records < main < <module> */
	py.frames[0] = f->loads;
	py.frames[1] = f->parse;
	py.frames[2] = f->main_;
	py.frames[3] = f->mod;
	py.n = 4;
	py.seg_end[0] = 1;
	py.seg_end[1] = 4;
	py.nseg = 2;
	n = pystack_splice(f->p, fr, n, 64, &py);
	assert_int_equal(n, sizeof(want) / sizeof(*want));
	for (size_t i = 0; i < n; i++)
		assert_string_equal(name(f, fr[i]), want[i]);
	/* the interpreter's plumbing between the runs went; the extension stayed */
	assert_int_equal(pystack_stats(f->p)->mismatched, 0);
}

static void runs_that_do_not_line_up_keep_their_names_and_are_counted(void **state)
{
	struct fixture *f = *state;
	struct pystack_read py = { 0 };
	uint32_t fr[64];
	size_t n = two_calls(f, fr);

	/* One run only: the thread returned from json between sample and read.
	 * Matched from the outermost: the inner eval frame stays native. */
	py.frames[0] = f->parse;
	py.frames[1] = f->main_;
	py.n = 2;
	py.seg_end[0] = 2;
	py.nseg = 1;
	n = pystack_splice(f->p, fr, n, 64, &py);
	assert_int_equal(n, 8);
	assert_string_equal(name(f, fr[6]), "PyEval_EvalCode");
	assert_string_equal(name(f, fr[0]), "list_sort");
	assert_string_equal(name(f, fr[1]), "_PyEval_EvalFrameDefault");
	assert_string_equal(name(f, fr[2]), "scanner_call");
	assert_string_equal(name(f, fr[3]), "_PyFunction_Vectorcall");
	/* Lateness is counted, never part of a name: the same functions
	 * (the same frames) as when read on time. */
	assert_int_equal(fr[4], f->parse);
	assert_int_equal(fr[5], f->main_);
	assert_string_equal(name(f, fr[4]), "parse_records");
	assert_int_equal(frametab_get(f->ft, fr[4])->kind, FRAME_PYTHON);
	assert_string_equal(frametab_get(f->ft, fr[4])->module, "main.py");
	assert_int_equal(pystack_stats(f->p)->mismatched, 1);
}

static void a_read_long_after_the_sample_is_not_used(void **state)
{
	struct fixture *f = *state;
	struct pystack_read py = { 0 };
	uint32_t fr[64], before[64];
	size_t n = two_calls(f, fr);

	memcpy(before, fr, sizeof(fr));
	py.frames[0] = f->parse;
	py.n = 1;
	py.seg_end[0] = 1;
	py.nseg = 1;
	py.late = 1;
	assert_int_equal(pystack_splice(f->p, fr, n, 64, &py), n);
	assert_memory_equal(fr, before, n * sizeof(*fr));
	assert_int_equal(pystack_stats(f->p)->late, 1);
}

static void a_stack_without_the_interpreter_is_untouched(void **state)
{
	struct fixture *f = *state;
	struct pystack_read py = { 0 };
	uint32_t fr[2] = { f->ext, f->start };

	py.frames[0] = f->parse;
	py.n = 1;
	py.seg_end[0] = 1;
	py.nseg = 1;
	assert_int_equal(pystack_splice(f->p, fr, 2, 64, &py), 2);
	assert_int_equal(fr[0], f->ext);
	assert_int_equal(fr[1], f->start);
}

static void packs_and_unpacks(void **state)
{
	struct fixture *f = *state;
	struct pystack_read a = { 0 }, b;
	uint32_t buf[64];

	a.frames[0] = f->loads;
	a.frames[1] = f->parse;
	a.n = 2;
	a.seg_end[0] = 1;
	a.seg_end[1] = 2;
	a.nseg = 2;
	a.lag_ms = 1.5;
	assert_int_equal(pystack_pack(&a, buf, 3), 0); /* does not fit */
	assert_int_equal(pystack_pack(&a, buf, 64), 8);
	pystack_unpack(buf, &b);
	assert_int_equal(b.n, 2);
	assert_int_equal(b.nseg, 2);
	assert_int_equal(b.frames[1], f->parse);
	assert_int_equal(b.seg_end[0], 1);
	assert_int_equal(b.late, 0);
	assert_true(b.lag_ms > 1.49 && b.lag_ms < 1.51);
}

static void knows_the_layouts_of_3_9_to_3_13(void **state)
{
	(void)state;
	for (int minor = 9; minor <= 13; minor++) {
		const struct py_offsets *o = py_offsets_for(minor);

		assert_non_null(o);
		assert_int_equal(o->minor, minor);
		assert_true(o->fr_code >= 0 && o->fr_previous >= 0 && o->co_name > 0);
		/* 3.11 on say where a thread's kernel tid is; before, glibc does */
		assert_true(minor >= 11 ? o->ts_native_tid > 0 : o->ts_native_tid == -1);
	}
	assert_null(py_offsets_for(8));
	assert_null(py_offsets_for(14));
}

static void a_process_that_is_not_python_is_not_read(void **state)
{
	struct fixture *f = *state;
	struct pystack_read py;

	assert_int_equal(pystack_read(f->p, getpid(), getpid(), 0, &py), -1);
	assert_null(pystack_version(f->p, getpid(), NULL));
	assert_null(pystack_any_version(f->p, NULL));
	assert_int_equal(pystack_stats(f->p)->samples, 0);
	assert_false(pystack_command_is_python("/bin/sh"));
	assert_true(pystack_command_is_python("python3.11"));
	assert_true(pystack_command_is_python("/usr/bin/python3"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(each_eval_frame_gives_way_to_its_python_run, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
		    runs_that_do_not_line_up_keep_their_names_and_are_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(a_read_long_after_the_sample_is_not_used, setup,
						teardown),
		cmocka_unit_test_setup_teardown(a_stack_without_the_interpreter_is_untouched, setup,
						teardown),
		cmocka_unit_test_setup_teardown(packs_and_unpacks, setup, teardown),
		cmocka_unit_test(knows_the_layouts_of_3_9_to_3_13),
		cmocka_unit_test_setup_teardown(a_process_that_is_not_python_is_not_read, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
