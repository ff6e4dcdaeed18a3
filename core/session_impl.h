/* session_impl — the fields of a run: core's own (session.c, and
 * session_report.c which states them in a report). The faces use
 * include/session.h's accessors. */
#ifndef FLAMETOP_SESSION_IMPL_H
#define FLAMETOP_SESSION_IMPL_H

#include "session.h"

#include "blocking.h"
#include "collector.h"
#include "counting.h"
#include "dispatch.h"
#include "gpu.h"
#include "stackwalk.h"
#include "profile.h"
#include "sampler.h"
#include "symbols.h"
#include "target.h"
#include "tasks.h"
#include "timeline.h"
#include "fingerprint.h"
#include "pystack.h"
#include "recqueue.h"

struct session {
	struct session_config cfg;
	struct target target;
	struct sampler *sampler;
	struct symbolizer *sym;
	struct profile *profile;
	struct counting *counting; /* the group's totals, series and deltas */
	struct timeline *timeline; /* the target's CPU, RSS and I/O per interval */
	struct tasks tasks;        /* per-thread CPU from /proc */
	struct gpu *gpu;           /* NULL when cfg.no_gpu */
	char gpu_desc[160];        /* what the GPU probe found */
	struct gpu_reading gpu_last;
	struct stackwalk walk;      /* samples → frames, unwind quality */
	struct dispatch disp;       /* records → the model */
	time_t started_at;          /* wall clock */
	uint64_t start_ns, stop_ns; /* monotonic */
	uint64_t bad_records;       /* records we could not decode, rings found corrupt */
	uint64_t bad_decode;        /* ... the first of those */
	uint64_t next_tick_ns;      /* end of the current counter interval */
	int finished;
	struct recqueue *queue;       /* the collector's batches, bounded */
	struct collector *collector;  /* the thread that empties the rings */
	struct batch *cur;            /* the batch being analysed */
	uint64_t analysed_time;       /* the last record analysed was taken then */
	int collector_nice, collector_raised;
	double lag_max_s;             /* the analysis was this far behind, at most */
	char note[400];               /* session_take_note's line */
	char start_note[256];         /* a failure at the start to be said once, or "" */
	unsigned long long cpu_ticks0, steal0; /* the machine's at the start */
	int have_ticks0;
	uint64_t polled_ns;        /* the target was last read */
	struct fingerprint fp;         /* the machine's, read at the first report */
	char fp_exe[1024];             /* ... for this executable */
	int have_fp;
	struct pystack *py;            /* Python frames (NULL with cfg.no_python) */
	struct pystack_read py_read;   /* scratch: one sample's Python frames */
	int cgroup_fd;                 /* --cgroup: its directory, open (0: none) */
	struct dbgfetch *fetch;        /* debuginfod (NULL: not asked) */
};

#endif
