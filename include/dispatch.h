/* dispatch — decoded perf records into the model, and nothing else: no
 * event is opened, no ring read.  Samples go through the stack walker into
 * the profile (with the group's counter changes when counting); switch-out
 * samples and switch records become off-CPU waits, charged when the thread
 * comes back; mmap, fork, comm and exit records keep the symbolizer's
 * process tables.  The session feeds it what its rings hold; a test feeds
 * it synthetic records. */
#ifndef FLAMETOP_DISPATCH_H
#define FLAMETOP_DISPATCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "blocking.h"
#include "counting.h"
#include "perf_records.h"
#include "profile.h"
#include "stackwalk.h"
#include "symbols.h"
#include "u64map.h"

/* A thread off the CPU since T_OUT, in the stack it switched out in. */
struct offcpu_wait {
	pid_t pid, tid;
	uint64_t t_out; /* the records' clock (CLOCK_MONOTONIC ns) */
	uint32_t *frames;
	size_t n, cap;
	enum block_reason reason;
	int active, dead;
};

struct pystack;

struct dispatch {
	/* the model (borrowed) */
	struct symbolizer *sym;
	struct profile *profile;
	struct stackwalk *walk;
	struct counting *counting; /* NULL: no counter changes charged */
	struct pystack *py;        /* NULL: no Python processes followed */
	/* Whether event ID is a switch-out sampler (NULL: none is). */
	int (*is_switch)(void *arg, uint64_t id);
	void *is_switch_arg;
	/* Sees every sample before it is unwound (tools), or NULL. */
	void (*tap)(const struct perf_rec *r, void *arg);
	void *tap_arg;
	/* -a / --cgroup: each process a frame at the root of its stacks */
	int per_process;
	struct u64map proc_frame; /* pid → its frame (forgotten at exec) */
	struct u64map py_exec;    /* pids exec'd: their next "python" mapping is probed again */
	/* off-CPU */
	struct offcpu_wait *waits; /* one per thread seen switching */
	size_t nwaits, capwaits;
	struct u64map wait_index;      /* tid → index in waits */
	struct blocking_cache reasons; /* each frame's blocking verdict */
};

void dispatch_init(struct dispatch *d, struct symbolizer *sym, struct profile *profile,
		   struct stackwalk *walk);
void dispatch_fini(struct dispatch *d);
/* One record, in time order with the others. */
void dispatch_record(struct dispatch *d, const struct perf_rec *r);
/* The run is over at T: waits still open are charged up to it. */
void dispatch_end_waits(struct dispatch *d, uint64_t t);

#endif
