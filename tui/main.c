/* flametop — entry point: dispatch to a face. */
#include "cli.h"
#include "dbgfetch.h"
#include "events.h"
#include "diff.h"
#include "record.h"
#include "safeout.h"
#include "sampler.h"
#include "top.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* Each thread needs an event per CPU per counted event: take the whole
 * descriptor allowance the administrator gives, as perf does. */
static void raise_nofile(void)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
		r.rlim_cur = r.rlim_max;
		setrlimit(RLIMIT_NOFILE, &r);
	}
}

static int list_events(const char *filter)
{
	long n = events_list(stdout, filter);

	if (n < 0) {
		fprintf(stderr, "flametop: libpfm4 could not be initialised\n");
		return 1;
	}
	if (n == 0 && filter) {
		fprintf(stderr, "flametop: no event matches '%s'\n", filter);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct cli_options o;
	char err[1024] = "";
	const char *urls;
	int e;

	/* The debuginfod helper this process starts (see dbgfetch.h). */
	if (argc == 3 && !strcmp(argv[1], DBGFETCH_HELPER_ARG))
		return dbgfetch_helper_main(atoi(argv[2]));
	/* Nothing from outside reaches the terminal raw (include/safeout.h). */
	safeout_install();
	/* Before anything reads it: libdwfl would download on the sample path. */
	urls = dbgfetch_claim_env();
	setlocale(LC_ALL, "");
	e = cli_parse(argc, argv, sampler_max_rate(), &o, err, sizeof(err));
	o.debuginfod_urls = urls;
	if (e) {
		if (err[0])
			fprintf(stderr, "flametop: %s\n", err);
		else
			fputs(cli_usage(), stderr);
		return 2;
	}
	switch (o.mode) {
	case CLI_HELP:
		fputs(cli_usage(), stdout);
		return 0;
	case CLI_VERSION:
		printf("flametop %s\n", FLAMETOP_VERSION);
		return 0;
	case CLI_LIST_EVENTS:
		return list_events(o.list_filter);
	case CLI_RECORD:
		raise_nofile();
		return record_run(&o);
	case CLI_TOP:
		raise_nofile();
		return o.proclist ? proclist_run(&o) : top_run(&o);
	case CLI_REPORT:
		return top_report(&o);
	case CLI_DIFF:
		return diff_run(&o);
	}
	return 2;
}
