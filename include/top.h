/* top — the live face: the screen over a running session. */
#ifndef FLAMETOP_TOP_H
#define FLAMETOP_TOP_H

#include "cli.h"

/* Runs the screen until q (or a signal); returns the exit status. */
int top_run(const struct cli_options *o);
/* The same; where the target cannot be profiled, WHY (when not NULL) gets
 * the reason instead of stderr and -1 is returned (the process list says
 * it on its status line). */
int top_run_ex(const struct cli_options *o, char *why, size_t whylen);
/* flametop alone: the machine's process list (tui/proclist.c); Enter runs
 * the screen on a process, q there comes back. */
int proclist_run(const struct cli_options *o);
/* flametop report FILE.yaml: the screen over a saved export. */
int top_report(const struct cli_options *o);

#endif
