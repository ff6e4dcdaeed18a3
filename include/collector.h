/* collector — the thread that only empties the kernel's rings.
 *
 * Analysis (unwinding, symbols, the call tree, source lines, exports) can
 * take tens or hundreds of milliseconds at a time, and on a busy machine
 * the thread doing it gets a fraction of a core. Were it also the thread
 * that empties the rings, they would overflow and the kernel would lose
 * samples (as flametop did before, where `perf record`, which only copies,
 * lost none). The collector copies each ring's records into a batch and
 * hands batches to the analysis through a bounded recqueue; it also reads,
 * at that moment, what cannot be read later: a Python sample's interpreter
 * stack (pystack, behind its own lock) and a launched command's peak memory
 * in its first half second. It never unwinds, symbolizes, touches the
 * model, the disk or the network.
 *
 * A batch is handed over every PUSH_MS (or sooner when big), so analysis
 * wakes at most ~100 times a second however often samples come. Where the
 * queue is full, samples are dropped and counted; other records (mmap,
 * comm, fork, exit, lost) are always kept, since the model needs them. */
#ifndef FLAMETOP_COLLECTOR_H
#define FLAMETOP_COLLECTOR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "perf_ring.h"
#include "pystack.h"
#include "recqueue.h"

#define COLLECTOR_NICE -10 /* the collector thread's nice value, where permitted */

struct collector_source {
	struct perf_ring *ring;
	int fd; /* polled: readable when the ring has records */
};

struct collector_config {
	const struct collector_source *src;
	size_t nsrc;
	uint64_t sample_type;
	struct pystack *py; /* NULL: no Python frames read */
	pid_t peek_pid;     /* > 0: a launched command, its peak memory read early
			     * (from collector_peek_now) */
	int nice;           /* raise the thread to this nice value (0: leave it) */
	/* Stopping sampling is the collector's too: at STOP_AT_NS (monotonic;
	 * 0: none) or when its stop descriptor is written (a signal handler
	 * may), it calls DISABLE(DISABLE_ARG) at once — the thread that runs
	 * at a raised priority, not the analysis that may be starved. */
	uint64_t stop_at_ns;
	void (*disable)(void *arg);
	void *disable_arg;
};

struct collector_stats {
	uint64_t records, samples; /* copied */
	uint64_t queue_dropped;    /* samples dropped: the queue was full */
	uint64_t oom;              /* samples not copied: out of memory */
	uint64_t bad;              /* rings found corrupt */
	uint64_t python_reads;     /* samples whose Python frames were read */
	uint64_t hwm_kb, rss_kb;   /* the launched command's, read early (0: not read) */
	int nice;                  /* the thread's nice value */
	int raised;                /* it was raised (1), refused (-1), not asked (0) */
	uint64_t stopped_ns;       /* it disabled the events then (0: not yet) */
	int running;
};

/* What waits for analysis, and how far behind it is (session_backlog). */
struct collection_backlog {
	uint64_t samples; /* collected, not yet analysed */
	double lag_s;     /* the age of the sample it reached */
	double lag_max_s; /* the most it was behind, at a poll */
	size_t queue_bytes, queue_peak, queue_limit;
	int collector_nice, collector_raised; /* as in struct collector_stats */
};

struct collector;

/* Starts the thread over CFG's rings, into Q. NULL with a reason in ERR. */
struct collector *collector_start(const struct collector_config *cfg, struct recqueue *q, char *err,
				  size_t len);
/* The launched command (peek_pid) has exec'd: its memory is read from now
 * on, for half a second (before, it is still a copy of flametop). */
void collector_peek_now(struct collector *c);
/* Asks it to stop: it empties the rings once more (the events must be
 * disabled first, or the rings keep filling), hands over the last batch and
 * ends. Returns once it has. */
void collector_stop(struct collector *c);
/* Written to (8 bytes, any value: write(2) is async-signal-safe), it
 * stops sampling as collector_stop does, without waiting. */
int collector_stop_fd(const struct collector *c);
/* Stops it if running; frees it. NULL is fine. */
void collector_free(struct collector *c);
void collector_get_stats(struct collector *c, struct collector_stats *out);

#endif
