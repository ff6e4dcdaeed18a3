/* cli — the command line, parsed into options; no side effects. */
#ifndef FLAMETOP_CLI_H
#define FLAMETOP_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "annotate.h"
#include "events.h"

enum cli_mode { CLI_HELP, CLI_VERSION, CLI_RECORD, CLI_TOP, CLI_LIST_EVENTS, CLI_REPORT, CLI_DIFF };

#define CLI_DEFAULT_HZ 999u
#define CLI_PANES_ALL  0x1fu

struct cli_options {
	enum cli_mode mode;
	pid_t pid;
	char **argv;             /* command to launch, NULL-terminated; points into the real argv */
	int system_wide;         /* -a: every CPU, the whole machine */
	const char *cgroup;      /* --cgroup NAME as given */
	char cgroup_dir[512];    /* ... resolved: its directory */
	int proclist;            /* the screen with no target: the process list */
	const char *annotate_fn; /* report/diff --annotate FUNCTION */
	struct annotate_opts annot; /* --source-prefix OLD=NEW (repeatable) */
	unsigned freq_hz;
	int freq_given;
	uint64_t period;                      /* -c: sample every PERIOD events (0: by rate) */
	struct event_spec events[EVENTS_MAX]; /* -e, leader first */
	size_t nevents;
	const char *list_filter; /* --list-events FILTER */
	const char *report_path; /* report FILE.yaml: a saved export reopened */
	double duration_s;       /* 0: until the target exits or a signal */
	const char *output;      /* YAML path */
	const char *ledger_path; /* --ledger: hypotheses loaded and kept saved */
	const char *folded;      /* folded stacks path */
	const char *pprof;       /* pprof (gzip'd profile.proto) path */
	const char *call_graph;  /* "fp" or "dwarf" (auto resolved) */
	unsigned stack_bytes;    /* dwarf,N (0: the default) */
	const char *unwinder;    /* "rules" (the default), "libdw" or "libunwind" */
	int no_hybrid;
	unsigned symbol_mb;                     /* --symbol-mb (0: the default) */
	unsigned queue_mb;                      /* --queue-mb (0: the default) */
	int collector_nice, collector_nice_set; /* --collector-nice */
	int keep_addresses;                     /* --addresses */
	int no_gpu;
	int no_python; /* --no-python: interpreter frames stay as they are */
	int wall;      /* --wall: shares of wall time (on- and off-CPU) */
	int no_offcpu; /* --no-offcpu: no switch-out stacks */
	int quiet;
	int top;          /* rows of the hotspot table */
	double refresh_s; /* -r: screen refresh and counter interval (0: 1 s) */
	unsigned panes;   /* --panes: bit per pane (cpu, memory, io, counters, gpu) */
	const char *diff_base, *diff_after; /* diff BASE AFTER */
	const char *baseline_path;          /* --baseline: the screen compares with it */
	double fail_if_slower;              /* --fail-if-slower PCT (< 0: not asked) */
	double work_base, work_after;       /* --work BASE:AFTER (0: not given) */
	const char *debuginfod_urls;        /* DEBUGINFOD_URLS as flametop started (set by main) */
	int no_debuginfod;                  /* --no-debuginfod */
	int keep_output;                    /* --keep-output */
	/* record --push: to a Pyroscope server */
	const char *push_url, *push_app, *push_tenant;
	const char *push_labels[16];
	size_t npush_labels;
	double push_every_s; /* 0: the default (10 s) */
};

/* Parses ARGV. Returns 0, or -EINVAL with a one-line message in ERR.
 * MAX_RATE is the kernel's sampling limit (0: unknown). */
int cli_parse(int argc, char **argv, unsigned max_rate, struct cli_options *o, char *err,
	      size_t len);
const char *cli_usage(void);

struct session_config;
/* The sampling options as a session's configuration (record and screen). */
void cli_session_config(const struct cli_options *o, struct session_config *cfg);

#endif
