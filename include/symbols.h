/* symbols — instruction pointers to frames, per process.
 *
 * Each process keeps its own table of executable mappings (from
 * /proc/PID/maps at attach, then from the mmap/fork/exec records the kernel
 * sends) and one libdwfl session built from it, refreshed only when the
 * mappings change.  Results are cached per address, so a hot loop costs one
 * hash lookup per frame.  Kernel addresses resolve through /proc/kallsyms. */
#ifndef FLAMETOP_SYMBOLS_H
#define FLAMETOP_SYMBOLS_H

#include <stdint.h>
#include <sys/types.h>

#include "frametab.h"

struct symbolizer;

/* KALLSYMS_PATH may be NULL (no kernel symbols). */
struct symbolizer *sym_new(struct frametab *frames, const char *kallsyms_path);
void sym_free(struct symbolizer *s);

/* Reads PID's executable mappings from /proc. Returns 0 or -errno. */
int sym_load_proc(struct symbolizer *s, pid_t pid);
void sym_mmap(struct symbolizer *s, pid_t pid, uint64_t start, uint64_t len, uint64_t pgoff,
	      const char *path);
void sym_fork(struct symbolizer *s, pid_t pid, pid_t ppid);
void sym_exec(struct symbolizer *s, pid_t pid);

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

/* Kernel symbols were available (table non-empty). */
int sym_have_kernel(const struct symbolizer *s);

#endif
