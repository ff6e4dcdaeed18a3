/* blocking — why a thread was in the kernel, read from the kernel frames of
 * its stack: futex → a lock, nanosleep → a sleep, a file system or block
 * layer → file I/O, a socket → network I/O, poll/select/epoll → waiting for
 * events.  The same rules name what on-CPU kernel time was spent on and,
 * with switch-out stacks, why a thread was off the CPU. */
#ifndef FLAMETOP_BLOCKING_H
#define FLAMETOP_BLOCKING_H

#include <stdint.h>

#include "ctree.h"
#include "frametab.h"

enum block_reason {
	BLOCK_NONE,  /* no kernel frame, or none that says */
	BLOCK_LOCK,  /* futex, kernel mutexes and rwsems */
	BLOCK_SLEEP, /* nanosleep, clock_nanosleep */
	BLOCK_FILE,  /* file systems, page cache, block layer, fsync */
	BLOCK_NET,   /* sockets */
	BLOCK_POLL,  /* poll, select, epoll: waiting for events */
	BLOCK_PIPE,  /* pipes and terminals */
	BLOCK_CHILD, /* wait4/waitid: waiting for a child */
	BLOCK_FAULT, /* page faults: memory */
	BLOCK_NREASONS,
};

/* The reason a kernel function NAME speaks for, or BLOCK_NONE. */
enum block_reason blocking_of_function(const char *name);
/* The reason of the stack ending at NODE of T: its innermost kernel frame
 * that speaks for one. */
enum block_reason blocking_of_node(const struct ctree *t, const struct frametab *ft, uint32_t node);
/* "lock", "sleep", "file I/O", ... */
const char *blocking_name(enum block_reason r);
/* Short YAML keys: lock, sleep, file, network, poll, pipe, child, fault. */
const char *blocking_key(enum block_reason r);

/* Self weight of T's nodes by the reason of their stack. */
void blocking_sum(const struct ctree *t, const struct frametab *ft,
		  uint64_t weight[BLOCK_NREASONS], uint64_t samples[BLOCK_NREASONS]);

#endif
