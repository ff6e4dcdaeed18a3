/* symbols — libdwfl per process, kallsyms for the kernel, caches for both. */
#include "symbols.h"

#include "grow.h"
#include "jitmap.h"
#include "kallsyms.h"
#include "procfs.h"
#include "safefile.h"
#include "u64map.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* From libstdc++: the C++ ABI demangler. */
extern char *__cxa_demangle(const char *mangled, char *out, size_t *len, int *status);

#define RELOAD_INTERVAL_NS 500000000ull /* at most two /proc/PID/maps re-reads a second */
#define CHAIN              0x80000000u  /* cache value: an inline chain, not a frame */
#define MAX_INLINE         16

struct mapping {
	uint64_t start, end, pgoff;
	char *path;
};

struct sym_proc {
	pid_t pid;
	struct mapping *maps;
	size_t nmaps, cap;
	Dwfl *dwfl;
	int dirty;            /* mappings changed since dwfl was built */
	unsigned version;     /* bumped at each rebuild */
	uint64_t last_reload; /* monotonic ns of the last /proc/PID/maps read */
	struct u64map cache;  /* looked-up address → frame, or CHAIN | index in chains */
	uint32_t *chains;     /* [n, innermost id, ..., outer id] for addresses with inlines */
	size_t nchains, capchains;
	struct jitmap jit; /* /tmp/perf-PID.map */
};

struct symbolizer {
	struct frametab *frames;
	struct kallsyms *ksyms;
	struct u64map kcache;
	struct sym_proc **procs;
	size_t nprocs, cap;
	struct u64map by_pid; /* pid → index in procs */
	int vdso_fd;          /* memfd holding a copy of the vDSO image, or -1 */
	char vdso_path[64];   /* "/proc/self/fd/N": how libdwfl opens it */
};

static const char DELETED[] = " (deleted)";

/* PATH's length without the " (deleted)" the kernel appends to a file
 * removed since it was mapped. */
static size_t undeleted_len(const char *path)
{
	size_t n = strlen(path), dl = sizeof(DELETED) - 1;

	return n > dl && !strcmp(path + n - dl, DELETED) ? n - dl : n;
}

/* The file a process really maps at PATH, the first that opens of:
 * /proc/PID/map_files/START-END (the mapped inode itself: a binary deleted
 * or replaced since, or one that exists only in the process's mount
 * namespace), /proc/PID/root/PATH (its namespace's file), then PATH. Each
 * through safefile: a FIFO or device put in place of a mapped file cannot
 * block or feed us forever. */
static int open_mapped(const struct sym_proc *p, const char *path)
{
	char buf[4200];
	size_t n = strlen(path);
	int deleted = undeleted_len(path) != n, fd = -1;

	/* libdwfl names a deleted file's module without the suffix. */
	for (size_t i = 0; p && i < p->nmaps && fd < 0; i++)
		if (!strncmp(p->maps[i].path, path, n) &&
		    (!p->maps[i].path[n] || !strcmp(p->maps[i].path + n, DELETED))) {
			snprintf(buf, sizeof(buf), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64,
				 (int)p->pid, p->maps[i].start, p->maps[i].end);
			fd = safefile_open(buf, 0, 0, NULL);
		}
	if (fd >= 0 || deleted)
		return fd;
	if (p && (size_t)snprintf(buf, sizeof(buf), "/proc/%d/root%s", (int)p->pid, path) <
		     sizeof(buf))
		fd = safefile_open(buf, 0, 0, NULL);
	return fd >= 0 ? fd : safefile_open(path, 0, 0, NULL);
}

/* The ELF files a process maps, opened by flametop, not libdwfl. Names not
 * starting with '/' ([vdso] read from memory) stay libdwfl's. The module's
 * user data is its process (set when the Dwfl is built). */
static int find_elf_safely(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr base,
			   char **file_name, Elf **elfp)
{
	int fd;

	if (name[0] != '/')
		return dwfl_linux_proc_find_elf(mod, userdata, name, base, file_name, elfp);
	fd = open_mapped(*userdata, name);
	if (fd < 0)
		return -1;
	/* The path without " (deleted)": where debug files are looked for. */
	*file_name = strndup(name, undeleted_len(name));
	*elfp = NULL; /* libdwfl reads the ELF from FD */
	return fd;
}

static int own_module(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr start,
		      void *arg)
{
	(void)mod, (void)name, (void)start;
	*userdata = arg;
	return DWARF_CB_OK;
}

/* Whether anyone but root and us could have put a file in PATH's directory:
 * then a debug file found there (the ".gnu_debuglink" name beside the
 * module, or in its .debug/) is not looked for. */
static int dir_is_shared(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	struct stat st;

	if (!slash || (size_t)(slash - path) >= sizeof(dir))
		return 1;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = 0;
	if (stat(dir[0] ? dir : "/", &st))
		return 1;
	return (st.st_mode & (S_IWGRP | S_IWOTH)) || (st.st_uid != 0 && st.st_uid != geteuid());
}

/* libdwfl's search path, read at each call: NULL is its default
 * (":.debug:/usr/lib/debug", the module's own directory first). */
static char *debuginfo_path;
static char system_debug_only[] = "/usr/lib/debug";

static int find_debuginfo_safely(Dwfl_Module *mod, void **userdata, const char *modname,
				 Dwarf_Addr base, const char *file_name, const char *debuglink,
				 GElf_Word crc, char **debuginfo_file_name)
{
	int fd;

	debuginfo_path = file_name && dir_is_shared(file_name) ? system_debug_only : NULL;
	fd = dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name, debuglink, crc,
					  debuginfo_file_name);
	debuginfo_path = NULL;
	return fd;
}

static const Dwfl_Callbacks dwfl_callbacks = {
	.find_elf = find_elf_safely,
	.find_debuginfo = find_debuginfo_safely,
	.debuginfo_path = &debuginfo_path,
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static void proc_free(struct sym_proc *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nmaps; i++)
		free(p->maps[i].path);
	free(p->maps);
	if (p->dwfl)
		dwfl_end(p->dwfl);
	u64map_clear(&p->cache);
	free(p->chains);
	jitmap_fini(&p->jit);
	free(p);
}

static void forget(struct sym_proc *p)
{
	u64map_clear(&p->cache);
	p->nchains = 0;
}

static void proc_reset(struct sym_proc *p)
{
	for (size_t i = 0; i < p->nmaps; i++)
		free(p->maps[i].path);
	p->nmaps = 0;
	p->dirty = 1;
	forget(p);
}

static struct sym_proc *proc_find(struct symbolizer *s, pid_t pid)
{
	uint32_t i = u64map_get(&s->by_pid, (uint64_t)pid);

	return i == U64MAP_NONE ? NULL : s->procs[i];
}

static struct sym_proc *proc_add(struct symbolizer *s, pid_t pid)
{
	struct sym_proc *p;

	if (grow_array(&s->procs, &s->cap, s->nprocs + 1, sizeof(*s->procs)))
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p || u64map_put(&s->by_pid, (uint64_t)pid, (uint32_t)s->nprocs)) {
		free(p);
		return NULL;
	}
	p->pid = pid;
	p->dirty = 1;
	u64map_init(&p->cache);
	{
		struct procfs_status st;

		/* Unknown owner: only root's maps are trusted. */
		int known = procfs_read_status(pid, 0, &st) == 0;

		jitmap_init(&p->jit, pid, known ? st.uid : 0);
		p->jit.ns_pid = known ? st.ns_pid : 0;
	}
	s->procs[s->nprocs++] = p;
	return p;
}

/* Inserts a mapping, dropping any it overlaps (a new mmap replaces them). */
static int proc_map(struct sym_proc *p, uint64_t start, uint64_t end, uint64_t pgoff,
		    const char *path)
{
	size_t i, j = 0;

	for (i = 0; i < p->nmaps; i++) {
		struct mapping *m = &p->maps[i];

		if (m->start < end && start < m->end) {
			if (m->start == start && m->end == end && !strcmp(m->path, path))
				return 0; /* already known: nothing changed */
			free(m->path);
			continue;
		}
		p->maps[j++] = *m;
	}
	p->nmaps = j;
	if (grow_array(&p->maps, &p->cap, p->nmaps + 1, sizeof(*p->maps)))
		return -ENOMEM;
	for (i = p->nmaps; i > 0 && p->maps[i - 1].start > start; i--)
		p->maps[i] = p->maps[i - 1];
	p->maps[i] = (struct mapping){ start, end, pgoff, strdup(path) };
	if (!p->maps[i].path)
		return -ENOMEM;
	p->nmaps++;
	p->dirty = 1;
	forget(p);
	return 0;
}

static const struct mapping *proc_mapping(const struct sym_proc *p, uint64_t addr)
{
	size_t lo = 0, hi = p->nmaps;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->maps[mid].end <= addr)
			lo = mid + 1;
		else if (p->maps[mid].start > addr)
			hi = mid;
		else
			return &p->maps[mid];
	}
	return NULL;
}

static int on_proc_map(const struct procfs_map *m, void *arg)
{
	if (m->exec && m->path[0])
		proc_map(arg, m->start, m->end, m->pgoff, m->path);
	return 0;
}

static int reload_maps(struct sym_proc *p)
{
	p->last_reload = now_ns();
	return procfs_read_maps(p->pid, on_proc_map, p);
}

/* A file libdwfl can open: not "//anon" (anonymous executable memory, as
 * perf names it) or a memfd. A file deleted since it was mapped is read
 * through /proc/PID/map_files while the process lives. */
static int is_file(const char *path)
{
	if (!strcmp(path, "[vdso]"))
		return 1;
	return path[0] == '/' && path[1] != '/' && strncmp(path, "/memfd:", 7);
}

/* Whether M sits where the file's first mapping puts it. A segment the
 * program remapped elsewhere (node copies its text to large pages) would
 * make libdwfl's module span everything between, JIT code included. */
static int primary_bias(const struct sym_proc *p, const struct mapping *m)
{
	const struct mapping *first = m;

	for (size_t i = 0; i < p->nmaps; i++)
		if (p->maps[i].pgoff < first->pgoff && !strcmp(p->maps[i].path, m->path))
			first = &p->maps[i];
	return m->start - m->pgoff == first->start - first->pgoff;
}

/* libdwfl groups mappings into modules by (device, inode) and places a
 * module's file offset 0 at the lowest address it is told.  We hand it one
 * line per executable mapping, moved down by its file offset, with a
 * made-up inode per path: that yields the right load bias for PIE, shared
 * objects and fixed-address executables alike. */
static int rebuild_dwfl(const struct symbolizer *s, struct sym_proc *p)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len), *in;

	if (!mem)
		return -ENOMEM;
	for (size_t i = 0; i < p->nmaps; i++) {
		const struct mapping *m = &p->maps[i];
		const char *path = m->path;

		if (!strcmp(path, "[vdso]") && s->vdso_fd >= 0)
			path = s->vdso_path;
		if (!is_file(m->path) || path[0] != '/' || m->start < m->pgoff ||
		    !primary_bias(p, m))
			continue;
		fprintf(mem, "%" PRIx64 "-%" PRIx64 " r-xp 00000000 00:01 %zu %s\n",
			m->start - m->pgoff, m->end, i + 1, path);
	}
	fclose(mem);
	if (!p->dwfl)
		p->dwfl = dwfl_begin(&dwfl_callbacks);
	if (!p->dwfl) {
		free(text);
		return -ENOMEM;
	}
	dwfl_report_begin(p->dwfl);
	in = fmemopen(text, len ? len : 1, "r");
	if (in) {
		if (len)
			dwfl_linux_proc_maps_report(p->dwfl, in);
		fclose(in);
	}
	dwfl_report_end(p->dwfl, NULL, NULL);
	dwfl_getmodules(p->dwfl, own_module, p, 0);
	free(text);
	p->dirty = 0;
	p->version++;
	return 0;
}

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
static Dwarf_Die *cu_of(Dwfl_Module *mod, uint64_t addr, Dwarf_Addr *bias, Dwarf_Die *buf)
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
	Dwarf_Die buf, *cu = cu_of(mod, addr, &bias, &buf);
	Dwarf_Line *l = cu ? dwarf_getsrc_die(cu, addr - bias) : NULL;

	if (l && dwarf_lineno(l, line) == 0)
		return dwarf_linesrc(l, NULL, NULL);
	return NULL;
}

static const char *src_line(Dwfl_Module *mod, uint64_t addr, int *line)
{
	Dwfl_Line *l = dwfl_module_getsrc(mod, addr);

	*line = 0;
	if (l)
		return dwfl_lineinfo(l, NULL, line, NULL, NULL, NULL);
	return line_by_cu_scan(mod, addr, line);
}

/* "memcpy@@GLIBC_2.14" → "memcpy": the version is noise in a profile. */
static char *symbol_name(const char *sym)
{
	char *name = demangle(sym), *at = name ? strchr(name, '@') : NULL;

	if (at && at != name)
		*at = 0;
	return name;
}

/* A DIE's name, following DW_AT_abstract_origin: the linkage name
 * demangled where there is one (C++), else DW_AT_name. */
static char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute a;
	const char *n = NULL;

	if (dwarf_attr_integrate(die, DW_AT_linkage_name, &a) ||
	    dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &a))
		n = dwarf_formstring(&a);
	if (!n && dwarf_attr_integrate(die, DW_AT_name, &a))
		n = dwarf_formstring(&a);
	return n ? symbol_name(n) : NULL;
}

/* DW_AT_decl_file through the line table of CU (elfutils 0.188's
 * dwarf_decl_file misses clang's DWARF 5 file tables). */
static const char *decl_file(Dwarf_Die *die, Dwarf_Die *cu)
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

/* Functions inlined at ADDR, innermost first, as inline frames. */
static size_t inline_frames(struct symbolizer *s, Dwfl_Module *mod, uint64_t addr,
			    const char *module, enum frame_kind kind, uint32_t *out, size_t max)
{
	Dwarf_Addr bias;
	Dwarf_Die buf, *cu = cu_of(mod, addr, &bias, &buf), *scopes = NULL;
	int n = cu ? dwarf_getscopes(cu, addr - bias, &scopes) : 0;
	size_t k = 0;

	for (int i = 0; i < n && k < max; i++) {
		char *name;
		int line = 0;
		const char *file;
		Dwarf_Attribute a;
		Dwarf_Die origin, *decl = &scopes[i];

		if (dwarf_tag(&scopes[i]) != DW_TAG_inlined_subroutine)
			continue;
		if (!(name = die_name(&scopes[i])))
			continue;
		/* Where the function is written: its abstract origin says. */
		if (dwarf_attr(&scopes[i], DW_AT_abstract_origin, &a) &&
		    dwarf_formref_die(&a, &origin))
			decl = &origin;
		file = decl_file(decl, cu);
		dwarf_decl_line(decl, &line);
		out[k] = frametab_intern_inline(s->frames, name, module, file,
						(unsigned)(line > 0 ? line : 0), kind);
		k += out[k] != U64MAP_NONE;
		free(name);
	}
	free(scopes);
	return k;
}

static enum frame_kind kind_of(const char *path)
{
	const char *b = base_name(path);

	if (path[0] == '[')
		return FRAME_LIBRARY; /* [vdso], [vsyscall] */
	return strstr(b, ".so") ? FRAME_LIBRARY : FRAME_USER;
}

/* Names MODPATH's module in the frame table with its GNU build id, once. */
static void note_module(struct symbolizer *s, Dwfl_Module *mod, const char *modpath)
{
	const unsigned char *bits = NULL;
	GElf_Addr vaddr;
	char hex[2 * 64 + 1];
	int n;

	if (frametab_module(s->frames, base_name(modpath)))
		return;
	n = dwfl_module_build_id(mod, &bits, &vaddr);
	if (n > 64)
		n = 64;
	for (int i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", bits[i]);
	hex[n > 0 ? 2 * n : 0] = 0;
	frametab_note_module(s->frames, base_name(modpath), modpath[0] == '[' ? NULL : modpath,
			     n > 0 ? hex : NULL);
}

/* Frames for ADDR inside module M, innermost first: functions inlined
 * there, then the covering symbol; else module+offset. Returns the count. */
static size_t frames_from_dwfl(struct symbolizer *s, Dwfl_Module *mod, uint64_t addr,
			       const struct mapping *map, uint32_t *out)
{
	const char *modpath = NULL, *sym;
	GElf_Off off = 0;
	GElf_Sym es;
	Dwarf_Addr bias = 0;
	char buf[512];

	dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, &modpath, NULL);
	if (!modpath || (s->vdso_fd >= 0 && !strcmp(modpath, s->vdso_path)))
		modpath = map ? map->path : "[unknown]";
	note_module(s, mod, modpath);
	sym = dwfl_module_addrinfo(mod, addr, &off, &es, NULL, NULL, NULL);
	if (sym && sym[0]) {
		int line = 0;
		/* st_value is unbiased here; addr - off is the function's start. */
		const char *file = src_line(mod, addr - off, &line);
		char *name = symbol_name(sym);
		size_t n = inline_frames(s, mod, addr, base_name(modpath), kind_of(modpath), out,
					 MAX_INLINE - 1);

		out[n] = name ? frametab_intern(s->frames, name, base_name(modpath), file,
						(unsigned)(line > 0 ? line : 0), kind_of(modpath))
			      : U64MAP_NONE;
		free(name);
		return n + 1;
	}
	if (!dwfl_module_getelf(mod, &bias))
		bias = map ? map->start - map->pgoff : 0;
	snprintf(buf, sizeof(buf), "%s+0x%" PRIx64, base_name(modpath), addr - bias);
	out[0] = frametab_intern(s->frames, buf, base_name(modpath), NULL, 0, kind_of(modpath));
	return 1;
}

static uint32_t unknown_frame(struct symbolizer *s)
{
	return frametab_intern(s->frames, "[unknown]", "[unknown]", NULL, 0, FRAME_UNKNOWN);
}

/* Anonymous executable memory: JIT code, named by the runtime's map. */
static uint32_t resolve_jit(struct symbolizer *s, struct sym_proc *p, uint64_t addr)
{
	const char *name = jitmap_lookup(&p->jit, addr, now_ns());

	if (!name)
		return unknown_frame(s);
	return frametab_intern(s->frames, name, "[jit]", NULL, 0, FRAME_JIT);
}

static size_t resolve_user(struct symbolizer *s, struct sym_proc *p, uint64_t addr, uint32_t *out)
{
	const struct mapping *map = proc_mapping(p, addr);
	Dwfl_Module *mod;
	char buf[512];

	if (!map && now_ns() - p->last_reload > RELOAD_INTERVAL_NS) {
		/* Perhaps a mapping we have not been told of yet: ask /proc. */
		reload_maps(p);
		map = proc_mapping(p, addr);
	}
	if (!map || !is_file(map->path)) {
		out[0] = resolve_jit(s, p, addr);
		return 1;
	}
	if (p->dirty)
		rebuild_dwfl(s, p);
	mod = p->dwfl ? dwfl_addrmodule(p->dwfl, addr) : NULL;
	if (mod)
		return frames_from_dwfl(s, mod, addr, map, out);
	snprintf(buf, sizeof(buf), "%s+0x%" PRIx64, base_name(map->path),
		 addr - map->start + map->pgoff);
	out[0] = frametab_intern(s->frames, buf, base_name(map->path), NULL, 0, kind_of(map->path));
	return 1;
}

static uint32_t resolve_kernel(struct symbolizer *s, uint64_t addr)
{
	uint32_t id = u64map_get(&s->kcache, addr);
	const struct ksym *k;

	if (id != U64MAP_NONE)
		return id;
	k = kallsyms_lookup(s->ksyms, addr);
	id = k ? frametab_intern(s->frames, k->name, k->module, NULL, 0, FRAME_KERNEL)
	       : frametab_intern(s->frames, "[kernel]", "[kernel.kallsyms]", NULL, 0, FRAME_KERNEL);
	if (id != U64MAP_NONE)
		u64map_put(&s->kcache, addr, id);
	return id;
}

static struct sym_proc *proc_get(struct symbolizer *s, pid_t pid)
{
	struct sym_proc *p = proc_find(s, pid);

	if (!p && (p = proc_add(s, pid)))
		reload_maps(p);
	return p;
}

/* Keeps ADDR's answer: one frame as itself, a chain in the pool. */
static void remember(struct sym_proc *p, uint64_t addr, const uint32_t *ids, size_t n)
{
	if (n == 1) {
		u64map_put(&p->cache, addr, ids[0]);
		return;
	}
	if (p->nchains + n + 1 >= CHAIN ||
	    grow_array(&p->chains, &p->capchains, p->nchains + n + 1, sizeof(*p->chains)))
		return;
	u64map_put(&p->cache, addr, CHAIN | (uint32_t)p->nchains);
	p->chains[p->nchains++] = (uint32_t)n;
	memcpy(p->chains + p->nchains, ids, n * sizeof(*ids));
	p->nchains += n;
}

size_t sym_resolve_all(struct symbolizer *s, pid_t pid, uint64_t ip, int kernel, int caller,
		       uint32_t *out, size_t max)
{
	uint64_t addr = caller && ip ? ip - 1 : ip;
	uint32_t ids[MAX_INLINE], v;
	struct sym_proc *p;
	size_t n, k = 0;

	if (kernel || !max) {
		out[0] = max ? resolve_kernel(s, addr) : U64MAP_NONE;
		return max && out[0] != U64MAP_NONE;
	}
	if (!(p = proc_get(s, pid)))
		return 0;
	v = u64map_get(&p->cache, addr);
	if (v != U64MAP_NONE && !(v & CHAIN)) {
		out[0] = v;
		return 1;
	}
	if (v != U64MAP_NONE) {
		n = p->chains[v & ~CHAIN];
		memcpy(ids, p->chains + (v & ~CHAIN) + 1, n * sizeof(*ids));
	} else {
		n = resolve_user(s, p, addr, ids);
		/* JIT code moves and maps grow: those answers are not kept. */
		if (n && ids[n - 1] != U64MAP_NONE &&
		    frametab_get(s->frames, ids[n - 1])->kind < FRAME_JIT)
			remember(p, addr, ids, n);
	}
	for (size_t i = 0; i < n && k < max; i++)
		if (ids[i] != U64MAP_NONE)
			out[k++] = ids[i];
	return k;
}

uint32_t sym_resolve(struct symbolizer *s, pid_t pid, uint64_t ip, int kernel, int caller)
{
	uint32_t ids[MAX_INLINE];
	size_t n = sym_resolve_all(s, pid, ip, kernel, caller, ids, MAX_INLINE);

	return n ? ids[n - 1] : U64MAP_NONE;
}

Dwfl *sym_dwfl(struct symbolizer *s, pid_t pid)
{
	struct sym_proc *p = proc_get(s, pid);

	if (!p)
		return NULL;
	if (p->dirty)
		rebuild_dwfl(s, p);
	return p->dwfl;
}

unsigned sym_maps_version(struct symbolizer *s, pid_t pid)
{
	return sym_dwfl(s, pid) ? proc_find(s, pid)->version : 0;
}

/* LEN bytes at ADDR from MOD's file, through its program headers. */
static int read_module(Dwfl_Module *mod, uint64_t addr, void *buf, size_t len)
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
	r->done = read_module(mod, r->addr, r->buf, r->len) == 0;
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
	if (mod && read_module(mod, addr, buf, len) == 0)
		return 0;
	/* Segments past the executable mapping (.eh_frame in a read-only
	 * segment after the code) lie outside what the module was told. */
	dwfl_getmodules(dwfl, read_any_module, &r, 0);
	return r.done ? 0 : -1;
}

int sym_load_proc(struct symbolizer *s, pid_t pid)
{
	struct sym_proc *p = proc_find(s, pid);

	if (!p && !(p = proc_add(s, pid)))
		return -ENOMEM;
	return reload_maps(p);
}

void sym_mmap(struct symbolizer *s, pid_t pid, uint64_t start, uint64_t len, uint64_t pgoff,
	      const char *path)
{
	struct sym_proc *p = proc_find(s, pid);

	if (!p && !(p = proc_add(s, pid)))
		return;
	proc_map(p, start, start + len, pgoff, path);
}

void sym_fork(struct symbolizer *s, pid_t pid, pid_t ppid)
{
	struct sym_proc *parent = proc_find(s, ppid), *child;

	if (pid == ppid || proc_find(s, pid) || !(child = proc_add(s, pid)))
		return;
	/* A forked child starts with its parent's address space. */
	for (size_t i = 0; parent && i < parent->nmaps; i++)
		proc_map(child, parent->maps[i].start, parent->maps[i].end, parent->maps[i].pgoff,
			 parent->maps[i].path);
}

void sym_exec(struct symbolizer *s, pid_t pid)
{
	struct sym_proc *p = proc_find(s, pid);

	if (!p)
		p = proc_add(s, pid);
	if (p)
		proc_reset(p); /* the mmap records of the new image follow */
}

/* Every 64-bit process on this kernel maps the same vDSO image as we do, so a
 * copy of ours symbolizes theirs — also after they exited. */
static int vdso_range(const struct procfs_map *m, void *arg)
{
	uint64_t *r = arg;

	if (strcmp(m->path, "[vdso]"))
		return 0;
	r[0] = m->start;
	r[1] = m->end;
	return 1;
}

static void copy_vdso(struct symbolizer *s)
{
	uint64_t r[2] = { 0, 0 };
	unsigned long base = getauxval(AT_SYSINFO_EHDR);

	s->vdso_fd = -1;
	if (!base || procfs_read_maps(getpid(), vdso_range, r) || r[0] != base)
		return;
	s->vdso_fd = memfd_create("flametop-vdso", MFD_CLOEXEC);
	if (s->vdso_fd < 0)
		return;
	if (write(s->vdso_fd, (const void *)(uintptr_t)base, r[1] - r[0]) !=
	    (ssize_t)(r[1] - r[0])) {
		close(s->vdso_fd);
		s->vdso_fd = -1;
		return;
	}
	snprintf(s->vdso_path, sizeof(s->vdso_path), "/proc/self/fd/%d", s->vdso_fd);
}

int sym_have_kernel(const struct symbolizer *s) { return kallsyms_len(s->ksyms) > 0; }

struct symbolizer *sym_new(struct frametab *frames, const char *kallsyms_path)
{
	struct symbolizer *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->frames = frames;
	u64map_init(&s->kcache);
	u64map_init(&s->by_pid);
	if (kallsyms_path)
		s->ksyms = kallsyms_load(kallsyms_path);
	copy_vdso(s);
	return s;
}

void sym_free(struct symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nprocs; i++)
		proc_free(s->procs[i]);
	free(s->procs);
	u64map_clear(&s->by_pid);
	u64map_clear(&s->kcache);
	kallsyms_free(s->ksyms);
	if (s->vdso_fd >= 0)
		close(s->vdso_fd);
	free(s);
}
