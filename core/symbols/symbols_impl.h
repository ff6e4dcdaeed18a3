/* symbols_impl — the symbolizer's private state, shared by the files of
 * core/symbols/ that make it up (symbols.c: processes, files, frames;
 * places.c: places in files, their lines and bytes for annotation). Not a
 * public header: nothing outside core/symbols/ includes it. */
#ifndef FLAMETOP_SYMBOLS_IMPL_H
#define FLAMETOP_SYMBOLS_IMPL_H

#include "symbols.h"

#include "jitmap.h"
#include "plt.h"
#include "u64map.h"

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <stdint.h>

#define RELOAD_INTERVAL_NS 500000000ull /* at most two /proc/PID/maps re-reads a second */
#define CHAIN              0x80000000u  /* cache value: an inline chain, not a frame */
#define MAX_INLINE         16

#define FILE_SLOT (1ull << 36) /* synthetic addresses given to each file */
#define FILE_NONE UINT32_MAX

struct mapping {
	uint64_t start, end, pgoff;
	char *path;
	uint32_t file; /* index in the symbolizer's files, or FILE_NONE */
};

/* One mapped file, shared by every process that maps it: its module in the
 * symbolizer's libdwfl session (ELF, debug info, line tables, loaded once)
 * sits at synthetic addresses [base, base + FILE_SLOT), file offset 0 at
 * base, so an address of any process names one place in one file. */
struct sym_file {
	char *path;        /* as the first process to map it named it */
	uint64_t dev, ino; /* its identity (0, 0: unknown, then the path is) */
	uint64_t base;
	Dwfl_Module *mod; /* NULL until first needed, and after eviction */
	pid_t pid;        /* a process that maps it, and where: to open it by */
	uint64_t mstart, mend;
	int copy_fd;        /* a file of ours holding it (the vDSO), else -1 */
	uint64_t last_used; /* the symbolizer's clock at the last lookup */
	size_t cost;        /* heap bytes its loading took */
	uint32_t index;     /* in the symbolizer's files */
	int checked;        /* where its names come from was looked at */
	enum { FETCH_NONE, FETCH_WAIT, FETCH_DONE, FETCH_FAILED } fetch;
	int debug_fd;         /* its debug file from debuginfod, or -1 */
	char *debug_path;     /* that file (debuginfod's cache, or a local one) */
	const char *symbols;  /* where its names come from (frame_module's words) */
	char *fetch_said;     /* what debuginfod said of it, or NULL */
	struct plt_names plt; /* its PLT stubs' names, read at the first need */
	int plt_read;
	struct inline_spans *inl; /* what sym__inline_frames found, by address span */
};

struct sym_proc {
	pid_t pid;
	struct mapping *maps;
	size_t nmaps, cap;
	Dwfl *dwfl;           /* for unwinding: modules' ELF and CFI, no debug info */
	int dirty;            /* mappings changed since dwfl was built */
	unsigned version;     /* the symbolizer's version at the last rebuild */
	unsigned dead_at;     /* the reap generation it exited in, 0: alive */
	uint64_t last_reload; /* monotonic ns of the last /proc/PID/maps read */
	struct jitmap jit;    /* /tmp/perf-PID.map */
};

struct symbolizer {
	struct frametab *frames;
	int no_spans; /* sym_inline_spans(s, 0) */
	uint64_t jit_dropped_gone; /* perf-map lines dropped, of processes freed */
	struct kallsyms *ksyms;    /* read at the first kernel address (kernel_from) */
	char *kernel_from;         /* a kallsyms file, or NULL: the running kernel's */
	char *kernel_cache;        /* the running kernel's: the cache's directory, or NULL */
	int kernel_tried, kernel_off;
	/* Frames whose source line is still to be read (sym_fill_lines): the
	 * line table is not read on the sample path. */
	struct pending_line {
		uint32_t id;
		struct sym_file *file;
		uint64_t off; /* the function's start, from the file's base */
	} * pending;
	size_t npending, cappending;
	struct u64map pending_ids; /* frame id → 1 while pending */
	struct u64map kcache;
	struct sym_proc **procs;
	size_t nprocs, cap;
	struct u64map by_pid; /* pid → index in procs */
	struct sym_file **files;
	size_t nfiles, capfiles;
	struct u64map by_file; /* hash of (dev, ino) or path → index in files */
	Dwfl *dwfl;            /* every file's module, for symbols */
	struct u64map cache;   /* synthetic address → frame, or CHAIN | index in chains */
	uint32_t *chains;      /* [n, innermost id, ..., outer id] for addresses with inlines */
	size_t nchains, capchains;
	unsigned versions; /* handed out to process Dwfls, never twice */
	unsigned gen;      /* reap generation */
	int keep_exited;
	int keep_addresses; /* code without a symbol: module+0xOFF, not [module] */
	uint64_t clock;     /* lookups made */
	struct sym_stats st;
	uint64_t slots;         /* synthetic address slots handed out */
	struct dbgfetch *fetch; /* debuginfod, or NULL */
	char fetch_note[600];   /* the first failure worth a line, until taken */
	int fetch_noted;
	int vdso_fd;        /* memfd holding a copy of the vDSO image, or -1 */
	char vdso_path[64]; /* "/proc/self/fd/N": how libdwfl opens it */
};

/* core/symbols/symopen.c: the shared session's callbacks (each file's ELF
 * opened as its process maps it; debug files from system directories) and
 * a process's (its mapped files; no debug info: unwinding only). */
extern const Dwfl_Callbacks sym__file_callbacks, sym__proc_callbacks;
/* core/symbols/syminline.c: the functions inlined at ADDR of MOD (F's
 * module), innermost first, as frames of MODULE: by a walk of ADDR's
 * compile unit (dwarf_getscopes), whose answer holds for the span of
 * addresses around ADDR that every scope found covers and no scope inside
 * the innermost does; F keeps the spans, so the next address in one is not
 * walked for again. */
size_t sym__inline_frames(struct symbolizer *s, struct sym_file *f, Dwfl_Module *mod,
			  uint64_t addr, const char *module, enum frame_kind kind, uint32_t *out,
			  size_t max);
/* The same by the walk alone, every time (the spans' reference, in tests). */
size_t sym__inline_frames_walk(struct symbolizer *s, Dwfl_Module *mod, uint64_t addr,
			       const char *module, enum frame_kind kind, uint32_t *out, size_t max);
/* The innermost and the outermost subroutine inlined at ADDR inside its
 * function (DIE offsets in MOD's DWARF; 0: none), from F's spans or a walk
 * (kept as a span without frames: an annotation's addresses make none).
 * Returns 0. */
int sym__inline_call_site(struct symbolizer *s, struct sym_file *f, Dwfl_Module *mod,
			  uint64_t addr, Dwarf_Off *inner, Dwarf_Off *outer);
/* Drops F's spans (its module is let go). */
void sym__inline_forget(struct sym_file *f);
/* The vDSO's image copied into a memfd of ours (libdwfl opens it as a file). */
void sym__copy_vdso(struct symbolizer *s);
/* dwfl_getmodules callback: each module's user data set to ARG (its process). */
int sym__own_module(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr start,
		    void *arg);

/* Helpers of symbols.c the other files use. */
struct sym_proc *sym__proc_get(struct symbolizer *s, pid_t pid);
/* The same without adding it: NULL when PID is not known. */
struct sym_proc *sym__proc_find(struct symbolizer *s, pid_t pid);
const struct mapping *sym__proc_mapping(const struct sym_proc *p, uint64_t addr);
Dwfl_Module *sym__file_module(struct symbolizer *s, struct sym_file *f, const struct sym_proc *p,
			      const struct mapping *m);
/* core/symbols/places.c: LEN bytes at ADDR of MOD's loaded segments. */
int sym__read_module(Dwfl_Module *mod, uint64_t addr, void *buf, size_t len);
/* core/symbols/symfetch.c: where F's names come from (symtab, debug file,
 * debuginfod asked), looked at once its module is loaded. */
void sym__check_symbols(struct symbolizer *s, struct sym_file *f, Dwfl_Module *mod);
/* The module file MODPATH of F noted in the frame table (path, build id,
 * where its names come from). */
void sym__note_module(struct symbolizer *s, Dwfl_Module *mod, const char *modpath,
		      const struct sym_file *f);
/* core/symbols/symdwarf.c: the source line of ADDR in MOD (its file, *LINE). */
const char *sym__src_line(Dwfl_Module *mod, uint64_t addr, int *line);
/* A DIE's name (DW_AT_abstract_origin followed, demangled); malloc'd. */
char *sym__die_name(Dwarf_Die *die);
/* A symbol's name demangled, its version dropped; malloc'd. */
char *sym__symbol_name(const char *sym);
/* The compile unit covering ADDR (into BUF), with the module's bias. */
Dwarf_Die *sym__cu_of(Dwfl_Module *mod, uint64_t addr, Dwarf_Addr *bias, Dwarf_Die *buf);
/* DIE's declaration file through CU's line table. */
const char *sym__decl_file(Dwarf_Die *die, Dwarf_Die *cu);
/* F's debug file arrived: its module read again, at a new place. */
void sym__reload_file(struct symbolizer *s, struct sym_file *f);
/* Where F's names come from, said (module notes). */
void sym__note_source(struct symbolizer *s, const struct sym_file *f, const char *name);
const char *sym__base_name(const char *path);

#endif
