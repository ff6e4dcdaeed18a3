/* record — headless profiling: sample until told to stop, then export. */
#ifndef FLAMETOP_RECORD_H
#define FLAMETOP_RECORD_H

#include "cli.h"

/* Runs a recording; returns the process exit status (0, 1 on failure). */
int record_run(const struct cli_options *o);

#endif
