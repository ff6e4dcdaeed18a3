/* top — the live face: the screen over a running session. */
#ifndef FLAMETOP_TOP_H
#define FLAMETOP_TOP_H

#include "cli.h"

/* Runs the screen until q (or a signal); returns the exit status. */
int top_run(const struct cli_options *o);
/* flametop report FILE.yaml: the screen over a saved export. */
int top_report(const struct cli_options *o);

#endif
