/* The screen without a terminal: the surface, the line editor, and the app
 * drawn into surfaces of every size, driven by keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "app.h"
#include "lineedit.h"
#include "surface.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dump(const struct surface *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	surf_dump(s, f);
	fclose(f);
	return buf;
}

static char *row(const struct surface *s, int y)
{
	static char line[4096];
	size_t w = 0;

	for (int x = 0; x < s->w && w + 4 < sizeof(line); x++)
		if (s->cells[y * s->w + x].ch)
			w += utf8_encode(s->cells[y * s->w + x].ch, line + w);
	line[w] = 0;
	return line;
}

static void surface_clips_and_measures(void **state)
{
	struct surface s = { 0 };
	char *d;

	(void)state;
	s.g = &glyphs_utf8;
	assert_int_equal(surf_resize(&s, 10, 2), 0);
	assert_int_equal(surf_text(&s, 8, 0, 10, ST_NORMAL, "abcdef"), 2); /* cut at the edge */
	assert_int_equal(surf_text(&s, 0, 5, 10, ST_NORMAL, "off"), 0);
	assert_int_equal(surf_width("ünï→"), 4);
	assert_int_equal(surf_width("表"), 2);
	assert_int_equal(surf_text_fit(&s, 0, 1, 6, ST_NORMAL, "function_name"), 6);
	assert_string_equal(row(&s, 1), "funct…    ");
	/* A wide character that does not fit whole becomes a space. */
	surf_text(&s, 9, 1, 2, ST_NORMAL, "表");
	assert_string_equal(row(&s, 1), "funct…    ");
	/* Invalid UTF-8 and control characters show as replacement/'?'. */
	surf_text(&s, 0, 0, 4, ST_NORMAL, "a\xff\tb");
	assert_string_equal(row(&s, 0), "a\xef\xbf\xbd?b    ab");
	d = dump(&s);
	assert_int_equal(strlen(d), strlen("a\xef\xbf\xbd?b    ab\nfunct…    \n"));
	free(d);
	surf_free(&s);
}

static void lineedit_keys(void **state)
{
	struct lineedit e;
	char out[256];

	(void)state;
	le_set(&e, "héllo wörld");
	assert_int_equal(e.len, 11);
	le_kill_word(&e);
	le_get(&e, out, sizeof(out));
	assert_string_equal(out, "héllo ");
	le_home(&e);
	le_right(&e);
	le_insert(&e, 0x00e9); /* é */
	le_get(&e, out, sizeof(out));
	assert_string_equal(out, "hééllo ");
	le_end(&e);
	le_backspace(&e);
	le_left(&e);
	le_delete(&e);
	le_get(&e, out, sizeof(out));
	assert_string_equal(out, "hééll");
	le_kill_line(&e);
	assert_int_equal(e.len, 0);
	le_backspace(&e); /* nothing to delete: no harm */
	le_left(&e);
	assert_int_equal(e.cur, 0);
}

enum { MAIN, PARSE, HASH, WRITE, SYS };

/* main;parse;hash 60%, main;parse 10%, main;write;sys 30% (thread 2). */
static struct profile *known(uint32_t f[5])
{
	struct profile *p = profile_new();

	f[MAIN] = frametab_intern(p->frames, "main", "prog", "main.c", 3, FRAME_USER);
	f[PARSE] = frametab_intern(p->frames, "parse_input", "prog", "parse.c", 10, FRAME_USER);
	f[HASH] = frametab_intern(p->frames, "hash_token", "prog", "parse.c", 40, FRAME_USER);
	f[WRITE] = frametab_intern(p->frames, "write", "libc.so.6", NULL, 0, FRAME_LIBRARY);
	f[SYS] =
	    frametab_intern(p->frames, "ksys_write", "[kernel.kallsyms]", NULL, 0, FRAME_KERNEL);
	for (int i = 0; i < 600; i++)
		profile_add(p, 1, 1, (uint32_t[]){ f[MAIN], f[PARSE], f[HASH] }, 3, 1000, 0);
	for (int i = 0; i < 100; i++)
		profile_add(p, 1, 1, (uint32_t[]){ f[MAIN], f[PARSE] }, 2, 1000, 0);
	for (int i = 0; i < 300; i++)
		profile_add(p, 1, 2, (uint32_t[]){ f[MAIN], f[WRITE], f[SYS] }, 3, 1000, 1);
	profile_thread_comm(p, 1, 1, "parser");
	profile_thread_comm(p, 1, 2, "writer");
	return p;
}

struct fixture {
	struct profile *p;
	struct app a;
	struct surface s;
	uint32_t f[5];
};

static void press(struct fixture *x, uint32_t code)
{
	struct key k = { code, 0, 0 };

	app_key(&x->a, &k);
	app_draw(&x->a, &x->s);
}

static void type(struct fixture *x, const char *text)
{
	for (; *text; text++)
		press(x, (unsigned char)*text);
}

static int setup(void **state)
{
	struct fixture *x = calloc(1, sizeof(*x));

	x->p = known(x->f);
	assert_int_equal(app_init(&x->a, NULL, x->p), 0);
	x->s.g = &glyphs_utf8;
	surf_resize(&x->s, 100, 30);
	app_draw(&x->a, &x->s);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *x = *state;

	app_fini(&x->a);
	surf_free(&x->s);
	profile_free(x->p);
	free(x);
	return 0;
}

static int screen_has(const struct fixture *x, const char *text)
{
	char *d = dump(&x->s);
	int found = strstr(d, text) != NULL;

	free(d);
	return found;
}

/* Row y of the flame (main view) whose text starts with TEXT. */
static int flame_row(const struct fixture *x, const char *text)
{
	for (int y = 0; y < x->s.h; y++)
		if (strstr(row(&x->s, y), text))
			return y;
	return -1;
}

static void flame_widths_follow_samples(void **state)
{
	struct fixture *x = *state;
	int y = flame_row(x, " hash_token"), w = 0;
	const char *r;

	assert_true(y > 0);
	/* hash_token is 60% of 100 columns: 60 cells of its style. */
	for (int c = 0; c < x->s.w; c++)
		w += x->s.cells[y * x->s.w + c].style == surf_at(&x->s, 0, y)->style &&
		     surf_at(&x->s, c, y)->style != ST_NORMAL;
	assert_in_range(w, 59, 61);
	r = row(&x->s, flame_row(x, " main"));
	assert_non_null(strstr(r, "main"));
	assert_true(screen_has(x, "all (1000 samples, 100.0%)"));
	/* Kernel frames in their own colour. */
	y = flame_row(x, "ksys_write");
	assert_true(y > 0);
}

static void flame_navigation_and_zoom(void **state)
{
	struct fixture *x = *state;

	press(x, 'j'); /* main */
	press(x, 'j'); /* its heaviest child: parse_input */
	assert_true(screen_has(x, "parse_input  prog  parse.c:10  self 10.0%  total 70.0%"));
	press(x, 'l'); /* the neighbour: write */
	assert_true(screen_has(x, "write  libc.so.6  self 0.0%  total 30.0%"));
	press(x, 'h');
	press(x, K_ENTER); /* zoom into parse_input: it spans the width */
	assert_true(strncmp(row(&x->s, flame_row(x, " parse_input")), " parse_input", 12) == 0);
	assert_int_equal(flame_row(x, "write"), -1);
	press(x, K_BACKSPACE);
	assert_true(flame_row(x, " write") > 0);
	press(x, 'k');
	press(x, 'k');
	press(x, 'k'); /* past the top: stays at the root */
	assert_true(screen_has(x, "all  1000 samples"));
}

static void search_share_and_focus(void **state)
{
	struct fixture *x = *state;

	press(x, '/');
	type(x, "HASH");
	press(x, K_ENTER);
	assert_true(screen_has(x, "match 1 of 1 for 'HASH' (60.0% of samples)"));
	press(x, '/');
	press(x, K_CTRL_U);
	type(x, "s");
	press(x, K_ENTER); /* parse_input, hash_token, ksys_write: each sample once */
	assert_true(screen_has(x, "(100.0% of samples)"));
	press(x, 'n');
	press(x, K_ESC); /* clears the search */
	press(x, '2');
	assert_true(screen_has(x, "function"));
	assert_true(screen_has(x, "hash_token  prog"));
	press(x, '1');
	x->a.snap_frame = x->f[HASH];
	press(x, 'f');
	assert_true(screen_has(x, "[focus hash_token]"));
	assert_true(screen_has(x, "all (600 samples, 60.0%)"));
	press(x, K_ESC);
	press(x, K_ESC);
	assert_false(screen_has(x, "[focus"));
}

static void hotspots_callers_threads(void **state)
{
	struct fixture *x = *state;

	press(x, '3');
	assert_true(screen_has(x, "  60.0%   60.0%      600 hash_token  prog"));
	press(x, K_ENTER);
	assert_true(screen_has(x, "callers of hash_token (60.0% of samples; Esc: back)"));
	assert_true(screen_has(x, "parse_input  prog"));
	press(x, K_ESC);
	press(x, '4');
	assert_true(screen_has(x, "parser"));
	assert_true(screen_has(x, "writer"));
	press(x, 'j');
	press(x, K_ENTER); /* the writer thread alone */
	assert_true(screen_has(x, "[thread 2]"));
	/* One chain, main > write > ksys_write: a single row until x opens it. */
	assert_true(screen_has(x, "all > ... > ksys_write (4 frames in one run; x expands)"));
	press(x, 'x');
	assert_true(screen_has(x, "all (300 samples, 100.0%)"));
	press(x, 'x');
	press(x, K_ESC);
	assert_false(screen_has(x, "[thread 2]"));
}

/* A deep stack that only branches far down (CPython: _start to
 * PyEval_EvalCode, then the interpreter): at 80x24 the view starts where it
 * branches, the run above it one row, opened by x or by moving up. */
static void a_deep_single_run_is_one_row(void **state)
{
	struct profile *p = profile_new();
	uint32_t chain[20], a_leaf, b_leaf, stack[22];
	struct app a;
	struct surface s = { 0 };
	char *d, name[32];

	(void)state;
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "level_%02d", i);
		chain[i] = frametab_intern(p->frames, name, "python", NULL, 0, FRAME_USER);
	}
	a_leaf = frametab_intern(p->frames, "alpha_leaf", "python", NULL, 0, FRAME_USER);
	b_leaf = frametab_intern(p->frames, "beta_leaf", "python", NULL, 0, FRAME_USER);
	memcpy(stack, chain, sizeof(chain));
	for (int i = 0; i < 300; i++) {
		stack[20] = i % 3 ? a_leaf : b_leaf;
		profile_add(p, 1, 1, stack, 21, 1000, 0);
	}
	assert_int_equal(app_init(&a, NULL, p), 0);
	s.g = &glyphs_utf8;
	surf_resize(&s, 80, 24);
	app_draw(&a, &s);
	d = dump(&s);
	assert_non_null(strstr(d, "all > ... > level_19 (21 frames in one run; x expands)"));
	assert_non_null(strstr(d, "alpha_leaf"));
	assert_non_null(strstr(d, "beta_leaf"));
	free(d);
	/* Down to a leaf and back up twice: the run opens. */
	app_key(&a, &(struct key){ 'j', 0, 0 });
	app_key(&a, &(struct key){ 'k', 0, 0 });
	app_key(&a, &(struct key){ 'k', 0, 0 });
	app_draw(&a, &s);
	d = dump(&s);
	assert_non_null(strstr(d, "level_18"));
	assert_null(strstr(d, "frames in one run"));
	free(d);
	app_fini(&a);
	surf_free(&s);
	profile_free(p);
}

/* The first samples of a run are often one stack: the flame is then one
 * collapsed run, its end selected. When other stacks come and the profile
 * branches above that end, the selection is the top again, not the first
 * stack's leaf (the next Down went nowhere, or to that leaf's children). */
static void the_first_stack_does_not_keep_the_selection(void **state)
{
	struct profile *p = profile_new();
	uint32_t f[6], one[4], other[3];
	struct app a;
	struct surface s = { 0 };
	const struct frame *fr;
	char name[32];

	(void)state;
	for (int i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "fn_%d", i);
		f[i] = frametab_intern(p->frames, name, "demo", NULL, 0, FRAME_USER);
	}
	one[0] = f[0], one[1] = f[1], one[2] = f[2],
	one[3] = f[3]; /* clone > start > work > leaf */
	profile_add(p, 1, 2, one, 4, 1000, 0);
	assert_int_equal(app_init(&a, NULL, p), 0);
	s.g = &glyphs_utf8;
	surf_resize(&s, 80, 24);
	app_draw(&a, &s);
	assert_int_equal(a.flame_chain, a.sel); /* the run, collapsed to its end */
	/* The main thread's first sample: the profile branches at the top. */
	other[0] = f[4], other[1] = f[5], other[2] = f[3];
	for (int i = 0; i < 50; i++)
		profile_add(p, 1, 2, one, 4, 1000, 0);
	profile_add(p, 1, 1, other, 3, 1000, 0);
	app_refresh(&a);
	app_draw(&a, &s);
	assert_int_equal(a.sel, CTREE_ROOT);
	app_key(&a, &(struct key){ 'j', 0, 0 });
	fr = app_frame(&a, a.sel);
	assert_non_null(fr);
	assert_string_equal(fr->name, "fn_0"); /* the heaviest child of the top */
	app_draw(&a, &s);
	assert_string_equal(app_frame(&a, a.sel)->name, "fn_0"); /* and it stays */
	app_fini(&a);
	surf_free(&s);
	profile_free(p);
}

static void hypotheses_keys(void **state)
{
	struct fixture *x = *state;

	press(x, 'H');
	type(x, "hash_token dominates");
	/* Before it is saved, the prompt shows what marking it will attach. */
	assert_true(
	    screen_has(x, "evidence when marked (the function it names): hash_token 60.0%"));
	press(x, K_ENTER);
	press(x, '5');
	assert_true(screen_has(x, "#1 [open] hash_token dominates"));
	/* Evidence comes from the function the hypothesis names, not from
	 * whatever frame was selected last. */
	x->a.snap_frame = x->f[WRITE];
	press(x, 's');
	assert_true(screen_has(x, "#1 [supports] hash_token dominates"));
	assert_true(screen_has(x, "evidence: hash_token 60.0% self, 60.0% total"));
	assert_true(screen_has(x, "evidence from hash_token, which it names"));
	press(x, K_ENTER);
	press(x, K_CTRL_U);
	type(x, "60% in one function");
	press(x, K_ENTER);
	assert_true(screen_has(x, "evidence: 60% in one function"));
	press(x, 'r');
	assert_true(screen_has(x, "#1 [rejects]"));
	press(x, 'H');
	type(x, "typed then cancelled");
	assert_true(screen_has(x, "evidence when marked (names no function in view)"));
	press(x, K_ESC);
	assert_int_equal(x->a.ledger.n, 1);
	press(x, 'd');
	assert_int_equal(x->a.ledger.n, 0);
	/* A hypothesis naming no function: the process's figures, no frame. */
	press(x, 'H');
	type(x, "the machine is too slow");
	press(x, K_ENTER);
	x->a.snap_frame = x->f[HASH];
	press(x, 's');
	assert_false(screen_has(x, "evidence: hash_token"));
	assert_true(screen_has(x, "it names no function in view"));
}

/* At 80x24 and 60x20, in every view: the header keeps the state, the
 * clock and the filter tags; the key line keeps "? help  q quit"; the
 * hotspots keep a function name whole. */
static void small_screens_keep_what_matters(void **state)
{
	struct fixture *x = *state;
	static const int sizes[][2] = { { 80, 24 }, { 60, 20 } };

	press(x, 'z');     /* [recent] */
	x->a.spec.tid = 2; /* [thread 2] */
	app_refresh(&x->a);
	for (size_t k = 0; k < 2; k++) {
		surf_resize(&x->s, sizes[k][0], sizes[k][1]);
		for (uint32_t v = '1'; v <= '5'; v++) {
			char *d;

			press(x, v);
			x->a.msg[0] = 0;
			app_draw(&x->a, &x->s);
			d = dump(&x->s);
			assert_non_null(strstr(d, "[thread 2]  [recent]"));
			assert_non_null(strstr(d, "00:00"));
			assert_non_null(strstr(d, "? help  q quit"));
			if (v == '3')
				assert_non_null(strstr(d, "ksys_write  [kernel.kallsyms]"));
			free(d);
		}
	}
}

/* n steps through every match in one order, in the flame view too, where
 * matches narrower than a cell used to be replaced by an ancestor: each
 * step must select a frame that matches. */
static void search_steps_through_every_match_in_the_flame(void **state)
{
	struct profile *p = profile_new();
	uint32_t main_f = frametab_intern(p->frames, "main", "prog", NULL, 0, FRAME_USER);
	uint32_t big = frametab_intern(p->frames, "big", "prog", NULL, 0, FRAME_USER);
	struct app a;
	struct surface s = { 0 };
	char seen[16] = { 0 };

	(void)state;
	for (int i = 0; i < 2000; i++)
		profile_add(p, 1, 1, (uint32_t[]){ main_f, big }, 2, 1000, 0);
	/* Ten callers, each calling merge_x with a sliver of the samples. */
	for (int k = 0; k < 10; k++) {
		char caller[32], leaf[32];
		uint32_t c, l;

		snprintf(caller, sizeof(caller), "caller_%d", k);
		snprintf(leaf, sizeof(leaf), "merge_%d", k);
		c = frametab_intern(p->frames, caller, "prog", NULL, 0, FRAME_USER);
		l = frametab_intern(p->frames, leaf, "prog", NULL, 0, FRAME_USER);
		for (int i = 0; i < 2 + k; i++)
			profile_add(p, 1, 1, (uint32_t[]){ main_f, c, l }, 3, 1000, 0);
	}
	assert_int_equal(app_init(&a, NULL, p), 0);
	s.g = &glyphs_utf8;
	surf_resize(&s, 80, 24);
	app_draw(&a, &s);
	app_key(&a, &(struct key){ '/', 0, 0 });
	for (const char *t = "merge"; *t; t++)
		app_key(&a, &(struct key){ (uint32_t)*t, 0, 0 });
	app_key(&a, &(struct key){ K_ENTER, 0, 0 });
	app_draw(&a, &s);
	for (int step = 0; step < 10; step++) {
		const struct frame *f = app_frame(&a, a.sel);
		char want[32];

		snprintf(want, sizeof(want), "match %d of 10", step + 1);
		assert_non_null(strstr(a.msg, want));
		assert_non_null(f);
		assert_non_null(strstr(f->name, "merge_"));
		seen[f->name[6] - '0'] = 1;
		app_key(&a, &(struct key){ 'n', 0, 0 });
		app_draw(&a, &s);
	}
	for (int k = 0; k < 10; k++)
		assert_true(seen[k]);
	/* And back: N from the first goes to the last. */
	assert_non_null(strstr(a.msg, "match 1 of 10"));
	app_key(&a, &(struct key){ 'N', 0, 0 });
	assert_non_null(strstr(a.msg, "match 10 of 10"));
	app_fini(&a);
	surf_free(&s);
	profile_free(p);
}

/* Every view, every size from 200x60 down to 1x1, help open or not: the
 * surface bounds every write, and the app must not crash or misdraw. */
static void every_size(void **state)
{
	struct fixture *x = *state;
	static const int sizes[][2] = { { 200, 60 }, { 80, 24 }, { 40, 12 }, { 20, 5 },
					{ 19, 4 },   { 1, 1 },   { 0, 0 },   { 21, 7 } };

	for (int v = 0; v < VIEW_COUNT; v++)
		for (size_t i = 0; i < sizeof(sizes) / sizeof(*sizes); i++)
			for (int help = 0; help < 2; help++) {
				surf_resize(&x->s, sizes[i][0], sizes[i][1]);
				x->a.view = (enum view_id)v;
				x->a.help = help;
				app_draw(&x->a, &x->s);
				press(x, 'j');
				press(x, K_ENTER);
				if (sizes[i][0] >= 20 && sizes[i][1] >= 5)
					assert_true(screen_has(x, "flametop"));
				press(x, K_ESC);
			}
	surf_resize(&x->s, 19, 4);
	app_draw(&x->a, &x->s);
	assert_true(screen_has(x, "flametop: terminal"));
}

/* Long readings give way to the absent GPU's tag, which always shows. */
static void no_gpu_tag_survives_long_readings(void **state)
{
	struct fixture *x = *state;
	int found = 0;

	surf_resize(&x->s, 80, 30); /* the readings line shows from 26 rows */
	snprintf(x->a.gpu_desc, sizeof(x->a.gpu_desc), "no GPU found");
	snprintf(x->a.readings.cpu, sizeof(x->a.readings.cpu), "%s",
		 "on a CPU 50%, waiting 47%, runnable 3% of wall");
	snprintf(x->a.readings.io, sizeof(x->a.readings.io), "%s",
		 "401 I/O calls/s of 42.1 KiB, storage 16.5 MiB/s; 438 blocking switches/s");
	app_draw(&x->a, &x->s);
	for (int y = 0; y < x->s.h && !found; y++) {
		const char *r = row(&x->s, y);

		if (strstr(r, "on a CPU 50%")) {
			found = 1;
			assert_non_null(strstr(r, "| no GPU"));
		}
	}
	if (!found)
		fputs(dump(&x->s), stderr);
	assert_true(found);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(surface_clips_and_measures),
		cmocka_unit_test(lineedit_keys),
		cmocka_unit_test_setup_teardown(flame_widths_follow_samples, setup, teardown),
		cmocka_unit_test_setup_teardown(no_gpu_tag_survives_long_readings, setup, teardown),
		cmocka_unit_test_setup_teardown(flame_navigation_and_zoom, setup, teardown),
		cmocka_unit_test_setup_teardown(search_share_and_focus, setup, teardown),
		cmocka_unit_test_setup_teardown(hotspots_callers_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(hypotheses_keys, setup, teardown),
		cmocka_unit_test(search_steps_through_every_match_in_the_flame),
		cmocka_unit_test(a_deep_single_run_is_one_row),
		cmocka_unit_test(the_first_stack_does_not_keep_the_selection),
		cmocka_unit_test_setup_teardown(small_screens_keep_what_matters, setup, teardown),
		cmocka_unit_test_setup_teardown(every_size, setup, teardown),
	};

	setlocale(LC_ALL, "C.UTF-8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
