/* cli — getopt_long over the record options. */
#include "cli.h"

#include "collector.h"

#include "session.h"
#include "target.h"
#include "unwind.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *cli_usage(void)
{
	return "usage: flametop [-p PID | -a | --cgroup NAME | [--] COMMAND [ARGS...]] [options]\n"
	       "       flametop record [-p PID | -a | --cgroup NAME | [--] COMMAND [ARGS...]]\n"
	       "                       [options]\n"
	       "       flametop report FILE.yaml [-o FILE] [--folded FILE] [--pprof FILE]\n"
	       "                       [--annotate FUNCTION [--source-prefix OLD=NEW]]\n"
	       "                       [--ledger FILE] [--panes LIST] [--baseline FILE]\n"
	       "       flametop diff BASE AFTER [-o FILE.yaml|FILE.folded] [--fail-if-slower PCT]\n"
	       "                     [--work BASE:AFTER] [--ledger FILE] [-n N] [-q]\n"
	       "                     [--annotate FUNCTION]\n"
	       "       flametop --list-events [FILTER]\n"
	       "\n"
	       "Samples a live process (all its threads, and threads it creates later), a\n"
	       "command it launches, every CPU (-a) or one cgroup. Alone, 'flametop' opens\n"
	       "the machine's process list (sorted by CPU; Enter profiles the selected one).\n"
	       "Without 'record' it opens the live screen: flame graph,\n"
	       "call tree, hotspots, threads and hypotheses beside CPU, memory, I/O, counter\n"
	       "and GPU panes (press ? there for the keys). 'record' runs headless and writes\n"
	       "where the time went as a YAML performance map.\n"
	       "\n"
	       "  -p, --pid PID          attach to a running process\n"
	       "  -- COMMAND ARGS...     launch COMMAND and profile it from exec to exit\n"
	       "  -a, --all-cpus         sample every CPU: the whole machine, each process a\n"
	       "                         frame at the root of its stacks (needs root or\n"
	       "                         CAP_PERFMON; on-CPU time only, no Python frames)\n"
	       "      --cgroup NAME      every CPU, only this cgroup v2's tasks: a path\n"
	       "                         (under /sys/fs/cgroup) or a systemd unit name\n"
	       "  -F, --freq HZ          samples per second per thread (default 999; at most\n"
	       "                         kernel.perf_event_max_sample_rate)\n"
	       "  -c, --count PERIOD     sample every PERIOD occurrences of the first event\n"
	       "                         instead of at a rate\n"
	       "  -e, --event EV[,EV...] events named the libpfm4 way (cycles, instructions,\n"
	       "                         cache-misses, LLC-load-misses, task-clock, page-faults,\n"
	       "                         PMU::EVENT:UMASK; modifiers :u :k :period=N\n"
	       "                         :precise=N); the first samples, the rest are counted\n"
	       "                         with it and charged to the sampled call stacks\n"
	       "  -d, --duration SECONDS stop after SECONDS (a launched command then gets\n"
	       "                         SIGTERM); default: until the target exits or Ctrl-C\n"
	       "  -o, --output FILE      write the YAML performance map to FILE ('-': stdout)\n"
	       "      --folded FILE      write folded stacks (flamegraph.pl, speedscope)\n"
	       "      --pprof FILE       write a gzip'd pprof profile (go tool pprof)\n"
	       "                         A regular FILE is replaced whole (new ones 0600, an\n"
	       "                         old one keeps its mode); a device, FIFO or\n"
	       "                         /dev/stdout is written through, never replaced\n"
	       "      --call-graph MODE  how call stacks are taken: dwarf[,BYTES] (unwind a copy\n"
	       "                         of the user stack, 8192 bytes by default, with CFI;\n"
	       "                         true stacks without frame pointers), fp (frame\n"
	       "                         pointers, the caller of a frameless leaf recovered by\n"
	       "                         CFI; cheaper), auto (default: dwarf)\n"
	       "      --unwinder NAME    dwarf mode: rules (default: each address's CFI row\n"
	       "                         compiled once into a rule, libdw where a rule cannot\n"
	       "                         say it), libdw or libunwind\n"
	       "      --no-hybrid        dwarf mode: do not continue with frame pointers where\n"
	       "                         the stack copy ran out or the code has no CFI\n"
	       "      --source-prefix OLD=NEW  annotation: sources under OLD are read under\n"
	       "                         NEW (a moved tree; repeatable)\n"
	       "      --addresses        code no symbol covers: one frame per address\n"
	       "                         (module+0xOFFSET), not one per module ([module])\n"
	       "      --symbol-mb MB     what the symbol data of the target's files may hold\n"
	       "                         before the coldest are dropped (default 512)\n"
	       "      --queue-mb MB      records collected and waiting for analysis, at most;\n"
	       "                         past it samples are dropped and counted (default 256)\n"
	       "      --collector-nice N the nice value of the thread that empties the rings,\n"
	       "                         where permitted (default -10; 0: as flametop's)\n"
	       "  -r, --refresh SECONDS  screen refresh and counter interval (default 1)\n"
	       "      --panes LIST       the screen's panes, in order of the strip: any of\n"
	       "                         cpu,memory,io,counters,gpu, or none (default all;\n"
	       "                         P hides and shows the strip)\n"
	       "      --no-gpu           do not look for a GPU (NVML, DRM render nodes)\n"
	       "      --no-python        CPython 3.9-3.13: keep the interpreter's frames, do\n"
	       "                         not read the Python functions it ran from memory\n"
	       "      --no-debuginfod    do not ask the DEBUGINFOD_URLS servers for the debug\n"
	       "                         files of modules without symbols (asked by default\n"
	       "                         when it is set: in the background, the module's\n"
	       "                         code named module+0xOFFSET until its file comes)\n"
	       "      --keep-output      the screen: keep the launched command's output file\n"
	       "                         (its last 8 MiB, in $TMPDIR) after exit\n"
	       "      --wall             shares of wall time: on-CPU samples and the time\n"
	       "                         threads spent blocked, per stack, on one axis\n"
	       "                         (samples cpu-clock; w toggles it on the screen)\n"
	       "      --no-offcpu        take no switch-out stacks (no off-CPU time)\n"
	       "      --baseline FILE    the screen compares with FILE (an export, folded\n"
	       "                         stacks or pprof): a differential flame graph, the\n"
	       "                         change per function; b pins the profile so far\n"
	       "      --ledger FILE      load the hypotheses from FILE (a ledger or an export)\n"
	       "                         and, on the screen, keep them saved there (an\n"
	       "                         export is only read: NAME.ledger.yaml beside it)\n"
	       "      --push URL         record: send the profile to a Grafana Pyroscope server\n"
	       "                         (POST URL/ingest, pprof) every --push-every seconds\n"
	       "                         and at the end; failures are retried with backoff,\n"
	       "                         counted, and never stop sampling or the local export\n"
	       "      --push-every S     seconds between pushes (default 10)\n"
	       "      --push-label K=V   a label of the pushed series (repeatable; hostname\n"
	       "                         and build_id are always set)\n"
	       "      --push-app NAME    the application name (default: the target's)\n"
	       "      --push-tenant ID   sent as X-Scope-OrgID (multi-tenant servers)\n"
	       "  -n, --top N            rows in the hotspot table printed on stderr (default 15)\n"
	       "  -q, --quiet            print no hotspot table\n"
	       "  -h, --help             this help\n"
	       "  -V, --version          print the version\n"
	       "\n"
	       "      --list-events [FILTER]  the PMUs and events libpfm4 knows here\n"
	       "\n"
	       "'diff BASE AFTER' compares two profiles (YAML exports, folded stacks or\n"
	       "pprof, in any mix): the figures side by side, then the functions whose\n"
	       "share changed most, with a significance mark (two-proportion z-test on the\n"
	       "sample counts: * p < 0.05, ** p < 0.001) and new or vanished ones. -o writes\n"
	       "the comparison (YAML, or differential folded stacks for flamegraph.pl);\n"
	       "--fail-if-slower PCT exits 3 when AFTER's CPU time (else wall time, else\n"
	       "samples) is more than PCT % above BASE's; where a side is a window of a\n"
	       "running target (attached, or stopped by -d) that figure is the window's,\n"
	       "so give each side's work done, --work BASE:AFTER, to compare per unit\n"
	       "(without it such a check exits 4). With --ledger, hypotheses that\n"
	       "predict ('... predicts work_a total < 20%', '... predicts cpu_time_ms\n"
	       "change < -10%') are judged from the comparison and the ledger saved.\n"
	       "-n N shows N functions (default 20); -q only the figures, no table.\n"
	       "--annotate FUNCTION prints instead each source line of FUNCTION with its\n"
	       "share of the function's samples on both sides and the change.\n"
	       "\n"
	       "'report FILE.yaml' reopens a YAML export (or folded stacks: FILE.folded)\n"
	       "on the screen: its call tree, hotspots, threads and hypotheses, as saved.\n"
	       "Hypotheses can be added and marked, and 'e' (or -o/--folded/--pprof,\n"
	       "written on quit) exports again: the measured sections as saved, the tree\n"
	       "and the ledger as they are now. --annotate FUNCTION prints FUNCTION's hot\n"
	       "lines beside its source on stdout instead (no terminal needed).\n"
	       "\n"
	       "Without -e: samples cycles and counts instructions, cache references and\n"
	       "misses, branches and branch misses; where no CPU PMU exists (most virtual\n"
	       "machines) it says so, samples cpu-clock and counts task-clock, context\n"
	       "switches, CPU migrations, page faults and major faults. The choice is\n"
	       "printed and stored in the YAML. Recording stops on -d, SIGINT or\n"
	       "SIGTERM, or when the target exits; in every case the export is written.\n"
	       "The screen writes -o/--folded/--pprof when it closes (q, SIGINT, SIGTERM, "
	       "SIGHUP);\n"
	       "when the target exits the screen stays, marked EXITED, for browsing.\n"
	       "If FILE cannot be written the profile is saved under $TMPDIR (or /tmp), the\n"
	       "path is printed, and the exit status is 1. Usage errors exit with 2.\n";
}

static int parse_rate(const char *s, unsigned max_rate, unsigned *out, char *err, size_t len)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (!*s || *end || errno || v != floor(v) || v <= 0) {
		snprintf(err, len, "invalid sampling rate '%s': give a whole number of Hz above 0",
			 s);
		return -EINVAL;
	}
	if (max_rate && v > max_rate) {
		snprintf(err, len,
			 "sampling rate %s Hz is above the kernel's limit of %u Hz "
			 "(kernel.perf_event_max_sample_rate)",
			 s, max_rate);
		return -EINVAL;
	}
	if (v > 1e9) {
		snprintf(err, len, "invalid sampling rate '%s': too large", s);
		return -EINVAL;
	}
	*out = (unsigned)v;
	return 0;
}

static int parse_seconds(const char *s, double *out, char *err, size_t len)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (!*s || *end || errno || !isfinite(v) || v <= 0 || v > 1e7) {
		snprintf(err, len, "invalid duration '%s': give a number of seconds above 0", s);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_refresh(const char *s, double *out, char *err, size_t len)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (!*s || *end || errno || !isfinite(v) || v < 0.1 || v > 3600) {
		snprintf(err, len, "invalid refresh '%s': give 0.1 to 3600 seconds", s);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* "cpu,memory,io,counters,gpu" in any order, or "none". */
static int parse_panes(const char *s, unsigned *out, char *err, size_t len)
{
	static const char *const names[] = { "cpu", "memory", "io", "counters", "gpu" };
	const char *p = s;

	*out = 0;
	if (!strcmp(s, "none"))
		return 0;
	while (*p) {
		size_t n = strcspn(p, ","), i;

		for (i = 0; i < 5; i++)
			if (strlen(names[i]) == n && !strncmp(p, names[i], n))
				break;
		if (i == 5) {
			snprintf(err, len,
				 "unknown pane '%.*s' in '%s' (give cpu, memory, io, counters, gpu "
				 "or none)",
				 (int)n, p, s);
			return -EINVAL;
		}
		*out |= 1u << i;
		p += n + (p[n] == ',');
	}
	return 0;
}

static int parse_int(const char *s, int *out, const char *what, char *err, size_t len)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < 0 || v > 100000) {
		snprintf(err, len, "invalid %s '%s'", what, s);
		return -EINVAL;
	}
	*out = (int)v;
	return 0;
}

static int parse_period(const char *s, uint64_t *out, char *err, size_t len)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (!*s || *end || errno || v == 0 || *s == '-') {
		snprintf(err, len, "invalid sample period '%s': give a whole number above 0", s);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

enum {
	OPT_FOLDED = 256,
	OPT_CALL_GRAPH,
	OPT_UNWINDER,
	OPT_NO_HYBRID,
	OPT_PANES,
	OPT_NO_GPU,
	OPT_NO_PYTHON,
	OPT_LEDGER,
	OPT_PPROF,
	OPT_WALL,
	OPT_NO_OFFCPU,
	OPT_SYMBOL_MB,
	OPT_QUEUE_MB,
	OPT_COLLECTOR_NICE,
	OPT_BASELINE,
	OPT_ADDRESSES,
	OPT_NO_DEBUGINFOD,
	OPT_KEEP_OUTPUT,
	OPT_WORK,
	OPT_PUSH,
	OPT_PUSH_LABEL,
	OPT_PUSH_EVERY,
	OPT_PUSH_APP,
	OPT_PUSH_TENANT,
	OPT_CGROUP,
	OPT_ANNOTATE,
	OPT_SOURCE_PREFIX
};

/* "dwarf", "dwarf,16384", "fp", "auto". */
static int parse_call_graph(const char *s, struct cli_options *o, char *err, size_t len)
{
	const char *comma = strchr(s, ',');
	size_t l = comma ? (size_t)(comma - s) : strlen(s);

	if (l == 4 && !strncmp(s, "auto", 4) && !comma)
		o->call_graph = "dwarf";
	else if (l == 2 && !strncmp(s, "fp", 2) && !comma)
		o->call_graph = "fp";
	else if (l == 5 && !strncmp(s, "dwarf", 5))
		o->call_graph = "dwarf";
	else {
		snprintf(err, len, "unknown call-graph mode '%s' (give dwarf[,BYTES], fp or auto)",
			 s);
		return -EINVAL;
	}
	if (comma) {
		char *end;
		unsigned long v;

		errno = 0;
		v = strtoul(comma + 1, &end, 10);
		if (!comma[1] || *end || errno || v < 64 || v > 65528 || comma[1] == '-') {
			snprintf(err, len,
				 "invalid stack size in '%s': give 64 to 65528 bytes (the kernel's "
				 "limit)",
				 s);
			return -EINVAL;
		}
		o->stack_bytes = (unsigned)(v + 7) / 8 * 8;
	}
	return 0;
}

static const struct option long_opts[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "all-cpus", no_argument, NULL, 'a' },
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "annotate", required_argument, NULL, OPT_ANNOTATE },
	{ "source-prefix", required_argument, NULL, OPT_SOURCE_PREFIX },
	{ "freq", required_argument, NULL, 'F' },
	{ "count", required_argument, NULL, 'c' },
	{ "event", required_argument, NULL, 'e' },
	{ "duration", required_argument, NULL, 'd' },
	{ "output", required_argument, NULL, 'o' },
	{ "folded", required_argument, NULL, OPT_FOLDED },
	{ "pprof", required_argument, NULL, OPT_PPROF },
	{ "wall", no_argument, NULL, OPT_WALL },
	{ "no-offcpu", no_argument, NULL, OPT_NO_OFFCPU },
	{ "call-graph", required_argument, NULL, OPT_CALL_GRAPH },
	{ "unwinder", required_argument, NULL, OPT_UNWINDER },
	{ "no-hybrid", no_argument, NULL, OPT_NO_HYBRID },
	{ "symbol-mb", required_argument, NULL, OPT_SYMBOL_MB },
	{ "queue-mb", required_argument, NULL, OPT_QUEUE_MB },
	{ "collector-nice", required_argument, NULL, OPT_COLLECTOR_NICE },
	{ "baseline", required_argument, NULL, OPT_BASELINE },
	{ "addresses", no_argument, NULL, OPT_ADDRESSES },
	{ "no-gpu", no_argument, NULL, OPT_NO_GPU },
	{ "no-python", no_argument, NULL, OPT_NO_PYTHON },
	{ "no-debuginfod", no_argument, NULL, OPT_NO_DEBUGINFOD },
	{ "keep-output", no_argument, NULL, OPT_KEEP_OUTPUT },
	{ "push", required_argument, NULL, OPT_PUSH },
	{ "push-label", required_argument, NULL, OPT_PUSH_LABEL },
	{ "push-every", required_argument, NULL, OPT_PUSH_EVERY },
	{ "push-app", required_argument, NULL, OPT_PUSH_APP },
	{ "push-tenant", required_argument, NULL, OPT_PUSH_TENANT },
	{ "ledger", required_argument, NULL, OPT_LEDGER },
	{ "top", required_argument, NULL, 'n' },
	{ "refresh", required_argument, NULL, 'r' },
	{ "panes", required_argument, NULL, OPT_PANES },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ 0 },
};

/* --source-prefix OLD=NEW: sources under OLD are read under NEW. */
static int source_prefix(struct cli_options *o, char *arg, char *err, size_t len)
{
	char *eq = strchr(arg, '=');

	if (!eq || eq == arg || !eq[1]) {
		snprintf(err, len, "invalid --source-prefix '%s': give OLD=NEW", arg);
		return -EINVAL;
	}
	if (o->annot.nprefix >= sizeof(o->annot.prefix_old) / sizeof(*o->annot.prefix_old)) {
		snprintf(err, len, "--source-prefix: at most 8");
		return -EINVAL;
	}
	*eq = 0; /* argv's own storage: OLD and NEW in place */
	o->annot.prefix_old[o->annot.nprefix] = arg;
	o->annot.prefix_new[o->annot.nprefix++] = eq + 1;
	return 0;
}

static int bad_option(char **argv, int c, char *err, size_t len)
{
	const char *arg = argv[optind - 1];

	if (c == ':' || (optopt && strchr("pFdoncer", optopt)))
		snprintf(err, len, "option '%s' needs a value (see flametop --help)", arg);
	else if (optopt)
		snprintf(err, len, "unknown option '-%c' (see flametop --help)", optopt);
	else
		snprintf(err, len, "unknown option '%s' (see flametop --help)", arg);
	return -EINVAL;
}

static int handle(int c, char **argv, unsigned max_rate, struct cli_options *o, char *err,
		  size_t len)
{
	switch (c) {
	case 'p':
		o->pid = 0;
		return target_parse_pid(optarg, &o->pid, err, len);
	case 'a':
		o->system_wide = 1;
		return 0;
	case OPT_ANNOTATE:
		o->annotate_fn = optarg;
		return 0;
	case OPT_SOURCE_PREFIX:
		return source_prefix(o, optarg, err, len);
	case OPT_CGROUP:
		o->system_wide = 1;
		o->cgroup = optarg;
		return cgroup_resolve(optarg, o->cgroup_dir, sizeof(o->cgroup_dir), err, len);
	case 'F':
		o->freq_given = 1;
		return parse_rate(optarg, max_rate, &o->freq_hz, err, len);
	case 'c':
		return parse_period(optarg, &o->period, err, len);
	case 'e': {
		int n = events_parse_list(optarg, o->events, err, len);

		o->nevents = n > 0 ? (size_t)n : 0;
		return n < 0 ? n : 0;
	}
	case 'd':
		return parse_seconds(optarg, &o->duration_s, err, len);
	case 'o':
		o->output = optarg;
		return 0;
	case OPT_FOLDED:
		o->folded = optarg;
		return 0;
	case OPT_PPROF:
		o->pprof = optarg;
		return 0;
	case OPT_WALL:
		o->wall = 1;
		return 0;
	case OPT_NO_OFFCPU:
		o->no_offcpu = 1;
		return 0;
	case OPT_CALL_GRAPH:
		return parse_call_graph(optarg, o, err, len);
	case OPT_UNWINDER:
		if (!unwinder_find(optarg)) {
			snprintf(err, len, "unknown unwinder '%s' (give rules, libdw or libunwind)",
				 optarg);
			return -EINVAL;
		}
		o->unwinder = optarg;
		return 0;
	case OPT_NO_HYBRID:
		o->no_hybrid = 1;
		return 0;
	case OPT_NO_GPU:
		o->no_gpu = 1;
		return 0;
	case OPT_NO_PYTHON:
		o->no_python = 1;
		return 0;
	case OPT_KEEP_OUTPUT:
		o->keep_output = 1;
		return 0;
	case OPT_NO_DEBUGINFOD:
		o->no_debuginfod = 1;
		return 0;
	case OPT_PUSH:
		o->push_url = optarg;
		return 0;
	case OPT_PUSH_LABEL:
		if (o->npush_labels == sizeof(o->push_labels) / sizeof(o->push_labels[0])) {
			snprintf(err, len, "too many --push-label (at most %zu)", o->npush_labels);
			return -EINVAL;
		}
		o->push_labels[o->npush_labels++] = optarg;
		return 0;
	case OPT_PUSH_EVERY:
		if (parse_seconds(optarg, &o->push_every_s, err, len) == 0 && o->push_every_s >= 1)
			return 0;
		snprintf(err, len, "invalid --push-every '%s': give a number of seconds, 1 or more",
			 optarg);
		return -EINVAL;
	case OPT_PUSH_APP:
		o->push_app = optarg;
		return 0;
	case OPT_PUSH_TENANT:
		if (!optarg[0] || strpbrk(optarg, "\r\n")) {
			snprintf(err, len, "invalid --push-tenant: give a tenant id on one line");
			return -EINVAL;
		}
		o->push_tenant = optarg;
		return 0;
	case OPT_SYMBOL_MB: {
		int mb;

		if (parse_int(optarg, &mb, "symbol budget (MB, 1 to 100000)", err, len))
			return -EINVAL;
		if (mb < 1) {
			snprintf(err, len, "invalid symbol budget (MB, 1 to 100000) '%s'", optarg);
			return -EINVAL;
		}
		o->symbol_mb = (unsigned)mb;
		return 0;
	}
	case OPT_QUEUE_MB: {
		int mb;

		if (parse_int(optarg, &mb, "queue size (MB, 1 to 65536)", err, len))
			return -EINVAL;
		if (mb < 1 || mb > 65536) {
			snprintf(err, len, "invalid queue size (MB, 1 to 65536) '%s'", optarg);
			return -EINVAL;
		}
		o->queue_mb = (unsigned)mb;
		return 0;
	}
	case OPT_COLLECTOR_NICE: {
		char *end;
		long v;

		errno = 0;
		v = strtol(optarg, &end, 10);
		if (!*optarg || *end || errno || v < -20 || v > 19) {
			snprintf(err, len, "invalid collector nice value (-20 to 19) '%s'", optarg);
			return -EINVAL;
		}
		o->collector_nice = (int)v;
		o->collector_nice_set = 1;
		return 0;
	}
	case OPT_LEDGER:
		o->ledger_path = optarg;
		return 0;
	case OPT_BASELINE:
		o->baseline_path = optarg;
		return 0;
	case OPT_ADDRESSES:
		o->keep_addresses = 1;
		return 0;
	case OPT_PANES:
		return parse_panes(optarg, &o->panes, err, len);
	case 'n':
		return parse_int(optarg, &o->top, "row count", err, len);
	case 'r':
		return parse_refresh(optarg, &o->refresh_s, err, len);
	case 'q':
		o->quiet = 1;
		return 0;
	case 'h':
		o->mode = CLI_HELP;
		return 0;
	case 'V':
		o->mode = CLI_VERSION;
		return 0;
	default:
		return bad_option(argv, c, err, len);
	}
}

static int parse_record(int argc, char **argv, unsigned max_rate, struct cli_options *o, char *err,
			size_t len)
{
	int c, e;

	optind = 0; /* 0, not 1: glibc then forgets a grouped option left half-read (-rq) */
	opterr = 0;
	/* '+': stop at the first non-option, so the command's own flags are its
	 * own; report has no command, so its options may follow the file. */
	while ((c = getopt_long(argc, argv,
				o->mode == CLI_REPORT ? ":p:F:c:e:d:o:n:r:aqhV"
						      : "+:p:F:c:e:d:o:n:r:aqhV",
				long_opts, NULL)) != -1) {
		e = handle(c, argv, max_rate, o, err, len);
		if (e)
			return e;
		if (o->mode != CLI_RECORD && o->mode != CLI_TOP && o->mode != CLI_REPORT)
			return 0;
	}
	if (optind < argc)
		o->argv = argv + optind;
	if (o->freq_given && o->period) {
		snprintf(err, len, "give either -F HZ or -c PERIOD, not both");
		return -EINVAL;
	}
	if (o->wall && o->no_offcpu) {
		snprintf(err, len, "--wall needs the off-CPU time that --no-offcpu turns off");
		return -EINVAL;
	}
	if (o->mode != CLI_RECORD &&
	    (o->push_url || o->npush_labels || o->push_every_s || o->push_app || o->push_tenant)) {
		snprintf(err, len, "--push and its options are for flametop record");
		return -EINVAL;
	}
	if (o->keep_output && o->mode != CLI_TOP) {
		snprintf(err, len,
			 "--keep-output is for the live screen (under record the command "
			 "writes where flametop's own output goes)");
		return -EINVAL;
	}
	if (!o->push_url && (o->npush_labels || o->push_every_s || o->push_app || o->push_tenant)) {
		snprintf(
		    err, len,
		    "--push-label, --push-every, --push-app and --push-tenant need --push URL");
		return -EINVAL;
	}
	if (o->annotate_fn && o->mode != CLI_REPORT) {
		snprintf(err, len,
			 "--annotate FUNCTION is for 'flametop report' and 'flametop diff' (on the "
			 "screen, press a on a function)");
		return -EINVAL;
	}
	if (!!o->pid + !!o->argv + !!o->system_wide > 1) {
		snprintf(err, len,
			 "give one of -p PID, a command to launch, -a or --cgroup, not two");
		return -EINVAL;
	}
	if (o->system_wide && o->wall) {
		snprintf(err, len, "--wall needs off-CPU time, which -a and --cgroup do not take");
		return -EINVAL;
	}
	if (!o->pid && !o->argv && !o->system_wide && o->mode == CLI_TOP) {
		o->proclist = 1; /* flametop alone: the machine's processes */
		return 0;
	}
	if (!o->pid && !o->argv && !o->system_wide) {
		snprintf(err, len,
			 "nothing to profile: give -p PID or -- COMMAND (see flametop --help)");
		return -EINVAL;
	}
	return 0;
}

enum { OPT_FAIL_IF_SLOWER = 512 };

/* diff BASE AFTER [-o FILE] [--fail-if-slower PCT] [-n N] [-q] */
static int parse_diff(int argc, char **argv, struct cli_options *o, char *err, size_t len)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "top", required_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "fail-if-slower", required_argument, NULL, OPT_FAIL_IF_SLOWER },
		{ "ledger", required_argument, NULL, OPT_LEDGER },
		{ "work", required_argument, NULL, OPT_WORK },
		{ "annotate", required_argument, NULL, OPT_ANNOTATE },
		{ "source-prefix", required_argument, NULL, OPT_SOURCE_PREFIX },
		{ 0 },
	};
	int c;

	o->mode = CLI_DIFF;
	o->fail_if_slower = -1;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:n:qh", opts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 'o':
			o->output = optarg;
			break;
		case 'n':
			if (parse_int(optarg, &o->top, "row count", err, len))
				return -EINVAL;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case OPT_LEDGER:
			o->ledger_path = optarg;
			break;
		case 'h':
			o->mode = CLI_HELP;
			return 0;
		case OPT_FAIL_IF_SLOWER:
			errno = 0;
			o->fail_if_slower = strtod(optarg, &end);
			if (!optarg[0] || *end || errno || !(o->fail_if_slower >= 0) ||
			    o->fail_if_slower > 1e6) {
				snprintf(
				    err, len,
				    "invalid --fail-if-slower '%s': give a percentage, 0 or more",
				    optarg);
				return -EINVAL;
			}
			break;
		case OPT_ANNOTATE:
			o->annotate_fn = optarg;
			break;
		case OPT_SOURCE_PREFIX:
			if (source_prefix(o, optarg, err, len))
				return -EINVAL;
			break;
		case OPT_WORK:
			errno = 0;
			o->work_base = strtod(optarg, &end);
			if (*end == ':')
				o->work_after = strtod(end + 1, &end);
			if (*end || errno || !(o->work_base > 0) || !(o->work_after > 0) ||
			    o->work_base > 1e18 || o->work_after > 1e18) {
				snprintf(err, len,
					 "invalid --work '%s': give each side's work done, "
					 "BASE:AFTER (units of your choosing, more than 0)",
					 optarg);
				return -EINVAL;
			}
			break;
		case ':':
			snprintf(err, len, "option '%s' needs a value (see flametop --help)",
				 argv[optind - 1]);
			return -EINVAL;
		default:
			snprintf(err, len, "diff: unknown option '%s' (see flametop --help)",
				 argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (argc - optind != 2) {
		snprintf(err, len, "diff takes two profiles: flametop diff BASE AFTER");
		return -EINVAL;
	}
	o->diff_base = argv[optind];
	o->diff_after = argv[optind + 1];
	return 0;
}

int cli_parse(int argc, char **argv, unsigned max_rate, struct cli_options *o, char *err,
	      size_t len)
{
	memset(o, 0, sizeof(*o));
	o->freq_hz = CLI_DEFAULT_HZ;
	o->call_graph = "dwarf";
	o->unwinder = "rules";
	o->top = 15;
	o->panes = CLI_PANES_ALL;
	if (argc < 2) { /* flametop alone: the process list, as top starts */
		o->mode = CLI_TOP;
		o->proclist = 1;
		return 0;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		o->mode = CLI_HELP;
		return 0;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		o->mode = CLI_VERSION;
		return 0;
	}
	if (!strcmp(argv[1], "--list-events")) {
		o->mode = CLI_LIST_EVENTS;
		o->list_filter = argc > 2 ? argv[2] : NULL;
		if (argc > 3) {
			snprintf(err, len, "--list-events takes one FILTER at most");
			return -EINVAL;
		}
		return 0;
	}
	if (!strcmp(argv[1], "diff"))
		return parse_diff(argc - 1, argv + 1, o, err, len);
	if (!strcmp(argv[1], "report")) {
		int e;

		o->mode = CLI_REPORT;
		e = parse_record(argc - 1, argv + 1, max_rate, o, err, len);
		if (o->mode != CLI_REPORT)
			return e;
		if (e == -EINVAL && !o->pid && !o->argv && !strncmp(err, "nothing to profile", 18))
			e = 0; /* the file is the operand, checked below */
		if (e)
			return e;
		if (o->freq_given || o->period || o->nevents || o->duration_s > 0 || o->no_offcpu) {
			snprintf(err, len,
				 "report reopens a saved export: sampling options "
				 "(-F, -c, -e, -d) do not apply");
			return -EINVAL;
		}
		if (!o->argv || !o->argv[0] || o->argv[1] || o->pid) {
			snprintf(err, len,
				 "report takes one saved export: flametop report FILE.yaml");
			return -EINVAL;
		}
		o->report_path = o->argv[0];
		o->argv = NULL;
		return 0;
	}
	if (strcmp(argv[1], "record")) {
		/* The live screen: the same options, the same target forms. */
		int e;

		o->mode = CLI_TOP;
		e = parse_record(argc, argv, max_rate, o, err, len);
		if (!e && o->duration_s > 0) {
			snprintf(err, len,
				 "-d is for flametop record: the screen runs until q (or the "
				 "target ends)");
			return -EINVAL;
		}
		return e;
	}
	o->mode = CLI_RECORD;
	return parse_record(argc - 1, argv + 1, max_rate, o, err, len);
}

void cli_session_config(const struct cli_options *o, struct session_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->pid = o->pid;
	cfg->argv = o->argv;
	cfg->system_wide = o->system_wide;
	cfg->cgroup = o->cgroup_dir[0] ? o->cgroup_dir : NULL;
	cfg->freq_hz = o->freq_hz;
	cfg->period = o->period;
	cfg->events = o->nevents ? o->events : NULL;
	cfg->nevents = o->nevents;
	cfg->refresh_s = o->refresh_s;
	cfg->call_graph = strcmp(o->call_graph, "fp") ? CALLGRAPH_DWARF : CALLGRAPH_FP;
	cfg->stack_bytes = o->stack_bytes;
	cfg->symbol_mb = o->symbol_mb;
	cfg->queue_mb = o->queue_mb;
	cfg->duration_s = o->duration_s;
	cfg->collector_nice = o->collector_nice_set ? o->collector_nice : COLLECTOR_NICE;
	cfg->keep_addresses = o->keep_addresses;
	cfg->unwinder = unwinder_find(o->unwinder);
	cfg->no_hybrid = o->no_hybrid;
	cfg->no_gpu = o->no_gpu;
	cfg->no_python = o->no_python;
	cfg->debuginfod_urls = o->no_debuginfod ? NULL : o->debuginfod_urls;
	/* As root, the kernel's symbols are kept between runs (root's own
	 * directory: no one else can plant a table there). */
	cfg->cache_dir = geteuid() == 0 ? "/var/cache/flametop" : NULL;
	cfg->no_offcpu = o->no_offcpu;
	/* Wall time adds nanoseconds blocked to sampled nanoseconds. */
	cfg->force_cpu_clock = o->wall && !o->nevents;
}
