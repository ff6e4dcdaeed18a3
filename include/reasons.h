/* reasons — why a thread was off a CPU, as the profile records it: the
 * reasons, their names, and the frame a blocked interval ends in. Which
 * reason a stack speaks for is blocking.h's (the rules). */
#ifndef FLAMETOP_REASONS_H
#define FLAMETOP_REASONS_H

#include <stddef.h>

enum block_reason {
	BLOCK_NONE,    /* no kernel frame, or none that says */
	BLOCK_LOCK,    /* futex, kernel mutexes and rwsems */
	BLOCK_SLEEP,   /* nanosleep, clock_nanosleep */
	BLOCK_FILE,    /* file systems, page cache, block layer, fsync */
	BLOCK_NET,     /* sockets */
	BLOCK_POLL,    /* poll, select, epoll: waiting for events */
	BLOCK_PIPE,    /* pipes and terminals */
	BLOCK_CHILD,   /* wait4/waitid: waiting for a child */
	BLOCK_FAULT,   /* page faults: memory */
	BLOCK_PREEMPT, /* runnable, waiting for a CPU (preempted) */
	BLOCK_NREASONS,
};

/* "lock", "sleep", "file I/O", ... */
const char *blocking_name(enum block_reason r);
/* "[blocked: lock]": the frame a blocked interval ends in. */
void blocking_frame_name(enum block_reason r, char *buf, size_t len);
/* Short YAML keys: lock, sleep, file, network, poll, pipe, child, fault. */
const char *blocking_key(enum block_reason r);

#endif
