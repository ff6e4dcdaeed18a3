/* symbols — process maps and address lookup: one libdwfl session of every
 * file for symbols, one per process for unwinding; kallsyms for the
 * kernel; caches for both. */
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

static int in_mapping(const void *addr, const void *map)
{
	uint64_t a = *(const uint64_t *)addr;
	const struct mapping *m = map;

	return a < m->start ? -1 : a >= m->end;
}

/* P's mapping (sorted, apart) holding ADDR, or NULL. */
static const struct mapping *proc_mapping(const struct sym_proc *p, uint64_t addr)
{
	return p->nmaps ? bsearch(&addr, p->maps, p->nmaps, sizeof(*p->maps), in_mapping) : NULL;
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
		p->dwfl = dwfl_begin(&sym__proc_callbacks);
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
	dwfl_getmodules(p->dwfl, sym__own_module, p, 0);
	free(text);
	p->dirty = 0;
	p->version = ++s->versions;
	return 0;
}

static enum frame_kind kind_of(const char *path)
{
	const char *b = base_name(path);

	if (path[0] == '[')
		return FRAME_LIBRARY; /* [vdso], [vsyscall] */
	return strstr(b, ".so") ? FRAME_LIBRARY : FRAME_USER;
}

/* Names MODPATH's module in the frame table with its GNU build id, once. */
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
	sym__note_module(s, mod, modpath, f);
	sym = dwfl_module_addrinfo(mod, addr, &off, &es, NULL, NULL, NULL);
	if (sym && sym[0]) {
		char *name = sym__symbol_name(sym);
		size_t n =
		    s->no_spans
			? sym__inline_frames_walk(s, mod, addr, base_name(modpath),
						  kind_of(modpath), out, MAX_INLINE - 1)
			: sym__inline_frames(s, (struct sym_file *)f, mod, addr, base_name(modpath),
					     kind_of(modpath), out, MAX_INLINE - 1);

		out[n] = name ? frametab_intern(s->frames, name, base_name(modpath), NULL, 0,
						kind_of(modpath))
			      : FRAME_NONE;
		/* st_value is unbiased here; addr - off is the function's start */
		if (out[n] != FRAME_NONE)
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
	if (!s->dwfl && !(s->dwfl = dwfl_begin(&sym__file_callbacks)))
		return NULL;
	dwfl_report_begin_add(s->dwfl);
	f->mod = dwfl_report_module(s->dwfl, f->path, f->base, f->base + FILE_SLOT);
	dwfl_report_end(s->dwfl, NULL, NULL);
	if (!f->mod)
		return NULL;
	dwfl_module_info(f->mod, &user, NULL, NULL, NULL, NULL, NULL, NULL);
	*user = f;
	s->st.loads++;
	sym__check_symbols(s, f, f->mod);
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
		sym__inline_forget(cold);
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

	if (id != FRAME_NONE)
		return id;
	k = kallsyms_lookup(kernel_table(s), addr);
	id = k ? frametab_intern(s->frames, k->name, k->module, NULL, 0, FRAME_KERNEL)
	       : frametab_intern(s->frames, "[kernel]", "[kernel.kallsyms]", NULL, 0, FRAME_KERNEL);
	if (id != FRAME_NONE)
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
static size_t resolve_user(struct symbolizer *s, struct sym_proc *p, uint64_t addr, uint32_t *ids,
			   uint64_t *place)
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
		/* JIT code: its address, in the process (none without a mapping) */
		*place = map ? (addr & ~SYM_PLACE_JIT) | SYM_PLACE_JIT : 0;
		ids[0] = resolve_jit(s, p, addr);
		return 1;
	}
	synth = synth_of(s, map, addr);
	*place = synth;
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
	if (n && ids[n - 1] != FRAME_NONE)
		remember(s, synth, ids, n);
	return n;
}

size_t sym_resolve_all(struct symbolizer *s, pid_t pid, uint64_t ip, int kernel, int caller,
		       uint32_t *out, size_t max)
{
	uint64_t place;

	return sym_resolve_place(s, pid, ip, kernel, caller, out, max, &place);
}

size_t sym_resolve_place(struct symbolizer *s, pid_t pid, uint64_t ip, int kernel, int caller,
			 uint32_t *out, size_t max, uint64_t *place)
{
	uint64_t addr = caller && ip ? ip - 1 : ip;
	uint32_t ids[MAX_INLINE];
	struct sym_proc *p;
	size_t n, k = 0;

	*place = 0;
	if (kernel || !max) {
		out[0] = max ? resolve_kernel(s, addr) : FRAME_NONE;
		return max && out[0] != FRAME_NONE;
	}
	if (!(p = proc_get(s, pid)))
		return 0;
	n = resolve_user(s, p, addr, ids, place);
	for (size_t i = 0; i < n && k < max; i++)
		if (ids[i] != FRAME_NONE)
			out[k++] = ids[i];
	return k;
}

uint32_t sym_resolve(struct symbolizer *s, pid_t pid, uint64_t ip, int kernel, int caller)
{
	uint32_t ids[MAX_INLINE];
	size_t n = sym_resolve_all(s, pid, ip, kernel, caller, ids, MAX_INLINE);

	return n ? ids[n - 1] : FRAME_NONE;
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

void sym_reap(struct symbolizer *s)
{
	for (size_t i = s->nprocs; i-- > 0;)
		if (s->procs[i]->dead_at && s->procs[i]->dead_at + 2 <= s->gen)
			proc_drop(s, s->procs[i]->pid);
	s->gen++;
}

void sym_inline_spans(struct symbolizer *s, int on) { s->no_spans = !on; }

const struct sym_stats *sym_stats(struct symbolizer *s)
{
	s->st.files = s->nfiles;
	s->st.live_procs = s->nprocs;
	s->st.jit_dropped = s->jit_dropped_gone;
	for (size_t i = 0; i < s->nprocs; i++)
		s->st.jit_dropped += s->procs[i]->jit.dropped;
	return &s->st;
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
		file = mod ? sym__src_line(mod, pl.file->base + pl.off, &line) : NULL;
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
	sym__copy_vdso(s);
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
		sym__inline_forget(s->files[i]);
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

struct sym_proc *sym__proc_find(struct symbolizer *s, pid_t pid) { return proc_find(s, pid); }

const struct mapping *sym__proc_mapping(const struct sym_proc *p, uint64_t addr)
{
	return proc_mapping(p, addr);
}

Dwfl_Module *sym__file_module(struct symbolizer *s, struct sym_file *f, const struct sym_proc *p,
			      const struct mapping *m)
{
	return file_module(s, f, p, m);
}

void sym__reload_file(struct symbolizer *s, struct sym_file *f) { reload_file(s, f); }

const char *sym__base_name(const char *path) { return base_name(path); }
