/* blocking — why a thread was in the kernel, read from the kernel frames of
 * its stack: futex → a lock, nanosleep → a sleep, a file system or block
 * layer → file I/O, a socket → network I/O, poll/select/epoll → waiting for
 * events.  The same rules name what on-CPU kernel time was spent on and,
 * with switch-out stacks, why a thread was off the CPU. */
#ifndef FLAMETOP_BLOCKING_H
#define FLAMETOP_BLOCKING_H

#include <stddef.h>
#include <stdint.h>

#include "ctree.h"
#include "frametab.h"
#include "reasons.h"

/* The reason a kernel function NAME speaks for, or BLOCK_NONE. */
enum block_reason blocking_of_function(const char *name);
/* The same for a user-space (libc) function, for stacks without kernel
 * frames: pthread_mutex_lock → lock, nanosleep → sleep, read → file... */
enum block_reason blocking_of_user_function(const char *name);
/* The reason of a stack FRAMES[0..N) root first: its innermost kernel frame
 * that speaks, else its innermost user frame that does. */
enum block_reason blocking_of_stack(const struct frametab *ft, const uint32_t *frames, size_t n);
/* The reason of the stack ending at NODE of T: its innermost kernel frame
 * that speaks for one. */
enum block_reason blocking_of_node(const struct ctree *t, const struct frametab *ft, uint32_t node);
/* The same, remembering each frame's verdict in CACHE (per frame id; zero
 * it to start, blocking_cache_free to end): the rules are string compares,
 * and a switch-heavy target asks for every switch. */
struct blocking_cache {
	uint8_t *v; /* 0: not yet; else kernel reason + 1 | (user reason + 1) << 4 */
	size_t cap;
};
enum block_reason blocking_of_stack_cached(struct blocking_cache *c, const struct frametab *ft,
					   const uint32_t *frames, size_t n);
void blocking_cache_free(struct blocking_cache *c);

/* Self weight of T's nodes by the reason of their stack. */
void blocking_sum(const struct ctree *t, const struct frametab *ft, uint64_t weight[BLOCK_NREASONS],
		  uint64_t samples[BLOCK_NREASONS]);

#endif
