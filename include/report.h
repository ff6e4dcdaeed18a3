/* report — a finished (or paused) profile with everything an export says
 * about it: target, machine, scenario, baseline, classification.
 * Exporters read a report, never a live session. */
#ifndef FLAMETOP_REPORT_H
#define FLAMETOP_REPORT_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "classify.h"
#include "collector.h"
#include "counting.h"
#include "fingerprint.h"
#include "ledger.h"
#include "gpu.h"
#include "hints.h"
#include "profile.h"
#include "pystack.h"
#include "readings.h"
#include "tasks.h"
#include "stackwalk.h"
#include "timeline.h"

#define REPORT_FORMAT    1
#define REPORT_PRUNE_PCT 0.5 /* performance_map drops steps below this total share */

struct report_baseline {
	double wall_time_ms, cpu_time_ms, user_time_ms, sys_time_ms;
	double memory_peak_mb, memory_delta_mb;
	uint64_t io_read_bytes, io_write_bytes;
	long threads;
	/* From the process readings (/proc) over the run. */
	double off_cpu_pct;  /* of the threads' wall time (after report_classify:
				the share's, classify_share); < 0: not measured */
	double runnable_pct; /* /proc's share runnable, waiting for a CPU */
	int has_rollup;
	double memory_pss_mb, memory_swap_mb; /* at the end */
	int has_growth;
	struct timeline_growth growth;
	int io_valid;
	uint64_t io_rchar, io_wchar, io_syscr, io_syscw;
	uint64_t ctxt_voluntary, ctxt_involuntary;
	long threads_seen, threads_ended;   /* /proc/PID/task over the run */
	double threads_unattributed_cpu_ms; /* the process's CPU no thread reading holds */
};

struct push_stats;

struct report {
	const struct profile *profile;
	/* target */
	pid_t pid;
	char command[1024], exe[1024];
	int exited, have_status, exit_code, exit_signal;
	int stopped_by_flametop; /* the exit signal was flametop's, at the end of the run */
	int kernel_thread;       /* the target is a kernel thread */
	int machine;             /* -a / --cgroup: every CPU, a process frame at each root */
	const char *cgroup;      /* --cgroup: its directory (NULL: none) */
	const char *state;       /* running, stopped, exited */
	int zombie;              /* exited, not yet reaped by its parent */
	/* scenario */
	time_t started_at;
	double duration_s;
	char event[32];
	unsigned freq_hz;
	char call_graph[16];
	const char *unwinder;                /* dwarf mode: libdw, libunwind */
	const struct unwind_quality *unwind; /* NULL: not measured */
	const struct sym_stats *symbols;     /* NULL: not from a session */
	const char *python_version;          /* CPython whose frames were read, or NULL */
	const char *python_module;           /* the file holding its interpreter */
	const struct pystack_stats *python;  /* NULL: Python frames not read (--no-python) */
	/* How collection went (a live run; have_collection 0 for a file). */
	int have_collection;
	struct collection_backlog collection;
	int user_only;
	int weight_ns; /* sample periods are nanoseconds (cpu-clock, task-clock) */
	const char *hw_note;
	const struct counting *counting; /* NULL: nothing counted */
	const char *ctr_note;            /* events asked for but not counted */
	struct fingerprint fp;
	struct report_baseline baseline;
	struct classify_input ci; /* what the classification and suggestions read */
	struct classification cls;
	struct classify_share share; /* the threads' time, as every face prints it */
	struct suggestion sugg[SUGGEST_MAX];
	size_t nsugg;
	char notes[HINTS_MAX][HINT_LEN]; /* what would make the answer better (hints.h) */
	size_t nnotes;
	double prune_pct;
	const struct timeline *timeline; /* NULL: no process readings */
	struct readings readings;        /* over the whole run */
	const char *gpu_desc;            /* NULL: no session */
	const struct gpu_reading *gpu;   /* the last GPU reading; NULL: none */
	const struct tasks *tasks;       /* per-thread /proc CPU; NULL: none */
	const struct ledger *ledger;     /* NULL: no hypotheses (set by the face) */
	const struct push_stats *push;   /* record --push: what was sent (NULL: not asked) */
	const char *push_url;
	/* What performance_map and hotspots are of: NULL, the on-CPU tree; with
	 * WALL, the wall tree (profile_wall_tree), owned by the face. */
	const struct ctree *tree;
	int wall;
	const char *offcpu_note; /* why there are no switch-out stacks */
	/* A reopened export (flametop report): the measured sections are
	 * written as saved; the tree's and the ledger's anew. */
	const struct saved_report *saved;
	/* A comparison with a baseline (flametop diff): its section is written
	 * after the header; NULL: none (a saved one is written back as read). */
	const struct comparison *comparison;
	/* A live session's symbolizer: hotspots get their hot lines
	 * (annotate.h; NULL: none, or the saved ones of a reopened export). */
	struct symbolizer *sym;
	const struct annotate_opts *annot_opts; /* --source-prefix (NULL: none) */
	time_t exported_at;                     /* 0: now */
};

struct saved_report;
struct comparison;
/* Fills R->ci from R's baseline, profile and counters, then classifies and
 * suggests. */
void report_classify(struct report *r);
/* Thread T's time over R's window (on a CPU from its samples, blocked by
 * reason from its switch-out stacks), for classify_thread_class. Returns 0,
 * or -1 where it is not known (no off-CPU data, no time base). */
int report_thread_time(const struct report *r, const struct thread_stat *t,
		       struct classify_thread *out);
/* The same from P itself: WEIGHT_NS (periods are nanoseconds) or, else,
 * FREQ_HZ give a sample's time. */
int profile_thread_time(const struct profile *p, int weight_ns, unsigned freq_hz,
			const struct thread_stat *t, struct classify_thread *out);

/* The share of the threads' time (classify_share) from P's threads and
 * TL's /proc readings over the whole run, as report_classify finds it: what
 * the screen prints between exports. */
void profile_share(const struct profile *p, int weight_ns, unsigned freq_hz,
		   const struct timeline *tl, struct classify_share *out);

#endif
