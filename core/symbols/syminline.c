/* syminline — inline frames: the functions inlined at an address (by
 * dwarf_getscopes over its compile unit), named where they are written. */
#include "symbols_impl.h"

#include "grow.h"

#include <dwarf.h>
#include <stdlib.h>
#include <string.h>

/* The frame of an inlined subroutine DIE of CU: its name, and the file and
 * line where the function is written (its abstract origin says). */
static uint32_t inline_frame_of(struct symbolizer *s, Dwarf_Die *die, Dwarf_Die *cu,
				const char *module, enum frame_kind kind)
{
	Dwarf_Die origin, *decl = die;
	Dwarf_Attribute a;
	char *name = sym__die_name(die);
	int line = 0;
	uint32_t id;

	if (!name)
		return FRAME_NONE;
	if (dwarf_attr(die, DW_AT_abstract_origin, &a) && dwarf_formref_die(&a, &origin))
		decl = &origin;
	dwarf_decl_line(decl, &line);
	id = frametab_intern_inline(s->frames, name, module, sym__decl_file(decl, cu),
				    (unsigned)(line > 0 ? line : 0), kind);
	free(name);
	return id;
}

/* A span of addresses and the inline frames every address in it has. */
struct span {
	uint64_t lo, hi; /* [lo, hi), the module's addresses as looked up */
	uint32_t at, n;  /* ids[at .. at + n) (n SPAN_NO_IDS: not made yet) */
	/* The innermost and the outermost inlined subroutine inside the
	 * function (sym__inline_call_site; 0: none). */
	Dwarf_Off inner, outer;
};

#define SPAN_NO_IDS UINT32_MAX

/* A scope's inside: the address ranges (pc, merged and sorted) of every
 * DIE below it that has any. */
struct inside {
	Dwarf_Off die;
	uint64_t *r; /* start, end pairs */
	size_t n;
};

struct inline_spans {
	struct span *span; /* sorted by lo, apart */
	size_t nspan, capspan;
	uint32_t *ids;
	size_t nids, capids;
	struct inside *in; /* the innermost scopes met so far */
	size_t nin, capin;
};

void sym__inline_forget(struct sym_file *f)
{
	struct inline_spans *c = f->inl;

	if (!c)
		return;
	for (size_t i = 0; i < c->nin; i++)
		free(c->in[i].r);
	free(c->in);
	free(c->span);
	free(c->ids);
	free(c);
	f->inl = NULL;
}

size_t sym__inline_frames_walk(struct symbolizer *s, Dwfl_Module *mod, uint64_t addr,
			       const char *module, enum frame_kind kind, uint32_t *out, size_t max)
{
	Dwarf_Addr bias;
	Dwarf_Die buf, *cu = sym__cu_of(mod, addr, &bias, &buf), *scopes = NULL;
	int n = cu ? dwarf_getscopes(cu, addr - bias, &scopes) : 0;
	size_t k = 0;

	for (int i = 0; i < n && k < max; i++) {
		if (dwarf_tag(&scopes[i]) != DW_TAG_inlined_subroutine)
			continue;
		out[k] = inline_frame_of(s, &scopes[i], cu, module, kind);
		k += out[k] != FRAME_NONE;
	}
	free(scopes);
	return k;
}

static int in_span(const void *addr, const void *span)
{
	uint64_t a = *(const uint64_t *)addr;
	const struct span *s = span;

	return a < s->lo ? -1 : a >= s->hi;
}

/* The span of C (sorted, apart) holding ADDR, or NULL. */
static const struct span *span_of(const struct inline_spans *c, uint64_t addr)
{
	return c->nspan ? bsearch(&addr, c->span, c->nspan, sizeof(*c->span), in_span) : NULL;
}

/* Narrows [*LO, *HI) to the range of DIE that holds PC. Returns 0, or -1
 * when DIE has no address ranges (it says nothing of PC then). */
static int narrow_to(Dwarf_Die *die, uint64_t pc, uint64_t *lo, uint64_t *hi)
{
	Dwarf_Addr base, b, e;
	ptrdiff_t off = 0;
	int any = 0;

	while ((off = dwarf_ranges(die, off, &base, &b, &e)) > 0) {
		any = 1;
		if (b <= pc && pc < e) {
			*lo = b > *lo ? b : *lo;
			*hi = e < *hi ? e : *hi;
			return 0;
		}
	}
	if (any) /* ranges that do not hold PC: a scope found for it cannot say so */
		*lo = *hi = pc;
	return any ? 0 : -1;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Every range of every DIE below PARENT into *V (pairs). Returns 0 or -1. */
static int collect_inside(Dwarf_Die *parent, uint64_t **v, size_t *n, size_t *cap, int depth)
{
	Dwarf_Die child;

	if (depth > 256 || dwarf_child(parent, &child) != 0)
		return 0;
	do {
		Dwarf_Addr base, b, e;
		ptrdiff_t off = 0;

		while ((off = dwarf_ranges(&child, off, &base, &b, &e)) > 0) {
			if (e <= b)
				continue;
			if (grow_array(v, cap, *n + 2, sizeof(**v)))
				return -1;
			(*v)[(*n)++] = b;
			(*v)[(*n)++] = e;
		}
		if (collect_inside(&child, v, n, cap, depth + 1))
			return -1;
	} while (dwarf_siblingof(&child, &child) == 0);
	return 0;
}

/* The ranges inside scope DIE, merged and sorted (kept: an innermost
 * scope is met again at the next address of it). */
static const struct inside *inside_of(struct inline_spans *c, Dwarf_Die *die)
{
	Dwarf_Off off = dwarf_dieoffset(die);
	struct inside in = { off, NULL, 0 };
	size_t cap = 0, m = 0;
	uint64_t(*pair)[2];

	for (size_t i = 0; i < c->nin; i++)
		if (c->in[i].die == off)
			return &c->in[i];
	if (collect_inside(die, &in.r, &in.n, &cap, 0) ||
	    grow_array(&c->in, &c->capin, c->nin + 1, sizeof(*c->in))) {
		free(in.r);
		return NULL;
	}
	pair = (uint64_t(*)[2])in.r;
	if (in.n)
		qsort(pair, in.n / 2, sizeof(*pair), cmp_u64); /* by start */
	for (size_t i = 0; i < in.n / 2; i++) {
		if (m && pair[i][0] <= pair[m - 1][1]) {
			if (pair[i][1] > pair[m - 1][1])
				pair[m - 1][1] = pair[i][1];
			continue;
		}
		pair[m][0] = pair[i][0];
		pair[m++][1] = pair[i][1];
	}
	in.n = m * 2;
	c->in[c->nin] = in;
	return &c->in[c->nin++];
}

/* Narrows [*LO, *HI) to the gap of IN's ranges that holds PC. Returns 0,
 * or -1 when a range holds PC (then the walk's innermost scope is not). */
static int narrow_to_gap(const struct inside *in, uint64_t pc, uint64_t *lo, uint64_t *hi)
{
	size_t a = 0, b = in->n / 2;

	while (a < b) { /* the first range ending after PC */
		size_t mid = a + (b - a) / 2;

		if (in->r[mid * 2 + 1] <= pc)
			a = mid + 1;
		else
			b = mid;
	}
	if (a > 0 && in->r[(a - 1) * 2 + 1] > *lo)
		*lo = in->r[(a - 1) * 2 + 1];
	if (a < in->n / 2) {
		if (in->r[a * 2] <= pc)
			return -1;
		if (in->r[a * 2] < *hi)
			*hi = in->r[a * 2];
	}
	return 0;
}

/* Keeps SP (its ids from IDS[0..N), unless N is SPAN_NO_IDS); a span
 * already kept for the same addresses gets the ids it lacked. */
static void remember_span(struct inline_spans *c, struct span sp, const uint32_t *ids, size_t n)
{
	size_t at = c->nspan;

	if (grow_array(&c->span, &c->capspan, c->nspan + 1, sizeof(*c->span)) ||
	    (n != SPAN_NO_IDS && grow_array(&c->ids, &c->capids, c->nids + n + 1, sizeof(*c->ids))))
		return;
	sp.n = (uint32_t)n;
	if (n != SPAN_NO_IDS) {
		sp.at = (uint32_t)c->nids;
		if (n)
			memcpy(c->ids + c->nids, ids, n * sizeof(*ids));
		c->nids += n;
	}
	while (at > 0 && c->span[at - 1].lo > sp.lo)
		at--;
	if (at > 0 && c->span[at - 1].lo == sp.lo && c->span[at - 1].hi == sp.hi) {
		if (c->span[at - 1].n == SPAN_NO_IDS) /* the same walk's answer, now with ids */
			c->span[at - 1] = sp;
		return;
	}
	if ((at > 0 && c->span[at - 1].hi > sp.lo) || (at < c->nspan && c->span[at].lo < sp.hi))
		return; /* (spans found apart never meet; this one would: not kept) */
	memmove(&c->span[at + 1], &c->span[at], (c->nspan - at) * sizeof(*c->span));
	c->span[at] = sp;
	c->nspan++;
}

/* A walk of the scopes at ADDR: the inline frames into OUT (at most MAX;
 * none made when OUT is NULL) and the span the answer holds for into *SP
 * (lo == hi: none). Returns how many frames. */
static size_t walk_at(struct symbolizer *s, struct inline_spans *c, Dwfl_Module *mod, uint64_t addr,
		      const char *module, enum frame_kind kind, uint32_t *out, size_t max,
		      struct span *sp)
{
	const struct inside *in;
	Dwarf_Addr bias;
	Dwarf_Die buf, *cu, *scopes = NULL;
	uint64_t pc, lo = 0, hi = UINT64_MAX;
	size_t k = 0;
	int n, inner = -1, unnamed = 0, in_function = 1;

	memset(sp, 0, sizeof(*sp));
	s->st.inline_walks++;
	cu = sym__cu_of(mod, addr, &bias, &buf);
	n = cu ? dwarf_getscopes(cu, addr - bias, &scopes) : 0;
	pc = addr - bias;
	for (int i = 0; i < n; i++) {
		int tag = dwarf_tag(&scopes[i]);

		/* Every scope found with ranges holds PC: the span lies in all. */
		if (narrow_to(&scopes[i], pc, &lo, &hi) == 0 && inner < 0)
			inner = i;
		if (tag == DW_TAG_subprogram)
			in_function = 0;
		if (tag != DW_TAG_inlined_subroutine)
			continue;
		if (in_function) {
			if (!sp->inner)
				sp->inner = dwarf_dieoffset(&scopes[i]);
			sp->outer = dwarf_dieoffset(&scopes[i]);
		}
		if (!out || k >= max)
			continue;
		out[k] = inline_frame_of(s, &scopes[i], cu, module, kind);
		if (out[k] == FRAME_NONE)
			unnamed = 1; /* (out of memory, or no name: not kept) */
		else
			k++;
	}
	/* ... and in none of the ranges inside the innermost. With no scope
	 * (no CU, no function), nothing is kept. */
	if (c && inner >= 0 && !unnamed && lo < hi && (in = inside_of(c, &scopes[inner])) &&
	    narrow_to_gap(in, pc, &lo, &hi) == 0 && lo <= pc && pc < hi) {
		sp->lo = lo + bias;
		sp->hi = hi + bias;
	}
	free(scopes);
	return k;
}

size_t sym__inline_frames(struct symbolizer *s, struct sym_file *f, Dwfl_Module *mod, uint64_t addr,
			  const char *module, enum frame_kind kind, uint32_t *out, size_t max)
{
	struct inline_spans *c = f->inl;
	const struct span *at;
	struct span sp;
	size_t k;

	if (!c && !(c = f->inl = calloc(1, sizeof(*c))))
		return sym__inline_frames_walk(s, mod, addr, module, kind, out, max);
	if ((at = span_of(c, addr)) && at->n != SPAN_NO_IDS) {
		s->st.inline_from_spans++;
		k = at->n < max ? at->n : max;
		if (k)
			memcpy(out, c->ids + at->at, k * sizeof(*out));
		return k;
	}
	k = walk_at(s, c, mod, addr, module, kind, out, max, &sp);
	if (sp.lo < sp.hi)
		remember_span(c, sp, out, k);
	return k;
}

int sym__inline_call_site(struct symbolizer *s, struct sym_file *f, Dwfl_Module *mod, uint64_t addr,
			  Dwarf_Off *inner, Dwarf_Off *outer)
{
	struct inline_spans *c = f ? f->inl : NULL;
	const struct span *at;
	struct span sp;

	if (!s->no_spans && c && (at = span_of(c, addr))) {
		s->st.inline_from_spans++;
		*inner = at->inner;
		*outer = at->outer;
		return 0;
	}
	if (!s->no_spans && f && !c)
		c = f->inl = calloc(1, sizeof(*c));
	walk_at(s, s->no_spans ? NULL : c, mod, addr, NULL, FRAME_USER, NULL, 0, &sp);
	if (c && sp.lo < sp.hi)
		remember_span(c, sp, NULL, SPAN_NO_IDS);
	*inner = sp.inner;
	*outer = sp.outer;
	return 0;
}
