/* stackwalk — a sample's call stack as frames, root first.
 *
 * Kernel frames come from the kernel's call chain. User frames come, by
 * mode, from
 *   fp     the kernel's frame-pointer chain, with the first frame unwound
 *          by CFI from a small stack copy, so the caller of a frameless
 *          leaf is not skipped;
 *   dwarf  an unwinder (libdw, libunwind) over the sample's registers and
 *          stack copy; where the copy ran out, or the code has no CFI (JIT
 *          code), the frame-pointer chain continues from the deepest frame
 *          both agree on (hybrid).
 * Each address is symbolized, inlined functions as frames of their own.
 * In a CPython process, each interpreter frame gives way to the Python
 * functions it ran (pystack.h).
 * Unwind quality is counted on the way. */
#ifndef FLAMETOP_STACKWALK_H
#define FLAMETOP_STACKWALK_H

#include <stddef.h>
#include <stdint.h>

#include "perf_records.h"
#include "frametab.h"
#include "pystack.h"
#include "symbols.h"
#include "u64map.h"
#include "unwind.h"

#define STACKWALK_MAX      1024 /* frames kept per sample */
#define STACKWALK_LEAF_FIX 1024 /* stack bytes fp mode asks for: one frame's worth */

struct unwind_quality {
	uint64_t samples;     /* samples with user frames */
	uint64_t complete;    /* ... whose stack reaches a thread root */
	uint64_t hybrid;      /* DWARF stopped early; frame pointers went on */
	uint64_t no_stack;    /* DWARF ran out of stack copy (continued or not) */
	uint64_t leaf_fixed;  /* fp mode: a frameless leaf's caller put back */
	uint64_t trampolines; /* CPython perf trampolines stepped over */
	/* Counters go above: a quiet walk (switch-out stacks) puts back
	 * everything before this map, which it never touches. */
	struct u64map stopped; /* outermost frame id of incomplete stacks → count */
};
_Static_assert(offsetof(struct unwind_quality, stopped) + sizeof(struct u64map) ==
		   sizeof(struct unwind_quality),
	       "unwind_quality: the stopped map comes last");

struct stackwalk {
	struct symbolizer *sym;
	const struct frametab *frames;
	enum callgraph_mode mode;
	const struct unwinder_ops *ops;
	void *state;
	int hybrid; /* continue DWARF with the frame-pointer chain */
	struct unwind_quality q;
	int quiet;          /* stacks walked now are not counted in Q (switch-out stacks) */
	struct pystack *py; /* NULL: interpreter frames stay as they are */
	const struct pystack_read *py_pre; /* this sample's Python frames, read earlier */
	/* With WANT_PLACES, each sample's user addresses as places (annotation,
	 * addrs.h), leaf first, each with the function it is in (the outermost
	 * frame of its inline chain); PLACE_SELF: the first is the running
	 * instruction (the leaf is user code). */
	int want_places;
	size_t nplaces;
	int place_self;
	uint64_t places[STACKWALK_MAX];
	uint32_t place_frames[STACKWALK_MAX];
};

/* OPS may be NULL in fp mode (then no leaf fix). Returns 0 or -ENOMEM. */
int stackwalk_init(struct stackwalk *w, struct symbolizer *sym, const struct frametab *frames,
		   enum callgraph_mode mode, const struct unwinder_ops *ops, int hybrid);
void stackwalk_fini(struct stackwalk *w);

/* The frames of sample R, root first, into OUT (STACKWALK_MAX). *LEAF_KERNEL
 * says whether the innermost frame is the kernel's. */
size_t stackwalk_frames(struct stackwalk *w, const struct perf_rec *r, uint32_t *out,
			int *leaf_kernel);

/* Frame names that start a thread: a stack ending in one is complete. */
int stackwalk_is_root(const char *name);

#endif
