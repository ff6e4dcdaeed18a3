/* diff — the face of `flametop diff BASE AFTER`: loads both sides, prints
 * the comparison, writes -o, applies --fail-if-slower. */
#ifndef FLAMETOP_DIFF_H
#define FLAMETOP_DIFF_H

#include "cli.h"

/* Returns the exit status: 0, 1 when a side cannot be read or a write
 * failed, 3 when --fail-if-slower found AFTER slower. */
int diff_run(const struct cli_options *o);

#endif
