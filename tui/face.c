/* face — signals and exports shared by record and the screen. */
#include "face.h"

#include "ledger_yaml.h"
#include "outfile.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_signal, stop_count, stop_fd = -1;

static void on_signal(int sig)
{
	uint64_t one = 1;
	int saved = errno;

	stop_signal = sig;
	stop_count++;
	/* Sampling stops now, on the collector's thread, whatever this one
	 * is doing (write is async-signal-safe). */
	if (stop_fd >= 0 && write(stop_fd, &one, sizeof(one)) < 0) {
		/* an eventfd far from full */
	}
	errno = saved;
}

void face_stop_sampling_on_signal(int fd) { stop_fd = fd; }

void face_say_truncated(const struct saved_report *s)
{
	if (s->truncated)
		fprintf(stderr,
			"flametop: %s: %llu stacks deeper than %d frames: their outermost frames "
			"dropped\n",
			s->path, (unsigned long long)s->truncated, SAVED_MAX_FRAMES);
}

void face_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: poll returns at once */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int face_stop_signal(void) { return stop_signal; }
int face_stop_count(void) { return stop_count; }

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int face_progress_line(const struct session *s, uint64_t total, char *buf, size_t len)
{
	struct collection_backlog b;
	uint64_t done;

	session_backlog(s, &b);
	done = total > b.samples ? total - b.samples : 0;
	return snprintf(buf, len, "analysing %llu samples … %.0f %%", (unsigned long long)total,
			total ? 100.0 * (double)done / (double)total : 100.0);
}

void face_analyse_rest(struct session *s)
{
	struct collection_backlog b;
	/* Stopped by a signal: the next one cuts (it may have come already). */
	int signals = face_stop_count() ? 1 : 0;
	uint64_t start = now_ms(), said = 0;
	char line[128];

	session_stop(s);
	session_backlog(s, &b);
	while (!session_analyse(s, 100000000ull)) {
		/* One more signal: the rest goes, counted. */
		if (face_stop_count() > signals) {
			session_backlog(s, &b);
			session_cut(s);
			fprintf(stderr, "flametop: %llu samples not analysed: cut at the stop\n",
				(unsigned long long)b.samples);
			return;
		}
		/* Said after half a second, then every second. */
		if (now_ms() - start >= 500 && now_ms() - said >= 1000) {
			face_progress_line(s, b.samples, line, sizeof(line));
			fprintf(stderr, "flametop: %s (Ctrl-C again drops the rest)\n", line);
			said = now_ms();
		}
	}
}

int face_write_or_save(const char *path, const struct exporter *exp, const char *ext,
		       const struct report *r, char *saved, size_t savedlen, char *err, size_t len)
{
	char why[4200], why2[4200];

	if (outfile_write(path, exp, r, why, sizeof(why)) == 0)
		return 0;
	if (outfile_fallback(exp, r, ext, saved, savedlen, why2, sizeof(why2)) == 0) {
		snprintf(err, len, "%s", why);
		return 1;
	}
	snprintf(err, len, "%s; the fallback failed too: %s", why, why2);
	return -1;
}

int face_export_one(const char *path, const struct exporter *exp, const char *ext,
		    const struct report *r)
{
	char err[8600], saved[4096];
	int e = face_write_or_save(path, exp, ext, r, saved, sizeof(saved), err, sizeof(err));

	if (e == 0)
		fprintf(stderr, "flametop: wrote %s\n", path);
	else if (e > 0)
		fprintf(stderr, "flametop: %s; profile saved to %s\n", err, saved);
	else
		fprintf(stderr, "flametop: %s\n", err);
	return e != 0;
}

int face_write_exports(const struct cli_options *o, const struct report *r)
{
	int rc = 0;

	if (o->output)
		rc |= face_export_one(o->output, &exporter_yaml, "yaml", r);
	if (o->folded)
		rc |= face_export_one(o->folded, &exporter_folded, "folded", r);
	if (o->pprof)
		rc |= face_export_one(o->pprof, &exporter_pprof, "pb.gz", r);
	return rc;
}

void face_wall(struct report *r, struct ctree **wall)
{
	*wall = NULL;
	if (!r->profile->off_on)
		return; /* offcpu_note says why already */
	if (!r->weight_ns) {
		r->offcpu_note = "wall time needs time-weighted samples (cpu-clock or task-clock)";
		return;
	}
	*wall = profile_wall_tree(r->profile);
	if (*wall) {
		r->tree = *wall;
		r->wall = 1;
	}
}

int face_export_begin(struct face_export *x, const struct report *saved, struct session *s,
		      const struct face_export_opts *o)
{
	memset(x, 0, sizeof(*x));
	if (o->after_owned)
		x->owned = o->after;
	if (saved)
		x->r = *saved;
	else if (s) {
		session_report(s, &x->r);
		session_report_finalize(s, &x->r);
	} else {
		face_export_end(x);
		return -EINVAL;
	}
	x->r.ledger = o->ledger;
	x->r.annot_opts = o->annot;
	if (o->wall && !x->r.wall)
		face_wall(&x->r, &x->wall);
	if (o->base && saved_compare_profile(
			   &x->cmp, o->base, o->after ? o->after : (struct profile *)x->r.profile,
			   o->after_label ? o->after_label : "this run", &x->after) == 0)
		x->r.comparison = &x->cmp;
	return 0;
}

void face_export_end(struct face_export *x)
{
	if (x->r.comparison)
		compare_free(&x->cmp);
	x->r.comparison = NULL;
	ctree_free(x->wall);
	x->wall = NULL;
	if (x->owned)
		profile_free(x->owned);
	x->owned = NULL;
}

/* Where a ledger loaded from PATH is saved: PATH, or for an export
 * "NAME.ledger.yaml" beside it (an export is never written over). */
static void ledger_save_path(const char *path, int from_export, char *save, size_t len)
{
	size_t n = strlen(path);

	if (!from_export) {
		snprintf(save, len, "%s", path);
		return;
	}
	/* run.yaml -> run.ledger.yaml, beside the export it came from. */
	if (n > 5 && !strcmp(path + n - 5, ".yaml"))
		n -= 5;
	else if (n > 4 && !strcmp(path + n - 4, ".yml"))
		n -= 4;
	snprintf(save, len, "%.*s.ledger.yaml", (int)n, path);
}

int face_load_ledger(const struct cli_options *o, struct ledger *l, char *save, size_t savelen)
{
	char err[512];
	int e, from_export = 0;

	if (save && savelen)
		save[0] = 0;
	if (!o->ledger_path)
		return 0;
	e = ledger_yaml_load_file(o->ledger_path, l, &from_export, err, sizeof(err));
	if (e && e != -ENOENT) {
		fprintf(stderr, "flametop: %s\n", err);
		return 2;
	}
	if (save && savelen)
		ledger_save_path(o->ledger_path, from_export, save, savelen);
	return 0;
}

int face_save_ledger(const char *path, const struct ledger *l, char *saved, size_t savedlen,
		     char *err, size_t len)
{
	struct report r;

	memset(&r, 0, sizeof(r));
	r.ledger = l;
	return face_write_or_save(path, &exporter_ledger, "ledger.yaml", &r, saved, savedlen, err,
				  len);
}
