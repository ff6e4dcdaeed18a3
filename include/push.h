/* push — profiles sent to a continuous-profiling server while recording.
 *
 * Grafana Pyroscope's ingest API (docs: grafana.com/docs/pyroscope/latest/
 * configure-server/about-server-api/): POST URL/ingest?name=APP{labels}
 * &from=UNIX&until=UNIX&format=pprof&sampleRate=HZ&spyName=flametop, the
 * body multipart/form-data with the gzip'd pprof profile in the field
 * "profile", and X-Scope-OrgID when a tenant is given.  Each push holds the
 * samples taken since the one before (from..until), so the server's sums
 * are the run's.  Requests are made by libcurl on a thread of their own:
 * sampling never waits on the network.  A failed request (no connection,
 * HTTP 429 or 5xx) is tried again after 1, 2, 4, 8 s; what is still unsent
 * when the run ends is given a bounded time, then counted as failed. */
#ifndef FLAMETOP_PUSH_H
#define FLAMETOP_PUSH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "report.h"

#define PUSH_MAX_LABELS 16

struct push_config {
	const char *url;                     /* the server, e.g. http://pyroscope:4040 */
	const char *app;                     /* application name (NULL: the target's) */
	const char *labels[PUSH_MAX_LABELS]; /* "key=value", the user's */
	size_t nlabels;
	const char *tenant; /* X-Scope-OrgID, or NULL */
	int retries;        /* tries after the first (< 0: the default, 4) */
	double backoff_s;   /* the first wait before trying again (0: 1 s), doubled each time */
};

struct push_stats {
	uint64_t pushes;  /* profiles handed over */
	uint64_t sent;    /* accepted by the server (2xx) */
	uint64_t failed;  /* given up on (after the retries, or unsent at the end) */
	uint64_t retries; /* requests made again */
	uint64_t dropped; /* pushes dropped unsent because the queue was full */
	uint64_t bytes;   /* profile bytes accepted */
	long last_status; /* the last HTTP status (0: no answer) */
	char last_error[256];
};

struct pusher;

/* Checks the URL and labels (a label is key=value, the key
 * [A-Za-z_][A-Za-z0-9_.]*, the value without {},= or control
 * characters). NULL with a one-line reason in ERR. */
struct pusher *push_new(const struct push_config *cfg, char *err, size_t len);
/* Queues the samples of R's profile taken since the last push (at the
 * first, since R's start) as one profile for [last, NOW]. R supplies the
 * application's name, host name and build id when the config has none.
 * Returns 0 or -errno (nothing to push is 0). */
int push_interval(struct pusher *p, const struct report *r, time_t now);
/* Waits up to TIMEOUT_S for the queue to empty, and no more: returns how
 * many pushes are still queued or out. */
size_t push_wait(struct pusher *p, double timeout_s);
/* Waits up to TIMEOUT_S for the queue to empty, then ends: what is left is
 * counted failed, the transfer out aborted. Returns how many were left. */
size_t push_drain(struct pusher *p, double timeout_s);
void push_get_stats(struct pusher *p, struct push_stats *out);
void push_free(struct pusher *p);
/* The full ingest URL for NAME (already with its labels) over [FROM, UNTIL]
 * (tests and the docs' examples). Returns a malloc'd string or NULL. */
char *push_ingest_url(const char *base, const char *name, time_t from, time_t until,
		      unsigned sample_hz);

#endif
