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
		k += out[k] != FRAME_NONE;
	}
	free(scopes);
	return k;
}
