/* pystack — CPython frames from the target's memory (see include/pystack.h). */
#include "pystack.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "grow.h"
#include "safefile.h"
#include "u64map.h"

#include "pystack_impl.h"

/* Where glibc keeps a thread's kernel tid in its struct pthread (pthread_t
 * points at it): found in flametop's own, the same glibc as the target's on
 * the machines flametop runs on. -1 when not found. */
static long find_glibc_tid_off(void)
{
	const uint8_t *self = (const uint8_t *)(uintptr_t)pthread_self();
	pid_t tid = (pid_t)syscall(SYS_gettid);

	for (long off = 0; off < 2048; off += 4) {
		pid_t v;

		memcpy(&v, self + off, sizeof(v));
		if (v == tid)
			return off;
	}
	return -1;
}

struct pystack *pystack_new(struct frametab *frames)
{
	struct pystack *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->frames = frames;
	p->walk_code = calloc(WALK_MAX, sizeof(*p->walk_code));
	p->walk_end = calloc(WALK_MAX, 1);
	p->walk_ok = calloc(WALK_MAX, 1);
	p->walk_head = calloc(WALK_MAX, sizeof(*p->walk_head));
	p->heads = calloc(HEADS_AT_ONCE, BLOCK_MAX);
	p->win = malloc(WIN_PAGES * PAGE + BLOCK_MAX);
	if (!p->walk_code || !p->walk_end || !p->walk_ok || !p->walk_head || !p->heads || !p->win) {
		free(p->walk_code);
		free(p->walk_end);
		free(p->walk_ok);
		free(p->walk_head);
		free(p->heads);
		free(p->win);
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->lock, NULL);
	p->glibc_tid_off = find_glibc_tid_off();
	elf_version(EV_CURRENT);
	return p;
}

static void proc_clear(struct pyproc *pp)
{
	free(pp->ts);
	free(pp->code);
	u64map_clear(&pp->code_index);
	u64map_clear(&pp->tramp);
	memset(pp, 0, sizeof(*pp));
}

void pystack_free(struct pystack *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nprocs; i++)
		proc_clear(&p->procs[i]);
	free(p->procs);
	for (size_t i = 0; i < p->ncodes; i++) {
		free(p->codes[i].name);
		free(p->codes[i].module);
		free(p->codes[i].file);
	}
	free(p->codes);
	free(p->walk_code);
	free(p->walk_end);
	free(p->walk_ok);
	free(p->walk_head);
	free(p->heads);
	free(p->win);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

void py__forget(struct pystack *p, pid_t pid)
{
	for (size_t i = 0; i < p->nprocs; i++) {
		if (p->procs[i].pid != pid)
			continue;
		proc_clear(&p->procs[i]);
		p->procs[i] = p->procs[--p->nprocs];
		return;
	}
}

void pystack_forget(struct pystack *p, pid_t pid)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	py__forget(p, pid);
	pthread_mutex_unlock(&p->lock);
}

const struct pystack_stats *pystack_stats(const struct pystack *p) { return &p->st; }
const char *pystack_any_version(const struct pystack *p, const char **module)
{
	int any;

	if (!p)
		return NULL;
	/* Written once, under the lock, by the first process found. */
	pthread_mutex_lock((pthread_mutex_t *)&p->lock);
	any = p->any_version[0] != 0;
	pthread_mutex_unlock((pthread_mutex_t *)&p->lock);
	if (!any)
		return NULL;
	if (module)
		*module = p->any_module;
	return p->any_version;
}

/* ---- threads ---- */

/* Bytes to read to cover the fields at OFFS (-1: absent), at most BLOCK_MAX. */
static size_t cover(const long *offs, size_t n)
{
	long m = 0;

	for (size_t i = 0; i < n; i++)
		if (offs[i] > m)
			m = offs[i];
	return (size_t)m + 8 <= BLOCK_MAX ? (size_t)m + 8 : BLOCK_MAX;
}

size_t py__ts_bytes(const struct py_offsets *o)
{
	const long f[] = { o->ts_next, o->ts_thread_id, o->ts_native_tid, o->ts_frame,
			   o->ts_cframe };

	return cover(f, sizeof(f) / sizeof(*f));
}

/* The kernel tid of the thread state read into B. */
pid_t py__tid_of(const struct pystack *p, const struct pyproc *pp, const uint8_t *b)
{
	int32_t tid;

	if (pp->off.ts_native_tid >= 0)
		return (pid_t)u64_at(b, pp->off.ts_native_tid);
	if (p->glibc_tid_off < 0 ||
	    rd(pp->pid, u64_at(b, pp->off.ts_thread_id) + (uint64_t)p->glibc_tid_off, &tid, 4))
		return -1;
	return tid;
}

static int cache_tstate(struct pyproc *pp, pid_t tid, uint64_t addr)
{
	for (size_t i = 0; i < pp->nts; i++)
		if (pp->ts[i].tid == tid) {
			pp->ts[i].addr = addr;
			return 0;
		}
	if (grow_array(&pp->ts, &pp->capts, pp->nts + 1, sizeof(*pp->ts)))
		return -1;
	pp->ts[pp->nts++] = (struct tstate_ent){ tid, addr };
	return 0;
}

/* Reads TID's thread state into B: from the cache when it still is TID's,
 * else by walking the interpreter's list. */
static int read_tstate(struct pystack *p, struct pyproc *pp, pid_t tid, uint8_t *b)
{
	size_t len = py__ts_bytes(&pp->off);
	uint64_t interp, ts;
	struct cycle cy = CYCLE_INIT;

	for (size_t i = 0; i < pp->nts; i++)
		if (pp->ts[i].tid == tid && !rd(pp->pid, pp->ts[i].addr, b, len) &&
		    py__tid_of(p, pp, b) == tid)
			return 0;
	if (rd(pp->pid, pp->runtime + (uint64_t)pp->off.rt_interp_head, &interp, 8) ||
	    rd(pp->pid, interp + (uint64_t)pp->off.is_threads_head, &ts, 8))
		return -1;
	for (int i = 0; ts && i < MAX_THREADS_WALK && !cycle_seen(&cy, ts); i++) {
		if (rd(pp->pid, ts, b, len))
			return -1;
		if (py__tid_of(p, pp, b) == tid)
			return cache_tstate(pp, tid, ts);
		ts = u64_at(b, pp->off.ts_next);
	}
	return -1;
}

/* ---- code objects ---- */

/* A str object's text, as UTF-8, into OUT (at most MAX_STR bytes). */
int py__read_str(pid_t pid, const struct py_offsets *o, uint64_t addr, char *out)
{
	uint8_t h[128], data[MAX_STR * 4];
	uint64_t len;
	uint32_t state;
	unsigned kind;
	size_t k = 0;

	if (rd(pid, addr, h, (size_t)o->u_compact_size))
		return -1;
	len = u64_at(h, o->u_length);
	memcpy(&state, h + o->u_length + 16, 4);
	kind = (state >> 2) & 7;
	if (!((state >> 5) & 1) || len > MAX_STR || (kind != 1 && kind != 2 && kind != 4))
		return -1; /* not compact: not a name the compiler made */
	if ((state >> 6) & 1) {
		if (rd(pid, addr + (uint64_t)o->u_ascii_size, out, len))
			return -1;
		for (uint64_t i = 0; i < len; i++)
			if ((unsigned char)out[i] >= 0x80)
				return -1; /* not what an ASCII str holds: memory reused */
		out[len] = 0;
		return 0;
	}
	if (rd(pid, addr + (uint64_t)o->u_compact_size, data, len * kind))
		return -1;
	for (uint64_t i = 0; i < len && k + 4 < MAX_STR; i++) {
		uint32_t c = kind == 1   ? data[i]
			     : kind == 2 ? ((uint16_t *)data)[i]
					 : ((uint32_t *)data)[i];

		if ((c >= 0xd800 && c < 0xe000) || c > 0x10ffff)
			c = '?'; /* no UTF-8 for it */
		if (c < 0x80) {
			out[k++] = (char)c;
		} else if (c < 0x800) {
			out[k++] = (char)(0xc0 | (c >> 6));
			out[k++] = (char)(0x80 | (c & 0x3f));
		} else if (c < 0x10000) {
			out[k++] = (char)(0xe0 | (c >> 12));
			out[k++] = (char)(0x80 | ((c >> 6) & 0x3f));
			out[k++] = (char)(0x80 | (c & 0x3f));
		} else {
			out[k++] = (char)(0xf0 | (c >> 18));
			out[k++] = (char)(0x80 | ((c >> 12) & 0x3f));
			out[k++] = (char)(0x80 | ((c >> 6) & 0x3f));
			out[k++] = (char)(0x80 | (c & 0x3f));
		}
	}
	out[k] = 0;
	return 0;
}

/* Text from the target is the target's to choose: no control characters
 * reach a terminal, a YAML file or a line of folded stacks. */
void py__tame(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == ';')
			*s = '?';
}

static size_t code_bytes(const struct py_offsets *o)
{
	const long f[] = { o->co_filename, o->co_name, o->co_qualname, o->co_firstlineno };

	return cover(f, sizeof(f) / sizeof(*f));
}

/* The code object's header: where its names are, its first line. */
static void parse_head(const struct py_offsets *o, const uint8_t *b, uint64_t addr,
		       struct code_ent *e)
{
	int32_t line;

	e->addr = addr;
	e->name = u64_at(b, o->co_qualname >= 0 ? o->co_qualname : o->co_name);
	e->file = u64_at(b, o->co_filename);
	memcpy(&line, b + o->co_firstlineno, 4);
	e->line = line;
}

/* The headers of the code objects at ADDR[0..N) into OUT, OK[i] saying
 * which were read: all in a few system calls, one per HEADS_AT_ONCE. */
static void read_heads(struct pystack *p, const struct pyproc *pp, const uint64_t *addr, size_t n,
		       struct code_ent *out, uint8_t *ok)
{
	size_t len = code_bytes(&pp->off);

	for (size_t at = 0; at < n; at += HEADS_AT_ONCE) {
		size_t k = n - at < HEADS_AT_ONCE ? n - at : HEADS_AT_ONCE;
		struct iovec local = { p->heads, k * len }, remote[HEADS_AT_ONCE];
		ssize_t got;

		for (size_t j = 0; j < k; j++)
			remote[j] = (struct iovec){ (void *)(uintptr_t)addr[at + j], len };
		got = process_vm_readv(pp->pid, &local, 1, remote, k, 0);
		/* A read stops at the first object it cannot read: the rest
		 * are tried one by one. */
		for (size_t j = 0; j < k; j++) {
			const uint8_t *b = p->heads + j * len;
			uint8_t one[BLOCK_MAX];

			ok[at + j] = got >= 0 && (size_t)got >= (j + 1) * len;
			if (!ok[at + j] && addr[at + j] && !rd(pp->pid, addr[at + j], one, len)) {
				b = one;
				ok[at + j] = 1;
			}
			if (ok[at + j])
				parse_head(&pp->off, b, addr[at + j], &out[at + j]);
		}
	}
}

/* The code object's names, kept under a new handle (a frame is made of it
 * only when the analysis splices it: the frame table is not this thread's). */
static uint32_t code_frame(struct pystack *p, struct pyproc *pp, const struct code_ent *e)
{
	char name[MAX_STR + 1], file[MAX_STR + 1];
	const char *base;
	struct pycode *c;

	if (py__read_str(pp->pid, &pp->off, e->name, name) ||
	    py__read_str(pp->pid, &pp->off, e->file, file) ||
	    grow_array(&p->codes, &p->capcodes, p->ncodes + 1, sizeof(*p->codes)))
		return FRAME_NONE;
	py__tame(name);
	py__tame(file);
	base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	c = &p->codes[p->ncodes];
	c->name = strdup(name);
	c->module = strdup(base[0] ? base : "[python]");
	c->file = strdup(file);
	c->line = e->line > 0 ? (unsigned)e->line : 0;
	c->frame = FRAME_NONE;
	if (!c->name || !c->module || !c->file) {
		free(c->name);
		free(c->module);
		free(c->file);
		return FRAME_NONE;
	}
	return (uint32_t)p->ncodes++;
}

void pystack_resolve(struct pystack *p, struct pystack_read *r)
{
	size_t kept[PYSTACK_MAX + 1], k = 0; /* KEPT[i]: frames kept before i */

	pthread_mutex_lock(&p->lock);
	for (size_t i = 0; i < r->n; i++) {
		struct pycode *c = r->frames[i] < p->ncodes ? &p->codes[r->frames[i]] : NULL;

		kept[i] = k;
		if (c && c->frame == FRAME_NONE)
			c->frame = frametab_intern(p->frames, c->name, c->module, c->file, c->line,
						   FRAME_PYTHON);
		if (c && c->frame != FRAME_NONE)
			r->frames[k++] = c->frame;
	}
	pthread_mutex_unlock(&p->lock);
	kept[r->n] = k;
	/* a frame left out (no memory for it) shortens the run that held it */
	for (size_t i = 0; i < r->nseg; i++)
		r->seg_end[i] = kept[r->seg_end[i] <= r->n ? r->seg_end[i] : r->n];
	r->n = k;
}

/* The handle of the code object whose header (read just now) is E: the
 * cached one when the object is the same — its name, file and first line
 * where they were — else its names are read anew. Checking every time
 * costs one read per sample (read_heads); an address freed and taken by
 * another code object (a module's code at start-up, then a function's)
 * is then never named as the one before. */
static uint32_t code_id(struct pystack *p, struct pyproc *pp, const struct code_ent *fresh)
{
	uint32_t i = u64map_get(&pp->code_index, fresh->addr);
	struct code_ent e = *fresh;

	if (i != U64MAP_NONE && e.name == pp->code[i].name && e.file == pp->code[i].file &&
	    e.line == pp->code[i].line)
		return pp->code[i].id;
	p->st.code_reads++;
	if ((e.id = code_frame(p, pp, &e)) == FRAME_NONE)
		return FRAME_NONE;
	if (i == U64MAP_NONE) {
		if (grow_array(&pp->code, &pp->capcode, pp->ncode + 1, sizeof(*pp->code)) ||
		    u64map_put(&pp->code_index, e.addr, (uint32_t)pp->ncode))
			return e.id;
		i = (uint32_t)pp->ncode++;
	}
	pp->code[i] = e;
	return e.id;
}

/* ---- frames ---- */

static size_t frame_bytes(const struct py_offsets *o)
{
	const long f[] = { o->fr_previous, o->fr_code, o->fr_owner, o->fr_is_entry };

	return cover(f, sizeof(f) / sizeof(*f));
}

static void end_segment(struct pystack_read *out)
{
	if (out->n && (!out->nseg || out->seg_end[out->nseg - 1] < out->n))
		out->seg_end[out->nseg++] = out->n;
}

/* LEN bytes of the frame at ADDR into B. CPython 3.11 and later keep a
 * thread's frames in one data stack, each caller's below its callee: the
 * pages below the first frame are read with it, in one call, and the
 * frames that follow are mostly found there (a walk of 30 frames: one
 * system call, not 30). The window is the memory as it was at this walk,
 * dropped before the next (win_hi = 0). */
static int read_frame(struct pystack *p, pid_t pid, uint64_t addr, uint8_t *b, size_t len)
{
	struct iovec local[WIN_PAGES], remote[WIN_PAGES];
	uint64_t top = addr + len, base = addr & ~(uint64_t)(PAGE - 1), at = base;
	size_t n = 0, first = (size_t)(top - base);
	ssize_t got;

	if (!addr || top < addr)
		return -1;
	if (addr >= p->win_lo && top <= p->win_hi) {
		memcpy(b, p->win + (addr - p->win_at), len);
		return 0;
	}
	/* The frame's own page(s) first, then each page below, highest first:
	 * a read stops at the first page it cannot read, and what came before
	 * is whole. The buffer holds them in address order from WIN_AT. */
	p->win_hi = 0;
	p->win_at = base >= (WIN_PAGES - 1) * PAGE ? base - (WIN_PAGES - 1) * PAGE : 0;
	for (;;) {
		size_t sz = at == base ? first : PAGE;

		remote[n] = (struct iovec){ (void *)(uintptr_t)at, sz };
		local[n] = (struct iovec){ p->win + (at - p->win_at), sz };
		n++;
		if (n == WIN_PAGES || at < p->win_at + PAGE)
			break;
		at -= PAGE;
	}
	got = process_vm_readv(pid, local, n, remote, n, 0);
	if (got < (ssize_t)first)
		return rd(pid, addr, b, len); /* not even its own pages: one try on its own */
	p->win_hi = top;
	p->win_lo = base;
	for (size_t i = 1; i < n && (size_t)got >= first + i * PAGE; i++)
		p->win_lo = base - i * PAGE;
	memcpy(b, p->win + (addr - p->win_at), len);
	return 0;
}

/* Walks the frames from FRAME outwards into OUT: first the chain (each
 * frame's code object, and where an interpreter call began), then every
 * code object's header at once, then their handles. */
static void walk_frames(struct pystack *p, struct pyproc *pp, uint64_t frame,
			struct pystack_read *out)
{
	const struct py_offsets *o = &pp->off;
	size_t len = frame_bytes(o), n = 0;
	uint8_t b[BLOCK_MAX];
	struct cycle cy = CYCLE_INIT;

	p->win_hi = 0; /* the memory as it is now */
	for (size_t depth = 0; frame && depth < WALK_MAX && !cycle_seen(&cy, frame); depth++) {
		uint64_t code;

		if (read_frame(p, pp->pid, frame, b, len))
			break;
		frame = u64_at(b, o->fr_previous);
		code = u64_at(b, o->fr_code);
		if (o->fr_owner >= 0 && o->minor >= 12 && b[o->fr_owner] == 3) {
			p->walk_code[n++] = 0; /* the C stack's shim: a call began here */
		} else if (code) {
			p->walk_code[n] = code;
			/* 3.11 marks a call's first frame; 3.9 and 3.10 call once per frame */
			p->walk_end[n++] =
			    o->minor < 11 || (o->fr_is_entry >= 0 && b[o->fr_is_entry]);
		}
	}
	read_heads(p, pp, p->walk_code, n, p->walk_head, p->walk_ok);
	for (size_t i = 0; i < n && out->n < PYSTACK_MAX; i++) {
		uint32_t id;

		if (!p->walk_code[i]) {
			end_segment(out); /* an interpreter call began here */
			continue;
		}
		if (!p->walk_ok[i] || (id = code_id(p, pp, &p->walk_head[i])) == FRAME_NONE)
			continue;
		out->frames[out->n++] = id;
		if (p->walk_end[i])
			end_segment(out);
	}
	end_segment(out);
}

static int read_stack(struct pystack *p, pid_t pid, pid_t tid, uint64_t sample_ns,
		      struct pystack_read *out)
{
	struct pyproc *pp = py__proc_of(p, pid);
	uint8_t b[BLOCK_MAX];
	uint64_t frame, now;

	out->n = out->nseg = 0;
	out->late = 0;
	if (!pp || pp->state < 0)
		return -1;
	if (read_tstate(p, pp, tid, b)) {
		p->st.failed++;
		return -1;
	}
	if (pp->off.ts_frame >= 0)
		frame = u64_at(b, pp->off.ts_frame);
	else if (rd(pid, u64_at(b, pp->off.ts_cframe) + (uint64_t)pp->off.cf_frame, &frame, 8))
		frame = 0;
	walk_frames(p, pp, frame, out);
	now = now_ns();
	if (!out->n) {
		p->st.failed++;
		return -1;
	}
	out->late = now > sample_ns && now - sample_ns > PYSTACK_LATE_NS;
	out->lag_ms = now > sample_ns ? (double)(now - sample_ns) / 1e6 : 0;
	p->st.lag_ms_sum += out->lag_ms;
	p->st.samples++;
	return 0;
}

int pystack_read(struct pystack *p, pid_t pid, pid_t tid, uint64_t sample_ns,
		 struct pystack_read *out)
{
	int e;

	pthread_mutex_lock(&p->lock);
	e = read_stack(p, pid, tid, sample_ns, out);
	pthread_mutex_unlock(&p->lock);
	return e;
}

/* ---- splicing into the native stack ---- */

int pystack_is_eval(const struct frame *f)
{
	return f->name[0] == '_' && f->name[1] == 'P' &&
	       !strcmp(f->name, "_PyEval_EvalFrameDefault");
}

size_t pystack_splice(struct pystack *p, uint32_t *frames, size_t n, size_t max,
		      const struct pystack_read *py)
{
	size_t ev[PYSTACK_MAX], ne = 0, k = 0, matched;
	uint32_t out[PYSTACK_MAX * 2];
	const char *interp = NULL;

	for (size_t i = 0; i < n && ne < PYSTACK_MAX; i++)
		if (pystack_is_eval(frametab_get(p->frames, frames[i])))
			ev[ne++] = i;
	if (!ne || !py->nseg)
		return n;
	if (py->late) { /* long after the sample: the names would likely be wrong */
		pthread_mutex_lock(&p->lock);
		p->st.late++;
		pthread_mutex_unlock(&p->lock);
		return n;
	}
	interp = frametab_get(p->frames, frames[ev[0]])->module;
	matched = ne < py->nseg ? ne : py->nseg;
	/* The thread called or returned between the sample and the read: the
	 * runs matched from the outermost are still the functions it ran. The
	 * sample is counted; the names stay the functions' own. */
	if (ne != py->nseg) {
		pthread_mutex_lock(&p->lock);
		p->st.mismatched++;
		pthread_mutex_unlock(&p->lock);
	}
	/* Eval frame ev[ne-1-j] runs segment nseg-1-j, j < matched: the
	 * innermost eval frames without a segment stay as they are. */
	for (size_t i = 0, e = 0; i < n && k < sizeof(out) / sizeof(*out); i++) {
		const struct frame *f = frametab_get(p->frames, frames[i]);

		if (e < ne && i == ev[e]) {
			size_t j = ne - 1 - e, seg;

			e++;
			if (j >= matched) {
				out[k++] = frames[i];
				continue;
			}
			seg = py->nseg - 1 - j;
			for (size_t q = seg ? py->seg_end[seg - 1] : 0;
			     q < py->seg_end[seg] && k < sizeof(out) / sizeof(*out); q++)
				out[k++] = py->frames[q];
			continue;
		}
		/* between two Python runs: the interpreter's call plumbing */
		if (e > ne - matched && e < ne && !strcmp(f->module, interp))
			continue;
		/* a perf trampoline's name (-X perf) says what the run says */
		if (f->kind == FRAME_JIT && !strncmp(f->name, "py::", 4))
			continue;
		out[k++] = frames[i];
	}
	if (k > max)
		k = max; /* the outermost frames go: deep stacks are cut where perf cuts them */
	memcpy(frames, out, k * sizeof(*out));
	return k;
}

int pystack_take_note(struct pystack *p, char *buf, size_t len)
{
	int any;

	if (!p)
		return 0;
	pthread_mutex_lock(&p->lock);
	any = p->note[0] != 0;
	if (any)
		snprintf(buf, len, "%s", p->note);
	p->note[0] = 0;
	pthread_mutex_unlock(&p->lock);
	return any;
}
