/* places — one instruction in one file, for annotation: the place of a
 * sampled address, its function's range, its source line (the call site in
 * the containing function where the code was inlined), its bytes. */
#include "symbols_impl.h"

#include <dwarf.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* LEN bytes at ADDR from MOD's file, through its program headers. */
int sym__read_module(Dwfl_Module *mod, uint64_t addr, void *buf, size_t len)
{
	Dwarf_Addr bias;
	Elf *elf = dwfl_module_getelf(mod, &bias);
	size_t n, raw_len = 0;
	const char *raw;

	if (!elf || elf_getphdrnum(elf, &n))
		return -1;
	raw = elf_rawfile(elf, &raw_len);
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		uint64_t rel = addr - bias, off;
		Elf_Data *d;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD || rel < ph.p_vaddr ||
		    rel + len > ph.p_vaddr + ph.p_filesz)
			continue;
		off = ph.p_offset + (rel - ph.p_vaddr);
		if (raw && off + len <= raw_len) {
			memcpy(buf, raw + off, len);
			return 0;
		}
		d = elf_getdata_rawchunk(elf, (int64_t)off, len, ELF_T_BYTE);
		if (!d || d->d_size < len)
			return -1;
		memcpy(buf, d->d_buf, len);
		return 0;
	}
	return -1;
}

struct read_req {
	uint64_t addr;
	void *buf;
	size_t len;
	int done;
};

static int read_any_module(Dwfl_Module *mod, void **user, const char *name, Dwarf_Addr start,
			   void *arg)
{
	struct read_req *r = arg;

	(void)user, (void)name, (void)start;
	r->done = sym__read_module(mod, r->addr, r->buf, r->len) == 0;
	return r->done ? DWARF_CB_ABORT : DWARF_CB_OK;
}

int sym_read_elf(struct symbolizer *s, pid_t pid, uint64_t addr, void *buf, size_t len)
{
	Dwfl *dwfl = sym_dwfl(s, pid);
	Dwfl_Module *mod;
	struct read_req r = { addr, buf, len, 0 };

	if (!dwfl)
		return -1;
	mod = dwfl_addrmodule(dwfl, addr);
	if (mod && sym__read_module(mod, addr, buf, len) == 0)
		return 0;
	/* Segments past the executable mapping (.eh_frame in a read-only
	 * segment after the code) lie outside what the module was told. */
	dwfl_getmodules(dwfl, read_any_module, &r, 0);
	return r.done ? 0 : -1;
}

/* The file whose slot PLACE is in. */
static struct sym_file *file_of(struct symbolizer *s, uint64_t place)
{
	if (!place || (place & SYM_PLACE_JIT))
		return NULL;
	for (size_t i = 0; i < s->nfiles; i++)
		if (place >= s->files[i]->base && place - s->files[i]->base < FILE_SLOT)
			return s->files[i];
	return NULL;
}

static Dwfl_Module *module_of(struct symbolizer *s, uint64_t place)
{
	struct sym_file *f = file_of(s, place);

	return f ? sym__file_module(s, f, NULL, NULL) : NULL;
}

int sym_place_function(struct symbolizer *s, uint64_t place, uint64_t *start, uint64_t *size)
{
	Dwfl_Module *mod = module_of(s, place);
	GElf_Off off;
	GElf_Sym sym;

	if (!mod || !dwfl_module_addrinfo(mod, place, &off, &sym, NULL, NULL, NULL) ||
	    sym.st_size == 0 || off > place)
		return -1;
	*start = place - off;
	*size = sym.st_size;
	return 0;
}

/* The DW_AT_call_file name of an inlined subroutine DIE, through CU's file
 * table. */
static const char *call_file(Dwarf_Die *cu, Dwarf_Die *die)
{
	Dwarf_Attribute a;
	Dwarf_Word idx;
	Dwarf_Files *files;
	size_t nfiles;

	if (!dwarf_attr(die, DW_AT_call_file, &a) || dwarf_formudata(&a, &idx) ||
	    dwarf_getsrcfiles(cu, &files, &nfiles) || idx >= nfiles)
		return NULL;
	return dwarf_filesrc(files, idx, NULL, NULL);
}

int sym_place_line(struct symbolizer *s, uint64_t place, struct sym_place_line *out)
{
	Dwfl_Module *mod = module_of(s, place);
	Dwarf_Addr bias;
	Dwarf_Die *cu, inner, outer;
	Dwarf_Off inner_off = 0, outer_off = 0;
	Dwarf *dw;
	const char *f;
	int line = 0;

	memset(out, 0, sizeof(*out));
	if (!mod || !(f = sym__src_line(mod, place, &line)) || line <= 0)
		return -1;
	snprintf(out->file, sizeof(out->file), "%s", f);
	out->line = line;
	cu = dwfl_module_addrdie(mod, place, &bias);
	/* The code inlined here: its call site in the function, where the
	 * outermost inlined subroutine was called. */
	if (cu && (dw = dwfl_module_getdwarf(mod, &bias)) &&
	    sym__inline_call_site(s, file_of(s, place), mod, place, &inner_off, &outer_off) == 0 &&
	    outer_off && dwarf_offdie(dw, inner_off, &inner) &&
	    dwarf_offdie(dw, outer_off, &outer)) {
		Dwarf_Attribute a;
		Dwarf_Word cl;
		const char *cf = call_file(cu, &outer);
		char *name = sym__die_name(&inner);

		if (dwarf_attr(&outer, DW_AT_call_line, &a) && dwarf_formudata(&a, &cl) == 0 &&
		    cl > 0 && cl < 1u << 30 && cf) {
			snprintf(out->inner_file, sizeof(out->inner_file), "%s", out->file);
			out->inner_line = out->line;
			snprintf(out->file, sizeof(out->file), "%s", cf);
			out->line = (int)cl;
			snprintf(out->inlined, sizeof(out->inlined), "%s", name ? name : "?");
		}
		free(name);
	}
	return 0;
}

int sym_place_read(struct symbolizer *s, uint64_t place, void *buf, size_t len)
{
	Dwfl_Module *mod = module_of(s, place);

	return mod ? sym__read_module(mod, place, buf, len) : -1;
}

int sym_place_vaddr(struct symbolizer *s, uint64_t place, uint64_t *vaddr)
{
	Dwfl_Module *mod = module_of(s, place);
	Dwarf_Addr bias;

	if (!mod || !dwfl_module_getelf(mod, &bias) || place < bias)
		return -1;
	*vaddr = place - bias;
	return 0;
}

const char *sym_place_file(struct symbolizer *s, uint64_t place, pid_t *pid)
{
	struct sym_file *f = file_of(s, place);

	if (pid)
		*pid = f ? f->pid : 0;
	return f ? f->path : NULL;
}

int sym_at_entry(struct symbolizer *s, pid_t pid, uint64_t ip)
{
	struct sym_proc *p = sym__proc_find(s, pid);
	const struct mapping *m = p ? sym__proc_mapping(p, ip) : NULL;
	struct sym_file *f;
	Dwfl_Module *mod;
	Dwarf_Addr bias;
	GElf_Ehdr eh;
	Elf *elf;
	uint64_t vaddr;

	if (!m || m->file == FILE_NONE)
		return 0;
	f = s->files[m->file];
	if (!(mod = sym__file_module(s, f, p, m)) || !(elf = dwfl_module_getelf(mod, &bias)) ||
	    !gelf_getehdr(elf, &eh) || !eh.e_entry)
		return 0;
	vaddr = f->base + (ip - m->start + m->pgoff) - bias;
	/* _start is a few dozen bytes: the return address into it, after its
	 * call of __libc_start_main, lies just past the entry point. */
	return vaddr >= eh.e_entry && vaddr - eh.e_entry < 64;
}
