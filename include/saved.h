/* saved — an export read back: `flametop report FILE.yaml`.
 *
 * The YAML's `profile` section carries the frame table and every (thread,
 * call stack) with its samples and weight, and the counters charged to each
 * node, so the call tree is rebuilt exactly and every view works on it.
 * What was measured beside the tree (target, machine, baseline, timeline,
 * classification...) cannot be measured again: it is kept as read and
 * written back unchanged when the report is exported again. */
#ifndef FLAMETOP_SAVED_H
#define FLAMETOP_SAVED_H

#include <yaml.h>

#include "annotate.h"
#include "counting.h"
#include "profile.h"
#include "timeline.h"
#include "report.h"
#include "yamlw.h"

#define SAVED_MAX_FRAMES 1024 /* frames kept of a stack read from a file (as sampled) */

struct saved_report {
	yaml_document_t doc;
	struct profile *profile;
	struct counting counting;  /* names and roles only: what per-node counters are */
	struct timeline *timeline; /* the panes' history as saved */
	struct ctree *wall;        /* an export of wall time: the wall tree */
	int folded;                /* read from folded stacks: DOC is empty */
	int pprof;                 /* read from a pprof profile: DOC is empty */
	uint64_t truncated; /* stacks over SAVED_MAX_FRAMES: their outermost frames dropped */
	/* The run covered a window of a target that went on (attached, or
	 * stopped by flametop at -d): its CPU and wall time are the window's,
	 * not a measure of the work. */
	int window;
	struct report report; /* what the views and a re-export need */
	char path[4096];
};

/* Reads PATH. Returns 0, or -errno / -EINVAL with a one-line reason in ERR
 * ("line N: ..." for a malformed file, "no 'profile' section" for an export
 * that predates it). */
int saved_load(const char *path, struct saved_report *s, char *err, size_t len);
/* Folded stacks ("a;b;c COUNT" lines: flametop's --folded, flamegraph.pl's
 * stackcollapse output with its _[k] / _[j] marks) as a profile: one
 * sample weighing 1 per count. The exports' measured sections are then
 * absent (a folded file has no target, clock or machine). saved_load reads
 * a .folded, .collapsed or .txt file this way. */
int saved_load_folded(const char *text, size_t n, const char *path, struct saved_report *s,
		      char *err, size_t len);
/* A pprof profile (gzip'd or not): stacks from its locations and lines,
 * the first value as the count, the default sample type's as the weight.
 * saved_load reads a gzip'd file, .pb.gz, .pprof or .pb this way. */
int saved_load_pprof(const char *text, size_t n, const char *path, struct saved_report *s,
		     char *err, size_t len);
/* The same from TEXT[0..N) (PATH names it in messages). */
int saved_load_text(const char *text, size_t n, const char *path, struct saved_report *s, char *err,
		    size_t len);
void saved_free(struct saved_report *s);

struct comparison;
/* Compares BASE with AFTER (compare.h): their profiles and the figures
 * their exports measured. Returns 0 or -ENOMEM. */
int saved_compare(struct comparison *c, const struct saved_report *base,
		  const struct saved_report *after);
/* The same with a profile for the after side (a live run, or what came
 * since a pin), held in HOLD under the name LABEL. */
int saved_compare_profile(struct comparison *c, const struct saved_report *base,
			  struct profile *after, const char *label, struct saved_report *hold);
/* The hot lines the export saved for the hotspot NAME (of MODULE; NULL:
 * any) as an annotation (lines and their counts; no text, no
 * instructions). Returns 0, or -1 when it has none. */
int saved_lines_of(const struct saved_report *s, const char *name, const char *module,
		   struct annotation *out);

/* Writes KEY and its saved value into W; nothing when the export had no
 * KEY. Returns 1 when written. */
int saved_replay(const struct saved_report *s, struct yamlw *w, const char *key);
/* The same for a node (of S's document). */
void saved_replay_node(const struct saved_report *s, struct yamlw *w, const yaml_node_t *n);
/* KEY of the saved hotspot NAME (of MODULE), written as saved ("lines",
 * "instructions"). Returns 1 when written. */
int saved_replay_hotspot(const struct saved_report *s, struct yamlw *w, const char *name,
			 const char *module, const char *key);

#endif
