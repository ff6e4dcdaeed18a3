/* diff — `flametop diff BASE AFTER`: two saved profiles compared, as a
 * table on stdout and, with -o, a file. */
#include "diff.h"

#include "annotate_out.h"
#include "compare.h"
#include "face.h"
#include "ledger.h"
#include "outfile.h"
#include "saved.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static void print_metric(const struct compare_metric *m)
{
	char b[32] = "-", a[32] = "-", ch[32] = "";
	double pct;

	if (m->has[0])
		snprintf(b, sizeof(b), "%.2f", m->v[0]);
	if (m->has[1])
		snprintf(a, sizeof(a), "%.2f", m->v[1]);
	if (compare_change_pct(m, &pct) == 0)
		snprintf(ch, sizeof(ch), "%+.1f%%", pct);
	else if (m->has[0] && m->has[1])
		snprintf(ch, sizeof(ch), "%+.2f", m->v[1] - m->v[0]);
	printf("  %-28s %14s %14s %9s\n", m->key, b, a, ch);
}

static void print_side(const char *what, const struct saved_report *s)
{
	printf("%s %s: %llu samples (%s%s%s)\n", what, s->path,
	       (unsigned long long)s->profile->samples,
	       s->folded  ? "folded stacks"
	       : s->pprof ? "pprof"
			  : "flametop export",
	       s->report.command[0] && !s->folded && !s->pprof ? ", " : "",
	       s->folded || s->pprof ? "" : s->report.command);
}

static void print_table(const struct comparison *c, int top)
{
	int shown = 0;

	/* "Δ" is two bytes and one column: the headers are padded by hand. */
	printf("\n   Δself   Δtotal     base    after    total    ");
	if (c->have_ms)
		printf("  Δself ms");
	printf("  %s\n", "function");
	for (size_t i = 0; i < c->n && shown < top; i++) {
		const struct compare_fn *f = &c->fns[i];
		const char *status = !f->present[0]   ? "  [new]"
				     : !f->present[1] ? "  [vanished]"
						      : "";

		printf("%+8.2f %+8.2f %7.2f%% %7.2f%% %7.2f%% %3s", f->self_pct[1] - f->self_pct[0],
		       f->total_pct[1] - f->total_pct[0], f->self_pct[0], f->self_pct[1],
		       f->total_pct[1], compare_fn_mark(f));
		if (c->have_ms)
			printf(" %+9.1f", f->self_ms[1] - f->self_ms[0]);
		printf("  %s%s%s%s\n", f->name, c->by_name ? "" : "  ", c->by_name ? "" : f->module,
		       status);
		shown++;
	}
	printf("\nΔself, Δtotal: change in points of the samples' share; base, after: self share;"
	       "\ntotal: after's total share. * p < 0.05, ** p < 0.001 (two-proportion z-test on "
	       "the sample counts).\n");
}

/* Whether H's verdict is one an earlier diff gave and nobody changed: its
 * evidence starts "diff[VERDICT]:" with the verdict it has now. */
static int judged_by_diff(const struct hypothesis *h)
{
	char want[32];

	snprintf(want, sizeof(want), "diff[%s]:", verdict_name(h->verdict));
	return h->evidence && !strncmp(h->evidence, want, strlen(want));
}

/* Hypotheses that predict are judged from the comparison. One the user
 * marked (by hand, or over an earlier diff's verdict) is the user's: kept. */
static int judge_ledger(const struct comparison *c, struct ledger *l)
{
	int judged = 0;

	for (size_t i = 0; i < l->n; i++) {
		struct hypothesis *h = &l->v[i];
		char ev[1024], line[1100];
		int v, e;

		if (h->verdict != VERDICT_OPEN && !judged_by_diff(h)) {
			if (strstr(h->text, "predicts ") || strstr(h->text, "prediction:"))
				printf("  #%u [%s] %s\n      marked by hand: kept\n", h->id,
				       verdict_name(h->verdict), h->text);
			continue;
		}
		e = compare_predict(c, h->text, &v, ev, sizeof(ev));
		if (e == 1)
			continue;
		if (e) {
			printf("  #%u %s\n      %s\n", h->id, h->text, ev);
			continue;
		}
		/* "diff: ..." -> "diff[supports]: ...": who gave the verdict. */
		snprintf(line, sizeof(line), "diff[%s]:%s", verdict_name((enum verdict)v),
			 ev + strlen("diff:"));
		ledger_mark(l, h->id, (enum verdict)v, NULL, time(NULL));
		ledger_set_evidence(l, h->id, line);
		printf("  #%u [%s] %s\n      %s\n", h->id, verdict_name((enum verdict)v), h->text,
		       line);
		judged++;
	}
	return judged;
}

/* --fail-if-slower: the change of CPU time (else wall time, else samples),
 * per unit of work where --work gives it. A side that is a window of a
 * running target has the window's CPU time whatever work was done in it:
 * without --work that cannot be judged, said, and 4 returned. */
static int check_slower(struct comparison *c, const struct cli_options *o,
			const struct saved_report side[2])
{
	const struct compare_metric *m;

	c->slower_limit_pct = o->fail_if_slower;
	c->slower_change_pct = compare_slowdown_pct(c, &c->slower_metric);
	if (o->work_base > 0 && c->slower_metric && (m = compare_metric(c, c->slower_metric)) &&
	    m->v[0] > 0) {
		c->slower_change_pct =
		    100.0 * ((m->v[1] / o->work_after) / (m->v[0] / o->work_base) - 1.0);
		c->slower_per_work = 1;
	} else if (side[0].window || side[1].window) {
		fprintf(
		    stderr,
		    "flametop: --fail-if-slower: %s covers a window of a running target "
		    "(attached, or stopped by -d): its CPU time is the window's length, not the "
		    "work's; give each side's work done with --work BASE:AFTER\n",
		    side[0].window && side[1].window ? "each side"
		    : side[0].window                 ? "BASE"
						     : "AFTER");
		c->slower_metric = NULL;
		return 4;
	}
	c->slower_checked = 1;
	c->slower = c->slower_metric && c->slower_change_pct > o->fail_if_slower;
	return 0;
}

int diff_run(const struct cli_options *o)
{
	struct saved_report side[2];
	struct comparison c;
	struct report r;
	struct ledger lg;
	char err[4400], save[4200] = "";
	int rc = 0, window_rc = 0;

	ledger_init(&lg);
	if (face_load_ledger(o, &lg, save, sizeof(save)))
		return 2;

	/* An input that cannot be read is bad input, as for report: 2. */
	if (saved_load(o->diff_base, &side[0], err, sizeof(err))) {
		fprintf(stderr, "flametop: %s\n", err);
		ledger_fini(&lg);
		return 2;
	}
	if (saved_load(o->diff_after, &side[1], err, sizeof(err))) {
		fprintf(stderr, "flametop: %s\n", err);
		saved_free(&side[0]);
		ledger_fini(&lg);
		return 2;
	}
	face_say_truncated(&side[0]);
	face_say_truncated(&side[1]);
	if (o->annotate_fn) { /* the per-line change of one function */
		rc = annotate_print_diff(&side[0], &side[1], o->annotate_fn, &o->annot);
		saved_free(&side[0]);
		saved_free(&side[1]);
		ledger_fini(&lg);
		return rc;
	}
	if (saved_compare(&c, &side[0], &side[1])) {
		fprintf(stderr, "flametop: out of memory comparing the profiles\n");
		rc = 1;
		goto out;
	}
	if (o->fail_if_slower >= 0)
		window_rc = check_slower(&c, o, side);
	print_side("base: ", &side[0]);
	print_side("after:", &side[1]);
	printf("matched by %s\n\n",
	       c.by_name ? "function name (folded stacks have no modules)" : "function and module");
	printf("  %-28s %14s %14s %9s\n", "metric", "base", "after", "change");
	for (size_t i = 0; i < c.nm; i++)
		print_metric(&c.m[i]);
	if (!o->quiet)
		print_table(&c, o->top > 0 ? o->top : 20);
	if (o->ledger_path) {
		printf("\npredictions (%s):\n", o->ledger_path);
		if (judge_ledger(&c, &lg) && save[0]) {
			char saved[4096];
			int e = face_save_ledger(save, &lg, saved, sizeof(saved), err, sizeof(err));

			if (e < 0)
				fprintf(stderr, "flametop: %s\n", err);
			else if (e > 0)
				fprintf(stderr, "flametop: %s; ledger saved to %s\n", err, saved);
			else
				fprintf(stderr, "flametop: ledger saved to %s\n", save);
			rc |= e != 0;
		}
	}
	if (o->output) {
		const struct exporter *exp = exporter_for_path(o->output) == &exporter_folded
						 ? &exporter_folded_diff
						 : &exporter_yaml;

		r = side[1].report;
		r.comparison = &c;
		if (o->ledger_path)
			r.ledger = &lg;
		rc |= face_export_one(o->output, exp,
				      exp == &exporter_yaml ? "diff.yaml" : "diff.folded", &r);
	}
	if (c.slower_checked) {
		if (!c.slower_metric)
			fprintf(stderr,
				"flametop: --fail-if-slower: neither side has CPU time, wall "
				"time or samples to compare\n");
		else
			fprintf(stderr, "flametop: %s%s %+.1f%% (limit +%.1f%%): %s\n",
				c.slower_metric, c.slower_per_work ? " per unit of work" : "",
				c.slower_change_pct, c.slower_limit_pct,
				c.slower ? "slower, failing" : "within the limit");
		if (c.slower && !rc)
			rc = 3;
	}
	if (window_rc && !rc)
		rc = window_rc;
	compare_free(&c);
out:
	saved_free(&side[0]);
	saved_free(&side[1]);
	ledger_fini(&lg);
	return rc;
}
