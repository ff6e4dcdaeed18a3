/* session — one profiling run: a target, its sampler, the symbolizer and the
 * profile they fill.  The face (record mode, later the screen) drives it:
 * open, start, poll until it decides to stop, finish, then export. */
#ifndef FLAMETOP_SESSION_H
#define FLAMETOP_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <poll.h>
#include <time.h>

#include "unwind.h" /* enum callgraph_mode, the unwinders */

struct collection_backlog;
struct counting;
struct event_spec;
struct gpu_reading;
struct perf_rec;
struct profile;
struct sampler;
struct symbolizer;
struct target;
struct tasks;
struct timeline;
struct unwind_quality;

#define SESSION_STACK_BYTES 8192 /* dwarf mode default, as perf's */

struct session_config {
	pid_t pid;          /* attach to this process, or */
	char *const *argv;  /* launch this command, or */
	int system_wide;    /* sample every CPU: the whole machine, or */
	const char *cgroup; /* with system_wide, only this cgroup's tasks (its directory) */
	int child_out_fd;   /* > 0: the command's stdout and stderr go here */
	unsigned freq_hz;
	uint64_t period;                 /* -c: sample every PERIOD events instead */
	const struct event_spec *events; /* -e, leader first; NULL: the default set */
	size_t nevents;
	double refresh_s; /* counter intervals (0: 1 s) */
	enum callgraph_mode call_graph;
	unsigned stack_bytes;                /* dwarf mode: user stack copied per sample */
	const struct unwinder_ops *unwinder; /* dwarf mode (NULL: the rules unwinder) */
	int no_hybrid;                       /* dwarf mode: no frame-pointer continuation */
	/* Sees every decoded sample before it is unwound (tools: bench/). */
	void (*tap)(const struct perf_rec *r, void *arg);
	void *tap_arg;
	int force_cpu_clock;
	const char *kallsyms; /* NULL: /proc/kallsyms */
	const char
	    *cache_dir; /* the running kernel's symbols kept here between runs (NULL: not kept) */
	int no_gpu;     /* do not look for a GPU */
	int no_offcpu;  /* no switch-out stacks */
	unsigned symbol_mb;          /* what the files' symbol data may hold (0: the default) */
	int keep_exited;             /* keep the mappings of processes that exited (tools) */
	int keep_addresses;          /* code without a symbol: one frame per address */
	int no_python;               /* leave CPython's interpreter frames as they are */
	const char *debuginfod_urls; /* debug files of stripped modules from there (NULL: not) */
	unsigned queue_mb;  /* records waiting for analysis, at most (0: RECQUEUE_DEFAULT_MB) */
	int collector_nice; /* the collector thread's nice value where permitted (0: as is) */
	double duration_s;  /* > 0: sampling stops this long after the start (-d) */
};

#define SESSION_SYMBOL_MB 512 /* the default budget for symbol data */

/* A run. Opaque to the faces, which read it through the accessors below;
 * its fields are core's (core/session_impl.h). */
struct session;

/* Creates the session and opens every event; the target is not yet sampled.
 * Returns NULL with a one-line reason in ERR. */
struct session *session_open(const struct session_config *cfg, char *err, size_t len);
/* Starts sampling (attach) or lets the launched command exec. */
int session_start(struct session *s, char *err, size_t len);
/* Waits up to TIMEOUT_MS for the collector's records, analyses what came
 * (50 ms at most), polls the target. Returns 1 once the target has
 * exited, else 0. */
int session_poll(struct session *s, int timeout_ms);
/* The longest a face should wait before session_poll, given it would wait
 * TIMEOUT_MS: a Python target's samples want processing within a millisecond. */
int session_wait_ms(const struct session *s, int timeout_ms);
/* The sampler's ring descriptors, for a face's own poll loop (at most MAX).
 * Returns how many. Then session_poll(s, 0) processes what arrived. */
size_t session_pollfds(const struct session *s, struct pollfd *fds, size_t max);
/* Stops sampling (at once: the events are disabled, the collector takes
 * what the rings hold and ends); what was collected waits for analysis. */
void session_stop(struct session *s);
/* A descriptor that stops sampling when written to (8 bytes; from a signal
 * handler too), or -1 before session_start. */
int session_stop_fd(const struct session *s);
/* Analyses what waits for at most BUDGET_NS. Returns 1 when nothing does. */
int session_analyse(struct session *s, uint64_t budget_ns);
/* What waits for analysis, and how far behind it is. */
void session_backlog(const struct session *s, struct collection_backlog *out);
/* Drops what waits, counted in the profile's cut (a second stop signal). */
void session_cut(struct session *s);
/* Stops sampling if not yet, analyses everything collected, ends a
 * launched target still running. */
void session_finish(struct session *s);
void session_free(struct session *s);

/* The CPython version the target runs ("3.11") when its Python frames are
 * read, else NULL; *MODULE (may be NULL) names the interpreter's file. */
const char *session_python(const struct session *s, const char **module);

/* The debuginfod download under way, as a line ("debuginfod: libfoo.so
 * 1.2/8.0 MB"); returns 0 when none is. */
int session_fetch_progress(const struct session *s, char *buf, size_t len);
/* A line worth saying once (debuginfod failed), or NULL. */
const char *session_take_note(struct session *s);

/* What the faces read of a run. */
const struct session_config *session_config(const struct session *s);
const struct target *session_target(const struct session *s);
const struct sampler *session_sampler(const struct session *s);
struct profile *session_profile(const struct session *s);
const struct timeline *session_timeline(const struct session *s);
const struct counting *session_counting(const struct session *s); /* NULL before start */
const struct tasks *session_tasks(const struct session *s);
/* The last GPU reading, NULL without a GPU; *DESC (may be NULL): what the
 * probe found. */
const struct gpu_reading *session_gpu(const struct session *s, const char **desc);
const struct unwind_quality *session_unwind(const struct session *s);
/* Its symbolizer (tools replaying its samples: bench/unwind_bench). */
struct symbolizer *session_symbolizer(const struct session *s);

/* Seconds since start (until finish). */
double session_elapsed(const struct session *s);

struct report;
/* The run so far as a report (report.h): target, scenario, baseline,
 * classification, readings, and the machine's fingerprint (read at the
 * session's first report, the steal share the run's so far). Cheap enough
 * for the screen's refreshes and record's pushes; no source lines, no
 * hints. R points into S until S changes. */
void session_report(struct session *s, struct report *r);
/* What an export adds to a session_report, once: every frame's source
 * line (sym_fill_lines with no deadline) and the hints. */
void session_report_finalize(struct session *s, struct report *r);

#endif
