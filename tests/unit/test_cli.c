/* Command-line parsing: what is accepted, what is refused and how it is said. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int parse(struct cli_options *o, char *err, const char *const *args)
{
	char *argv[32];
	int argc = 0;

	for (; args[argc]; argc++)
		argv[argc] = (char *)args[argc];
	argv[argc] = NULL;
	err[0] = 0;
	return cli_parse(argc, argv, 100000, o, err, 512);
}

#define PARSE(...) parse(&o, err, (const char *const[]){ "flametop", __VA_ARGS__, NULL })

static void record_attach_defaults(void **state)
{
	struct cli_options o;
	char err[512];

	(void)state;
	assert_int_equal(PARSE("record", "-p", "123"), 0);
	assert_int_equal(o.mode, CLI_RECORD);
	assert_int_equal(o.pid, 123);
	assert_int_equal(o.freq_hz, 999);
	assert_null(o.argv);
	assert_string_equal(o.call_graph, "dwarf");
}

static void record_launch_keeps_command_flags(void **state)
{
	struct cli_options o;
	char err[512];

	(void)state;
	assert_int_equal(
	    PARSE("record", "-F", "4000", "-d", "1.5", "-o", "x.yaml", "--", "ls", "-l", "-p"), 0);
	assert_int_equal(o.freq_hz, 4000);
	assert_true(o.duration_s == 1.5);
	assert_string_equal(o.output, "x.yaml");
	assert_string_equal(o.argv[0], "ls");
	assert_string_equal(o.argv[1], "-l");
	assert_string_equal(o.argv[2], "-p");
	assert_null(o.argv[3]);
	/* The screen runs until q: -d there is refused, not ignored. */
	assert_int_equal(PARSE("-d", "3", "--", "true"), -EINVAL);
	assert_non_null(strstr(err, "-d is for flametop record"));
	assert_int_equal(PARSE("record", "--folded", "f.txt", "sleep", "1"), 0);
	assert_string_equal(o.folded, "f.txt");
	assert_string_equal(o.argv[0], "sleep");
}

static void refusals(void **state)
{
	struct cli_options o;
	char err[512];

	(void)state;
	assert_int_not_equal(PARSE("record", "-p", "abc"), 0);
	assert_string_equal(err, "invalid pid 'abc': not a number");
	assert_int_not_equal(PARSE("record", "-p", "-4"), 0);
	assert_int_not_equal(PARSE("record", "-F", "0", "-p", "1"), 0);
	assert_non_null(strstr(err, "invalid sampling rate '0'"));
	assert_int_not_equal(PARSE("record", "-F", "-5", "-p", "1"), 0);
	assert_int_not_equal(PARSE("record", "-F", "12.5", "-p", "1"), 0);
	assert_int_not_equal(PARSE("record", "-F", "200000", "-p", "1"), 0);
	assert_non_null(strstr(err, "above the kernel's limit of 100000 Hz"));
	assert_int_not_equal(PARSE("record", "--bogus", "-p", "1"), 0);
	assert_string_equal(err, "unknown option '--bogus' (see flametop --help)");
	assert_int_not_equal(PARSE("record", "-x", "-p", "1"), 0);
	assert_string_equal(err, "unknown option '-x' (see flametop --help)");
	assert_int_not_equal(PARSE("record", "-p"), 0);
	assert_non_null(strstr(err, "needs a value"));
	assert_int_not_equal(PARSE("record"), 0);
	assert_non_null(strstr(err, "nothing to profile"));
	/* Alone, flametop opens the process list. */
	assert_int_equal(parse(&o, err, (const char *const[]){ "flametop", NULL }), 0);
	assert_true(o.mode == CLI_TOP && o.proclist);
	assert_int_equal(PARSE("record", "-a", "-d", "2"), 0);
	assert_true(o.system_wide && !o.proclist && !o.pid && !o.argv);
	assert_int_not_equal(PARSE("record", "-a", "--", "ls"), 0);
	assert_non_null(strstr(err, "not two"));
	assert_int_not_equal(PARSE("-a", "--wall"), 0);
	assert_int_not_equal(PARSE("record", "--cgroup", "../etc"), 0);
	assert_non_null(strstr(err, "'..'"));
	assert_int_not_equal(PARSE("record", "-p", "1", "--", "ls"), 0);
	assert_non_null(strstr(err, "not two"));
	assert_int_not_equal(PARSE("record", "-d", "0", "-p", "1"), 0);
	assert_int_not_equal(PARSE("record", "--call-graph", "lbr", "-p", "1"), 0);
	assert_non_null(strstr(err, "call-graph mode 'lbr'"));
	assert_int_not_equal(PARSE("record", "--call-graph", "dwarf,10", "-p", "1"), 0);
	assert_non_null(strstr(err, "invalid stack size"));
	assert_int_not_equal(PARSE("record", "--call-graph", "dwarf,99999", "-p", "1"), 0);
	assert_int_not_equal(PARSE("record", "--call-graph", "fp,8", "-p", "1"), 0);
	assert_int_not_equal(PARSE("record", "--unwinder", "magic", "-p", "1"), 0);
	assert_non_null(strstr(err, "unknown unwinder 'magic'"));
	assert_int_not_equal(PARSE("-r", "0", "-p", "1"), 0);
	assert_non_null(strstr(err, "invalid refresh '0'"));
	assert_int_not_equal(PARSE("-p", "1", "--", "ls"), 0);
	assert_non_null(strstr(err, "not two"));
	assert_int_not_equal(PARSE("-r"), 0);
	assert_non_null(strstr(err, "needs a value"));
}

/* Without 'record': the live screen, with every record option and -r. */
static void screen_mode(void **state)
{
	struct cli_options o;
	char err[512];

	(void)state;
	assert_int_equal(PARSE("-p", "42", "-F", "499", "-r", "0.5", "--call-graph", "fp"), 0);
	assert_int_equal(o.mode, CLI_TOP);
	assert_int_equal(o.pid, 42);
	assert_int_equal(o.freq_hz, 499);
	assert_true(o.refresh_s == 0.5);
	assert_string_equal(o.call_graph, "fp");
	assert_int_equal(PARSE("--", "sleep", "-x", "1"), 0);
	assert_int_equal(o.mode, CLI_TOP);
	assert_string_equal(o.argv[0], "sleep");
	assert_string_equal(o.argv[1], "-x");
	assert_int_equal(o.panes, CLI_PANES_ALL);
	assert_int_equal(PARSE("--panes", "gpu,cpu", "-p", "1"), 0);
	assert_int_equal(o.panes, 0x11u);
	assert_int_equal(PARSE("--panes", "none", "-p", "1"), 0);
	assert_int_equal(o.panes, 0u);
	assert_int_not_equal(PARSE("--panes", "cpu,disk", "-p", "1"), 0);
	assert_non_null(strstr(err, "unknown pane 'disk'"));
	/* A bare word is a command to launch: a typo fails at exec, by name. */
	assert_int_equal(PARSE("frobnicate"), 0);
	assert_int_equal(o.mode, CLI_TOP);
	assert_string_equal(o.argv[0], "frobnicate");
}

static void call_graph_modes(void **state)
{
	struct cli_options o;
	char err[512];

	(void)state;
	assert_int_equal(PARSE("record", "--call-graph", "auto", "-p", "1"), 0);
	assert_string_equal(o.call_graph, "dwarf");
	assert_int_equal(PARSE("record", "--call-graph", "fp", "-p", "1"), 0);
	assert_string_equal(o.call_graph, "fp");
	assert_int_equal(PARSE("record", "--call-graph", "dwarf,16380", "-p", "1"), 0);
	assert_string_equal(o.call_graph, "dwarf");
	assert_int_equal(o.stack_bytes, 16384); /* rounded up to 8 bytes */
	assert_int_equal(PARSE("record", "--unwinder", "libdw", "--no-hybrid", "-p", "1"), 0);
	assert_string_equal(o.unwinder, "libdw");
	assert_true(o.no_hybrid);
}

/* Found by fuzz_cli: a parse that stopped inside a grouped option ("-hq":
 * help ends the parse at h)
 * left getopt pointing into that argv; the next parse read freed memory.
 * Each parse now starts getopt afresh. (ASan, make check SANITIZE=1, is
 * what sees the read; here, the second parse must be right.) */
static void parses_do_not_share_getopt_state(void **state)
{
	struct cli_options o;
	char err[512], *first = strdup("-hq"), *argv[4] = { "flametop", "record", first, NULL };

	(void)state;
	assert_int_equal(cli_parse(3, argv, 100000, &o, err, sizeof(err)), 0);
	assert_int_equal(o.mode, CLI_HELP);
	memset(first, 'x', 3);
	free(first);
	assert_int_equal(PARSE("record", "-n", "7", "-p", "42"), 0);
	assert_int_equal(o.top, 7);
	assert_int_equal(o.pid, 42);
	assert_false(o.quiet);
}

static void help_and_version(void **state)
{
	struct cli_options o;
	char err[512];

	(void)state;
	assert_int_equal(PARSE("--help"), 0);
	assert_int_equal(o.mode, CLI_HELP);
	assert_int_equal(PARSE("record", "-h"), 0);
	assert_int_equal(o.mode, CLI_HELP);
	assert_int_equal(PARSE("--version"), 0);
	assert_int_equal(o.mode, CLI_VERSION);
	assert_non_null(strstr(cli_usage(), "--folded FILE"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(record_attach_defaults),
		cmocka_unit_test(record_launch_keeps_command_flags),
		cmocka_unit_test(refusals),
		cmocka_unit_test(call_graph_modes),
		cmocka_unit_test(screen_mode),
		cmocka_unit_test(help_and_version),
		cmocka_unit_test(parses_do_not_share_getopt_state),
	};
	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
