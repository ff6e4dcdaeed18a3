/* symbols — libdwfl per process, kallsyms for the kernel, caches for both. */
#include "symbols_impl.h"

#include "dbgfetch.h"
#include "grow.h"
#include "jitmap.h"
#include "kallsyms.h"
#include "plt.h"
#include "procfs.h"
#include "safefile.h"
#include "u64map.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* From libstdc++: the C++ ABI demangler. */
extern char *__cxa_demangle(const char *mangled, char *out, size_t *len, int *status);

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
 * block or feed us forever. A file found by path on the mapped file's device
 * but with another inode is not it (replaced since): not used. */
static int open_as_mapped(pid_t pid, uint64_t start, uint64_t end, const char *path, uint64_t dev,
			  uint64_t ino)
{
	char buf[4200];
	struct stat st;
	int deleted = undeleted_len(path) != strlen(path), fd = -1;

	if (pid > 0 && end > start) {
		snprintf(buf, sizeof(buf), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, (int)pid,
			 start, end);
		fd = safefile_open(buf, 0, 0, NULL);
	}
	if (fd >= 0 || deleted)
		return fd;
	if (pid > 0 &&
	    (size_t)snprintf(buf, sizeof(buf), "/proc/%d/root%s", (int)pid, path) < sizeof(buf))
		fd = safefile_open(buf, 0, 0, NULL);
	if (fd < 0)
		fd = safefile_open(path, 0, 0, NULL);
	if (fd >= 0 && ino && !fstat(fd, &st) && st.st_dev == dev && st.st_ino != ino) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The same for a process's unwinding session, whose modules are named by
 * path: its mapping of that path says where. */
static int open_mapped(const struct sym_proc *p, const char *path)
{
	size_t n = strlen(path);

	/* libdwfl names a deleted file's module without the suffix. */
	for (size_t i = 0; p && i < p->nmaps; i++)
		if (!strncmp(p->maps[i].path, path, n) &&
		    (!p->maps[i].path[n] || !strcmp(p->maps[i].path + n, DELETED)))
			return open_as_mapped(p->pid, p->maps[i].start, p->maps[i].end,
					      p->maps[i].path, 0, 0);
	return open_as_mapped(p ? p->pid : 0, 0, 0, path, 0, 0);
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

/* The shared session's: the module's user data is its sym_file. */
static int find_file_elf(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr base,
			 char **file_name, Elf **elfp)
{
	struct sym_file *f = *userdata;
	int fd;

	(void)mod, (void)name, (void)base;
	*elfp = NULL;
	if (!f)
		return -1;
	if (f->copy_fd >= 0) {
		*file_name = NULL;
		return fcntl(f->copy_fd, F_DUPFD_CLOEXEC, 0);
	}
	fd = open_as_mapped(f->pid, f->mstart, f->mend, f->path, f->dev, f->ino);
	if (fd >= 0)
		*file_name = strndup(f->path, undeleted_len(f->path));
	return fd;
}

/* Unwinding needs a module's CFI (.eh_frame, in the ELF file itself), not
 * its debug info: each process's session leaves that to the shared one. */
static int no_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
			const char *file_name, const char *debuglink, GElf_Word crc,
			char **debuginfo_file_name)
{
	(void)mod, (void)userdata, (void)modname, (void)base, (void)file_name, (void)debuglink,
	    (void)crc, (void)debuginfo_file_name;
	return -1;
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
	struct sym_file *f = *userdata;
	int fd;

	if (f && f->debug_fd >= 0) {
		fd = fcntl(f->debug_fd, F_DUPFD_CLOEXEC, 0);
		if (fd >= 0)
			*debuginfo_file_name = strdup(f->debug_path);
		return fd;
	}
	debuginfo_path = file_name && dir_is_shared(file_name) ? system_debug_only : NULL;
	fd = dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name, debuglink, crc,
					  debuginfo_file_name);
	debuginfo_path = NULL;
	return fd;
}

static const Dwfl_Callbacks file_callbacks = {
	.find_elf = find_file_elf,
	.find_debuginfo = find_debuginfo_safely,
	.debuginfo_path = &debuginfo_path,
};

static const Dwfl_Callbacks proc_callbacks = {
	.find_elf = find_elf_safely,
	.find_debuginfo = no_debuginfo,
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
	jitmap_fini(&p->jit);
	free(p);
}

static void proc_reset(struct sym_proc *p)
{
	for (size_t i = 0; i < p->nmaps; i++)
		free(p->maps[i].path);
	p->nmaps = 0;
	p->dirty = 1;
}

static struct sym_proc *proc_find(struct symbolizer *s, pid_t pid)
{
	uint32_t i = u64map_get(&s->by_pid, (uint64_t)pid);

	return i == U64MAP_NONE ? NULL : s->procs[i];
}

/* Forgets PID: its slot goes to the last process. */
static void proc_drop(struct symbolizer *s, pid_t pid)
{
	uint32_t i = u64map_get(&s->by_pid, (uint64_t)pid);

	if (i == U64MAP_NONE)
		return;
	s->jit_dropped_gone += s->procs[i]->jit.dropped;
	proc_free(s->procs[i]);
	u64map_del(&s->by_pid, (uint64_t)pid);
	if (i != --s->nprocs) {
		s->procs[i] = s->procs[s->nprocs];
		u64map_put(&s->by_pid, (uint64_t)s->procs[i]->pid, i);
	}
	s->st.procs_freed++;
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
	{
		struct procfs_status st;

		/* Unknown owner: only root's maps are trusted. */
		int known = procfs_read_status(pid, 0, &st) == 0;

		jitmap_init(&p->jit, pid, known ? st.uid : 0);
		p->jit.ns_pid = known ? st.ns_pid : 0;
	}
	s->procs[s->nprocs++] = p;
	s->st.procs++;
	if (s->nprocs > s->st.procs_peak)
		s->st.procs_peak = s->nprocs;
	return p;
}

/* A file can be told apart by its device and inode; a name alone (a record
 * without them) by its path. */
static uint64_t file_key(uint64_t dev, uint64_t ino, const char *path)
{
	uint64_t h = 0xcbf29ce484222325ull;

	if (ino)
		return u64map_mix(dev * 0x9e3779b97f4a7c15ull ^ u64map_mix(ino));
	for (const char *c = path; *c; c++)
		h = (h ^ (unsigned char)*c) * 0x100000001b3ull;
	return h;
}

static int same_file(const struct sym_file *f, uint64_t dev, uint64_t ino, const char *path)
{
	return ino ? f->dev == dev && f->ino == ino : !f->ino && !strcmp(f->path, path);
}

static Dwfl_Module *file_module(struct symbolizer *s, struct sym_file *f, const struct sym_proc *p,
				const struct mapping *m);

/* Synthetic addresses stay below 2^62: a slot is left for one more file. */
static int slot_left(const struct symbolizer *s) { return s->slots < (1ull << 62) / FILE_SLOT - 1; }

/* The file mapped at START-END of PID as PATH: found, or new. Returns its
 * index or FILE_NONE. */
static uint32_t file_of(struct symbolizer *s, pid_t pid, uint64_t start, uint64_t end, uint64_t dev,
			uint64_t ino, const char *path)
{
	uint64_t key = file_key(dev, ino, path);
	uint32_t i = u64map_get(&s->by_file, key);
	struct sym_file *f;

	/* Keys are hashes: a clash steps on to the next. */
	for (; i != U64MAP_NONE; i = u64map_get(&s->by_file, ++key))
		if (same_file(s->files[i], dev, ino, path))
			return i;
	if (!slot_left(s) ||
	    grow_array(&s->files, &s->capfiles, s->nfiles + 1, sizeof(*s->files)) ||
	    !(f = calloc(1, sizeof(*f))))
		return FILE_NONE;
	if (!(f->path = strdup(path)) || u64map_put(&s->by_file, key, (uint32_t)s->nfiles)) {
		free(f->path);
		free(f);
		return FILE_NONE;
	}
	f->dev = dev;
	f->ino = ino;
	f->base = ++s->slots * FILE_SLOT;
	f->index = (uint32_t)s->nfiles;
	f->debug_fd = -1;
	f->pid = pid;
	f->mstart = start;
	f->mend = end;
	f->copy_fd = !strcmp(path, "[vdso]") ? s->vdso_fd : -1;
	s->files[s->nfiles] = f;
	s->nfiles++;
	/* With debuginfod, a file without symbols is asked for at first sight,
	 * not at its first sample: fewer of its samples wait for names. */
	if (s->fetch && path[0] == '/')
		file_module(s, f, NULL, NULL);
	return (uint32_t)s->nfiles - 1;
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

/* A program may copy its own text into anonymous memory at the same
 * addresses (node --use-largepages moves it to huge pages): the code is
 * still the file's. An anonymous executable mapping laid over a file's
 * mapping (UNDER: its path, file and load bias), or lying between two
 * mappings of one file at one load bias, is named as that file at the
 * offset the bias gives. */
static void keep_file_identity(struct sym_proc *p, size_t i, const char *under, uint32_t file,
			       uint64_t bias)
{
	struct mapping *m = &p->maps[i];
	const struct mapping *a = i > 0 ? &p->maps[i - 1] : NULL;
	const struct mapping *b = i + 1 < p->nmaps ? &p->maps[i + 1] : NULL;
	char *path;

	if (m->file != FILE_NONE || is_file(m->path))
		return;
	if (!under && a && b && a->file != FILE_NONE && a->file == b->file &&
	    a->start - a->pgoff == b->start - b->pgoff) {
		under = a->path;
		file = a->file;
		bias = a->start - a->pgoff;
	}
	if (!under || bias > m->start || !(path = strdup(under)))
		return;
	free(m->path);
	m->path = path;
	m->file = file;
	m->pgoff = m->start - bias;
}

/* Inserts a mapping, dropping any it overlaps (a new mmap replaces them). */
static int proc_map(struct symbolizer *s, struct sym_proc *p, uint64_t start, uint64_t end,
		    uint64_t pgoff, uint64_t dev, uint64_t ino, const char *path)
{
	size_t i, j = 0;
	char *under = NULL; /* the first file mapping the new one replaces */
	uint32_t under_file = FILE_NONE;
	uint64_t under_bias = 0;

	for (i = 0; i < p->nmaps; i++) {
		struct mapping *m = &p->maps[i];

		if (m->start < end && start < m->end) {
			if (m->start == start && m->end == end && m->pgoff == pgoff &&
			    !strcmp(m->path, path))
				return 0; /* already known: nothing changed */
			if (!under && m->file != FILE_NONE) {
				under = m->path;
				under_file = m->file;
				under_bias = m->start - m->pgoff;
			} else {
				free(m->path);
			}
			continue;
		}
		p->maps[j++] = *m;
	}
	p->nmaps = j;
	if (grow_array(&p->maps, &p->cap, p->nmaps + 1, sizeof(*p->maps))) {
		free(under);
		return -ENOMEM;
	}
	for (i = p->nmaps; i > 0 && p->maps[i - 1].start > start; i--)
		p->maps[i] = p->maps[i - 1];
	p->maps[i] = (struct mapping){ start, end, pgoff, strdup(path), FILE_NONE };
	if (!p->maps[i].path) {
		free(under);
		return -ENOMEM;
	}
	if (is_file(path))
		p->maps[i].file = file_of(s, p->pid, start, end, dev, ino, path);
	p->nmaps++;
	keep_file_identity(p, i, under, under_file, under_bias);
	free(under);
	p->dirty = 1;
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

struct reload {
	struct symbolizer *s;
	struct sym_proc *p;
};

static int on_proc_map(const struct procfs_map *m, void *arg)
{
	struct reload *r = arg;

	/* Anonymous executable memory too: JIT code, or the program's own
	 * text moved (see keep_file_identity). */
	if (m->exec)
		proc_map(r->s, r->p, m->start, m->end, m->pgoff, m->dev, m->ino,
			 m->path[0] ? m->path : "//anon");
	return 0;
}

static int reload_maps(struct symbolizer *s, struct sym_proc *p)
{
	struct reload r = { s, p };

	p->last_reload = now_ns();
	return procfs_read_maps(p->pid, on_proc_map, &r);
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
static int rebuild_dwfl(struct symbolizer *s, struct sym_proc *p)
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
		p->dwfl = dwfl_begin(&proc_callbacks);
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
	p->version = ++s->versions;
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
/* MOD's GNU build id in lowercase hex (its first 64 bytes) into HEX.
 * Returns its length in bytes, <= 0 when it has none. */
static int build_id_hex(Dwfl_Module *mod, char hex[2 * 64 + 1])
{
	const unsigned char *bits = NULL;
	GElf_Addr vaddr;
	Dwarf_Addr bias;
	int n;

	dwfl_module_getelf(mod, &bias); /* the build id is known once the ELF is read */
	n = dwfl_module_build_id(mod, &bits, &vaddr);
	for (int i = 0; i < n && i < 64; i++)
		snprintf(hex + 2 * i, 3, "%02x", bits[i]);
	hex[n > 0 ? 2 * (n < 64 ? n : 64) : 0] = 0;
	return n;
}

/* Says in the frame table where F's names came from (module NAME). */
static void note_source(struct symbolizer *s, const struct sym_file *f, const char *name)
{
	frametab_module_symbols(s->frames, name, f->symbols, f->debug_path, f->fetch_said);
}

static void note_module(struct symbolizer *s, Dwfl_Module *mod, const char *modpath,
			const struct sym_file *f)
{
	char hex[2 * 64 + 1];
	int n;

	if (frametab_module(s->frames, base_name(modpath)))
		return;
	n = build_id_hex(mod, hex);
	frametab_note_module(s->frames, base_name(modpath), modpath[0] == '[' ? NULL : modpath,
			     n > 0 ? hex : NULL);
	note_source(s, f, base_name(modpath));
}

static int has_symtab(Elf *elf)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			return 1;
	return 0;
}

/* Where F's names come from, looked at once when its module is first
 * loaded. With none but its exported ones (a stripped binary, a
 * distribution's library without its -dbg files) and a build id, its debug
 * file is asked of debuginfod; until it comes, code of F is named by
 * address. */
static void check_symbols(struct symbolizer *s, struct sym_file *f, Dwfl_Module *mod)
{
	const char *debugfile = NULL;
	Dwarf_Addr bias;
	char hex[2 * 64 + 1];
	Elf *elf;
	int n;

	if (f->checked || f->path[0] != '/')
		return;
	f->checked = 1; /* once: before any debuginfod answer can come */
	if (!(elf = dwfl_module_getelf(mod, &bias)))
		return;
	if (has_symtab(elf)) {
		f->symbols = "symtab";
		return;
	}
	dwfl_module_getsymtab(mod); /* looks for a debug file here */
	dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, NULL, &debugfile);
	if (debugfile) {
		f->symbols = "debug-file";
		free(f->debug_path);
		f->debug_path = strdup(debugfile);
		return;
	}
	f->symbols = "dynsym";
	n = build_id_hex(mod, hex);
	if (s->fetch && n > 0 && n <= 64 && dbgfetch_want(s->fetch, f->index, hex) == 0) {
		f->fetch = FETCH_WAIT;
		s->st.fetch_asked++;
	}
}

/* Code no symbol covers (a stripped binary's, .dynsym and MiniDebugInfo
 * having none for it): one frame for the whole module, "[libbz2.so.1.0.4]",
 * as dozens of one-sample addresses tell nothing; "module+0xOFF" (a file
 * offset or ELF address) with sym_keep_addresses. */
static uint32_t no_symbol(struct symbolizer *s, const char *module, uint64_t off,
			  enum frame_kind kind, int addresses)
{
	char buf[512];

	if (s->keep_addresses || addresses)
		snprintf(buf, sizeof(buf), "%s+0x%" PRIx64, module, off);
	else if (module[0] == '[')
		snprintf(buf, sizeof(buf), "%s", module);
	else
		snprintf(buf, sizeof(buf), "[%s]", module);
	return frametab_intern(s->frames, buf, module, NULL, 0, kind);
}

/* Frame ID's source line is to be read later, at the function's start
 * ADDR of F: once per frame. */
static void want_line(struct symbolizer *s, uint32_t id, struct sym_file *f, uint64_t addr)
{
	if (frametab_get(s->frames, id)->file || u64map_get(&s->pending_ids, id) != U64MAP_NONE ||
	    grow_array(&s->pending, &s->cappending, s->npending + 1, sizeof(*s->pending)) ||
	    u64map_put(&s->pending_ids, id, 1))
		return;
	s->pending[s->npending++] = (struct pending_line){ id, f, addr - f->base };
}

/* The name of F's PLT stub at ELF address VADDR, or NULL: the table is read
 * from ELF at the first need. */
static const char *file_plt(struct sym_file *f, Elf *elf, uint64_t vaddr)
{
	if (!f->plt_read) {
		f->plt_read = 1;
		plt_read(elf, &f->plt);
	}
	return plt_name(&f->plt, vaddr);
}

/* Frames for ADDR inside module M, innermost first: functions inlined
 * there, then the covering symbol; else the module (see no_symbol).
 * Returns the count. */
static size_t frames_from_dwfl(struct symbolizer *s, Dwfl_Module *mod, uint64_t addr,
			       const struct sym_file *f, uint32_t *out)
{
	const char *modpath = NULL, *sym;
	GElf_Off off = 0;
	GElf_Sym es;
	Dwarf_Addr bias = 0;
	Elf *elf;

	dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, &modpath, NULL);
	if (!modpath)
		modpath = f->path;
	note_module(s, mod, modpath, f);
	sym = dwfl_module_addrinfo(mod, addr, &off, &es, NULL, NULL, NULL);
	if (sym && sym[0]) {
		char *name = symbol_name(sym);
		size_t n = inline_frames(s, mod, addr, base_name(modpath), kind_of(modpath), out,
					 MAX_INLINE - 1);

		out[n] = name ? frametab_intern(s->frames, name, base_name(modpath), NULL, 0,
						kind_of(modpath))
			      : U64MAP_NONE;
		/* st_value is unbiased here; addr - off is the function's start */
		if (out[n] != U64MAP_NONE)
			want_line(s, out[n], (struct sym_file *)f, addr - off);
		free(name);
		return n + 1;
	}
	if (!(elf = dwfl_module_getelf(mod, &bias)))
		bias = f->base;
	else if ((sym = file_plt((struct sym_file *)f, elf, addr - bias))) {
		/* a PLT stub, named as perf names it */
		out[0] =
		    frametab_intern(s->frames, sym, base_name(modpath), NULL, 0, kind_of(modpath));
		return 1;
	}
	/* Waiting for debuginfod, or it had nothing: addresses, to be named
	 * later or elsewhere (the build id is in the export). */
	out[0] = no_symbol(s, base_name(modpath), addr - bias, kind_of(modpath),
			   f->fetch == FETCH_WAIT || f->fetch == FETCH_FAILED);
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

/* FILE's module in the shared session, reported the first time it is
 * needed (or again after eviction). P maps it now: if its ELF is still to be
 * opened, P is the one to open it through. */
static Dwfl_Module *file_module(struct symbolizer *s, struct sym_file *f, const struct sym_proc *p,
				const struct mapping *m)
{
	void **user;

	f->last_used = s->clock;
	if (f->mod)
		return f->mod;
	if (f->copy_fd < 0 && p) {
		f->pid = p->pid;
		f->mstart = m->start;
		f->mend = m->end;
	}
	if (!s->dwfl && !(s->dwfl = dwfl_begin(&file_callbacks)))
		return NULL;
	dwfl_report_begin_add(s->dwfl);
	f->mod = dwfl_report_module(s->dwfl, f->path, f->base, f->base + FILE_SLOT);
	dwfl_report_end(s->dwfl, NULL, NULL);
	if (!f->mod)
		return NULL;
	dwfl_module_info(f->mod, &user, NULL, NULL, NULL, NULL, NULL, NULL);
	*user = f;
	s->st.loads++;
	check_symbols(s, f, f->mod);
	return f->mod;
}

/* Reports the modules still held again, which keeps them (same name and
 * range); the others are freed by dwfl_report_end. */
static void report_kept(struct symbolizer *s)
{
	dwfl_report_begin(s->dwfl);
	for (size_t i = 0; i < s->nfiles; i++)
		if (s->files[i]->mod)
			dwfl_report_module(s->dwfl, s->files[i]->path, s->files[i]->base,
					   s->files[i]->base + FILE_SLOT);
	dwfl_report_end(s->dwfl, NULL, NULL);
}

/* F's debug file arrived: its module is read again, at a new place in the
 * shared session, so that no address looked up before it is taken from the
 * cache (those frames keep their addresses). */
static void reload_file(struct symbolizer *s, struct sym_file *f)
{
	if (!slot_left(s))
		return;
	f->base = ++s->slots * FILE_SLOT;
	if (!f->mod)
		return;
	s->st.held -= f->cost < s->st.held ? f->cost : s->st.held;
	f->cost = 0;
	f->mod = NULL;
	report_kept(s);
}

static size_t heap_bytes(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/* Drops the modules used longest ago until what they hold is under three
 * quarters of the budget; the one in use now stays. Their frames (names)
 * and the addresses already looked up are kept: only what libdwfl read
 * goes, and comes back if they are sampled again. */
static void evict(struct symbolizer *s)
{
	size_t target = s->st.budget / 4 * 3;

	while (s->st.held > target) {
		struct sym_file *cold = NULL;

		for (size_t i = 0; i < s->nfiles; i++) {
			struct sym_file *f = s->files[i];

			if (f->mod && f->last_used < s->clock &&
			    (!cold || f->last_used < cold->last_used))
				cold = f;
		}
		if (!cold)
			break;
		s->st.held -= cold->cost < s->st.held ? cold->cost : s->st.held;
		cold->cost = 0;
		cold->mod = NULL;
		s->st.evictions++;
	}
	report_kept(s);
}

/* Frames for ADDR, inside file mapping M of P: what the shared module says
 * at the same place of the file. What the lookup loaded is charged to the
 * file; over the budget, cold files give theirs back. */
static size_t resolve_file(struct symbolizer *s, struct sym_proc *p, const struct mapping *m,
			   uint64_t synth, uint32_t *out)
{
	struct sym_file *f = s->files[m->file];
	size_t before = heap_bytes(), after, n;
	Dwfl_Module *mod = file_module(s, f, p, m);

	if (!mod) {
		out[0] = no_symbol(s, base_name(f->path), synth - f->base, kind_of(f->path), 0);
		return 1;
	}
	n = frames_from_dwfl(s, mod, synth, f, out);
	after = heap_bytes();
	if (after > before) {
		f->cost += after - before;
		s->st.held += after - before;
		if (s->st.held > s->st.held_peak)
			s->st.held_peak = s->st.held;
	}
	if (s->st.budget && s->st.held > s->st.budget)
		evict(s);
	return n;
}

/* The kernel's symbols, read when first needed: a run that samples no
 * kernel address reads none. */
static const struct kallsyms *kernel_table(struct symbolizer *s)
{
	if (!s->kernel_tried) {
		s->kernel_tried = 1;
		if (!s->kernel_off)
			s->ksyms = s->kernel_from ? kallsyms_load(s->kernel_from)
						  : kallsyms_load_cached(s->kernel_cache);
	}
	return s->ksyms;
}

static uint32_t resolve_kernel(struct symbolizer *s, uint64_t addr)
{
	uint32_t id = u64map_get(&s->kcache, addr);
	const struct ksym *k;

	if (id != U64MAP_NONE)
		return id;
	k = kallsyms_lookup(kernel_table(s), addr);
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
		reload_maps(s, p);
	return p;
}

/* Keeps KEY's answer: one frame as itself, a chain in the pool. */
static void remember(struct symbolizer *s, uint64_t key, const uint32_t *ids, size_t n)
{
	if (n == 1) {
		u64map_put(&s->cache, key, ids[0]);
		return;
	}
	if (s->nchains + n + 1 >= CHAIN ||
	    grow_array(&s->chains, &s->capchains, s->nchains + n + 1, sizeof(*s->chains)))
		return;
	u64map_put(&s->cache, key, CHAIN | (uint32_t)s->nchains);
	s->chains[s->nchains++] = (uint32_t)n;
	memcpy(s->chains + s->nchains, ids, n * sizeof(*ids));
	s->nchains += n;
}

/* ADDR, in file mapping M, as the synthetic address of that place in its
 * file (see struct sym_file). */
static uint64_t synth_of(const struct symbolizer *s, const struct mapping *m, uint64_t addr)
{
	return s->files[m->file]->base + (addr - m->start + m->pgoff);
}

/* User address ADDR of P: its file's frames (looked up once per place in
 * the file, whichever process ran it), else JIT code, else unknown. */
static size_t resolve_user(struct symbolizer *s, struct sym_proc *p, uint64_t addr, uint32_t *ids)
{
	const struct mapping *map = proc_mapping(p, addr);
	uint64_t synth;
	uint32_t v;
	size_t n;

	if (!map && now_ns() - p->last_reload > RELOAD_INTERVAL_NS) {
		/* Perhaps a mapping we have not been told of yet: ask /proc. */
		reload_maps(s, p);
		map = proc_mapping(p, addr);
	}
	if (!map || map->file == FILE_NONE) {
		ids[0] = resolve_jit(s, p, addr);
		return 1;
	}
	synth = synth_of(s, map, addr);
	v = u64map_get(&s->cache, synth);
	if (v != U64MAP_NONE && !(v & CHAIN)) {
		ids[0] = v;
		return 1;
	}
	if (v != U64MAP_NONE) {
		n = s->chains[v & ~CHAIN];
		memcpy(ids, s->chains + (v & ~CHAIN) + 1, n * sizeof(*ids));
		return n;
	}
	s->clock++;
	n = resolve_file(s, p, map, synth, ids);
	if (n && ids[n - 1] != U64MAP_NONE)
		remember(s, synth, ids, n);
	return n;
}

size_t sym_resolve_all(struct symbolizer *s, pid_t pid, uint64_t ip, int kernel, int caller,
		       uint32_t *out, size_t max)
{
	uint64_t addr = caller && ip ? ip - 1 : ip;
	uint32_t ids[MAX_INLINE];
	struct sym_proc *p;
	size_t n, k = 0;

	if (kernel || !max) {
		out[0] = max ? resolve_kernel(s, addr) : U64MAP_NONE;
		return max && out[0] != U64MAP_NONE;
	}
	if (!(p = proc_get(s, pid)))
		return 0;
	n = resolve_user(s, p, addr, ids);
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
	return reload_maps(s, p);
}

void sym_mmap(struct symbolizer *s, pid_t pid, uint64_t start, uint64_t len, uint64_t pgoff,
	      uint64_t dev, uint64_t ino, const char *path)
{
	struct sym_proc *p = proc_find(s, pid);

	if (!p && !(p = proc_add(s, pid)))
		return;
	proc_map(s, p, start, start + len, pgoff, dev, ino, path);
}

void sym_fork(struct symbolizer *s, pid_t pid, pid_t ppid)
{
	struct sym_proc *parent, *child = proc_find(s, pid);

	if (pid == ppid)
		return;
	if (child && child->dead_at)
		proc_drop(s, pid); /* the pid of a process gone, used again */
	else if (child)
		return;
	parent = proc_find(s, ppid);
	if (!(child = proc_add(s, pid)))
		return;
	/* A forked child starts with its parent's address space. */
	if (parent && !grow_array(&child->maps, &child->cap, parent->nmaps, sizeof(*child->maps)))
		for (size_t i = 0; i < parent->nmaps; i++) {
			child->maps[child->nmaps] = parent->maps[i];
			child->maps[child->nmaps].path = strdup(parent->maps[i].path);
			child->nmaps += child->maps[child->nmaps].path != NULL;
		}
}

void sym_exec(struct symbolizer *s, pid_t pid)
{
	struct sym_proc *p = proc_find(s, pid);

	if (!p)
		p = proc_add(s, pid);
	if (p)
		proc_reset(p); /* the mmap records of the new image follow */
}

void sym_exit(struct symbolizer *s, pid_t pid)
{
	struct sym_proc *p = proc_find(s, pid);

	if (p && !p->dead_at && !s->keep_exited)
		p->dead_at = s->gen;
}

void sym_keep_exited(struct symbolizer *s) { s->keep_exited = 1; }
void sym_keep_addresses(struct symbolizer *s) { s->keep_addresses = 1; }

int sym_at_entry(struct symbolizer *s, pid_t pid, uint64_t ip)
{
	struct sym_proc *p = proc_find(s, pid);
	const struct mapping *m = p ? proc_mapping(p, ip) : NULL;
	struct sym_file *f;
	Dwfl_Module *mod;
	Dwarf_Addr bias;
	GElf_Ehdr eh;
	Elf *elf;
	uint64_t vaddr;

	if (!m || m->file == FILE_NONE)
		return 0;
	f = s->files[m->file];
	if (!(mod = file_module(s, f, p, m)) || !(elf = dwfl_module_getelf(mod, &bias)) ||
	    !gelf_getehdr(elf, &eh) || !eh.e_entry)
		return 0;
	vaddr = synth_of(s, m, ip) - bias;
	/* _start is a few dozen bytes: the return address into it, after its
	 * call of __libc_start_main, lies just past the entry point. */
	return vaddr >= eh.e_entry && vaddr - eh.e_entry < 64;
}

void sym_reap(struct symbolizer *s)
{
	for (size_t i = s->nprocs; i-- > 0;)
		if (s->procs[i]->dead_at && s->procs[i]->dead_at + 2 <= s->gen)
			proc_drop(s, s->procs[i]->pid);
	s->gen++;
}

const struct sym_stats *sym_stats(struct symbolizer *s)
{
	s->st.files = s->nfiles;
	s->st.live_procs = s->nprocs;
	s->st.jit_dropped = s->jit_dropped_gone;
	for (size_t i = 0; i < s->nprocs; i++)
		s->st.jit_dropped += s->procs[i]->jit.dropped;
	return &s->st;
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

int sym_have_kernel(struct symbolizer *s) { return kallsyms_len(kernel_table(s)) > 0; }

size_t sym_fill_lines(struct symbolizer *s, uint64_t deadline_ns)
{
	size_t done = 0;

	while (s->npending && (!deadline_ns || now_ns() < deadline_ns)) {
		struct pending_line pl = s->pending[--s->npending];
		size_t before = heap_bytes(), after;
		Dwfl_Module *mod;
		int line = 0;
		const char *file;

		s->clock++;
		mod = file_module(s, pl.file, NULL, NULL);
		file = mod ? src_line(mod, pl.file->base + pl.off, &line) : NULL;
		u64map_del(&s->pending_ids, pl.id);
		if (file)
			frametab_set_source(s->frames, pl.id, file,
					    (unsigned)(line > 0 ? line : 0));
		after = heap_bytes();
		if (after > before) { /* the line table read is the file's to hold */
			pl.file->cost += after - before;
			s->st.held += after - before;
		}
		if (s->st.budget && s->st.held > s->st.budget)
			evict(s);
		done++;
	}
	if (!s->npending) {
		free(s->pending);
		s->pending = NULL;
		s->cappending = 0;
	}
	return done;
}

size_t sym_lines_pending(const struct symbolizer *s) { return s->npending; }

void sym_debuginfod(struct symbolizer *s, struct dbgfetch *fetch)
{
	s->fetch = fetch;
	s->st.debuginfod = fetch ? dbgfetch_urls(fetch) : NULL;
}

static void fetch_said(struct sym_file *f, const char *what, const char *arg)
{
	free(f->fetch_said);
	if (asprintf(&f->fetch_said, "%s%s", what, arg) < 0)
		f->fetch_said = NULL;
}

/* Why a fetched file was not used, in words. */
static const char *fetch_why(int err)
{
	switch (err) {
	case EILSEQ:
		return "the server's file has another build id (not used)";
	case ENOEXEC:
		return "the server's file is not an ELF file with a build id (not used)";
	case EFBIG:
		return "larger than DEBUGINFOD_MAXSIZE (cut, removed)";
	case ECHILD:
		return "its helper ended";
	default:
		return strerror(err);
	}
}

/* One answer of debuginfod for file F. */
static void fetch_answer(struct symbolizer *s, struct sym_file *f, const struct dbgfetch_done *d)
{
	if (d->fd >= 0) {
		f->debug_fd = d->fd;
		free(f->debug_path);
		f->debug_path = strdup(d->path);
		f->fetch = FETCH_DONE;
		f->symbols = "debuginfod";
		fetch_said(f, "fetched from ", d->url[0] ? d->url : dbgfetch_urls(s->fetch));
		s->st.fetched++;
		reload_file(s, f);
	} else {
		f->fetch = FETCH_FAILED;
		s->st.fetch_failed++;
		if (d->err == ENOENT) {
			fetch_said(f, "not on the server", "");
		} else {
			fetch_said(f, "failed: ", fetch_why(d->err));
			if (!s->fetch_noted++)
				snprintf(s->fetch_note, sizeof(s->fetch_note),
					 "debuginfod (%s): %s; code without symbols is named "
					 "module+offset",
					 dbgfetch_urls(s->fetch), fetch_why(d->err));
		}
	}
	note_source(s, f, base_name(f->path));
}

size_t sym_poll_fetches(struct symbolizer *s)
{
	struct dbgfetch_done d[8];
	size_t n = dbgfetch_pending(s->fetch) ? dbgfetch_poll(s->fetch, d, 8) : 0;

	for (size_t i = 0; i < n; i++) {
		if (d[i].key < s->nfiles && s->files[d[i].key]->fetch == FETCH_WAIT)
			fetch_answer(s, s->files[d[i].key], &d[i]);
		else if (d[i].fd >= 0)
			close(d[i].fd);
	}
	return n;
}

/* BYTES as "812 KB" or "12.4 MB". */
static void human(char *out, size_t len, long bytes)
{
	if (bytes < 1000000)
		snprintf(out, len, "%ld KB", (bytes + 999) / 1000);
	else
		snprintf(out, len, "%.1f MB", bytes / 1e6);
}

int sym_fetch_progress(const struct symbolizer *s, char *buf, size_t len)
{
	uint32_t key;
	long got, total;
	size_t waiting = dbgfetch_pending(s->fetch);
	char g[32], t[32];

	if (!dbgfetch_progress(s->fetch, &key, &got, &total) || key >= s->nfiles)
		return 0;
	human(g, sizeof(g), got);
	human(t, sizeof(t), total);
	snprintf(buf, len, "debuginfod: fetching the debug file of %s: %s%s%s%s",
		 base_name(s->files[key]->path), got > 0 ? g : "asking", total > 0 ? " of " : "",
		 total > 0 ? t : "", waiting > 1 ? " (more waiting)" : "");
	return 1;
}

void sym_fetch_finish(struct symbolizer *s)
{
	size_t waiting = 0;

	sym_poll_fetches(s);
	for (size_t i = 0; i < s->nfiles; i++) {
		struct sym_file *f = s->files[i];

		if (f->fetch != FETCH_WAIT)
			continue;
		f->fetch = FETCH_FAILED;
		s->st.fetch_failed++;
		waiting++;
		fetch_said(f, "no answer before the run ended", "");
		note_source(s, f, base_name(f->path));
	}
	if (waiting && !s->fetch_noted++)
		snprintf(s->fetch_note, sizeof(s->fetch_note),
			 "debuginfod (%s): no answer before the run ended for %zu module%s; code "
			 "without symbols is named module+offset",
			 dbgfetch_urls(s->fetch), waiting, waiting == 1 ? "" : "s");
}

int sym_fetch_fd(const struct symbolizer *s) { return dbgfetch_fd(s->fetch); }

const char *sym_fetch_note(struct symbolizer *s)
{
	static char taken[sizeof(s->fetch_note)];

	if (!s->fetch_note[0])
		return NULL;
	memcpy(taken, s->fetch_note, sizeof(taken));
	s->fetch_note[0] = 0;
	return taken;
}

void sym_kernel_source(struct symbolizer *s, const char *path, const char *cache_dir)
{
	free(s->kernel_from);
	free(s->kernel_cache);
	s->kernel_from = path && strcmp(path, "/proc/kallsyms") ? strdup(path) : NULL;
	s->kernel_cache = cache_dir ? strdup(cache_dir) : NULL;
}

struct symbolizer *sym_new(struct frametab *frames, const char *kallsyms_path, size_t budget)
{
	struct symbolizer *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->frames = frames;
	s->gen = 1;
	s->st.budget = budget;
	u64map_init(&s->kcache);
	u64map_init(&s->pending_ids);
	u64map_init(&s->by_pid);
	u64map_init(&s->by_file);
	u64map_init(&s->cache);
	s->kernel_off = !kallsyms_path;
	sym_kernel_source(s, kallsyms_path, NULL);
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
	if (s->dwfl)
		dwfl_end(s->dwfl);
	for (size_t i = 0; i < s->nfiles; i++) {
		if (s->files[i]->debug_fd >= 0)
			close(s->files[i]->debug_fd);
		free(s->files[i]->debug_path);
		free(s->files[i]->fetch_said);
		plt_free(&s->files[i]->plt);
		free(s->files[i]->path);
		free(s->files[i]);
	}
	free(s->files);
	free(s->chains);
	u64map_clear(&s->cache);
	u64map_clear(&s->by_file);
	u64map_clear(&s->by_pid);
	u64map_clear(&s->kcache);
	kallsyms_free(s->ksyms);
	free(s->pending);
	u64map_clear(&s->pending_ids);
	free(s->kernel_from);
	free(s->kernel_cache);
	if (s->vdso_fd >= 0)
		close(s->vdso_fd);
	free(s);
}

/* ---- for the other files of core/symbols/ (symbols_impl.h) ---- */

struct sym_proc *sym__proc_get(struct symbolizer *s, pid_t pid) { return proc_get(s, pid); }

const struct mapping *sym__proc_mapping(const struct sym_proc *p, uint64_t addr)
{
	return proc_mapping(p, addr);
}

Dwfl_Module *sym__file_module(struct symbolizer *s, struct sym_file *f, const struct sym_proc *p,
			      const struct mapping *m)
{
	return file_module(s, f, p, m);
}

int sym__read_module(Dwfl_Module *mod, uint64_t addr, void *buf, size_t len)
{
	return read_module(mod, addr, buf, len);
}

const char *sym__src_line(Dwfl_Module *mod, uint64_t addr, int *line)
{
	return src_line(mod, addr, line);
}

char *sym__die_name(Dwarf_Die *die) { return die_name(die); }
