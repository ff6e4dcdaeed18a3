/* profile — everything learnt from the samples: call tree, frames, threads,
 * counts.  Fed by the session, read by exports and views. */
#ifndef FLAMETOP_PROFILE_H
#define FLAMETOP_PROFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ctree.h"
#include "frametab.h"

struct thread_stat {
	pid_t pid, tid;
	char comm[32];
	uint64_t samples, weight;
};

struct profile {
	struct frametab *frames;
	struct ctree *tree;
	struct thread_stat *threads;
	size_t nthreads, cap_threads;
	uint64_t samples;        /* samples in the tree */
	uint64_t weight;         /* sum of their periods */
	uint64_t lost;           /* samples the kernel dropped (ring full) */
	uint64_t dropped;        /* samples we could not store (out of memory) */
	uint64_t kernel_samples; /* samples whose leaf is a kernel frame */
};

struct hotspot {
	uint32_t frame;
	uint64_t self_samples, self_weight;
	uint64_t total_samples, total_weight; /* each sample counted once, recursion or not */
};

struct profile *profile_new(void);
void profile_free(struct profile *p);

/* Adds a sample: FRAMES root first. */
void profile_add(struct profile *p, pid_t pid, pid_t tid, const uint32_t *frames, size_t n,
		 uint64_t weight, int leaf_kernel);
/* Names a thread (from comm records or /proc). */
void profile_thread_comm(struct profile *p, pid_t pid, pid_t tid, const char *comm);
struct thread_stat *profile_thread(struct profile *p, pid_t pid, pid_t tid);

/* Per-function self and total, sorted by self weight, heaviest first.
 * *OUT is malloc'd; returns the count or -ENOMEM. */
long profile_hotspots(const struct profile *p, struct hotspot **out);

/* Share of the profile's weight, in percent. */
double profile_pct(const struct profile *p, uint64_t weight);

#endif
