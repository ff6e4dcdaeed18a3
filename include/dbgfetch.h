/* dbgfetch — debug files from debuginfod servers, off the sample path.
 *
 * Downloads run in a helper process (flametop itself, exec'd with
 * DBGFETCH_HELPER_ARG), which calls libdebuginfod with the user's
 * DEBUGINFOD_URLS, DEBUGINFOD_CACHE_PATH and DEBUGINFOD_TIMEOUT.  The
 * profiler's own process has DEBUGINFOD_URLS taken out of its environment
 * (dbgfetch_claim_env) so that libdwfl, which would otherwise download on
 * its own in the middle of a symbol lookup, never waits on the network.
 * The helper answers over a socket: progress while a file downloads, then
 * the file's descriptor (passed, not named) or the error. */
#ifndef FLAMETOP_DBGFETCH_H
#define FLAMETOP_DBGFETCH_H

#include <stddef.h>
#include <stdint.h>

#define DBGFETCH_HELPER_ARG "--debuginfod-helper" /* argv[1] of the helper */

struct dbgfetch;

/* Takes DEBUGINFOD_URLS out of this process's environment (call first in
 * main, before any thread). Returns the URLs (static), or NULL when unset
 * or empty. */
const char *dbgfetch_claim_env(void);
/* Puts the URLs back (in a launched command's child, before exec: the
 * command sees the environment it was given). */
void dbgfetch_restore_env(void);

/* Starts the helper for URLS. NULL with the reason in ERR. */
struct dbgfetch *dbgfetch_start(const char *urls, char *err, size_t len);
/* Stops the helper (a download in flight is abandoned). */
void dbgfetch_free(struct dbgfetch *f);
const char *dbgfetch_urls(const struct dbgfetch *f);

/* Asks for the debug file of build id HEX (lowercase hex); KEY comes back
 * with the answer. Returns 0 or -errno. */
int dbgfetch_want(struct dbgfetch *f, uint32_t key, const char *hex);

struct dbgfetch_done {
	uint32_t key;
	int fd;         /* the debug file, or -1 */
	int err;        /* 0, or the errno libdebuginfod gave */
	char path[512]; /* where it is in the cache */
	char url[512];  /* the server that had it */
};
/* Answers that arrived (never waits). Returns how many were put in OUT. */
size_t dbgfetch_poll(struct dbgfetch *f, struct dbgfetch_done *out, size_t max);
/* Readable when an answer arrives; -1 when none is awaited. */
int dbgfetch_fd(const struct dbgfetch *f);
/* Requests not yet answered. */
size_t dbgfetch_pending(const struct dbgfetch *f);
/* The download in flight: its key, bytes so far and expected (0:
 * unknown). Returns 0 when none is under way. */
int dbgfetch_progress(const struct dbgfetch *f, uint32_t *key, long *got, long *total);

/* The helper's main: serves requests on descriptor FD until it closes.
 * A debug file is used only when its GNU build id is the one asked for
 * (a file from a server that answers with another program's, or with
 * anything, is refused — err EILSEQ or ENOEXEC — and taken out of the
 * cache); a download past DEBUGINFOD_MAXSIZE bytes (512 MiB when unset)
 * is cut (EFBIG), and what it left in the cache removed. */
int dbgfetch_helper_main(int fd);
/* Removes what a cut download of build id HEX left in libdebuginfod's
 * cache (its "debuginfo.XXXXXX" files). */
void dbgfetch_clean_partial(const char *hex);

#endif
