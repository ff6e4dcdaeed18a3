/* safeout — nothing from outside reaches the user's terminal raw.
 *
 * Names come from targets and files: symbols (an __asm__ label can hold
 * ESC), a thread's comm (prctl(PR_SET_NAME) with an OSC sequence), perf-map
 * and Python names (C1 controls, bidi overrides), file names. Rather than
 * trust every printf to remember, flametop's stdout and stderr are replaced
 * at start by streams that pass every byte through fmt_safe_text: one
 * place, whatever prints. Exports written to standard output ("-o -") go
 * to the descriptor itself, not through here: their formats quote or
 * escape names of their own. The screen's cells are filtered by the same
 * rule (surf_text). */
#ifndef FLAMETOP_SAFEOUT_H
#define FLAMETOP_SAFEOUT_H

/* Replaces stdout and stderr with filtering streams over descriptors 1 and
 * 2 (stdout keeps its buffering: by line on a terminal, else by block;
 * stderr unbuffered). Returns 0, or -1 where one could not be made (that
 * one is left as it was). */
int safeout_install(void);

#endif
