/* sampler — perf_event sampling sessions: per-task events on every CPU, one
 * ring buffer per CPU.
 *
 * Each event is opened with inherit, so threads and processes the task
 * creates later are sampled from their first instruction.  The kernel allows
 * no ring on an inherited per-task event, so (like perf record) we open one
 * event per (task, CPU) and point every event of a CPU at that CPU's ring.
 * The first task opened decides the event (hardware cycles when a PMU exists,
 * else cpu-clock) and whether kernel frames may be sampled; later tasks use
 * the same choice. */
#ifndef FLAMETOP_SAMPLER_H
#define FLAMETOP_SAMPLER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "perf_ring.h"

struct sampler_config {
	unsigned freq_hz;    /* samples per second per thread */
	int enable_on_exec;  /* launch mode: counting starts at exec */
	int force_cpu_clock; /* skip the hardware attempt */
	unsigned ring_order; /* 2^order data pages per ring (0: default) */
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

/* Starts every opened event (attach mode; launch mode starts on exec). */
void sampler_enable(struct sampler *s);
void sampler_disable(struct sampler *s);

size_t sampler_nstreams(const struct sampler *s);
struct sampler_stream *sampler_stream(struct sampler *s, size_t i);

/* What was opened: "cycles" or "cpu-clock", and whether kernel frames are
 * excluded because the kernel refused them. */
const char *sampler_event_name(const struct sampler *s);
int sampler_hw_available(const struct sampler *s);
int sampler_user_only(const struct sampler *s);
uint64_t sampler_sample_type(const struct sampler *s);
/* Why hardware events could not be used; "" when they were. */
const char *sampler_hw_note(const struct sampler *s);

/* kernel.perf_event_max_sample_rate, or 0 if unreadable. */
unsigned sampler_max_rate(void);

#endif
