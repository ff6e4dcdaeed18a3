/* jitmap — names for JIT-compiled code from /tmp/perf-PID.map.
 *
 * Runtimes that generate code (node --perf-basic-prof, the JVM with an agent,
 * CPython 3.12 -X perf) append "START SIZE name" lines, in hex, to
 * /tmp/perf-PID.map.  The file is read as it grows; later lines win where
 * code was moved.  As perf documents, a map is used only when it is a
 * regular file owned by the target's user or by root: anyone can write
 * /tmp, and names in a profile are evidence. */
#ifndef FLAMETOP_JITMAP_H
#define FLAMETOP_JITMAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct jit_sym {
	uint64_t start, end;
	uint32_t seq; /* line number: later lines win */
	char *name;
};

struct jitmap {
	pid_t pid;
	pid_t ns_pid; /* its pid in its own pid namespace, 0: the same or unknown */
	uid_t owner;  /* the target's user */
	struct jit_sym *v;
	size_t n, cap;
	long offset;         /* bytes of the file read so far */
	uint64_t checked_ns; /* last time the file was looked at */
	int refused;         /* owned by someone else: never used */
	uint32_t seq;
	/* Bounds: the map is the target's to grow (JITMAP_MAX_* by default). */
	size_t max_entries, max_bytes; /* entries kept, bytes of names kept */
	size_t name_bytes;
	uint64_t dropped; /* lines not kept: too long, or past the bounds */
};

#define JITMAP_MAX_LINE    4096        /* a line longer than this is skipped */
#define JITMAP_MAX_ENTRIES 1000000     /* entries kept per process */
#define JITMAP_MAX_BYTES   (64u << 20) /* bytes of names kept per process */
#define JITMAP_READ_BYTES  (8u << 20)  /* read per look at the file, at most */

void jitmap_init(struct jitmap *m, pid_t pid, uid_t owner);
void jitmap_fini(struct jitmap *m);

/* Reads what was appended to F since the last call (PATH's contents).
 * Returns the number of entries added. */
long jitmap_parse(struct jitmap *m, FILE *f);
/* Counted in dropped: lines too long, or past max_entries / max_bytes. */

/* The name covering ADDR, re-reading /tmp/perf-PID.map when ADDR is not
 * known and the file grew (at most every NOW_NS + 100 ms). NULL if none. */
const char *jitmap_lookup(struct jitmap *m, uint64_t addr, uint64_t now_ns);

/* Pure lookup over what is loaded. */
const struct jit_sym *jitmap_find(const struct jitmap *m, uint64_t addr);

#endif
