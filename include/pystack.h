/* pystack — the Python frames a CPython process is running, read from its
 * memory.
 *
 * A sample's native stack shows the interpreter (`_PyEval_EvalFrameDefault`)
 * where the user's own functions ran. For a CPython 3.9–3.13 process this
 * module finds `_PyRuntime` through the symbol table of the python binary or
 * libpython it maps, takes the interpreter's struct layout from its version
 * (core/symbols/pyoffsets.c, generated from each version's headers; 3.13+ also
 * publishes `_Py_DebugOffsets`, which is read and preferred), and walks the
 * sampled thread's frames with process_vm_readv. A code object's names are
 * read once and cached by address, but at every use its header is read
 * again (all of a stack's in one system call) and checked against the
 * cached entry: an address freed and taken by another code object — a
 * module's code at start-up, then a function's — is named anew, never as
 * the one before. Nothing in the target is stopped or changed.
 *
 * The read happens shortly after the sample was taken: a Python target's
 * sampling events wake flametop's collector thread (include/collector.h) at
 * every sample, and the sample's Python frames are read as the collector
 * copies it out of the kernel's ring — whatever the analysis is doing — or,
 * for a process not yet known to be Python, when the sample is analysed.
 * A stack read more than PYSTACK_LATE_NS after its sample is not used: the
 * sample keeps its interpreter frames and is counted late. One whose runs
 * of frames do not line up with the native stack's
 * `_PyEval_EvalFrameDefault` frames (the thread called or returned between
 * the sample and the read) is used as matched from the outermost and
 * counted (mismatched): lateness is a count, never part of a name.
 *
 * Threads: reads and probes run on the collector's thread, splicing and
 * naming on the analysis's; every entry point takes the module's lock. A
 * read's frames are handles to the code objects' names; pystack_resolve
 * makes them frames of the table (on the analysis's thread, which owns
 * it). */
#ifndef FLAMETOP_PYSTACK_H
#define FLAMETOP_PYSTACK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "frametab.h"

#define PYSTACK_LATE_NS 10000000ull /* 10 ms */
#define PYSTACK_MAX     512         /* Python frames kept per sample */

/* Where a CPython version keeps what the reader needs (bytes; -1: absent). */
struct py_offsets {
	int minor;                  /* 3.MINOR */
	long rt_interp_head;        /* _PyRuntimeState.interpreters.head */
	long is_threads_head;       /* PyInterpreterState: first PyThreadState */
	long ts_next, ts_thread_id; /* PyThreadState */
	long ts_native_tid;         /* 3.11+: the thread's kernel tid */
	long ts_frame;              /* current frame, in the thread state (3.9, 3.10, 3.13+) */
	long ts_cframe, cf_frame;   /* ... or through _PyCFrame (3.11, 3.12) */
	long ts_size;
	long fr_previous, fr_code; /* the frame: its caller, its code object */
	long fr_is_entry;          /* 3.11: first frame of an interpreter call */
	long fr_owner;             /* 3.11+: 3 = a C-stack shim (3.12+) */
	long fr_size;
	long co_filename, co_name, co_qualname, co_firstlineno;
	long u_ascii_size, u_compact_size,
	    u_length; /* str: PyASCIIObject, PyCompactUnicodeObject */
	/* thread names: sys.modules["threading"]._active[ident]._name */
	long is_modules;              /* PyInterpreterState: sys.modules */
	long dict_keys, dict_values;  /* PyDictObject */
	long dk_size;                 /* PyDictKeysObject: size (3.9, 3.10) or log2 size (3.11+) */
	long dk_kind, dk_index_bytes; /* 3.11+: entry kind, log2 of the index table's bytes */
	long dk_nentries, dk_indices;
	long md_dict;                     /* PyModuleObject */
	long long_digit;                  /* PyLongObject: first 30-bit digit (size or tag at 16) */
	long tp_dictoffset, tp_basicsize; /* PyTypeObject */
	long ht_cached_keys;              /* 3.11+ PyHeapTypeObject: an instance's shared keys */
};

/* The layout of 3.MINOR, or NULL when unknown. */
const struct py_offsets *py_offsets_for(int minor);

/* One sample's Python frames, innermost first, cut into the runs each
 * interpreter call evaluated: SEG_END[k] is one past the last frame of the
 * k-th run from the innermost. */
struct pystack_read {
	uint32_t frames[PYSTACK_MAX];
	size_t n;
	size_t seg_end[PYSTACK_MAX];
	size_t nseg;
	int late; /* read well after the sample */
	double lag_ms;
};

struct pystack_stats {
	uint64_t samples;    /* samples whose Python frames were read */
	uint64_t late;       /* ... read too late to be used: interpreter frames kept */
	uint64_t mismatched; /* ... not lining up with the native stack (used, outermost first) */
	uint64_t failed;     /* ... that could not be read (a thread without state, an exit) */
	uint64_t code_reads; /* code objects read (cache misses and checks) */
	uint64_t refused;    /* processes whose struct offsets were out of range: not read */
	double lag_ms_sum;   /* sample to read, over SAMPLES */
};

struct pystack;

/* Frames are interned into FRAMES (kind FRAME_PYTHON, module: the file's base
 * name, the function's first line). */
struct pystack *pystack_new(struct frametab *frames);
void pystack_free(struct pystack *p);

/* Reads the Python stack of thread TID of PID, whose sample was taken at
 * SAMPLE_NS (CLOCK_MONOTONIC). Returns 0, or -1 when PID is not a CPython
 * process flametop can read or the thread has no Python frames now.
 * OUT's frames are handles: pystack_resolve makes them frames. */
int pystack_read(struct pystack *p, pid_t pid, pid_t tid, uint64_t sample_ns,
		 struct pystack_read *out);
/* R's handles (from pystack_read) into frames of the table, on the thread
 * that owns the table. */
void pystack_resolve(struct pystack *p, struct pystack_read *r);
/* The command at PATH (argv[0]) starts Python: its name says python, or
 * its first line is a #! line that does. */
int pystack_command_is_python(const char *path);
/* Each Python thread of every CPython process known, named as Python names
 * it (threading.Thread.name: sys.modules["threading"]._active, read from
 * memory): FN(ARG, PID, TID, NAME). Returns how many were named. */
size_t pystack_thread_names(struct pystack *p,
			    void (*fn)(void *arg, pid_t pid, pid_t tid, const char *name),
			    void *arg);

/* PID is a CPython 3.12+ process (whose perf trampolines may be on its
 * stacks: `-X perf`, PYTHONPERFSUPPORT=1). */
int pystack_has_trampolines(const struct pystack *p, pid_t pid);
/* PC of PID is the return address inside a perf trampoline: CPython's
 * `sub $8,%rsp; call *%rcx; add $8,%rsp; ret`, copied per code object into
 * anonymous memory without CFI. Its caller's frame is found by a fixed
 * rule: return address at SP+8, the caller's SP = SP+16. */
int pystack_is_trampoline(struct pystack *p, pid_t pid, uint64_t pc);

/* PID is known to be a CPython process flametop reads (no probing). */
int pystack_known(const struct pystack *p, pid_t pid);
/* PID mapped a file that may be Python's: look (again) whether it is. */
void pystack_probe(struct pystack *p, pid_t pid);
/* A read packed into OUT (at most MAX words) to be used later: returns the
 * words used, 0 when it does not fit. */
size_t pystack_pack(const struct pystack_read *r, uint32_t *out, size_t max);
void pystack_unpack(const uint32_t *in, struct pystack_read *r);

/* PID is a CPython process flametop reads: its version ("3.11"), else NULL.
 * *MODULE (may be NULL) gets the file that holds the interpreter. */
const char *pystack_version(struct pystack *p, pid_t pid, const char **module);
/* The first version found in any process, or NULL; *MODULE as above. */
const char *pystack_any_version(const struct pystack *p, const char **module);
/* PID exited or ran exec: what was known of it goes. */
void pystack_forget(struct pystack *p, pid_t pid);
const struct pystack_stats *pystack_stats(const struct pystack *p);
/* A line worth saying once (a process whose offsets are out of range) into
 * BUF; returns 0 when there is none. */
int pystack_take_note(struct pystack *p, char *buf, size_t len);

/* Splices the Python frames into a sample's frames (innermost first, N of
 * them, room for MAX): each interpreter frame gives way to the run of Python
 * frames it evaluated; the interpreter's own frames between two runs (call
 * plumbing) are dropped. Runs and interpreter frames are matched from the
 * outermost; when the counts differ the innermost interpreter frames without
 * a run stay as they are (counted mismatched). A read too late is not used.
 * Returns the new count. */
size_t pystack_splice(struct pystack *p, uint32_t *frames, size_t n, size_t max,
		      const struct pystack_read *py);
/* FRAME is the interpreter's evaluation loop. */
int pystack_is_eval(const struct frame *f);

#endif
