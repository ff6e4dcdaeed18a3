/* syminline — inline frames: the functions inlined at an address, named
 * where they are written. For a new address of one of the last functions
 * resolved (struct fn_cache), from that function's inlined ranges, read
 * once from its DIE; else by dwarf_getscopes over its compile unit. */
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
		return U64MAP_NONE;
	if (dwarf_attr(die, DW_AT_abstract_origin, &a) && dwarf_formref_die(&a, &origin))
		decl = &origin;
	dwarf_decl_line(decl, &line);
	id = frametab_intern_inline(s->frames, name, module, sym__decl_file(decl, cu),
				    (unsigned)(line > 0 ? line : 0), kind);
	free(name);
	return id;
}

/* Functions inlined at ADDR, innermost first, as inline frames. */
size_t sym__inline_frames(struct symbolizer *s, Dwfl_Module *mod, uint64_t addr, const char *module,
			  enum frame_kind kind, uint32_t *out, size_t max)
{
	Dwarf_Addr bias;
	Dwarf_Die buf, *cu = sym__cu_of(mod, addr, &bias, &buf), *scopes = NULL;
	int n = cu ? dwarf_getscopes(cu, addr - bias, &scopes) : 0;
	size_t k = 0;

	for (int i = 0; i < n && k < max; i++) {
		if (dwarf_tag(&scopes[i]) != DW_TAG_inlined_subroutine)
			continue;
		out[k] = inline_frame_of(s, &scopes[i], cu, module, kind);
		k += out[k] != U64MAP_NONE;
	}
	free(scopes);
	return k;
}

/* ---- the functions resolved last: ranges, and their inlined ranges ---- */

struct inl_walk {
	struct fn_cache *fc;
	size_t cap;
	Dwarf_Addr bias;
	int budget; /* DIEs visited, at most */
};

/* The inlined subroutines under DIE (lexical blocks looked into), each
 * range of each, at DEPTH + 1 below it. */
static void collect_inlined(struct inl_walk *w, Dwarf_Die *die, uint32_t depth)
{
	Dwarf_Die child;

	if (dwarf_child(die, &child) != 0)
		return;
	do {
		int tag = dwarf_tag(&child);

		if (--w->budget < 0)
			return;
		if (tag == DW_TAG_inlined_subroutine) {
			ptrdiff_t off = 0;
			Dwarf_Addr base, lo, hi;

			while ((off = dwarf_ranges(&child, off, &base, &lo, &hi)) > 0) {
				struct fn_inl *e;

				if (w->fc->ninl >= FN_INL_MAX ||
				    grow_array(&w->fc->inl, &w->cap, w->fc->ninl + 1,
					       sizeof(*w->fc->inl)))
					return;
				e = &w->fc->inl[w->fc->ninl++];
				e->lo = lo + w->bias;
				e->hi = hi + w->bias;
				e->depth = depth + 1;
				e->frame = U64MAP_NONE;
				e->die = dwarf_dieoffset(&child);
			}
			collect_inlined(w, &child, depth + 1);
		} else if (tag == DW_TAG_lexical_block || tag == DW_TAG_try_block ||
			   tag == DW_TAG_catch_block) {
			collect_inlined(w, &child, depth);
		}
	} while (dwarf_siblingof(&child, &child) == 0);
}

/* FC's inlined ranges, from the function's DIE (the scope around its start
 * that is a subprogram). */
static void fn_read_inlined(struct fn_cache *fc, Dwfl_Module *mod)
{
	Dwarf_Addr bias;
	Dwarf_Die buf, *cu = sym__cu_of(mod, fc->start, &bias, &buf), *scopes = NULL;
	int n = cu ? dwarf_getscopes(cu, fc->start - bias, &scopes) : 0;
	struct inl_walk w = { fc, 0, bias, 1 << 20 };

	if (!cu) { /* no debug info: nothing inlined is known, nothing to look up */
		fc->inl_ok = 1;
		return;
	}
	for (int i = 0; i < n; i++)
		if (dwarf_tag(&scopes[i]) == DW_TAG_subprogram) {
			collect_inlined(&w, &scopes[i], 0);
			fc->inl_ok = w.budget >= 0 && fc->ninl < FN_INL_MAX;
			break;
		}
	free(scopes);
}

/* The cached function around ADDR of F, or NULL. */
struct fn_cache *sym__fn_find(struct symbolizer *s, const struct sym_file *f, uint64_t addr)
{
	for (size_t i = 0; i < FN_CACHE; i++)
		if (s->fns[i].file == f && addr >= s->fns[i].start && addr < s->fns[i].end)
			return &s->fns[i];
	return NULL;
}

struct fn_cache *sym__fn_add(struct symbolizer *s, const struct sym_file *f, Dwfl_Module *mod,
			     uint64_t start, uint64_t size, uint32_t frame)
{
	struct fn_cache *fc = &s->fns[s->fn_next++ % FN_CACHE];

	free(fc->inl);
	*fc = (struct fn_cache){ .start = start, .end = start + size, .frame = frame, .file = f };
	fn_read_inlined(fc, mod);
	return fc;
}

/* The inline frames at ADDR from FC's ranges, innermost first: those that
 * contain it, deepest first (each named the first time it is met). */
size_t sym__fn_inline_frames(struct symbolizer *s, struct fn_cache *fc, Dwfl_Module *mod,
			     uint64_t addr, const char *module, enum frame_kind kind, uint32_t *out,
			     size_t max)
{
	struct fn_inl *hit[MAX_INLINE];
	size_t nhit = 0, k = 0;
	Dwarf_Addr bias;
	Dwarf *dw = NULL;

	for (size_t i = 0; i < fc->ninl && nhit < MAX_INLINE; i++)
		if (addr >= fc->inl[i].lo && addr < fc->inl[i].hi)
			hit[nhit++] = &fc->inl[i];
	/* deepest first: a few entries, sorted by hand */
	for (size_t i = 1; i < nhit; i++)
		for (size_t j = i; j > 0 && hit[j]->depth > hit[j - 1]->depth; j--) {
			struct fn_inl *t = hit[j];

			hit[j] = hit[j - 1];
			hit[j - 1] = t;
		}
	for (size_t i = 0; i < nhit && k < max; i++) {
		struct fn_inl *e = hit[i];

		if (e->frame == U64MAP_NONE) {
			Dwarf_Die die, cu;

			if (!dw && !(dw = dwfl_module_getdwarf(mod, &bias)))
				break;
			if (!dwarf_offdie(dw, e->die, &die) || !dwarf_diecu(&die, &cu, NULL, NULL))
				continue;
			e->frame = inline_frame_of(s, &die, &cu, module, kind);
		}
		if (e->frame != U64MAP_NONE)
			out[k++] = e->frame;
	}
	return k;
}
