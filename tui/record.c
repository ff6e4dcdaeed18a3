/* record — the headless face. Everything flametop says goes to stderr,
 * the hotspot table too: stdout belongs to the launched command (its output
 * stays byte for byte what it would be alone) or to `-o -`. */
#include "record.h"
#include "push.h"

#include "compare.h"
#include "face.h"
#include "fmt.h"
#include "outfile.h"
#include "report.h"
#include "saved.h"
#include "sampler.h"
#include "session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void announce(const struct session *s, const struct cli_options *o)
{
	const struct sampler *sp = session_sampler(s);
	const struct target *t = session_target(s);
	const char *note = sampler_hw_note(sp), *ctr = sampler_counter_note(sp),
		   *kernel = target_kernel_note(t, sampler_user_only(sp));
	const struct event_spec *g = sampler_group(sp);
	char counted[600] = "";

	if (note[0] && strcmp(note, "hardware counters not requested"))
		fprintf(stderr, "flametop: %s; sampling %s instead\n", note, g[0].name);
	if (ctr[0])
		fprintf(stderr, "flametop: %s\n", ctr);
	for (size_t i = 1, w = 0; i < sampler_ngroup(sp) && w < sizeof(counted); i++)
		w += (size_t)snprintf(counted + w, sizeof(counted) - w, "%s%s", i > 1 ? ", " : "",
				      g[i].name);
	if (sampler_user_only(sp))
		fprintf(stderr, "flametop: the kernel refused kernel-mode sampling "
				"(perf_event_paranoid); sampling user space only\n");
	char how[64];

	if (strcmp(o->call_graph, "fp"))
		snprintf(how, sizeof(how), "dwarf (%s, %u-byte stacks)", o->unwinder,
			 o->stack_bytes ? o->stack_bytes : SESSION_STACK_BYTES);
	else
		snprintf(how, sizeof(how), "fp");
	char what[1100], rate[64];

	if (t->machine)
		snprintf(what, sizeof(what), "%s", t->cmdline);
	else
		snprintf(what, sizeof(what), "pid %d (%s)", (int)t->pid, t->comm);
	if (o->period)
		snprintf(rate, sizeof(rate), "every %llu", (unsigned long long)o->period);
	else
		snprintf(rate, sizeof(rate), "at %u Hz on", o->freq_hz);
	fprintf(stderr, "flametop: sampling %s %s %s, call graph %s\n", what, rate,
		sampler_event_name(sp), how);
	if (kernel)
		fprintf(stderr, "flametop: pid %d (%s) is %s\n", (int)t->pid, t->comm, kernel);
	if (counted[0])
		fprintf(stderr, "flametop: counting %s\n", counted);
	if (sampler_offcpu_note(sp)[0])
		fprintf(stderr, "flametop: %s\n", sampler_offcpu_note(sp));
	else if (sampler_offcpu(sp))
		fprintf(stderr, "flametop: off-CPU: switch-out stacks and blocked time%s\n",
			o->wall ? "; shares are of wall time" : "");
}

/* The hotspot table of T (the on-CPU tree, or the wall tree). */
static void print_table(const struct profile *p, const struct ctree *t, int top)
{
	struct hotspot *hs;
	long n = ctree_hotspots(t, frametab_len(p->frames), &hs);
	uint64_t total = ctree_node(t, CTREE_ROOT)->weight;

	if (n < 0)
		return;
	fprintf(stderr, "%7s %7s %8s  %-48s %s\n", "self%", "total%",
		t == p->tree ? "samples" : "events", "function", "module");
	for (long i = 0; i < n && i < top && hs[i].self_samples; i++) {
		const struct frame *f = frametab_get(p->frames, hs[i].frame);
		char sh[512];

		fprintf(stderr, "%7.2f %7.2f %8llu  %-48s %s\n",
			total ? 100.0 * (double)hs[i].self_weight / (double)total : 0.0,
			total ? 100.0 * (double)hs[i].total_weight / (double)total : 0.0,
			(unsigned long long)hs[i].self_samples,
			fmt_short_name(f->name, sh, sizeof(sh)), f->module);
	}
	free(hs);
}

static void say_notes(struct session *s)
{
	const char *note;

	while ((note = session_take_note(s)))
		fprintf(stderr, "flametop: %s\n", note);
}

#define PUSH_EVERY_S 10.0 /* --push-every's default */
#define PUSH_DRAIN_S 15.0 /* what the last pushes get at the end */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --push: what R's profile gained since the last push goes to the server
 * (the request itself on push's own thread). */
static void push_now(const struct report *r, struct pusher *p)
{
	if (push_interval(p, r, time(NULL)))
		fprintf(stderr, "flametop: --push: out of memory building a profile\n");
}

static void sample_loop(struct session *s, const struct cli_options *o, struct pusher *p)
{
	double every = o->push_every_s > 0 ? o->push_every_s : PUSH_EVERY_S, next = every;

	while (!face_stop_signal()) {
		int wait = 100, done;

		/* -d: sampling stops on time, not at the next 100 ms turn */
		if (o->duration_s > 0 && o->duration_s - session_elapsed(s) < 0.1)
			wait = (int)((o->duration_s - session_elapsed(s)) * 1000);
		done = session_poll(s, wait > 0 ? wait : 0);

		say_notes(s);
		if (done)
			break;
		if (p && session_elapsed(s) >= next) {
			struct report r;

			session_report(s, &r); /* cheap: no source lines, no hints */
			push_now(&r, p);
			next += every;
		}
		if (o->duration_s > 0 && session_elapsed(s) >= o->duration_s)
			break;
	}
}

/* After the last push (of R, the export's report): a bounded wait for the
 * queue — said, and ended early by one more stop signal — and what it
 * came to. Returns 1 when a push was not accepted. */
static int push_last(const struct report *r, const struct cli_options *o, struct pusher *p,
		     struct push_stats *st)
{
	int stops = face_stop_count();
	double end = now_s() + PUSH_DRAIN_S;
	size_t left = push_wait(p, 0.5);

	if (left)
		fprintf(
		    stderr,
		    "flametop: exports written; waiting up to %.0f s for %zu profile%s to reach "
		    "%s (Ctrl-C stops waiting)\n",
		    PUSH_DRAIN_S, left, left == 1 ? "" : "s", o->push_url);
	while (left && now_s() < end && face_stop_count() == stops)
		left = push_wait(p, 0.1);
	if (left && face_stop_count() != stops)
		fprintf(stderr, "flametop: stopped waiting for the push\n");
	push_drain(p, 0);
	push_get_stats(p, st);
	fprintf(stderr, "flametop: pushed %llu of %llu profiles to %s (%llu retries%s%s)\n",
		(unsigned long long)st->sent, (unsigned long long)(st->pushes), o->push_url,
		(unsigned long long)st->retries, st->last_error[0] ? "; last error: " : "",
		st->last_error);
	return st->sent < st->pushes;
}

/* The YAML export written again (its push figures final), quietly unless
 * that fails. */
static int rewrite_yaml(const char *path, const struct report *r)
{
	char err[4200];

	if (outfile_write(path, &exporter_yaml, r, err, sizeof(err)) == 0)
		return 0;
	fprintf(stderr, "flametop: %s (the export written before the wait is kept)\n", err);
	return 1;
}

static int finish(struct session *s, const struct cli_options *o, const struct ledger *lg,
		  struct saved_report *base, struct pusher *p)
{
	struct push_stats pst;
	int push_rc = 0;
	struct face_export x;
	struct report *r = &x.r;
	char state[128];
	int rc;

	face_analyse_rest(s);
	session_finish(s);
	say_notes(s);
	if (face_stop_signal())
		fprintf(stderr, "flametop: stopped by %s\n", strsignal(face_stop_signal()));
	fprintf(stderr, "flametop: target %s; %llu samples in %.2f s, %llu lost\n",
		target_state_line(session_target(s), state, sizeof(state)),
		(unsigned long long)session_profile(s)->samples, session_elapsed(s),
		(unsigned long long)profile_lost_total(session_profile(s)));
	/* --baseline: the export carries the comparison with it. */
	face_export_begin(&x, NULL, s,
			  &(struct face_export_opts){
			      .ledger = lg, .annot = &o->annot, .wall = o->wall, .base = base });
	if (p) { /* the last push queued; the exports are written before its wait */
		push_now(r, p);
		push_get_stats(p, &pst);
		r->push = &pst;
		r->push_url = o->push_url;
	}
	if (!o->quiet)
		print_table(session_profile(s), r->tree ? r->tree : session_profile(s)->tree,
			    o->top);
	for (size_t i = 0; i < r->nnotes; i++)
		fprintf(stderr, "flametop: hint: %s\n", r->notes[i]);
	rc = face_write_exports(o, r);
	if (p) {
		/* A kill during the wait finds the exports written; after it,
		 * the YAML is written again with what the pushes came to. */
		push_rc = push_last(r, o, p, &pst);
		if (o->output && !rc)
			rc = rewrite_yaml(o->output, r);
	}
	face_export_end(&x);
	return rc ? rc : push_rc;
}

static void drop_base(struct saved_report *b)
{
	if (b) {
		saved_free(b);
		free(b);
	}
}

int record_run(const struct cli_options *o)
{
	struct session_config cfg;
	struct session *s;
	char err[4400];
	struct ledger lg;
	struct saved_report *base = NULL;
	struct pusher *push = NULL;
	int rc;

	ledger_init(&lg);
	/* Loading a ledger has nothing to save yet: SIGINT may end it. */
	if (face_load_ledger(o, &lg, NULL, 0))
		return 2;
	if (o->baseline_path) {
		if (!(base = calloc(1, sizeof(*base))) ||
		    saved_load(o->baseline_path, base, err, sizeof(err))) {
			fprintf(stderr, "flametop: --baseline: %s\n", base ? err : "out of memory");
			free(base);
			ledger_fini(&lg);
			return 2;
		}
	}
	if (o->push_url) {
		struct push_config pc = { .url = o->push_url,
					  .app = o->push_app,
					  .tenant = o->push_tenant,
					  .nlabels = o->npush_labels,
					  .retries = -1 };

		memcpy(pc.labels, o->push_labels, o->npush_labels * sizeof(*pc.labels));
		if (!(push = push_new(&pc, err, sizeof(err)))) {
			fprintf(stderr, "flametop: %s\n", err);
			ledger_fini(&lg);
			drop_base(base);
			return 2;
		}
	}
	face_catch_signals();
	cli_session_config(o, &cfg);
	s = session_open(&cfg, err, sizeof(err));
	if (!s) {
		fprintf(stderr, "flametop: %s\n", err);
		ledger_fini(&lg);
		drop_base(base);
		push_free(push);
		return 1;
	}
	/* Start first: a command that cannot run is then the only thing said. */
	if (session_start(s, err, sizeof(err))) {
		fprintf(stderr, "flametop: %s\n", err);
		session_free(s);
		ledger_fini(&lg);
		drop_base(base);
		push_free(push);
		return 1;
	}
	face_stop_sampling_on_signal(session_stop_fd(s));
	announce(s, o);
	sample_loop(s, o, push);
	rc = finish(s, o, &lg, base, push);
	face_stop_sampling_on_signal(-1);
	session_free(s);
	ledger_fini(&lg);
	drop_base(base);
	push_free(push);
	return rc;
}
