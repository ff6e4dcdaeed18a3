/* plt — "foo@plt" for the stubs of an x86-64 PLT. */
#include "plt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STUB_BYTES 16      /* an x86-64 PLT entry, .plt's and .plt.sec's */
#define MAX_STUBS  1000000 /* more than any program has */

struct sections {
	GElf_Shdr plt, plt_sec, rela;
	Elf_Scn *rela_scn;
	int has_plt, has_sec;
};

static void find_sections(Elf *e, struct sections *x)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	memset(x, 0, sizeof(*x));
	if (elf_getshdrstrndx(e, &shstrndx))
		return;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(e, shstrndx, sh.sh_name)))
			continue;
		if (!strcmp(name, ".plt") && sh.sh_type == SHT_PROGBITS)
			x->plt = sh, x->has_plt = 1;
		else if (!strcmp(name, ".plt.sec") && sh.sh_type == SHT_PROGBITS)
			x->plt_sec = sh, x->has_sec = 1;
		else if (!strcmp(name, ".rela.plt") && sh.sh_type == SHT_RELA)
			x->rela = sh, x->rela_scn = scn;
	}
}

int plt_read(Elf *e, struct plt_names *out)
{
	GElf_Ehdr eh;
	struct sections x;
	Elf_Scn *dynsym;
	GElf_Shdr dsh;
	Elf_Data *rd, *sd;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (!gelf_getehdr(e, &eh) || eh.e_machine != EM_X86_64)
		return 0;
	find_sections(e, &x);
	if (!x.rela_scn || !(x.has_plt || x.has_sec) || !x.rela.sh_entsize)
		return 0;
	if (!(dynsym = elf_getscn(e, x.rela.sh_link)) || !gelf_getshdr(dynsym, &dsh) ||
	    !(rd = elf_getdata(x.rela_scn, NULL)) || !(sd = elf_getdata(dynsym, NULL)))
		return 0;
	n = x.rela.sh_size / x.rela.sh_entsize;
	out->first = x.has_sec ? x.plt_sec.sh_addr : x.plt.sh_addr + STUB_BYTES;
	out->lo = out->first;
	out->hi = x.has_sec ? x.plt_sec.sh_addr + x.plt_sec.sh_size : x.plt.sh_addr + x.plt.sh_size;
	/* No more names than stubs the section holds, nor than a program has. */
	if (out->hi > out->lo && n > (out->hi - out->lo) / STUB_BYTES)
		n = (size_t)((out->hi - out->lo) / STUB_BYTES);
	if (n > MAX_STUBS || out->hi <= out->lo) {
		memset(out, 0, sizeof(*out));
		return 0;
	}
	if (!(out->names = calloc(n ? n : 1, sizeof(char *)))) {
		memset(out, 0, sizeof(*out));
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		GElf_Rela r;
		GElf_Sym sym;
		const char *name;

		if (!gelf_getrela(rd, (int)i, &r) ||
		    !gelf_getsym(sd, (int)GELF_R_SYM(r.r_info), &sym) ||
		    !(name = elf_strptr(e, dsh.sh_link, sym.st_name)) || !name[0])
			continue;
		if (asprintf(&out->names[i], "%.200s@plt", name) < 0)
			out->names[i] = NULL;
	}
	out->n = n;
	return 0;
}

const char *plt_name(const struct plt_names *t, uint64_t vaddr)
{
	uint64_t i;

	if (!t->n || vaddr < t->first || vaddr >= t->hi)
		return NULL;
	i = (vaddr - t->first) / STUB_BYTES;
	return i < t->n ? t->names[i] : NULL;
}

void plt_free(struct plt_names *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->names[i]);
	free(t->names);
	memset(t, 0, sizeof(*t));
}
