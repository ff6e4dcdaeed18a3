/* face — what the two faces (record, the screen) share: stopping on a
 * signal, and writing the exports named on the command line with a
 * fallback when a path cannot be written. */
#ifndef FLAMETOP_FACE_H
#define FLAMETOP_FACE_H

#include "cli.h"
#include "compare.h"
#include "exporters.h"
#include "report.h"
#include "saved.h"
#include "session.h"

/* SIGINT, SIGTERM and SIGHUP ask to stop (no SA_RESTART: a poll returns at
 * once); SIGPIPE is ignored. */
void face_catch_signals(void);
/* The signal that asked to stop, or 0; how many came. */
int face_stop_signal(void);
int face_stop_count(void);
/* Says on stderr how many stacks of S were cut to SAVED_MAX_FRAMES. */
void face_say_truncated(const struct saved_report *s);
/* From now on a stop signal also writes to FD (session_stop_fd): sampling
 * stops at once, whatever the face's thread is doing. -1: no longer. */
void face_stop_sampling_on_signal(int fd);
/* Stops sampling and analyses everything collected, saying how far it is
 * on stderr when it takes over half a second; one more stop signal drops
 * the rest (counted as cut at the stop, and said). */
void face_analyse_rest(struct session *s);
/* "analysing TOTAL samples … P %" into BUF, for TOTAL waiting at the stop. */
int face_progress_line(const struct session *s, uint64_t total, char *buf, size_t len);
/* Writes R to PATH with EXP; on failure saves it under $TMPDIR (named with
 * EXT) and says where. Returns 0, or 1 if PATH failed. */
int face_export_one(const char *path, const struct exporter *exp, const char *ext,
		    const struct report *r);
/* Writes -o and --folded from R, saying on stderr where each went; a path
 * that fails is saved under $TMPDIR instead. Returns 0, or 1 if any failed. */
int face_write_exports(const struct cli_options *o, const struct report *r);

/* --wall / w: makes R's map and hotspots shares of wall time (the wall tree,
 * returned in *WALL for the caller to free), when its profile has off-CPU
 * intervals and time-weighted samples; else leaves R as it is and says why
 * in R->offcpu_note. */
void face_wall(struct report *r, struct ctree **wall);

/* What an export writes, put together once for every face (the screen's
 * e and -o, record's end). */
struct face_export_opts {
	const struct ledger *ledger;
	const struct annotate_opts *annot;
	int wall;                        /* --wall / w: shares of wall time */
	const struct saved_report *base; /* --baseline / B: compared with (NULL: none) */
	struct profile *after;           /* ... this profile (NULL: the report's) */
	int after_owned;                 /* ... freed by face_export_end */
	const char *after_label;         /* ... named so ("this run", "since the pin") */
};

struct face_export {
	struct report r;
	struct ctree *wall;
	struct comparison cmp;
	struct saved_report after;
	struct profile *owned;
};

/* X->r from a reopened export's SAVED report (as read) or else from
 * session S (session_report, then session_report_finalize), with O's
 * ledger, annotation options, wall tree and comparison. Returns 0, or
 * -EINVAL when there is neither (O's owned profile is freed then too). */
int face_export_begin(struct face_export *x, const struct report *saved, struct session *s,
		      const struct face_export_opts *o);
void face_export_end(struct face_export *x);

/* --ledger: loads o->ledger_path into L (a missing file is an empty
 * ledger) and puts where changes are to be saved in SAVE (may be NULL):
 * the file itself for a ledger, a ledger file of its own beside an export
 * (an export is never written over). Returns 0, or 2 after saying why on
 * stderr. */
int face_load_ledger(const struct cli_options *o, struct ledger *l, char *save, size_t savelen);
/* Writes R to PATH as EXP, else to a fresh file in $TMPDIR (extension EXT)
 * whose name goes to SAVED: returns 0 (at PATH), 1 (at SAVED, ERR saying
 * why not at PATH) or -1 (neither, ERR saying both). */
int face_write_or_save(const char *path, const struct exporter *exp, const char *ext,
		       const struct report *r, char *saved, size_t savedlen, char *err, size_t len);
/* Saves L to PATH (temporary file and rename), else to a fresh file in
 * $TMPDIR whose name goes to SAVED: returns 0 (at PATH), 1 (at SAVED, ERR
 * saying why not at PATH) or -1 (neither, ERR saying both). */
int face_save_ledger(const char *path, const struct ledger *l, char *saved, size_t savedlen,
		     char *err, size_t len);

#endif
