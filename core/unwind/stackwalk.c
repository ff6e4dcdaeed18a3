/* stackwalk — kernel chain + user unwinding → frames, and unwind quality. */
#include "stackwalk.h"

#include <errno.h>
#include <string.h>

static const char *const roots[] = { "_start",       "__libc_start_main", "clone",
				     "clone3",       "__clone",           "__clone3",
				     "start_thread", "__clone_internal",  "thread_start" };

int stackwalk_is_root(const char *name)
{
	for (size_t i = 0; i < sizeof(roots) / sizeof(*roots); i++)
		if (!strcmp(name, roots[i]))
			return 1;
	return 0;
}

int stackwalk_init(struct stackwalk *w, struct symbolizer *sym, const struct frametab *frames,
		   enum callgraph_mode mode, const struct unwinder_ops *ops, int hybrid)
{
	memset(w, 0, sizeof(*w));
	w->sym = sym;
	w->frames = frames;
	w->mode = mode;
	w->ops = ops;
	w->hybrid = hybrid;
	u64map_init(&w->q.stopped);
	if (ops && !(w->state = ops->create(sym)))
		return -ENOMEM;
	return 0;
}

void stackwalk_fini(struct stackwalk *w)
{
	if (w->ops && w->state)
		w->ops->destroy(w->state);
	u64map_clear(&w->q.stopped);
	w->state = NULL;
}

/* The kernel's chain, split at its context markers. */
struct chains {
	const uint64_t *kernel, *user;
	size_t nkernel, nuser;
};

static void split_chain(const struct perf_rec *r, struct chains *c)
{
	memset(c, 0, sizeof(*c));
	for (uint64_t i = 0; i < r->sample.nr; i++) {
		uint64_t ip = r->sample.ips[i], j = i + 1;

		if (ip < (uint64_t)PERF_CONTEXT_MAX)
			continue;
		while (j < r->sample.nr && r->sample.ips[j] < (uint64_t)PERF_CONTEXT_MAX)
			j++;
		if (ip == (uint64_t)PERF_CONTEXT_KERNEL)
			c->kernel = &r->sample.ips[i + 1], c->nkernel = j - i - 1;
		else if (ip == (uint64_t)PERF_CONTEXT_USER)
			c->user = &r->sample.ips[i + 1], c->nuser = j - i - 1;
		i = j - 1;
	}
}

static size_t fp_user(const struct chains *c, uint64_t *pcs, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < c->nuser && n < max; i++)
		if (c->user[i] >= 4096) /* end marker or garbage from a broken frame */
			pcs[n++] = c->user[i];
	return n;
}

static int have_stack(const struct perf_rec *r)
{
	return r->sample.regs_abi && r->sample.stack && r->sample.stack_size;
}

static void to_input(const struct perf_rec *r, struct unwind_sample *in)
{
	in->pid = (pid_t)r->pid;
	in->tid = (pid_t)r->tid;
	in->regs = r->sample.regs;
	in->stack = r->sample.stack;
	in->stack_size = r->sample.stack_size;
	in->want_regs = 0;
}

/* fp mode: the kernel walked frame pointers from the leaf's rbp, which in a
 * frameless leaf is still the caller's: the caller itself is missing. One
 * CFI step from the leaf gives its return address; put it back. */
static size_t fix_leaf(struct stackwalk *w, const struct perf_rec *r, uint64_t *pcs, size_t n)
{
	struct unwind_sample in;
	enum unwind_stop stop;
	uint64_t two[2];

	if (!w->ops || !have_stack(r) || n < 1 || r->sample.regs[PREG_IP] != pcs[0])
		return n;
	to_input(r, &in);
	if (w->ops->unwind(w->state, &in, two, 2, &stop) < 2)
		return n;
	if (n >= 2 && pcs[1] == two[1])
		return n;
	if (n >= STACKWALK_MAX)
		n = STACKWALK_MAX - 1;
	memmove(pcs + 2, pcs + 1, (n - 1) * sizeof(*pcs));
	pcs[1] = two[1];
	w->q.leaf_fixed++;
	return n + 1;
}

/* The deepest DWARF frame also found in the frame-pointer chain (the same
 * occurrence, for recursion); what the chain has beyond it is appended. */
static size_t continue_with_fp(struct stackwalk *w, const struct chains *c, uint64_t *pcs, size_t n)
{
	uint64_t fp[STACKWALK_MAX];
	size_t nfp = fp_user(c, fp, STACKWALK_MAX), add = 0;

	for (size_t i = n; i-- > 0 && !add;) {
		size_t seen = 0, want = 0;

		for (size_t k = 0; k <= i; k++)
			want += pcs[k] == pcs[i];
		for (size_t j = 0; j < nfp; j++) {
			if (fp[j] != pcs[i] || ++seen != want)
				continue;
			for (size_t k = j + 1; k < nfp && n + add < STACKWALK_MAX; k++)
				pcs[n + add++] = fp[k];
			break;
		}
		if (seen)
			break; /* matched the frame, even if the chain had nothing beyond */
	}
	w->q.hybrid += add > 0;
	return n + add;
}

/* DWARF stopped in a CPython perf trampoline (code without CFI, of a known
 * shape): step over it and unwind on, as often as they come. */
static size_t over_trampolines(struct stackwalk *w, const struct unwind_sample *first,
			       uint64_t *pcs, size_t n, enum unwind_stop *stop)
{
	uint64_t regs[PERF_RECS_NREGS], ra, skip;
	struct unwind_sample in = *first;

	for (int hop = 0; hop < 256 && *stop == UNWIND_BROKEN && n < STACKWALK_MAX; hop++) {
		int past = 0;

		if (!pystack_is_trampoline(w->py, first->pid, pcs[n - 1]))
			break;
		w->ops->last_regs(w->state, regs);
		if (unwind_read_word(w->sym, first, regs[PREG_SP] + 8, &ra, &past)) {
			if (past)
				*stop = UNWIND_NO_STACK;
			break;
		}
		regs[PREG_SP] += 16;
		regs[PREG_IP] = ra;
		skip = regs[PREG_SP] - first->regs[PREG_SP];
		if (regs[PREG_SP] < first->regs[PREG_SP] || skip >= first->stack_size) {
			*stop = UNWIND_NO_STACK;
			break;
		}
		in.regs = regs;
		in.stack = first->stack + skip;
		in.stack_size = first->stack_size - skip;
		w->q.trampolines++;
		n += w->ops->unwind(w->state, &in, pcs + n, STACKWALK_MAX - n, stop);
	}
	return n;
}

static size_t user_pcs(struct stackwalk *w, const struct perf_rec *r, const struct chains *c,
		       uint64_t *pcs)
{
	struct unwind_sample in;
	enum unwind_stop stop;
	size_t n;

	if (w->mode == CALLGRAPH_FP)
		return fix_leaf(w, r, pcs, fp_user(c, pcs, STACKWALK_MAX));
	if (!have_stack(r))
		return fp_user(c, pcs, STACKWALK_MAX); /* e.g. a kernel thread: nothing to unwind */
	to_input(r, &in);
	in.want_regs = w->py && w->ops->last_regs && pystack_has_trampolines(w->py, in.pid);
	n = w->ops->unwind(w->state, &in, pcs, STACKWALK_MAX, &stop);
	if (in.want_regs && stop == UNWIND_BROKEN && n)
		n = over_trampolines(w, &in, pcs, n, &stop);
	w->q.no_stack += stop == UNWIND_NO_STACK;
	/* Out of stack copy, or into code without CFI (JIT code keeps frame
	 * pointers): the kernel's frame-pointer chain may know the rest. */
	if (w->hybrid && (stop == UNWIND_NO_STACK || stop == UNWIND_BROKEN))
		n = continue_with_fp(w, c, pcs, n);
	return n;
}

/* A stack is complete when its outermost frame is a thread's root: by name,
 * or (a stripped binary) by address, the entry code of the binary. */
static void note_quality(struct stackwalk *w, uint32_t outermost, pid_t pid, uint64_t pc)
{
	const struct frame *f = frametab_get(w->frames, outermost);
	uint32_t v;

	w->q.samples++;
	if ((f && stackwalk_is_root(f->name)) || (pc && sym_at_entry(w->sym, pid, pc - 1))) {
		w->q.complete++;
		return;
	}
	v = u64map_get(&w->q.stopped, outermost);
	u64map_put(&w->q.stopped, outermost, v == U64MAP_NONE ? 1 : v + 1);
}

/* The interpreter's frames in LEAF_FIRST replaced by the Python functions
 * they ran; only samples that show the interpreter cost a read. */
static size_t python_frames(struct stackwalk *w, const struct perf_rec *r, uint32_t *leaf_first,
			    size_t n)
{
	struct pystack_read py;
	size_t i = 0;

	while (i < n && !pystack_is_eval(frametab_get(w->frames, leaf_first[i])))
		i++;
	if (i == n)
		return n;
	if (w->py_pre && w->py_pre->n)
		return pystack_splice(w->py, leaf_first, n, STACKWALK_MAX, w->py_pre);
	if (pystack_read(w->py, (pid_t)r->pid, (pid_t)r->tid, r->time, &py))
		return n;
	pystack_resolve(w->py, &py);
	return pystack_splice(w->py, leaf_first, n, STACKWALK_MAX, &py);
}

size_t stackwalk_frames(struct stackwalk *w, const struct perf_rec *r, uint32_t *out,
			int *leaf_kernel)
{
	uint64_t pcs[STACKWALK_MAX];
	uint32_t leaf_first[STACKWALK_MAX];
	struct chains c;
	size_t n = 0, nu, nuser_frames = 0;
	pid_t pid = (pid_t)r->pid;
	struct unwind_quality keep = w->q; /* the counters only: see below */

	split_chain(r, &c);
	for (size_t i = 0; i < c.nkernel && n < STACKWALK_MAX; i++) {
		uint32_t id;

		if (c.kernel[i] < 4096)
			continue;
		id = sym_resolve(w->sym, pid, c.kernel[i], 1, n > 0);
		if (id != FRAME_NONE)
			leaf_first[n++] = id;
	}
	*leaf_kernel = n > 0;
	nu = user_pcs(w, r, &c, pcs);
	w->nplaces = 0;
	w->place_self = !*leaf_kernel;
	for (size_t i = 0; i < nu && n < STACKWALK_MAX; i++) {
		uint64_t place;
		size_t k = sym_resolve_place(w->sym, pid, pcs[i], 0, i > 0, leaf_first + n,
					     STACKWALK_MAX - n, &place);

		if (w->want_places && k) {
			w->places[w->nplaces] = place;
			w->place_frames[w->nplaces++] = leaf_first[n + k - 1];
		}
		n += k;
		nuser_frames += k;
	}
	if (w->py && nuser_frames)
		n = python_frames(w, r, leaf_first, n);
	if (n == 0) { /* no chain at all: the sampled address alone */
		uint32_t id = sym_resolve(
		    w->sym, pid, r->sample.ip,
		    (r->misc & PERF_RECORD_MISC_CPUMODE_MASK) == PERF_RECORD_MISC_KERNEL, 0);

		if (id != FRAME_NONE)
			leaf_first[n++] = id;
	}
	if (w->quiet) { /* put the counts back; the stopped map was not touched */
		memcpy(&w->q, &keep, offsetof(struct unwind_quality, stopped));
	} else if (nuser_frames) {
		note_quality(w, leaf_first[n - 1], pid, nu ? pcs[nu - 1] : 0);
	}
	for (size_t i = 0; i < n; i++)
		out[i] = leaf_first[n - 1 - i];
	return n;
}
