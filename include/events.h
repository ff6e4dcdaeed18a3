/* events — perf events named the libpfm4 way.
 *
 * "cycles", "cache-misses", "LLC-load-misses", "task-clock", a PMU-specific
 * "skx::MEM_LOAD_RETIRED:L3_MISS", each with modifiers (":u", ":k",
 * ":period=N", ":precise=2") are encoded by libpfm4 into a perf_event_attr.
 * Nothing is opened here: that is the sampler's work. */
#ifndef FLAMETOP_EVENTS_H
#define FLAMETOP_EVENTS_H

#include <linux/perf_event.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define EVENTS_MAX 8 /* events in one group: the sampling leader and the counted */

struct event_spec {
	char name[64];               /* as the user wrote it, or the default's name */
	struct perf_event_attr attr; /* type, config, exclude_*, precise_ip, period */
	int has_period;              /* ":period=N" given: sample by period, not rate */
};

/* Encodes one event string. Returns 0, or -EINVAL / -ENOENT with a one-line
 * reason in ERR; an unknown name suggests the closest known ones. */
int events_encode(const char *str, struct event_spec *out, char *err, size_t len);

/* "a,b,c" → up to EVENTS_MAX specs. Returns the count, or a negative errno
 * with the reason in ERR. */
int events_parse_list(const char *csv, struct event_spec *out, char *err, size_t len);

/* The default sets: sampling on cycles with instructions, cache references
 * and misses, branches and branch misses counted; or, where no CPU PMU
 * exists, cpu-clock with task-clock, context switches, migrations, page
 * faults and major faults. Return the count. */
int events_default_hw(struct event_spec *out);
int events_default_sw(struct event_spec *out);

/* A software event, counted by the kernel without a PMU. */
int events_is_software(const struct perf_event_attr *a);

/* Up to MAX names closest to BAD (edit distance), best first. */
size_t events_suggest(const char *bad, char (*out)[64], size_t max);

/* Writes the PMUs libpfm4 detects and their events whose name contains
 * FILTER (case-insensitive; NULL for all). Returns the number of events
 * written, or a negative errno. */
long events_list(FILE *f, const char *filter);

/* Generic events by meaning, for derived metrics. */
enum event_role {
	ROLE_NONE,
	ROLE_CYCLES,
	ROLE_INSTRUCTIONS,
	ROLE_CACHE_REFS,
	ROLE_CACHE_MISSES,
	ROLE_BRANCHES,
	ROLE_BRANCH_MISSES,
};
enum event_role events_role(const struct perf_event_attr *a);

#endif
