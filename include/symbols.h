/* symbols — instruction pointers to frames.
 *
 * Each process keeps its own table of executable mappings (from
 * /proc/PID/maps at attach, then from the mmap/fork/exec records the kernel
 * sends).  The files those mappings name are shared: each file (told apart
 * by device and inode) is one module of a single libdwfl session, its ELF
 * and debug info read once however many processes map it, and an address
 * is looked up once per place in the file, whichever process ran it.  What
 * the modules hold is charged to them and kept under a budget by dropping
 * the coldest.  A process's own state (mappings, the small libdwfl session
 * the unwinders walk, with CFI but no debug info) is freed soon after it
 * exits.  Kernel addresses resolve through /proc/kallsyms. */
#ifndef FLAMETOP_SYMBOLS_H
#define FLAMETOP_SYMBOLS_H

#include <stdint.h>
#include <sys/types.h>

#include "frametab.h"

struct symbolizer;

/* KALLSYMS_PATH may be NULL (no kernel symbols); it is read at the first
 * kernel address looked up. BUDGET: bytes the files' symbol data may hold
 * (0: no limit). */
struct symbolizer *sym_new(struct frametab *frames, const char *kallsyms_path, size_t budget);
void sym_free(struct symbolizer *s);

/* Reads the source lines of the frames made since the last call (the
 * function's file and first line), until DEADLINE_NS (CLOCK_MONOTONIC; 0:
 * all of them): off the sample path — at a refresh, before an export.
 * Returns how many were read. */
size_t sym_fill_lines(struct symbolizer *s, uint64_t deadline_ns);
size_t sym_lines_pending(const struct symbolizer *s);
/* Kernel symbols from PATH ("/proc/kallsyms": the running kernel's, kept
 * in CACHE_DIR between runs when not NULL; see kallsyms_load_cached). */
void sym_kernel_source(struct symbolizer *s, const char *path, const char *cache_dir);
/* Reads PID's executable mappings from /proc. Returns 0 or -errno. */
int sym_load_proc(struct symbolizer *s, pid_t pid);
/* DEV (makedev) and INO: the file's identity, 0 and 0 when unknown. */
void sym_mmap(struct symbolizer *s, pid_t pid, uint64_t start, uint64_t len, uint64_t pgoff,
	      uint64_t dev, uint64_t ino, const char *path);
void sym_fork(struct symbolizer *s, pid_t pid, pid_t ppid);
void sym_exec(struct symbolizer *s, pid_t pid);
/* PID exited. Its state is freed at the second sym_reap after this one:
 * samples of it still in flight on another CPU's ring come in first. */
void sym_exit(struct symbolizer *s, pid_t pid);
/* Once per batch of records processed. */
void sym_reap(struct symbolizer *s);
/* From now on exited processes are kept (a tool replaying their samples). */
void sym_keep_exited(struct symbolizer *s);
/* Code no symbol covers is named module+0xOFFSET, one frame per address,
 * instead of one frame per module ("[libbz2.so.1.0.4]"). */
void sym_keep_addresses(struct symbolizer *s);
/* IP of PID is in its binary's entry code (just past ELF e_entry: _start,
 * whether or not a symbol names it). */
int sym_at_entry(struct symbolizer *s, pid_t pid, uint64_t ip);

struct sym_stats {
	size_t budget;          /* bytes the files' symbol data may hold (0: no limit) */
	size_t held, held_peak; /* what it holds now, at most */
	size_t files;           /* distinct files mapped */
	size_t loads;           /* modules read (again after an eviction counts) */
	size_t evictions;
	size_t procs;                              /* processes seen */
	size_t procs_freed;                        /* whose state was freed after they exited */
	size_t live_procs, procs_peak;             /* held now, at most */
	const char *debuginfod;                    /* its URLs, NULL: not asked */
	size_t fetch_asked, fetched, fetch_failed; /* debug files asked of debuginfod */
	uint64_t jit_dropped; /* perf-map lines not kept: too long, or past the bounds */
	/* Inline frames of new addresses: by a walk of the compile unit, or
	 * from the span of addresses an earlier walk's answer holds for. */
	uint64_t inline_walks, inline_from_spans;
};
const struct sym_stats *sym_stats(struct symbolizer *s);
/* ON 0: every new address's inline frames by a walk of its compile unit,
 * none from spans (the spans' reference, in tests). */
void sym_inline_spans(struct symbolizer *s, int on);

/* The function containing IP in PID. KERNEL: a kernel address. CALLER: IP
 * is a return address, so the call instruction before it is looked up. */
uint32_t sym_resolve(struct symbolizer *s, pid_t pid, uint64_t ip, int kernel, int caller);
/* The same, with the functions inlined at IP: frames innermost first (the
 * inlined ones, marked so, then the containing function). Returns the
 * count written to OUT, at most MAX. */
size_t sym_resolve_all(struct symbolizer *s, pid_t pid, uint64_t ip, int kernel, int caller,
		       uint32_t *out, size_t max);

/* PID's libdwfl session over its current mappings (NULL when it has none):
 * the DWARF unwinders walk the same modules the symbols come from. */
struct Dwfl;
struct Dwfl *sym_dwfl(struct symbolizer *s, pid_t pid);
/* Changes whenever PID's mappings do (caches keyed on addresses use it). */
unsigned sym_maps_version(struct symbolizer *s, pid_t pid);
/* Reads LEN bytes at ADDR of PID from the ELF file mapped there (any loaded
 * segment of a known module, e.g. .eh_frame_hdr). Returns 0 or -1. */
int sym_read_elf(struct symbolizer *s, pid_t pid, uint64_t addr, void *buf, size_t len);

/* Debug files of modules without symbols are asked of FETCH (debuginfod;
 * NULL: none are). The symbolizer does not own it. */
struct dbgfetch;
void sym_debuginfod(struct symbolizer *s, struct dbgfetch *fetch);
/* Takes the answers that arrived (never waits); a module whose debug file
 * came is read again from it. Returns how many. */
size_t sym_poll_fetches(struct symbolizer *s);
/* A line on the download under way ("debuginfod: libfoo.so 1.2/8.0 MB"):
 * returns 0 when none is. */
int sym_fetch_progress(const struct symbolizer *s, char *buf, size_t len);
/* The run is over: answers not come are given up (and said, once). */
void sym_fetch_finish(struct symbolizer *s);
/* A descriptor that becomes readable when an answer arrives, or -1. */
int sym_fetch_fd(const struct symbolizer *s);
/* The one line saying that debuginfod failed (not merely lacked a file),
 * once: NULL when there is nothing (more) to say. */
const char *sym_fetch_note(struct symbolizer *s);

/* ---- places (core/symbols/places.c): for annotation ----
 * A place is one instruction in one file, whichever process ran it (the
 * symbolizer's synthetic address); JIT code has its own address, flagged. */
#define SYM_PLACE_JIT (1ull << 63)
/* sym_resolve_all, and *PLACE the place of IP (0 where there is none: no
 * mapping, kernel code), found by the same lookup: the sample path's. */
size_t sym_resolve_place(struct symbolizer *s, pid_t pid, uint64_t ip, int kernel, int caller,
			 uint32_t *out, size_t max, uint64_t *place);
/* The function (symbol) around PLACE: its first place and its size.
 * Returns 0 or -1. */
int sym_place_function(struct symbolizer *s, uint64_t place, uint64_t *start, uint64_t *size);
/* PLACE's source line. FILE:LINE is the line of the function the code is
 * physically in: where the code was inlined from another function, the
 * line that called it; INNER_FILE:INNER_LINE and INLINED then say where the
 * code came from ("" and 0 when it was not inlined). */
struct sym_place_line {
	char file[512];
	int line;
	char inner_file[512];
	int inner_line;
	char inlined[128];
};
int sym_place_line(struct symbolizer *s, uint64_t place, struct sym_place_line *out);
/* LEN bytes of the file's code at PLACE. Returns 0 or -1. */
int sym_place_read(struct symbolizer *s, uint64_t place, void *buf, size_t len);
/* PLACE as the file's own address (what objdump and perf annotate show). */
int sym_place_vaddr(struct symbolizer *s, uint64_t place, uint64_t *vaddr);
/* The file at PLACE, and a process that maps it (its root is where a
 * container's sources are): NULL when unknown. */
const char *sym_place_file(struct symbolizer *s, uint64_t place, pid_t *pid);

/* Kernel symbols were available (table non-empty). */
int sym_have_kernel(struct symbolizer *s);

#endif
