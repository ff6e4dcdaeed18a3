/* saved — rebuilding a profile from an export's `profile` section. */
#include "saved.h"

#include "grow.h"
#include "safefile.h"
#include "yamlr.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static enum frame_kind kind_named(const char *s)
{
	static const enum frame_kind all[] = { FRAME_USER,   FRAME_LIBRARY, FRAME_KERNEL,
					       FRAME_JIT,    FRAME_UNKNOWN, FRAME_OFFCPU,
					       FRAME_PYTHON, FRAME_PROCESS };

	for (size_t i = 0; s && i < sizeof(all) / sizeof(*all); i++)
		if (!strcmp(s, frame_kind_name(all[i])))
			return all[i];
	return FRAME_UNKNOWN;
}

static int is_seq(const yaml_node_t *n) { return n && n->type == YAML_SEQUENCE_NODE; }

#define EACH(d, seq, it)                                              \
	for (yaml_node_item_t *it = (seq)->data.sequence.items.start; \
	     it < (seq)->data.sequence.items.top; it++)

static const char *str_at(const struct yr *d, const yaml_node_t *m, const char *key)
{
	return yr_scalar(yr_get(d, m, key));
}

static int load_frames(const struct yr *d, const yaml_node_t *prof, struct profile *p)
{
	const yaml_node_t *mods = yr_get(d, prof, "modules"), *frames = yr_get(d, prof, "frames");
	size_t i = 0;

	if (is_seq(mods))
		EACH(d, mods, it)
		{
			const yaml_node_t *m = yr_node(d, *it);
			const char *name = str_at(d, m, "name");

			if (name && (frametab_note_module(p->frames, name, str_at(d, m, "path"),
							  str_at(d, m, "build_id")) ||
				     frametab_module_symbols(
					 p->frames, name, str_at(d, m, "symbols"),
					 str_at(d, m, "debuginfo"), str_at(d, m, "debuginfod"))))
				return -ENOMEM;
		}
	if (!is_seq(frames))
		return yr_bad(d, prof, "'profile' has no 'frames' list");
	EACH(d, frames, it)
	{
		const yaml_node_t *f = yr_node(d, *it);
		const char *name = str_at(d, f, "name"), *module = str_at(d, f, "module"),
			   *inl = str_at(d, f, "inlined");
		double line = 0;
		uint32_t id;

		if (!name || !module)
			return yr_bad(d, f, "a frame needs a name and a module");
		if (yr_range(d, f, "line", 0, 4294967295.0, &line) < 0)
			return -EINVAL;
		id = (inl && !strcmp(inl, "true") ? frametab_intern_inline : frametab_intern)(
		    p->frames, name, module, str_at(d, f, "file"), (unsigned)line,
		    kind_named(str_at(d, f, "kind")));
		if (id == U64MAP_NONE)
			return -ENOMEM;
		if (id != i++)
			return yr_bad(d, f, "a frame listed twice");
	}
	return 0;
}

/* A flow list of frame ids into *OUT (grown); returns the count or < 0. */
static long frame_ids(const struct yr *d, const yaml_node_t *seq, size_t nframes, uint32_t **out,
		      size_t *cap)
{
	size_t n = 0;

	if (!is_seq(seq))
		return yr_bad(d, seq, "'frames' must be a list of frame ids");
	EACH(d, seq, it)
	{
		const char *v = yr_scalar(yr_node(d, *it));
		char *end;
		unsigned long id = v ? strtoul(v, &end, 10) : 0;

		if (!v || *end || id >= nframes)
			return yr_bad(d, yr_node(d, *it), "not a frame id of this profile");
		if (grow_array(out, cap, n + 1, sizeof(**out)))
			return -ENOMEM;
		(*out)[n++] = (uint32_t)id;
	}
	return (long)n;
}

static pid_t pid_of(const struct profile *p, pid_t tid)
{
	uint32_t i = u64map_get(&p->thread_index, (uint64_t)(uint32_t)tid);

	return i != U64MAP_NONE ? p->threads[i].pid : tid;
}

static void add_on(struct profile *p, pid_t tid, const uint32_t *ids, size_t n, uint64_t count,
		   uint64_t weight)
{
	profile_add_n(p, pid_of(p, tid), tid, ids, n, count, weight,
		      n && frametab_get(p->frames, ids[n - 1])->kind == FRAME_KERNEL);
}

/* The reason a "[blocked: REASON]" frame names. */
static enum block_reason reason_named(const struct frame *f)
{
	char name[64];

	for (int r = 0; r < BLOCK_NREASONS; r++) {
		blocking_frame_name((enum block_reason)r, name, sizeof(name));
		if (!strcmp(name, f->name))
			return (enum block_reason)r;
	}
	return BLOCK_NONE;
}

static void add_off(struct profile *p, pid_t tid, const uint32_t *ids, size_t n, uint64_t count,
		    uint64_t weight)
{
	profile_add_off_path(p, pid_of(p, tid), tid, ids, n, count, weight,
			     reason_named(frametab_get(p->frames, ids[n - 1])));
}

/* The two stack lists of the profile section, as export_yaml writes them. */
struct stack_list {
	const char *key, *count, *weight;
	int required;      /* an export without it is refused */
	size_t min_frames; /* off-CPU stacks end in their reason frame */
	double min_count;
	const char *bad;
	void (*add)(struct profile *p, pid_t tid, const uint32_t *ids, size_t n, uint64_t count,
		    uint64_t weight);
};

static const struct stack_list on_stacks = {
	"stacks", "samples", "weight", 1, 0, 1, "a stack needs tid, samples and weight", add_on
};
static const struct stack_list off_stacks = {
	"off_stacks",
	"intervals",
	"ns",
	0,
	1,
	0,
	"an off-CPU stack needs tid, frames, intervals and ns",
	add_off
};

static int load_stack_list(const struct yr *d, const yaml_node_t *prof, struct profile *p,
			   const struct stack_list *k)
{
	const yaml_node_t *stacks = yr_get(d, prof, k->key);
	size_t nf = frametab_len(p->frames), cap = 0;
	uint32_t *ids = NULL;
	char what[64];
	int e = 0;

	if (!is_seq(stacks)) {
		snprintf(what, sizeof(what), "'profile' has no '%s' list", k->key);
		return k->required ? yr_bad(d, prof, what) : 0;
	}
	EACH(d, stacks, it)
	{
		const yaml_node_t *s = yr_node(d, *it);
		double tid = 0, count = 0, weight = 0;
		long n = frame_ids(d, yr_get(d, s, "frames"), nf, &ids, &cap);

		if (n < 0) {
			e = (int)n;
			break;
		}
		if ((size_t)n < k->min_frames || yr_range(d, s, "tid", -1, YR_PID_MAX, &tid) ||
		    yr_range(d, s, k->count, 0, YR_U64_MAX, &count) ||
		    yr_range(d, s, k->weight, 0, YR_U64_MAX, &weight) || count < k->min_count) {
			e = yr_bad(d, s, k->bad);
			break;
		}
		k->add(p, (pid_t)tid, ids, (size_t)n, (uint64_t)count, (uint64_t)weight);
	}
	free(ids);
	return e;
}

static int load_stacks(const struct yr *d, const yaml_node_t *prof, struct profile *p)
{
	const yaml_node_t *threads = yr_get(d, prof, "threads");

	if (is_seq(threads))
		EACH(d, threads, it)
		{
			const yaml_node_t *t = yr_node(d, *it);
			double pid = 0, tid = 0;
			const char *comm = str_at(d, t, "comm");

			if (yr_range(d, t, "pid", -1, YR_PID_MAX, &pid) ||
			    yr_range(d, t, "tid", -1, YR_PID_MAX, &tid))
				return yr_bad(d, t, "a thread needs a pid and a tid");
			profile_thread_comm(p, (pid_t)pid, (pid_t)tid, comm ? comm : "");
			if ((comm = str_at(d, t, "python_name")))
				profile_thread_pyname(p, (pid_t)pid, (pid_t)tid, comm);
		}
	return load_stack_list(d, prof, p, &on_stacks);
}

/* Off-CPU intervals per (thread, stack), the reason frame last. */
static int load_off_stacks(const struct yr *d, const yaml_node_t *prof, struct profile *p)
{
	const char *on = yr_scalar(yr_get(d, prof, "off_cpu"));

	p->off_on = on && !strcmp(on, "true");
	return load_stack_list(d, prof, p, &off_stacks);
}

/* Counter names and roles: what the per-node values are. */
static int load_counters(const struct yr *d, const yaml_node_t *prof, struct saved_report *s)
{
	const yaml_node_t *ev = yr_get(d, prof, "counter_events");
	struct counting *k = &s->counting;

	if (!is_seq(ev))
		return 0;
	EACH(d, ev, it)
	{
		const yaml_node_t *m = yr_node(d, *it);
		const char *name = str_at(d, m, "name");
		double role = 0;

		if (!name || k->n >= EVENTS_MAX || k->n >= CTREE_MAX_CTR)
			return yr_bad(d, m, "a counter event needs a name (at most 8)");
		if (yr_range(d, m, "role", ROLE_NONE, ROLE_BRANCH_MISSES, &role) < 0)
			return -EINVAL;
		snprintf(k->name[k->n], sizeof(k->name[0]), "%s", name);
		k->role[k->n++] = (enum event_role)role;
	}
	if (k->n)
		s->report.counting = k;
	return 0;
}

/* Each node's self counter values, charged up the tree as the session
 * charged them. */
static int charge_nodes(const struct yr *d, const yaml_node_t *prof, struct saved_report *s)
{
	const yaml_node_t *nodes = yr_get(d, prof, "node_counters");
	struct ctree *t = s->profile->tree;
	size_t nf = frametab_len(s->profile->frames), cap = 0, nctr = s->counting.n;
	uint32_t *ids = NULL;
	int e = 0;

	if (!is_seq(nodes))
		return 0;
	EACH(d, nodes, it)
	{
		const yaml_node_t *m = yr_node(d, *it), *self = yr_get(d, m, "self");
		long n = frame_ids(d, yr_get(d, m, "frames"), nf, &ids, &cap);
		uint64_t v[CTREE_MAX_CTR] = { 0 };
		uint32_t node = CTREE_ROOT;
		size_t k = 0;

		if (n < 0) {
			e = (int)n;
			break;
		}
		for (long i = 0; i < n && node != CTREE_NONE; i++)
			node = ctree_child(t, node, ids[i]);
		if (node == CTREE_NONE || !is_seq(self)) {
			e = yr_bad(d, m, "counters for a stack the profile does not have");
			break;
		}
		EACH(d, self, jt)
		{
			const char *x = yr_scalar(yr_node(d, *jt));
			char *end;

			if (!x || k >= nctr)
				continue;
			errno = 0;
			v[k++] = x[0] >= '0' && x[0] <= '9' ? strtoull(x, &end, 10) : 0;
			if (x[0] < '0' || x[0] > '9' || errno || *end) {
				e = yr_bad(d, yr_node(d, *jt),
					   "a counter value must be a whole "
					   "number below 2^64");
				break;
			}
		}
		if (e)
			break;
		ctree_charge(t, node, v);
	}
	free(ids);
	return e;
}

/* The panes' history: each interval's readings as written. */
static void load_timeline(const struct yr *d, const yaml_node_t *root, struct saved_report *s)
{
	const yaml_node_t *tl = yr_get(d, root, "timeline");
	double prev = 0;

	if (!is_seq(tl) || !(s->timeline = timeline_new()))
		return;
	EACH(d, tl, it)
	{
		const yaml_node_t *m = yr_node(d, *it);
		struct timeline_point pt = { .gpu_util_pct = -1,
					     .proc_gpu_mem_mib = -1,
					     .proc_gpu_pct = -1 };
		double threads = 0;

		if (yr_number(d, m, "t_s", &pt.t_s))
			continue;
		pt.dt_s = pt.t_s - prev;
		prev = pt.t_s;
		yr_number(d, m, "cpu_pct", &pt.cpu_pct);
		yr_number(d, m, "user_pct", &pt.user_pct);
		yr_number(d, m, "sys_pct", &pt.sys_pct);
		yr_number(d, m, "rss_mib", &pt.rss_mib);
		pt.rollup_valid = yr_number(d, m, "pss_mib", &pt.pss_mib) == 0;
		yr_number(d, m, "swap_mib", &pt.swap_mib);
		pt.io_valid = yr_number(d, m, "read_bytes_per_s", &pt.read_bps) == 0;
		yr_number(d, m, "write_bytes_per_s", &pt.write_bps);
		yr_number(d, m, "rchar_per_s", &pt.rchar_bps);
		yr_number(d, m, "wchar_per_s", &pt.wchar_bps);
		yr_number(d, m, "read_calls_per_s", &pt.syscr_ps);
		yr_number(d, m, "write_calls_per_s", &pt.syscw_ps);
		yr_number(d, m, "ctxt_voluntary_per_s", &pt.vcsw_ps);
		yr_number(d, m, "ctxt_involuntary_per_s", &pt.ivcsw_ps);
		yr_range(d, m, "threads", 0, 1e9, &threads);
		pt.threads = (long)threads;
		yr_number(d, m, "off_cpu_pct", &pt.off_cpu_pct);
		yr_number(d, m, "runnable_pct", &pt.runnable_pct);
		pt.gpu_valid = yr_number(d, m, "gpu_util_pct", &pt.gpu_util_pct) == 0;
		pt.gpu_valid |= yr_number(d, m, "gpu_target_mem_mib", &pt.proc_gpu_mem_mib) == 0;
		yr_number(d, m, "gpu_target_pct", &pt.proc_gpu_pct);
		timeline_push(s->timeline, &pt);
	}
}

/* What the views and the file name need from the measured sections. */
static void load_facts(const struct yr *d, const yaml_node_t *root, struct saved_report *s)
{
	struct report *r = &s->report;
	const yaml_node_t *tg = yr_get(d, root, "target"), *sc = yr_get(d, root, "scenario"), *sg;
	const char *v;
	double x = 0;

	if (yr_range(d, tg, "pid", -1, YR_PID_MAX, &x) == 0)
		r->pid = (pid_t)x;
	snprintf(r->command, sizeof(r->command), "%s", (v = str_at(d, tg, "command")) ? v : "");
	snprintf(r->exe, sizeof(r->exe), "%s", (v = str_at(d, tg, "exe")) ? v : "");
	snprintf(r->event, sizeof(r->event), "%s", (v = str_at(d, sc, "event")) ? v : "");
	snprintf(r->call_graph, sizeof(r->call_graph), "%s",
		 (v = str_at(d, sc, "call_graph")) ? v : "");
	if (yr_range(d, sc, "frequency_hz", 0, 4294967295.0, &x) == 0)
		r->freq_hz = (unsigned)x;
	if (yr_number(d, sc, "duration_s", &x) == 0)
		r->duration_s = x;
	v = str_at(d, yr_get(d, root, "profile"), "weight_unit");
	r->weight_ns = v && !strcmp(v, "nanoseconds");
	r->exited = 1;
	r->state = "exited";
	v = str_at(d, tg, "state");
	s->window = (v && strcmp(v, "exited")) ||
		    ((v = str_at(d, tg, "stopped_by_flametop")) && !strcmp(v, "true"));
	sg = yr_get(d, root, "suggested_hypotheses");
	if (is_seq(sg))
		EACH(d, sg, it)
		{
			const yaml_node_t *m = yr_node(d, *it);
			const char *key = str_at(d, m, "key"), *text = str_at(d, m, "hypothesis"),
				   *ev = str_at(d, m, "evidence");
			struct suggestion *o = &r->sugg[r->nsugg];

			if (!key || !text || r->nsugg >= SUGGEST_MAX)
				continue;
			o->key = key; /* lives as long as the document */
			snprintf(o->text, sizeof(o->text), "%s", text);
			snprintf(o->evidence, sizeof(o->evidence), "%s", ev ? ev : "");
			r->nsugg++;
		}
}

/* One folded frame: "name", "name (inlined)" as flametop writes them,
 * "name_[k]" / "name_[j]" as perf's stackcollapse marks kernel and JIT. */
static uint32_t folded_frame(struct frametab *ft, char *name)
{
	size_t n = strlen(name);
	enum frame_kind kind = FRAME_USER;
	const char *module = "[folded]";

	if (n > 10 && !strcmp(name + n - 10, " (inlined)")) {
		name[n - 10] = 0;
		return frametab_intern_inline(ft, name, module, NULL, 0, kind);
	}
	if (n > 4 && name[n - 4] == '_' && name[n - 3] == '[' && name[n - 1] == ']' &&
	    (name[n - 2] == 'k' || name[n - 2] == 'j')) {
		kind = name[n - 2] == 'k' ? FRAME_KERNEL : FRAME_JIT;
		module = name[n - 2] == 'k' ? "[kernel.kallsyms]" : "[jit]";
		name[n - 4] = 0;
	}
	return frametab_intern(ft, name, module, NULL, 0, kind);
}

int saved_load_folded(const char *text, size_t n, const char *path, struct saved_report *s,
		      char *err, size_t len)
{
	char *copy = malloc(n + 1), *line, *next;
	/* A stack's frames in a ring of SAVED_MAX_FRAMES: a deeper one keeps
	 * its innermost, as sampling does; memory does not follow the line. */
	uint32_t *ids = malloc(2 * SAVED_MAX_FRAMES * sizeof(*ids)), *ring = ids + SAVED_MAX_FRAMES;
	size_t lineno = 0;
	int e = 0;

	memset(s, 0, sizeof(*s));
	snprintf(s->path, sizeof(s->path), "%s", path);
	if (!copy || !ids || !(s->profile = profile_new())) {
		free(copy);
		free(ids);
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	memcpy(copy, text, n);
	copy[n] = 0;
	for (line = copy; line && !e; line = next) {
		char *sp, *end, *frame, *save = NULL;
		unsigned long long count;
		size_t depth = 0;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		lineno++;
		if (!line[0] || (line[0] == '\r' && !line[1]))
			continue;
		sp = strrchr(line, ' ');
		errno = 0;
		/* Digits only: strtoull would take "-5" as 2^64 - 5. */
		count = sp && sp[1] >= '0' && sp[1] <= '9' ? strtoull(sp + 1, &end, 10) : 0;
		if (!sp || sp == line || errno || !count || (*end && strcmp(end, "\r"))) {
			snprintf(err, len,
				 "'%s': line %zu: not folded stacks (\"a;b;c COUNT\", COUNT a "
				 "positive whole number below 2^64)",
				 path, lineno);
			e = -EINVAL;
			break;
		}
		if (count > UINT64_MAX - s->profile->samples) {
			snprintf(err, len, "'%s': line %zu: the counts add up past 2^64", path,
				 lineno);
			e = -EINVAL;
			break;
		}
		*sp = 0;
		for (frame = strtok_r(line, ";", &save); frame;
		     frame = strtok_r(NULL, ";", &save)) {
			uint32_t id = folded_frame(s->profile->frames, frame);

			if (id == U64MAP_NONE) {
				e = -ENOMEM;
				snprintf(err, len, "out of memory");
				break;
			}
			ids[depth++ % SAVED_MAX_FRAMES] = id;
		}
		if (e || !depth)
			continue;
		if (depth > SAVED_MAX_FRAMES) {
			size_t at = depth % SAVED_MAX_FRAMES;

			memcpy(ring, ids + at, (SAVED_MAX_FRAMES - at) * sizeof(*ids));
			memcpy(ring + SAVED_MAX_FRAMES - at, ids, at * sizeof(*ids));
			memcpy(ids, ring, SAVED_MAX_FRAMES * sizeof(*ids));
			depth = SAVED_MAX_FRAMES;
			s->truncated++;
		}
		profile_add_n(s->profile, 1, 1, ids, depth, count, count,
			      frametab_get(s->profile->frames, ids[depth - 1])->kind ==
				  FRAME_KERNEL);
	}
	free(ids);
	free(copy);
	if (!e && !s->profile->samples) {
		snprintf(err, len, "'%s': no stacks in it", path);
		e = -EINVAL;
	}
	if (e) {
		saved_free(s);
		return e;
	}
	/* What a folded file says: stacks and counts; no target, no clock. */
	s->folded = 1;
	snprintf(s->report.command, sizeof(s->report.command), "%s", path);
	snprintf(s->report.event, sizeof(s->report.event), "samples");
	snprintf(s->report.call_graph, sizeof(s->report.call_graph), "folded");
	profile_thread_comm(s->profile, 1, 1, "folded");
	s->report.exited = 1;
	s->report.state = "exited";
	s->report.profile = s->profile;
	s->report.saved = s;
	s->report.prune_pct = REPORT_PRUNE_PCT;
	return 0;
}

int saved_load_text(const char *text, size_t n, const char *path, struct saved_report *s, char *err,
		    size_t len)
{
	struct yr d = { &s->doc, err, len };
	const yaml_node_t *root, *prof;
	char why[400];
	int e;

	memset(s, 0, sizeof(*s));
	snprintf(s->path, sizeof(s->path), "%s", path);
	e = yr_load(text, n, &s->doc, why, sizeof(why));
	if (e) {
		snprintf(err, len, "'%s': %s", path, why);
		return e;
	}
	d.err = why;
	d.errlen = sizeof(why);
	root = yaml_document_get_root_node(&s->doc);
	prof = yr_get(&d, root, "profile");
	if (!root || root->type != YAML_MAPPING_NODE || !yr_get(&d, root, "flametop"))
		e = yr_bad(&d, root, "not a flametop export");
	else if (!prof || prof->type != YAML_MAPPING_NODE)
		e = yr_bad(&d, root,
			   "no 'profile' section (an export from before flametop kept "
			   "the whole tree, or a ledger file)");
	else if (!(s->profile = profile_new()))
		e = -ENOMEM;
	if (!e)
		e = load_frames(&d, prof, s->profile);
	if (!e)
		e = load_counters(&d, prof, s);
	if (!e && s->counting.n) /* before the first stack */
		e = profile_set_counters(s->profile, s->counting.n);
	if (!e)
		e = load_stacks(&d, prof, s->profile);
	if (!e)
		e = charge_nodes(&d, prof, s);
	if (!e)
		e = load_off_stacks(&d, prof, s->profile);
	if (e) {
		snprintf(err, len, "'%s': %s", path, e == -ENOMEM ? "out of memory" : why);
		saved_free(s);
		return e;
	}
	load_facts(&d, root, s);
	load_timeline(&d, root, s);
	s->report.timeline = s->timeline;
	/* An export of wall time reopens as one: its map was of the wall tree. */
	if (str_at(&d, yr_get(&d, root, "scenario"), "wall") &&
	    !strcmp(str_at(&d, yr_get(&d, root, "scenario"), "wall"), "true") &&
	    (s->wall = profile_wall_tree(s->profile))) {
		s->report.tree = s->wall;
		s->report.wall = 1;
	}
	s->report.profile = s->profile;
	s->report.saved = s;
	s->report.prune_pct = REPORT_PRUNE_PCT;
	return 0;
}

void saved_free(struct saved_report *s)
{
	profile_free(s->profile);
	s->profile = NULL;
	timeline_free(s->timeline);
	s->timeline = NULL;
	ctree_free(s->wall);
	s->wall = NULL;
	yaml_document_delete(&s->doc);
	memset(&s->doc, 0, sizeof(s->doc));
}

static void replay(const struct saved_report *s, struct yamlw *w, const yaml_node_t *n)
{
	yaml_document_t *doc = (yaml_document_t *)&s->doc;

	switch (n->type) {
	case YAML_SCALAR_NODE:
		/* yw_str wrote plain or double-quoted; any other style came from
		 * libyaml's own choice and is made again the same way. */
		if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ||
		    n->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE)
			yw_scalar(w, (const char *)n->data.scalar.value, n->data.scalar.style);
		else
			yw_str(w, (const char *)n->data.scalar.value);
		break;
	case YAML_SEQUENCE_NODE:
		if (n->data.sequence.style == YAML_FLOW_SEQUENCE_STYLE)
			yw_flow_seq(w);
		else
			yw_seq(w);
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top; it++)
			replay(s, w, yaml_document_get_node(doc, *it));
		yw_end_seq(w);
		break;
	case YAML_MAPPING_NODE:
		yw_map(w);
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
		     p < n->data.mapping.pairs.top; p++) {
			replay(s, w, yaml_document_get_node(doc, p->key));
			replay(s, w, yaml_document_get_node(doc, p->value));
		}
		yw_end_map(w);
		break;
	default:
		yw_null(w);
	}
}

void saved_replay_node(const struct saved_report *s, struct yamlw *w, const yaml_node_t *n)
{
	replay(s, w, n);
}

int saved_replay(const struct saved_report *s, struct yamlw *w, const char *key)
{
	struct yr d = { (yaml_document_t *)&s->doc, NULL, 0 };
	const yaml_node_t *v = yr_get(&d, yaml_document_get_root_node(d.doc), key);

	if (!v)
		return 0;
	yw_key(w, key);
	replay(s, w, v);
	return 1;
}
