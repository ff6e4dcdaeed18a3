/* unwind — user call stacks from a sample's registers and stack copy.
 *
 * An unwinder is a const table: rules (each address's CFI row compiled
 * once, libdw behind it), libdw, libunwind.  They walk the modules of the
 * process's libdwfl session (sym_dwfl: its files' ELF and CFI), so
 * CFI (.eh_frame / .debug_frame) is parsed once per module for the life of
 * the process, not once per sample.  Memory reads are served from the stack
 * copy, else from the mapped ELF file. */
#ifndef FLAMETOP_UNWIND_H
#define FLAMETOP_UNWIND_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "perf_records.h"
#include "symbols.h"

/* How call stacks are taken: the kernel's frame-pointer chain, or the
 * user stack copied and unwound by CFI (an unwinder below). */
enum callgraph_mode { CALLGRAPH_FP, CALLGRAPH_DWARF };

struct unwind_sample {
	pid_t pid, tid;
	const uint64_t *regs; /* PERF_RECS_NREGS, perf's order (enum perf_recs_reg) */
	const uint8_t *stack; /* the stack copy, starting at regs[PREG_SP] */
	uint64_t stack_size;
	int want_regs; /* keep the outermost frame's registers (unwinder_ops.last_regs) */
};

enum unwind_stop {
	UNWIND_END,      /* the outermost frame said so (CFI: return address undefined) */
	UNWIND_NO_STACK, /* a read past the end of the stack copy */
	UNWIND_BROKEN,   /* no CFI, a bad address, a loop */
	UNWIND_MAX,      /* MAX frames taken */
};

struct unwinder_ops {
	const char *name;
	void *(*create)(struct symbolizer *sym);
	void (*destroy)(void *state);
	/* Fills PCS with the user stack, innermost first: PCS[0] is the sampled
	 * IP, the rest return addresses. Returns the count (0: could not start)
	 * and why it ended. */
	size_t (*unwind)(void *state, const struct unwind_sample *in, uint64_t *pcs, size_t max,
			 enum unwind_stop *stop);
	/* After an unwind asked for them (want_regs): the registers of the
	 * outermost frame it reached, perf's order; a register the unwind did
	 * not recover keeps the sample's value. Lets a caller step over code
	 * without CFI whose shape it knows (CPython's perf trampolines) and
	 * unwind on from there. */
	void (*last_regs)(void *state, uint64_t *regs);
};

extern const struct unwinder_ops unwinder_rules; /* compiled rules, libdw behind */
extern const struct unwinder_ops unwinder_libdw;
extern const struct unwinder_ops unwinder_libunwind;
/* By name ("libdw", "libunwind"); NULL if unknown. */
const struct unwinder_ops *unwinder_find(const char *name);

/* Shared by the unwinders: one 8-byte read at ADDR, from the stack copy or
 * the ELF file mapped there. Sets *PAST_STACK when ADDR lies just above the
 * copy (the copy was too small). Returns 0 or -1. */
int unwind_read_word(struct symbolizer *sym, const struct unwind_sample *in, uint64_t addr,
		     uint64_t *out, int *past_stack);

#endif
