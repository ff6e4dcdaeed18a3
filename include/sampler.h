/* sampler — perf_event sampling sessions: per-task events on every CPU, one
 * ring buffer per CPU.
 *
 * Each event is opened with inherit, so threads and processes the task
 * creates later are sampled from their first instruction.  The kernel allows
 * no ring on an inherited per-task event, so (like perf record) we open one
 * event per (task, CPU) and point every event of a CPU at that CPU's ring.
 * Each (task, CPU) gets an event group: the first event samples, the others
 * are counted beside it, and every sample carries a read of the whole group
 * (PERF_SAMPLE_READ), so counters can be charged to call stacks.
 *
 * The first task opened decides the group (the -e events, else cycles with
 * instructions, cache and branch events; cpu-clock with software events
 * where no CPU PMU exists), and whether kernel frames may be sampled; later
 * tasks use the same choice. */
#ifndef FLAMETOP_SAMPLER_H
#define FLAMETOP_SAMPLER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "events.h"
#include "perf_records.h"
#include "perf_ring.h"

struct sampler_config {
	unsigned freq_hz; /* samples per second per thread */
	uint64_t period;  /* -c: one sample every PERIOD leader events (0: by rate) */
	const struct event_spec *events; /* -e, leader first; NULL: the default set */
	size_t nevents;
	unsigned stack_bytes; /* user stack copied with each sample, with the user
			       * registers (0: none); a multiple of 8 */
	int enable_on_exec;   /* launch mode: counting starts at exec */
	int force_cpu_clock;  /* skip the hardware attempt */
	unsigned ring_order;  /* 2^order data pages per ring (0: default) */
	int offcpu;           /* switch-out stacks: a context-switch event with
			       * period 1 and switch records beside each group */
	int system_wide;      /* -a: every task on each CPU (sampler_open_task(-1)) */
	int cgroup_fd;        /* with system_wide, > 0: only this cgroup's tasks */
	int wake_each;        /* wake the reader at every sample, not at a quarter
			       * of the ring (a Python target: its frames are
			       * read from memory as soon as can be) */
};

struct sampler_stream {
	int fd; /* the event that owns the ring */
	int cpu;
	struct perf_ring ring;
};

struct sampler;

struct sampler *sampler_new(const struct sampler_config *cfg);
void sampler_free(struct sampler *s);

/* Opens the sampling events of TID, one per CPU. Returns 0 or -errno with a
 * one-line reason in ERR. -ESRCH means the task is gone. */
int sampler_open_task(struct sampler *s, pid_t tid, char *err, size_t errlen);

/* Attach mode, after the first task is open (the group is then known):
 * NTASKS tasks in all. Where their events in full (a group per task and
 * CPU) would not fit the descriptor limit, later tasks are opened lean: a
 * sampling leader (and switch event) per CPU, their counters once per task
 * on any CPU (counted in the totals, not in samples), or none; said in the
 * counter note. Returns 0, or -EMFILE with the reason in ERR when even the
 * leaders would not fit. */
int sampler_plan(struct sampler *s, size_t ntasks, char *err, size_t len);

/* Starts every opened event (attach mode; launch mode starts on exec). */
void sampler_enable(struct sampler *s);
void sampler_disable(struct sampler *s);
/* Closes every event and unmaps the rings (what was opened is still
 * described: names, notes). For after the last drain: a target with
 * thousands of threads holds thousands of descriptors, and the exports
 * need a few. */
void sampler_release(struct sampler *s);

size_t sampler_nstreams(const struct sampler *s);
struct sampler_stream *sampler_stream(struct sampler *s, size_t i);

/* What was opened: the sampling event's name ("cycles", "cpu-clock", or as
 * given to -e), and whether kernel frames are excluded because the kernel
 * refused them. */
const char *sampler_event_name(const struct sampler *s);
/* Sample periods are nanoseconds (the sampling event is cpu-clock or
 * task-clock): sampled weight is CPU time. */
int sampler_weight_ns(const struct sampler *s);
int sampler_hw_available(const struct sampler *s);
int sampler_user_only(const struct sampler *s);
uint64_t sampler_sample_type(const struct sampler *s);
/* Why hardware events could not be used; "" when they were. */
const char *sampler_hw_note(const struct sampler *s);
/* Events asked for but not counted, and why; "" when none. */
const char *sampler_counter_note(const struct sampler *s);

/* The group as opened, leader first (valid once a task is open). */
size_t sampler_ngroup(const struct sampler *s);
const struct event_spec *sampler_group(const struct sampler *s);
/* Samples carry group reads (PERF_SAMPLE_READ; needs Linux 6.12 with
 * inherited events). */
int sampler_sample_read(const struct sampler *s);

/* Group leaders (one per task and CPU) and a read of each: counts of that
 * task and every thread it created, scaled by the caller. */
size_t sampler_nleaders(const struct sampler *s);
/* CPUs each task has a group on. */
size_t sampler_ncpus(const struct sampler *s);
int sampler_read_leader(const struct sampler *s, size_t i, struct group_read *out);

/* Off-CPU: a software context-switch event, period 1, per (task, CPU), with
 * the sampling event's sample type (call chains, user stacks) and switch
 * records (attr.context_switch), into the same rings.  Every event then
 * carries PERF_SAMPLE_IDENTIFIER, so a sample says which event wrote it;
 * an inherited event reports its parent's id, so the ids opened here are
 * all there is to know.  Returns whether switch-out samples are taken. */
int sampler_offcpu(const struct sampler *s);
/* Why not, when asked for ("" when they are, or were not asked for). */
const char *sampler_offcpu_note(const struct sampler *s);
/* ID (a sample's identifier) is one of the switch events. */
int sampler_is_switch(const struct sampler *s, uint64_t id);

/* kernel.perf_event_max_sample_rate, or 0 if unreadable. */
unsigned sampler_max_rate(void);

#endif
