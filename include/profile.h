/* profile — everything learnt from the samples: call tree, frames, threads,
 * counts.  Fed by the session, read by exports and views. */
#ifndef FLAMETOP_PROFILE_H
#define FLAMETOP_PROFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "addrs.h"
#include "ctree.h"
#include "reasons.h"
#include "frametab.h"
#include "u64map.h"

struct thread_stat {
	pid_t pid, tid;
	char comm[32];
	char pyname[64]; /* the name Python gives the thread (threading), or "" */
	uint64_t samples, weight;
	uint64_t ctr[CTREE_MAX_CTR];            /* counters charged by its samples */
	uint64_t ctr_mark[CTREE_MAX_CTR];       /* ctr at the last interval's end */
	uint64_t ctr_last[CTREE_MAX_CTR];       /* change over the last interval */
	uint64_t weight_mark, weight_last;      /* weight at / over the last interval */
	uint64_t off_ns;                        /* time off the CPU (switch-out stacks) */
	uint64_t off_reason_ns[BLOCK_NREASONS]; /* off_ns by the reason of the stack */
};

/* Samples per (thread, leaf node): what thread filters and the recent
 * (decaying) profile are rebuilt from, without a log of every sample. */
struct leaf_stat {
	pid_t tid;
	uint32_t leaf;
	uint64_t samples, weight;
	double recent_samples, recent_weight; /* decayed by profile_decay */
};

struct profile {
	struct frametab *frames;
	struct ctree *tree;
	struct addrs addrs; /* samples per instruction of each function (annotation) */
	struct thread_stat *threads;
	size_t nthreads, cap_threads;
	struct u64map thread_index; /* tid → index in threads */
	uint64_t samples;           /* samples in the tree */
	uint64_t weight;            /* sum of their periods */
	uint64_t lost;              /* samples the kernel dropped (ring full) */
	uint64_t idle_samples;      /* -a: samples of idle CPUs (the idle task), not in the tree */
	uint64_t dropped;           /* samples we could not store (out of memory) */
	uint64_t queue_dropped;     /* samples dropped: the analysis queue was full */
	uint64_t cut;               /* samples collected and not analysed: cut at the stop */
	uint64_t kernel_samples;    /* samples whose leaf is a kernel frame */
	struct leaf_stat *leaves;
	size_t nleaves, cap_leaves;
	struct u64map leaf_index; /* tid << 32 | leaf → index in leaves */
	/* Off-CPU: where threads blocked and for how long.  A tree of its own
	 * over the same frames: each switch-out stack with a "[blocked: REASON]"
	 * frame as its leaf, weight in nanoseconds, samples = blocked
	 * intervals; per-(thread, leaf) counts as for the on-CPU tree. */
	struct ctree *off;
	struct leaf_stat *off_leaves;
	size_t noff_leaves, cap_off_leaves;
	struct u64map off_index;
	int off_on;      /* switch-out stacks were taken */
	uint64_t off_ns; /* all blocked time */
	uint64_t off_reason_ns[BLOCK_NREASONS];
};

struct hotspot {
	uint32_t frame;
	uint64_t self_samples, self_weight;
	uint64_t total_samples, total_weight; /* each sample counted once, recursion or not */
	uint64_t self_ctr[CTREE_MAX_CTR], total_ctr[CTREE_MAX_CTR];
	/* -a / --cgroup (ctree_hotspot_processes): the process frame (a root
	 * child) with the most of it, and in how many processes it ran */
	uint32_t process, nprocesses;
};

struct profile *profile_new(void);
/* A profile of its own holding T's stacks (frames from FT, interned anew):
 * a snapshot that outlives the tree, one thread. NULL on ENOMEM. */
struct profile *profile_from_tree(const struct ctree *t, const struct frametab *ft);
void profile_free(struct profile *p);

/* Adds a sample: FRAMES root first. */
void profile_add(struct profile *p, pid_t pid, pid_t tid, const uint32_t *frames, size_t n,
		 uint64_t weight, int leaf_kernel);
/* The same, charging counter changes CTR (profile_set_counters values; NULL
 * for none) to the stack and the thread. */
void profile_add_ctr(struct profile *p, pid_t pid, pid_t tid, const uint32_t *frames, size_t n,
		     uint64_t weight, int leaf_kernel, const uint64_t *ctr);
/* SAMPLES samples of total WEIGHT at once (a saved profile reloaded). */
void profile_add_n(struct profile *p, pid_t pid, pid_t tid, const uint32_t *frames, size_t n,
		   uint64_t samples, uint64_t weight, int leaf_kernel);
/* A blocked interval of NS nanoseconds of thread TID, charged to the
 * switch-out stack FRAMES (root first) under a frame naming REASON. */
void profile_add_offcpu(struct profile *p, pid_t pid, pid_t tid, const uint32_t *frames, size_t n,
			uint64_t intervals, uint64_t ns, enum block_reason reason);
/* The same for a PATH that ends in its reason frame already (a saved
 * profile read back). */
void profile_add_off_path(struct profile *p, pid_t pid, pid_t tid, const uint32_t *path, size_t n,
			  uint64_t intervals, uint64_t ns, enum block_reason reason);
/* The frame "[blocked: REASON]" (interned on first use). */
uint32_t profile_reason_frame(struct profile *p, enum block_reason reason);
/* Wall time: a new tree of the on-CPU samples and the off-CPU intervals
 * together (both weighed in nanoseconds: the sampling event must be
 * cpu-clock or task-clock). NULL on ENOMEM. */
struct ctree *profile_wall_tree(const struct profile *p);
/* Every node and thread carries NCTR counters (0 to CTREE_MAX_CTR). */
int profile_set_counters(struct profile *p, size_t nctr);
/* Closes a per-thread counter interval (ctr_last). */
void profile_tick_threads(struct profile *p);
/* Multiplies every recent value by FACTOR (0..1): the decaying profile. */
void profile_decay(struct profile *p, double factor);
/* Names a thread (from comm records or /proc). */
void profile_thread_comm(struct profile *p, pid_t pid, pid_t tid, const char *comm);
/* Python's name for thread TID of PID (threading.Thread.name). */
void profile_thread_pyname(struct profile *p, pid_t pid, pid_t tid, const char *name);
struct thread_stat *profile_thread(struct profile *p, pid_t pid, pid_t tid);

/* Per-function self and total, sorted by self weight, heaviest first.
 * *OUT is malloc'd; returns the count or -ENOMEM. */
long profile_hotspots(const struct profile *p, struct hotspot **out);

/* The same rollup over any tree whose frames come from a table of NFRAMES. */
long ctree_hotspots(const struct ctree *t, size_t nframes, struct hotspot **out);
/* Each of HS's N functions' process (struct hotspot): T's root children are
 * processes (-a / --cgroup). Returns 0 or -ENOMEM. */
int ctree_hotspot_processes(const struct ctree *t, size_t nf, struct hotspot *hs, size_t n);

/* Share of the profile's weight, in percent. */
double profile_pct(const struct profile *p, uint64_t weight);
/* Samples taken and not in the profile: the kernel's lost, the queue's
 * dropped, out of memory, cut at the stop. */
uint64_t profile_lost_total(const struct profile *p);

#endif
