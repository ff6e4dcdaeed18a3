/* annotate — the hot lines and instructions of one function: its source
 * lines, each with its share of the function's self samples (the line was
 * running) and of its total (its callees too: the line called them), code
 * inlined from elsewhere charged to the line that called it and said
 * ("inlined from foo.h:12"); its instructions disassembled (Capstone),
 * each with its shares and its line. From the profile's per-instruction
 * counts (addrs.h) and the symbolizer's places; the source text is read
 * from the path the debug information gives (through /proc/PID/root for a
 * process in a container, and --source-prefix for a moved tree). */
#ifndef FLAMETOP_ANNOTATE_H
#define FLAMETOP_ANNOTATE_H

#include <stddef.h>
#include <stdint.h>

#include "profile.h"
#include "symbols.h"

struct annot_line {
	int line;
	uint64_t self, total;
	int has_code;      /* an instruction of the function is on it */
	char inlined[300]; /* the most-sampled code inlined here: "name (foo.h:12)" */
	const char *text;  /* the source text (into the annotation's buffer), or NULL */
};

struct annot_insn {
	uint64_t vaddr; /* the file's own address */
	uint64_t self, total;
	int line; /* in the function's file, 0: unknown */
	char text[96];
	char source[160]; /* where the code came from: "file.c:12" (the innermost line) */
};

struct annotate_opts {
	const char *prefix_old[8], *prefix_new[8]; /* --source-prefix OLD=NEW */
	size_t nprefix;
	/* Lines only for the instructions with samples (and the first): what
	 * an export writes; the screen shows every line. */
	int counted_only;
};

struct annotation {
	uint32_t frame;
	char name[256], module[256];
	char file[512];           /* the function's source file as its debug info names it */
	char source_from[1100];   /* the file read for its text; "" when none */
	uint64_t self, total;     /* samples: running in it, with it on the stack */
	struct annot_line *lines; /* each line of FILE from its first to its last line with code */
	size_t nlines;
	struct annot_insn *insns;
	size_t ninsns;
	int jit;        /* JIT code: addresses only */
	char note[300]; /* what is missing and why ("" when nothing) */
	char *source;   /* the file's text (lines point into it) */
};

/* Annotates FRAME of P (the function its samples ran in). Returns 0 (OUT
 * filled; its note says what could not be had), or -1 when FRAME has no
 * per-instruction samples (OUT's note says why). */
int annotate(const struct profile *p, struct symbolizer *sym, uint32_t frame,
	     const struct annotate_opts *o, struct annotation *out);
void annotation_free(struct annotation *a);
/* V as a share of OF, in percent (0 of nothing): a line's or an
 * instruction's share of the function's self or total samples. */
static inline double annotation_pct(uint64_t v, uint64_t of)
{
	return of ? 100.0 * (double)v / (double)of : 0;
}
/* A's source text, read from its file (O's prefixes first) when it has
 * none yet (a saved annotation). Returns 0, or -1 when it cannot be read. */
int annotation_read_source(struct annotation *a, const struct annotate_opts *o);
/* The line with the most samples (total, else self), index into lines; -1: none. */
long annotation_hottest(const struct annotation *a);

#endif
