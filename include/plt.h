/* plt — names for the PLT stubs of an x86-64 ELF file, as perf gives them:
 * "malloc@plt". A stub is a few instructions that jump to the function the
 * dynamic linker bound; no symbol covers it, so without this its samples
 * fall in the module's unnamed bucket ("[sqlite3]": 2.9 % of sqlite3's).
 * The names come from .rela.plt (one R_X86_64_JUMP_SLOT per stub, in stub
 * order) and .dynsym; the stubs are .plt.sec's 16-byte entries where the
 * file has one (IBT), else .plt's after its first (the resolver's). The
 * file is the target's: every count and index is checked. */
#ifndef FLAMETOP_PLT_H
#define FLAMETOP_PLT_H

#include <gelf.h>
#include <stddef.h>
#include <stdint.h>

struct plt_names {
	uint64_t lo, hi; /* the stubs' addresses (ELF virtual addresses) */
	uint64_t first;  /* the address of stub 0 */
	size_t n;
	char **names; /* "malloc@plt" */
};

/* Reads E's PLT (OUT zeroed when it has none or is not x86-64). Returns 0
 * or -ENOMEM. */
int plt_read(Elf *e, struct plt_names *out);
/* The stub at ELF address VADDR's name, or NULL. */
const char *plt_name(const struct plt_names *t, uint64_t vaddr);
void plt_free(struct plt_names *t);

#endif
