/* frametab — interned frames: one entry per distinct (function, module,
 * inlined or not).
 *
 * Frames are what the call tree, hotspots and exports speak of.  An id is an
 * index, stable for the life of the table. */
#ifndef FLAMETOP_FRAMETAB_H
#define FLAMETOP_FRAMETAB_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_NONE UINT32_MAX /* no frame: what a lookup or an intern that failed returns */

enum frame_kind {
	FRAME_USER,    /* the target's main executable */
	FRAME_LIBRARY, /* a shared object */
	FRAME_KERNEL,
	FRAME_JIT,
	FRAME_UNKNOWN,
	FRAME_OFFCPU,  /* "[blocked: lock]": the reason a thread was off the CPU */
	FRAME_PYTHON,  /* a Python function, read from the interpreter (module: its file) */
	FRAME_PROCESS, /* -a / --cgroup: "comm-PID", the root of a process's stacks */
};

struct frame {
	char *name;   /* function, demangled; "module+0xOFF" when no symbol covers it */
	char *module; /* basename of the mapping, "[kernel.kallsyms]", "[unknown]" */
	char *file;   /* source file of the function, or NULL */
	unsigned line;
	enum frame_kind kind;
	int inlined;   /* inlined into its caller: no frame of its own at run time */
	uint32_t next; /* next frame with the same hash */
};

/* A module (executable, shared object, kernel) that frames came from, as
 * pprof's mappings and the YAML's profile section name them. */
struct frame_module {
	char *name;     /* the basename frames carry in module */
	char *path;     /* the file, or NULL */
	char *build_id; /* hex GNU build id, or NULL */
	/* Where its function names came from: "symtab" (the file's own),
	 * "debug-file" (a separate one on this machine), "debuginfod",
	 * "dynsym" (exported names only), "none"; NULL: not said. */
	char *symbols;
	char *debuginfo;  /* the separate debug file read, or NULL */
	char *debuginfod; /* what the debuginfod server said, or NULL */
};

struct frametab;

struct frametab *frametab_new(void);
void frametab_free(struct frametab *t);

/* Returns the id of (NAME, MODULE), adding it if new; U64MAP_NONE on ENOMEM.
 * FILE/LINE/KIND are recorded when the frame is first added. */
uint32_t frametab_intern(struct frametab *t, const char *name, const char *module, const char *file,
			 unsigned line, enum frame_kind kind);
/* The same for a function inlined into its caller: a frame distinct from
 * the function's out-of-line copy. */
uint32_t frametab_intern_inline(struct frametab *t, const char *name, const char *module,
				const char *file, unsigned line, enum frame_kind kind);
/* Frame ID's source, known later than the frame (symbols resolve lines
 * off the sample path): set when it has none yet. Returns 0 or -ENOMEM. */
int frametab_set_source(struct frametab *t, uint32_t id, const char *file, unsigned line);
/* Lookup without adding (out-of-line frames). */
uint32_t frametab_find(const struct frametab *t, const char *name, const char *module);
/* The frame of T that is F (of another table): same name, module, inlined. */
uint32_t frametab_find_as(const struct frametab *t, const struct frame *f);
const struct frame *frametab_get(const struct frametab *t, uint32_t id);
size_t frametab_len(const struct frametab *t);
const char *frame_kind_name(enum frame_kind k);

/* Records module NAME (first call wins; PATH and BUILD_ID may be NULL).
 * Returns 0 or -ENOMEM. */
int frametab_note_module(struct frametab *t, const char *name, const char *path,
			 const char *build_id);
/* Says where module NAME's names came from (see struct frame_module; any
 * may be NULL: left as it was). Returns 0, -ENOENT or -ENOMEM. */
int frametab_module_symbols(struct frametab *t, const char *name, const char *symbols,
			    const char *debuginfo, const char *debuginfod);
size_t frametab_nmodules(const struct frametab *t);
const struct frame_module *frametab_module_at(const struct frametab *t, size_t i);
/* The module named NAME, or NULL. */
const struct frame_module *frametab_module(const struct frametab *t, const char *name);

#endif
