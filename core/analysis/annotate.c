/* annotate — one function's hot lines and instructions (include/annotate.h). */
#include "annotate.h"

#include "grow.h"
#include "safefile.h"

#include <capstone/capstone.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUNC_MAX_BYTES (256u << 10) /* a function's code read for disassembly, at most */
#define SOURCE_MAX     (16u << 20)  /* a source file read, at most */
#define LINES_MAX      20000        /* lines shown of one function, at most */

static int cmp_place(const void *key, const void *e)
{
	uint64_t k = *(const uint64_t *)key, p = ((const struct addr_count *)e)->place;

	return (k > p) - (k < p);
}

/* The entry of PLACE in V (sorted by place, as addrs_of gives it), or NULL. */
static const struct addr_count *count_at(const struct addr_count *v, size_t n, uint64_t place)
{
	return bsearch(&place, v, n, sizeof(*v), cmp_place);
}

/* PATH as the prefixes say (--source-prefix), then through the process's
 * root (a container's files), then as it is: the first regular file
 * readable into A's source buffer. */
static void read_source(struct annotation *a, const char *path, pid_t pid,
			const struct annotate_opts *o)
{
	char cand[4][1090];
	size_t nc = 0, len = 0;

	for (size_t i = 0; o && i < o->nprefix && nc < 2; i++) {
		size_t k = strlen(o->prefix_old[i]);

		if (!strncmp(path, o->prefix_old[i], k))
			snprintf(cand[nc++], sizeof(cand[0]), "%s%s", o->prefix_new[i], path + k);
	}
	if (pid > 0 && path[0] == '/')
		snprintf(cand[nc++], sizeof(cand[0]), "/proc/%d/root%s", (int)pid, path);
	snprintf(cand[nc++], sizeof(cand[0]), "%s", path);
	for (size_t i = 0; i < nc; i++)
		if ((a->source = safefile_slurp(cand[i], O_RDONLY, SOURCE_MAX, &len))) {
			snprintf(a->source_from, sizeof(a->source_from), "%.1090s", cand[i]);
			return;
		}
}

/* Points each line of A at its text in A's source buffer (split in place). */
static void attach_text(struct annotation *a)
{
	char *p = a->source;
	int line = 1;
	size_t i = 0;

	while (p && *p && i < a->nlines) {
		char *nl = strchr(p, '\n');

		if (nl)
			*nl = 0;
		while (i < a->nlines && a->lines[i].line < line)
			i++;
		if (i < a->nlines && a->lines[i].line == line)
			a->lines[i].text = p;
		if (!nl)
			break;
		p = nl + 1;
		line++;
	}
}

static void disassemble(struct annotation *a, struct symbolizer *sym, uint64_t start, uint64_t size,
			const struct addr_count *v, size_t n)
{
	uint8_t *code;
	uint64_t vstart;
	csh h;
	cs_insn *ins;
	size_t count;

	if (size > FUNC_MAX_BYTES)
		size = FUNC_MAX_BYTES;
	if (sym_place_vaddr(sym, start, &vstart) || !(code = malloc(size)))
		return;
	if (sym_place_read(sym, start, code, size)) {
		snprintf(a->note, sizeof(a->note), "the function's code could not be read");
		free(code);
		return;
	}
#if defined(__aarch64__)
	if (cs_open(CS_ARCH_ARM64, CS_MODE_ARM, &h) != CS_ERR_OK) {
#else
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK) {
#endif
		free(code);
		return;
	}
#if !defined(__aarch64__)
	cs_option(h, CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT); /* as objdump and perf annotate */
#endif
	count = cs_disasm(h, code, size, vstart, 0, &ins);
	if (count && (a->insns = calloc(count, sizeof(*a->insns)))) {
		for (size_t i = 0; i < count; i++) {
			struct annot_insn *d = &a->insns[a->ninsns++];
			const struct addr_count *c =
			    count_at(v, n, start + (ins[i].address - vstart));

			d->vaddr = ins[i].address;
			snprintf(d->text, sizeof(d->text), "%.15s %.78s", ins[i].mnemonic,
				 ins[i].op_str);
			if (c)
				d->self = c->self, d->total = c->total;
		}
	}
	if (count)
		cs_free(ins, count);
	cs_close(&h);
	free(code);
}

/* Lines: each instruction's (or, without a disassembly, each sampled
 * place's) line in the function's file, the counts added up. */
static void make_lines(struct annotation *a, struct symbolizer *sym, uint64_t start,
		       uint64_t vstart, const struct addr_count *v, size_t n, int counted_only)
{
	size_t m = a->ninsns ? a->ninsns : n;
	int lo = 0, hi = 0;
	struct {
		int line;
		uint64_t self, total, inl_total;
		char inlined[300];
	} *at = calloc(m ? m : 1, sizeof(*at));

	if (!at)
		return;
	for (size_t i = 0; i < m; i++) {
		uint64_t place = a->ninsns ? start + (a->insns[i].vaddr - vstart) : v[i].place;
		struct sym_place_line pl;

		/* (the first instruction always: it names the function's file) */
		if (counted_only && i > 0 && a->ninsns && !a->insns[i].self && !a->insns[i].total)
			continue;
		if (sym_place_line(sym, place, &pl))
			continue;
		if (a->ninsns) { /* the innermost place, as addr2line (and perf) name it */
			const char *inner = pl.inlined[0] ? pl.inner_file : pl.file;
			const char *base = strrchr(inner, '/');

			snprintf(a->insns[i].source, sizeof(a->insns[i].source), "%.140s:%d",
				 base ? base + 1 : inner, pl.inlined[0] ? pl.inner_line : pl.line);
		}
		if (!a->file[0])
			snprintf(a->file, sizeof(a->file), "%s", pl.file);
		if (strcmp(pl.file, a->file))
			continue; /* a line of another file the compiler put here */
		at[i].line = pl.line;
		at[i].self = a->ninsns ? a->insns[i].self : v[i].self;
		at[i].total = a->ninsns ? a->insns[i].total : v[i].total;
		if (pl.inlined[0]) {
			const char *base = strrchr(pl.inner_file, '/');

			snprintf(at[i].inlined, sizeof(at[i].inlined), "%.100s (%.150s:%d)",
				 pl.inlined, base ? base + 1 : pl.inner_file, pl.inner_line);
			at[i].inl_total = at[i].total + 1;
		}
		if (a->ninsns)
			a->insns[i].line = pl.line;
		if (!lo || pl.line < lo)
			lo = pl.line;
		if (pl.line > hi)
			hi = pl.line;
	}
	uint64_t *best =
	    lo && hi - lo < LINES_MAX ? calloc((size_t)(hi - lo + 1), sizeof(*best)) : NULL;

	if (best && (a->lines = calloc((size_t)(hi - lo + 1), sizeof(*a->lines)))) {
		a->nlines = (size_t)(hi - lo + 1);
		for (size_t i = 0; i < a->nlines; i++)
			a->lines[i].line = lo + (int)i;
		for (size_t i = 0; i < m; i++) {
			struct annot_line *l;

			if (!at[i].line)
				continue;
			l = &a->lines[at[i].line - lo];
			l->has_code = 1;
			l->self += at[i].self;
			l->total += at[i].total;
			if (at[i].inl_total > best[at[i].line - lo]) {
				best[at[i].line - lo] = at[i].inl_total;
				snprintf(l->inlined, sizeof(l->inlined), "%s", at[i].inlined);
			}
		}
	}
	free(best);
	free(at);
}

int annotate(const struct profile *p, struct symbolizer *sym, uint32_t frame,
	     const struct annotate_opts *o, struct annotation *out)
{
	const struct frame *f = frametab_get(p->frames, frame);
	struct addr_count *v = NULL;
	long n = addrs_of(&p->addrs, frame, &v);
	uint64_t start = 0, size = 0, vstart = 0;
	pid_t pid = 0;
	const char *path;

	memset(out, 0, sizeof(*out));
	out->frame = frame;
	snprintf(out->name, sizeof(out->name), "%s", f ? f->name : "?");
	snprintf(out->module, sizeof(out->module), "%s", f && f->module ? f->module : "?");
	if (n <= 0 || !sym) {
		free(v);
		snprintf(out->note, sizeof(out->note), "%s",
			 f && f->kind == FRAME_KERNEL ? "kernel code: not annotated"
			 : f && f->inlined ? "inlined: annotate the function it was inlined into"
			 : f && f->kind == FRAME_PYTHON
			     ? "a Python function: the interpreter ran it (annotate its C frames)"
			     : "no per-instruction samples of this function");
		return -1;
	}
	for (long i = 0; i < n; i++)
		out->self += v[i].self, out->total += v[i].total;
	if (v[0].place & SYM_PLACE_JIT) { /* a perf map names it: addresses alone */
		out->jit = 1;
		snprintf(out->note, sizeof(out->note),
			 "JIT code: addresses only (no file to read)");
		if ((out->insns = calloc((size_t)n, sizeof(*out->insns))))
			for (long i = 0; i < n; i++) {
				out->insns[out->ninsns].vaddr = v[i].place & ~SYM_PLACE_JIT;
				out->insns[out->ninsns].self = v[i].self;
				out->insns[out->ninsns++].total = v[i].total;
			}
		free(v);
		return 0;
	}
	if (sym_place_function(sym, v[0].place, &start, &size) == 0 &&
	    start + size > v[n - 1].place && sym_place_vaddr(sym, start, &vstart) == 0)
		disassemble(out, sym, start, size, v, (size_t)n);
	else
		snprintf(out->note, sizeof(out->note),
			 "no symbol gives the function's extent: "
			 "sampled addresses only");
	make_lines(out, sym, start, vstart, v, (size_t)n, o && o->counted_only);
	if (!out->nlines) {
		if (!out->note[0])
			snprintf(out->note, sizeof(out->note),
				 "no line information (debug info) for %.200s: disassembly only",
				 out->module);
	} else if ((path = sym_place_file(sym, v[0].place, &pid)) && out->file[0]) {
		read_source(out, out->file, pid, o);
		if (out->source)
			attach_text(out);
		else if (!out->note[0])
			snprintf(
			    out->note, sizeof(out->note),
			    "source %.200s not found (--source-prefix OLD=NEW for a moved tree)",
			    out->file);
	}
	free(v);
	return 0;
}

int annotation_read_source(struct annotation *a, const struct annotate_opts *o)
{
	if (!a->file[0] || a->source)
		return a->source ? 0 : -1;
	read_source(a, a->file, 0, o);
	if (!a->source)
		return -1;
	attach_text(a);
	return 0;
}

void annotation_free(struct annotation *a)
{
	free(a->lines);
	free(a->insns);
	free(a->source);
	memset(a, 0, sizeof(*a));
}

long annotation_hottest(const struct annotation *a)
{
	long best = -1;

	for (size_t i = 0; i < a->nlines; i++)
		if (a->lines[i].total > 0 &&
		    (best < 0 || a->lines[i].total > a->lines[best].total ||
		     (a->lines[i].total == a->lines[best].total &&
		      a->lines[i].self > a->lines[best].self)))
			best = (long)i;
	return best;
}
