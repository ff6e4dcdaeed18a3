/* pynames — Python's names of a CPython process's threads:
 * sys.modules["threading"]._active[ident].name, read from its memory. */
#include "pystack_impl.h"

#include "grow.h"
#include "safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- thread names: sys.modules["threading"]._active[ident].name ---- */

#define DICT_MAX 4096 /* entries of a dict read, at most */

static uint64_t word(pid_t pid, uint64_t addr)
{
	uint64_t v = 0;

	return rd(pid, addr, &v, 8) ? 0 : v;
}

static uint8_t byte_at(pid_t pid, uint64_t addr)
{
	uint8_t v = 0;

	return rd(pid, addr, &v, 1) ? 0 : v;
}

/* The entries of a keys object, with VALUES (split tables, VOFF bytes into
 * the values object) or its own values: FN(ARG, key, value) until it
 * returns nonzero. Returns that, or 0. */
static int keys_each(const struct pyproc *pp, uint64_t keys, uint64_t values, long voff,
		     int (*fn)(const struct pyproc *, uint64_t, uint64_t, void *), void *arg)
{
	const struct py_offsets *o = &pp->off;
	uint64_t size, index_bytes, n, esize = 24, *vals = NULL;
	uint8_t *ents;
	int r = 0;

	if (!keys)
		return 0;
	if (o->minor < 11) {
		size = word(pp->pid, keys + (uint64_t)o->dk_size);
		index_bytes = size * (size <= 0xff            ? 1
				      : size <= 0xffff        ? 2
				      : size <= 0xffffffffull ? 4
							      : 8);
	} else {
		index_bytes = 1ull << (byte_at(pp->pid, keys + (uint64_t)o->dk_index_bytes) & 63);
		esize = byte_at(pp->pid, keys + (uint64_t)o->dk_kind) ? 16 : 24;
	}
	n = word(pp->pid, keys + (uint64_t)o->dk_nentries);
	if (n > DICT_MAX || index_bytes > (1u << 20) || !(ents = malloc(n * esize + 1)))
		return 0;
	if (values && !(vals = malloc(n * 8 + 1)))
		n = 0;
	if (rd(pp->pid, keys + (uint64_t)o->dk_indices + index_bytes, ents, n * esize) ||
	    (vals && rd(pp->pid, values + (uint64_t)voff, vals, n * 8)))
		n = 0;
	for (uint64_t i = 0; i < n && !r; i++) {
		const uint8_t *e = ents + i * esize;
		uint64_t k = u64_at(e, esize == 24 ? 8 : 0),
			 v = vals ? vals[i] : u64_at(e, esize - 8);

		if (k && v)
			r = fn(pp, k, v, arg);
	}
	free(vals);
	free(ents);
	return r;
}

struct str_find {
	const char *key;
	uint64_t value;
};

static int match_str(const struct pyproc *pp, uint64_t k, uint64_t v, void *arg)
{
	struct str_find *f = arg;
	char s[MAX_STR + 1];

	if (py__read_str(pp->pid, &pp->off, k, s) || strcmp(s, f->key))
		return 0;
	f->value = v;
	return 1;
}

static uint64_t dict_get(const struct pyproc *pp, uint64_t dict, const char *key)
{
	struct str_find f = { key, 0 };
	long voff = pp->off.minor >= 13 ? 8 : 0;

	if (dict)
		keys_each(pp, word(pp->pid, dict + (uint64_t)pp->off.dict_keys),
			  word(pp->pid, dict + (uint64_t)pp->off.dict_values), voff, match_str, &f);
	return f.value;
}

/* An instance attribute: its __dict__, or (3.11+) the values kept beside
 * the object with its class's shared keys. */
static uint64_t attr_of(const struct pyproc *pp, uint64_t obj, const char *key)
{
	const struct py_offsets *o = &pp->off;
	uint64_t type = word(pp->pid, obj + 8), dv, values;
	struct str_find f = { key, 0 };

	if (!type)
		return 0;
	if (o->minor < 11) {
		int64_t off = (int64_t)word(pp->pid, type + (uint64_t)o->tp_dictoffset);

		return off > 0 ? dict_get(pp, word(pp->pid, obj + (uint64_t)off), key) : 0;
	}
	dv = word(pp->pid, obj - 24);
	if (o->minor == 12 && (dv & 1)) {
		values = dv + 1; /* kept as the values' address less one, an odd number */
	} else if (dv) {
		return dict_get(pp, dv, key);
	} else if (o->minor == 11) {
		values = word(pp->pid, obj - 32);
	} else {
		values = obj + word(pp->pid, type + (uint64_t)o->tp_basicsize);
	}
	keys_each(pp, word(pp->pid, type + (uint64_t)o->ht_cached_keys), values,
		  o->minor >= 13 ? 8 : 0, match_str, &f);
	return f.value;
}

/* A non-negative int of up to three 30-bit digits (a thread ident). */
static uint64_t int_value(const struct pyproc *pp, uint64_t obj)
{
	uint64_t size = word(pp->pid, obj + 16), v = 0;
	uint32_t d[3];

	size = pp->off.minor >= 12 ? size >> 3 : size;
	if (size > 3 || rd(pp->pid, obj + (uint64_t)pp->off.long_digit, d, size * 4))
		return 0;
	for (uint64_t i = size; i-- > 0;)
		v = v << 30 | (d[i] & 0x3fffffff);
	return v;
}

struct names_ctx {
	struct pystack *p;
	uint64_t *idents;
	pid_t *tids;
	size_t n;
	void (*fn)(void *arg, pid_t pid, pid_t tid, const char *name);
	void *arg;
	size_t named;
};

static int name_thread(const struct pyproc *pp, uint64_t k, uint64_t v, void *arg)
{
	struct names_ctx *c = arg;
	uint64_t ident = int_value(pp, k), name;
	char s[MAX_STR + 1];

	for (size_t i = 0; i < c->n; i++) {
		if (c->idents[i] != ident)
			continue;
		if ((name = attr_of(pp, v, "_name")) && !py__read_str(pp->pid, &pp->off, name, s)) {
			py__tame(s);
			c->fn(c->arg, pp->pid, c->tids[i], s);
			c->named++;
		}
		break;
	}
	return 0;
}

/* The interpreter's threads: their idents (pthread_t) and kernel tids. */
static size_t thread_idents(struct pystack *p, struct pyproc *pp, uint64_t interp, uint64_t *idents,
			    pid_t *tids, size_t max)
{
	uint8_t b[BLOCK_MAX];
	uint64_t ts = word(pp->pid, interp + (uint64_t)pp->off.is_threads_head);
	struct cycle cy = CYCLE_INIT;
	size_t n = 0;

	for (int i = 0; ts && i < MAX_THREADS_WALK && n < max && !cycle_seen(&cy, ts); i++) {
		if (rd(pp->pid, ts, b, py__ts_bytes(&pp->off)))
			break;
		idents[n] = u64_at(b, pp->off.ts_thread_id);
		tids[n] = py__tid_of(p, pp, b);
		n += tids[n] > 0;
		ts = u64_at(b, pp->off.ts_next);
	}
	return n;
}

size_t pystack_thread_names(struct pystack *p,
			    void (*fn)(void *arg, pid_t pid, pid_t tid, const char *name),
			    void *arg)
{
	uint64_t idents[256];
	pid_t tids[256];
	struct names_ctx c = { p, idents, tids, 0, fn, arg, 0 };

	if (!p)
		return 0;
	pthread_mutex_lock(&p->lock);
	for (size_t i = 0; i < p->nprocs; i++) {
		struct pyproc *pp = &p->procs[i];
		uint64_t interp, threading, active;

		if (pp->state < 0 ||
		    !(interp = word(pp->pid, pp->runtime + (uint64_t)pp->off.rt_interp_head)))
			continue;
		c.n = thread_idents(p, pp, interp, idents, tids, 256);
		threading =
		    dict_get(pp, word(pp->pid, interp + (uint64_t)pp->off.is_modules), "threading");
		active = threading
			     ? dict_get(pp, word(pp->pid, threading + (uint64_t)pp->off.md_dict),
					"_active")
			     : 0;
		if (active)
			keys_each(pp, word(pp->pid, active + (uint64_t)pp->off.dict_keys),
				  word(pp->pid, active + (uint64_t)pp->off.dict_values),
				  pp->off.minor >= 13 ? 8 : 0, name_thread, &c);
	}
	pthread_mutex_unlock(&p->lock);
	return c.named;
}
