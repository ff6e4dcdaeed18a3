/* Symbolizing this test binary's own code, live, through libdwfl. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "frametab.h"
#include "plt.h"
#include "symbols.h"
#include "u64map.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

/* The function and the line it starts on: kept on one line on purpose. */
int symbols_probe_function(int x);
// clang-format off
__attribute__((noinline)) int symbols_probe_function(int x) { return x * 3 + 1; } static const unsigned probe_line = __LINE__;
// clang-format on

static void resolves_own_function_with_line(void **state)
{
	struct frametab *ft = frametab_new();
	struct symbolizer *s = sym_new(ft, NULL, 0);
	uint64_t addr = (uint64_t)(uintptr_t)&symbols_probe_function;
	uint32_t id;
	const struct frame *f;

	(void)state;
	assert_int_equal(sym_load_proc(s, getpid()), 0);
	id = sym_resolve(s, getpid(), addr + 1, 0, 0);
	assert_int_not_equal(id, U64MAP_NONE);
	f = frametab_get(ft, id);
	assert_string_equal(f->name, "symbols_probe_function");
	assert_string_equal(f->module, "test_symbols");
	assert_int_equal(f->kind, FRAME_USER);
	/* The source line is not read on the sample path: it waits for
	 * sym_fill_lines (a refresh, an export). */
	assert_null(f->file);
	assert_int_equal(sym_lines_pending(s), 1);
	assert_int_equal(sym_fill_lines(s, 0), 1);
	assert_int_equal(sym_lines_pending(s), 0);
	f = frametab_get(ft, id);
	assert_non_null(f->file);
	assert_non_null(strstr(f->file, "test_symbols.c"));
	assert_int_equal(f->line, probe_line);
	/* Cached: the same address gives the same frame. */
	assert_int_equal(sym_resolve(s, getpid(), addr + 1, 0, 0), id);
	sym_free(s);
	frametab_free(ft);
}

static void library_function_and_unknown_address(void **state)
{
	struct frametab *ft = frametab_new();
	struct symbolizer *s = sym_new(ft, NULL, 0);
	uint32_t id;

	(void)state;
	sym_load_proc(s, getpid());
	id = sym_resolve(s, getpid(),
			 (uint64_t)(uintptr_t)&getpid + 2 /* not intercepted by ASan */, 0, 0);
	assert_int_equal(frametab_get(ft, id)->kind, FRAME_LIBRARY);
	assert_non_null(strstr(frametab_get(ft, id)->module, "libc.so"));
	id = sym_resolve(s, getpid(), 0x10, 0, 0);
	assert_string_equal(frametab_get(ft, id)->name, "[unknown]");
	sym_free(s);
	frametab_free(ft);
}

/* This binary's code: [*LO, *HI) of its executable mapping. */
static void own_text(uint64_t *lo, uint64_t *hi)
{
	char exe[4096], line[8192];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	FILE *f = fopen("/proc/self/maps", "r");

	assert_true(n > 0 && f);
	exe[n] = 0;
	*lo = *hi = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long a, b;
		char perm[8];
		int off = 0;

		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &a, &b, perm, &off) >= 3 && off &&
		    perm[2] == 'x' && !strncmp(line + off, exe, strlen(exe))) {
			*lo = a;
			*hi = b;
		}
	}
	fclose(f);
	assert_true(*hi > *lo);
}

/* The inline frames kept by address span (a walk's answer reused for the
 * addresses around it) are exactly what a walk of the compile unit gives,
 * address by address: densely over code that inlines a lot, and across
 * the whole of this binary's code (it holds flametop's library, -O2). */
static void inline_spans_answer_as_the_walk_does(void **state)
{
	struct frametab *ft = frametab_new();
	struct symbolizer *spans = sym_new(ft, NULL, 0), *walk = sym_new(ft, NULL, 0);
	uint64_t lo, hi, dense = (uint64_t)(uintptr_t)&sym_resolve_all, checked = 0, inlined = 0,
			 call_sites = 0;
	uint32_t a[64], b[64];

	(void)state;
	own_text(&lo, &hi);
	sym_inline_spans(walk, 0);
	assert_int_equal(sym_load_proc(spans, getpid()), 0);
	assert_int_equal(sym_load_proc(walk, getpid()), 0);
	for (int pass = 0; pass < 2; pass++) {
		uint64_t from = pass ? lo : dense, to = pass ? hi : dense + 24 * 1024;
		uint64_t step = pass ? (hi - lo) / 30000 + 1 : 1;

		for (uint64_t x = from; x < to && x < hi; x += step) {
			uint64_t pa, pb;
			size_t n = sym_resolve_place(spans, getpid(), x, 0, 0, a, 64, &pa),
			       m = sym_resolve_place(walk, getpid(), x, 0, 0, b, 64, &pb);
			struct sym_place_line la, lb;
			int ea, eb;

			if (n != m || memcmp(a, b, n * sizeof(*a)))
				fail_msg("at %#lx (+%#lx): %zu frames from spans, %zu by the walk "
					 "(%s / %s)",
					 (unsigned long)x, (unsigned long)(x - lo), n, m,
					 n ? frametab_get(ft, a[0])->name : "-",
					 m ? frametab_get(ft, b[0])->name : "-");
			/* ... and so is an annotation's line: the call site of
			 * what was inlined there. */
			assert_true(pa == pb);
			ea = sym_place_line(spans, pa, &la);
			eb = sym_place_line(walk, pb, &lb);
			if (ea != eb || (!ea && (strcmp(la.file, lb.file) || la.line != lb.line ||
						 strcmp(la.inner_file, lb.inner_file) ||
						 la.inner_line != lb.inner_line ||
						 strcmp(la.inlined, lb.inlined))))
				fail_msg(
				    "at %#lx: line %s:%d (%s) from spans, %s:%d (%s) by the walk",
				    (unsigned long)x, la.file, la.line, la.inlined, lb.file,
				    lb.line, lb.inlined);
			checked++;
			inlined += n > 1;
			call_sites += !ea && la.inlined[0];
		}
	}
	print_message("checked %lu, inlined %lu, call sites %lu, walks %lu, from spans %lu\n",
		      (unsigned long)checked, (unsigned long)inlined, (unsigned long)call_sites,
		      (unsigned long)sym_stats(spans)->inline_walks,
		      (unsigned long)sym_stats(spans)->inline_from_spans);
	/* Not a vacuous comparison: inline frames were met, and most
	 * addresses were answered from a span. */
	assert_true(checked > 40000);
	assert_true(inlined > 1000);
	assert_true(call_sites > 1000);
	assert_true(sym_stats(spans)->inline_from_spans > sym_stats(spans)->inline_walks);
	assert_int_equal(sym_stats(walk)->inline_from_spans, 0);
	sym_free(spans);
	sym_free(walk);
	frametab_free(ft);
}

static void vdso_is_symbolized(void **state)
{
	struct frametab *ft = frametab_new();
	struct symbolizer *s = sym_new(ft, NULL, 0);
	uint64_t base = getauxval(AT_SYSINFO_EHDR);
	int named = 0;

	(void)state;
	assert_true(base != 0);
	assert_int_equal(sym_load_proc(s, getpid()), 0);
	/* Walk the vDSO's first page: its functions must resolve by name. */
	for (uint64_t off = 0; off < 4096; off += 8) {
		const struct frame *f =
		    frametab_get(ft, sym_resolve(s, getpid(), base + off, 0, 0));

		assert_string_equal(f->module, "[vdso]");
		named += strstr(f->name, "+0x") == NULL && f->name[0] != '[';
	}
	assert_true(named > 0);
	sym_free(s);
	frametab_free(ft);
}

static void kernel_addresses_use_kallsyms(void **state)
{
	struct frametab *ft = frametab_new();
	struct symbolizer *s = sym_new(ft, FIXTURES "/kallsyms", 0);
	uint32_t id;

	(void)state;
	assert_true(sym_have_kernel(s));
	id = sym_resolve(s, 1, 0xffffffff81000123ull, 1, 0);
	assert_string_equal(frametab_get(ft, id)->name, "_stext");
	assert_int_equal(frametab_get(ft, id)->kind, FRAME_KERNEL);
	id = sym_resolve(s, 1, 0xffffffffc0002010ull, 1, 0);
	assert_string_equal(frametab_get(ft, id)->name, "ext4_read");
	assert_string_equal(frametab_get(ft, id)->module, "[ext4]");
	sym_free(s);
	frametab_free(ft);
}

/* This test's own PLT: every stub named after the function it jumps to,
 * addresses outside the stubs named nothing. */
static void plt_stubs_are_named_as_perf_names_them(void **state)
{
	int fd = open("/proc/self/exe", O_RDONLY);
	Elf *e;
	struct plt_names t;
	size_t named = 0;

	(void)state;
	assert_true(fd >= 0);
	elf_version(EV_CURRENT);
	e = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(e);
	assert_int_equal(plt_read(e, &t), 0);
	assert_true(t.n > 0);
	for (size_t i = 0; i < t.n; i++) {
		const char *name = plt_name(&t, t.first + 16 * i + 4);

		if (!name)
			continue;
		named++;
		assert_ptr_equal(name, t.names[i]);
		assert_non_null(strstr(name, "@plt"));
	}
	assert_true(named > 0);
	assert_null(plt_name(&t, t.first - 1));
	assert_null(plt_name(&t, t.hi));
	plt_free(&t);
	elf_end(e);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(resolves_own_function_with_line),
		cmocka_unit_test(plt_stubs_are_named_as_perf_names_them),
		cmocka_unit_test(library_function_and_unknown_address),
		cmocka_unit_test(vdso_is_symbolized),
		cmocka_unit_test(inline_spans_answer_as_the_walk_does),
		cmocka_unit_test(kernel_addresses_use_kallsyms),
	};
	return cmocka_run_group_tests_name("symbols", tests, NULL, NULL);
}
