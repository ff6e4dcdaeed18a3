/* pystack_impl — the CPython reader's state, shared by its files:
 * pystack.c (threads, code objects, frames, splicing), pyfind.c (finding
 * the interpreter and its layout in a process), pynames.c (thread names).
 * Not a public header. */
#ifndef FLAMETOP_PYSTACK_IMPL_H
#define FLAMETOP_PYSTACK_IMPL_H

#include "pystack.h"

#include "u64map.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>

#define MAX_THREADS_WALK 1024 /* thread states walked to find one, at most */
#define MAX_STR          512
#define BLOCK_MAX        1024              /* bytes of a thread state or frame read at once */
#define WIN_PAGES        4    /* frames read at once: this many pages below one, in one call */
#define PAGE             4096 /* the read's unit: a page is read whole or not at all */
#define HEADS_AT_ONCE    256               /* code objects' headers read by one system call */
#define WALK_MAX         (4 * PYSTACK_MAX) /* frames walked per sample, at most */

struct code_ent {
	uint64_t addr, name, file;
	long line;
	uint32_t id;
};

struct tstate_ent {
	pid_t tid;
	uint64_t addr;
};

struct pyproc {
	pid_t pid;
	int state; /* 1 readable, -1 not CPython (or not readable) */
	struct py_offsets off;
	uint64_t runtime;
	char version[16];
	char module[256];
	struct tstate_ent *ts;
	size_t nts, capts;
	struct u64map code_index; /* code object address → index in CODE */
	struct code_ent *code;
	size_t ncode, capcode;
	struct u64map tramp; /* return address → 1 in a trampoline, 2 not */
};

/* A code object's names, read by whoever read the stack (the collector's
 * thread), made a frame by the analysis's (the frame table is its own). */
struct pycode {
	char *name, *module, *file;
	unsigned line;
	uint32_t frame; /* FRAME_NONE until made */
};

struct pystack {
	/* Reads happen on the collector's thread, splicing and naming on the
	 * analysis's: every entry point takes the lock. */
	pthread_mutex_t lock;
	struct frametab *frames;
	struct pyproc *procs;
	size_t nprocs, capprocs;
	struct pycode *codes; /* what a read's frames[] index */
	size_t ncodes, capcodes;
	long glibc_tid_off; /* struct pthread: where the kernel tid is (3.9, 3.10) */
	char note[400];     /* a line worth saying once (a target that lies), or "" */
	/* Scratch of one walk (walk_frames): big, so not on a stack. */
	uint64_t *walk_code;
	uint8_t *walk_end, *walk_ok;
	struct code_ent *walk_head;
	uint8_t *heads;                        /* HEADS_AT_ONCE headers, read at once */
	/* The frames read at once (py__read_frame): [win_lo, win_hi) of the
	 * target's memory as it was at this sample's walk (win_hi 0: none). */
	uint64_t win_lo, win_hi;
	uint64_t win_at; /* the address of win[0] */
	uint8_t *win;
	char any_version[16], any_module[256]; /* the first CPython found */
	struct pystack_stats st;
};

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline int rd(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };

	if (!addr)
		return -1;
	return process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)len ? 0 : -1;
}

static inline uint64_t u64_at(const uint8_t *b, long off)
{
	uint64_t v;

	memcpy(&v, b + off, sizeof(v));
	return v;
}

/* Lists in a target's memory are the target's to make: one that points back
 * into itself would be walked until a bound. Brent's cycle detection: a
 * saved address, moved at each power of two steps, is met again within
 * about twice the cycle's length once the walk is in it. */
struct cycle {
	uint64_t saved;
	unsigned power, steps;
};

#define CYCLE_INIT      \
	{               \
		0, 1, 0 \
	}

static inline int cycle_seen(struct cycle *c, uint64_t addr)
{
	if (addr == c->saved)
		return 1;
	if (++c->steps == c->power) {
		c->saved = addr;
		c->power *= 2;
		c->steps = 0;
	}
	return 0;
}


/* pystack.c's, used by pyfind.c and pynames.c. */
void py__forget(struct pystack *p, pid_t pid);
size_t py__ts_bytes(const struct py_offsets *o);
pid_t py__tid_of(const struct pystack *p, const struct pyproc *pp, const uint8_t *b);
int py__read_str(pid_t pid, const struct py_offsets *o, uint64_t addr, char *out);
void py__tame(char *s);
/* pyfind.c: PID's entry, looked at (and its interpreter found) when new. */
struct pyproc *py__proc_of(struct pystack *p, pid_t pid);

#endif
