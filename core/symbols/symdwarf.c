/* symdwarf — names and lines from DWARF: C++ names demangled, a symbol's
 * version dropped, a DIE's name through its abstract origin, its
 * declaration file, the line of an address (through the compile unit where
 * libdwfl's own lookup misses it). No symbolizer state. */
#include "symbols_impl.h"

#include <dwarf.h>
#include <stdlib.h>
#include <string.h>

/* From libstdc++: the C++ ABI demangler. */
extern char *__cxa_demangle(const char *mangled, char *out, size_t *len, int *status);

static char *demangle(const char *name)
{
	int status = -1;
	char *d = NULL;

	if (name[0] == '_' && name[1] == 'Z')
		d = __cxa_demangle(name, NULL, NULL, &status);
	if (d && status == 0)
		return d;
	free(d);
	return strdup(name);
}

/* The compile unit covering ADDR. elfutils 0.188 finds it only through
 * .debug_aranges, which clang does not emit by default: then ask each CU. */
Dwarf_Die *sym__cu_of(Dwfl_Module *mod, uint64_t addr, Dwarf_Addr *bias, Dwarf_Die *buf)
{
	Dwarf_Die *cu = dwfl_module_addrdie(mod, addr, bias);
	Dwarf *dw;
	Dwarf_Off off = 0, next;
	size_t hsize;

	if (cu)
		return cu;
	dw = dwfl_module_getdwarf(mod, bias);
	while (dw && dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		if (dwarf_offdie(dw, off + hsize, buf) && dwarf_haspc(buf, addr - *bias) > 0)
			return buf;
		off = next;
	}
	return NULL;
}

static const char *line_by_cu_scan(Dwfl_Module *mod, uint64_t addr, int *line)
{
	Dwarf_Addr bias;
	Dwarf_Die buf, *cu = sym__cu_of(mod, addr, &bias, &buf);
	Dwarf_Line *l = cu ? dwarf_getsrc_die(cu, addr - bias) : NULL;

	if (l && dwarf_lineno(l, line) == 0)
		return dwarf_linesrc(l, NULL, NULL);
	return NULL;
}

const char *sym__src_line(Dwfl_Module *mod, uint64_t addr, int *line)
{
	Dwfl_Line *l = dwfl_module_getsrc(mod, addr);

	*line = 0;
	if (l)
		return dwfl_lineinfo(l, NULL, line, NULL, NULL, NULL);
	return line_by_cu_scan(mod, addr, line);
}

/* "memcpy@@GLIBC_2.14" → "memcpy": the version is noise in a profile. */
char *sym__symbol_name(const char *sym)
{
	char *name = demangle(sym), *at = name ? strchr(name, '@') : NULL;

	if (at && at != name)
		*at = 0;
	return name;
}

/* A DIE's name, following DW_AT_abstract_origin: the linkage name
 * demangled where there is one (C++), else DW_AT_name. */
char *sym__die_name(Dwarf_Die *die)
{
	Dwarf_Attribute a;
	const char *n = NULL;

	if (dwarf_attr_integrate(die, DW_AT_linkage_name, &a) ||
	    dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &a))
		n = dwarf_formstring(&a);
	if (!n && dwarf_attr_integrate(die, DW_AT_name, &a))
		n = dwarf_formstring(&a);
	return n ? sym__symbol_name(n) : NULL;
}

/* DW_AT_decl_file through the line table of CU (elfutils 0.188's
 * dwarf_decl_file misses clang's DWARF 5 file tables). */
const char *sym__decl_file(Dwarf_Die *die, Dwarf_Die *cu)
{
	const char *f = dwarf_decl_file(die);
	Dwarf_Attribute a;
	Dwarf_Word idx;
	Dwarf_Files *files;
	size_t n;

	if (f)
		return f;
	if (!dwarf_attr_integrate(die, DW_AT_decl_file, &a) || dwarf_formudata(&a, &idx) ||
	    dwarf_getsrcfiles(cu, &files, &n) || idx >= n)
		return NULL;
	return dwarf_filesrc(files, idx, NULL, NULL);
}
