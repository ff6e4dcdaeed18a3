/* hints — what would make the answer better, said when it would.
 *
 * A profile can be true and still say little: a stripped library that
 * takes most of the time is one opaque frame, JIT code without a map is
 * "[unknown]", frame pointers stop at the first function built without
 * them. Each of those has a remedy the user may not know; this module
 * notices them in a profile and names the remedy, once, in one line — the
 * screen's status line, record's stderr and the YAML's `notes` say the same
 * words. */
#ifndef FLAMETOP_HINTS_H
#define FLAMETOP_HINTS_H

#include <stddef.h>
#include <sys/types.h>

#include "profile.h"
#include "stackwalk.h"

#define HINTS_MAX 3
#define HINT_LEN  320

/* A module without symbols ("[libfoo.so]") at or above this share of the
 * samples; "[unknown]" code at or above this one; fp stacks that reach
 * their thread's start below this share. */
#define HINT_OPAQUE_PCT      20.0
#define HINT_UNKNOWN_PCT     10.0
#define HINT_FP_COMPLETE_PCT 80.0
#define HINT_MIN_SAMPLES     200 /* fewer: too soon to say */

struct hints_input {
	const struct profile *profile;
	const char *exe;                     /* the target's executable, or "" */
	pid_t pid;                           /* the target (a perf map is looked for), 0: none */
	int fp;                              /* call chains by frame pointers */
	const struct unwind_quality *unwind; /* NULL: not measured */
};

/* The hints IN calls for, at most HINTS_MAX, each a line of at most
 * HINT_LEN bytes. Returns how many. */
size_t hints_make(const struct hints_input *in, char out[][HINT_LEN], size_t max);

#endif
