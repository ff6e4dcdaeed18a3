/* export_pprof — the profile as pprof's profile.proto, gzip-compressed, as
 * `go tool pprof` and other pprof readers take it.
 *
 * One Function and one Location per frame (frames are functions, not
 * addresses: a location's line is the function's first line), one Mapping
 * per module with its build id, one Sample per (thread, call stack) with two
 * values: samples/count and the sampled weight (cpu/nanoseconds for the
 * clock events, EVENT/count otherwise), labelled with the thread. */
#include "exporters.h"
#include "report.h"

#include "grow.h"
#include "u64map.h"

#include "profile.pb-c.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

typedef Perftools__Profiles__Profile Profile;
typedef Perftools__Profiles__ValueType ValueType;
typedef Perftools__Profiles__Sample Sample;
typedef Perftools__Profiles__Label Label;
typedef Perftools__Profiles__Mapping Mapping;
typedef Perftools__Profiles__Location Location;
typedef Perftools__Profiles__Line Line;
typedef Perftools__Profiles__Function Function;

/* Every allocation of one export, freed together. */
struct pctx {
	const struct report *r;
	const struct profile *p;
	Profile pb;
	char **strs; /* string_table; strs[0] = "" */
	size_t nstrs, capstrs;
	struct u64map str_index; /* FNV-1a of the string → first index with it */
	uint32_t *str_next;      /* collision chains, parallel to strs */
	void **owned;
	size_t nowned, capowned;
	int err;
};

static void *own(struct pctx *c, void *v)
{
	if (!v || grow_array(&c->owned, &c->capowned, c->nowned + 1, sizeof(*c->owned))) {
		free(v);
		c->err = -ENOMEM;
		return NULL;
	}
	c->owned[c->nowned++] = v;
	return v;
}

static void *zalloc(struct pctx *c, size_t n, size_t size)
{
	return own(c, calloc(n ? n : 1, size));
}

static uint64_t fnv(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

/* The string table index of S, adding it if new. */
static int64_t str(struct pctx *c, const char *s)
{
	uint64_t h;
	uint32_t i;
	size_t cap;
	char *dup;

	if (!s || !s[0] || c->err)
		return 0;
	h = fnv(s);
	for (i = u64map_get(&c->str_index, h); i != U64MAP_NONE; i = c->str_next[i])
		if (!strcmp(c->strs[i], s))
			return i;
	cap = c->capstrs;
	if (grow_array(&c->strs, &c->capstrs, c->nstrs + 1, sizeof(*c->strs)) ||
	    (c->capstrs != cap &&
	     grow_array(&c->str_next, &cap, c->capstrs, sizeof(*c->str_next))) ||
	    !(dup = own(c, strdup(s)))) {
		c->err = -ENOMEM;
		return 0;
	}
	i = (uint32_t)c->nstrs;
	c->str_next[i] = u64map_get(&c->str_index, h);
	if (u64map_put(&c->str_index, h, i)) {
		c->err = -ENOMEM;
		return 0;
	}
	c->strs[c->nstrs++] = dup;
	return i;
}

static ValueType *value_type(struct pctx *c, const char *type, const char *unit)
{
	ValueType *v = zalloc(c, 1, sizeof(*v));

	if (!v)
		return NULL;
	perftools__profiles__value_type__init(v);
	v->type = str(c, type);
	v->unit = str(c, unit);
	return v;
}

/* The target's own binary: its module name (the exe's, else the command's
 * first word, without directories). */
static void main_module(const struct report *r, char *out, size_t len)
{
	const char *path = r->exe[0] ? r->exe : r->command, *slash = strrchr(path, '/');
	const char *base = slash && (!r->exe[0] || slash[1]) ? slash + 1 : path;

	snprintf(out, len, "%.*s", (int)strcspn(base, r->exe[0] ? "" : " "), base);
	/* "/usr/bin/prog (deleted)" names the same module */
	if (strlen(out) > 10 && !strcmp(out + strlen(out) - 10, " (deleted)"))
		out[strlen(out) - 10] = 0;
}

/* pprof takes the first mapping as the main binary (go tool pprof's
 * "File:"): put the target's there. */
static void main_first(struct pctx *c, Mapping **maps, size_t n, uint64_t *map_of, size_t nf)
{
	char want[512];
	size_t k;
	Mapping *t;

	if (c->err || n < 2)
		return;
	main_module(c->r, want, sizeof(want));
	for (k = 0; k < n; k++) {
		const char *fn = c->strs[maps[k]->filename], *slash = strrchr(fn, '/');

		if (!strcmp(slash ? slash + 1 : fn, want))
			break;
	}
	if (k == 0 || k == n)
		return;
	t = maps[0], maps[0] = maps[k], maps[k] = t;
	maps[0]->id = 1;
	maps[k]->id = k + 1;
	for (size_t i = 0; i < nf; i++)
		map_of[i] = map_of[i] == 1 ? k + 1 : map_of[i] == k + 1 ? 1 : map_of[i];
}

/* Mappings: one per module name that frames use, in first-use order. */
static uint64_t *build_mappings(struct pctx *c)
{
	const struct frametab *ft = c->p->frames;
	size_t nf = frametab_len(ft);
	uint64_t *map_of = zalloc(c, nf, sizeof(*map_of)); /* frame → mapping id */
	Mapping **maps = zalloc(c, nf, sizeof(*maps));
	struct u64map by_name;
	size_t n = 0;

	if (!map_of || !maps)
		return NULL;
	u64map_init(&by_name);
	for (size_t i = 0; i < nf && !c->err; i++) {
		const struct frame *f = frametab_get(ft, (uint32_t)i);
		int64_t name = str(c, f->module);
		uint32_t m = u64map_get(&by_name, (uint64_t)name);

		if (m == U64MAP_NONE) {
			const struct frame_module *fm = frametab_module(ft, f->module);
			Mapping *mp = zalloc(c, 1, sizeof(*mp));

			if (!mp || u64map_put(&by_name, (uint64_t)name, (uint32_t)n)) {
				c->err = -ENOMEM;
				break;
			}
			perftools__profiles__mapping__init(mp);
			mp->id = n + 1;
			mp->filename = fm && fm->path ? str(c, fm->path) : name;
			mp->build_id = fm ? str(c, fm->build_id) : 0;
			mp->has_functions = 1;
			m = (uint32_t)n;
			maps[n++] = mp;
		}
		if (f->file)
			maps[m]->has_filenames = 1;
		if (f->line)
			maps[m]->has_line_numbers = 1;
		if (f->inlined)
			maps[m]->has_inline_frames = 1;
		map_of[i] = m + 1;
	}
	u64map_clear(&by_name);
	main_first(c, maps, n, map_of, nf);
	c->pb.mapping = maps;
	c->pb.n_mapping = n;
	return map_of;
}

/* Functions and locations: id = frame id + 1. */
static void build_locations(struct pctx *c, const uint64_t *map_of)
{
	const struct frametab *ft = c->p->frames;
	size_t nf = frametab_len(ft);
	Function **fn = zalloc(c, nf, sizeof(*fn));
	Location **loc = zalloc(c, nf, sizeof(*loc));

	if (!fn || !loc)
		return;
	for (size_t i = 0; i < nf && !c->err; i++) {
		const struct frame *f = frametab_get(ft, (uint32_t)i);
		Function *fu = zalloc(c, 1, sizeof(*fu));
		Location *lo = zalloc(c, 1, sizeof(*lo));
		Line *li = zalloc(c, 1, sizeof(*li));
		Line **lines = zalloc(c, 1, sizeof(*lines));

		if (!fu || !lo || !li || !lines)
			return;
		perftools__profiles__function__init(fu);
		fu->id = i + 1;
		fu->name = str(c, f->name);
		fu->system_name = fu->name;
		fu->filename = str(c, f->file);
		fu->start_line = f->line;
		perftools__profiles__line__init(li);
		li->function_id = fu->id;
		li->line = f->line;
		lines[0] = li;
		perftools__profiles__location__init(lo);
		lo->id = i + 1;
		lo->mapping_id = map_of[i];
		lo->line = lines;
		lo->n_line = 1;
		fn[i] = fu;
		loc[i] = lo;
	}
	c->pb.function = fn;
	c->pb.n_function = nf;
	c->pb.location = loc;
	c->pb.n_location = nf;
}

static const char *thread_name(const struct profile *p, pid_t tid)
{
	for (size_t i = 0; i < p->nthreads; i++)
		if (p->threads[i].tid == tid)
			return p->threads[i].comm;
	return NULL;
}

/* -a / --cgroup: a stack's root frame is its process's, "comm-PID":
 * labels pid and comm into OUT[0..1]. Returns 0 for any other root. */
static int process_labels(struct pctx *c, uint32_t frame, Label **out)
{
	const struct frame *f = frametab_get(c->p->frames, frame);
	const char *dash = f ? strrchr(f->name, '-') : NULL;
	char comm[96];

	if (!f || !dash || !dash[1] ||
	    (f->kind != FRAME_PROCESS &&
	     !(f->kind == FRAME_KERNEL && f->module && !strcmp(f->module, "[kernel]"))) ||
	    strspn(dash + 1, "0123456789") != strlen(dash + 1))
		return 0;
	for (int i = 0; i < 2; i++) {
		if (!(out[i] = zalloc(c, 1, sizeof(*out[i]))))
			return 0;
		perftools__profiles__label__init(out[i]);
	}
	snprintf(comm, sizeof(comm), "%.*s", (int)(dash - f->name), f->name);
	out[0]->key = str(c, "pid");
	out[0]->num = atol(dash + 1);
	out[1]->key = str(c, "comm");
	out[1]->str = str(c, comm);
	return 1;
}

/* One sample of N stack frames at LEAF (TID 0: no thread label). */
static Sample *sample(struct pctx *c, uint32_t leaf, pid_t tid, uint64_t samples, uint64_t weight)
{
	const struct ctree *t = c->p->tree;
	size_t depth = ctree_node(t, leaf)->depth;
	Sample *s = zalloc(c, 1, sizeof(*s));
	uint32_t *path = zalloc(c, depth, sizeof(*path));
	uint64_t *ids = zalloc(c, depth, sizeof(*ids));
	int64_t *vals = zalloc(c, 2, sizeof(*vals));
	Label **labels = zalloc(c, 4, sizeof(*labels));

	if (!s || !path || !ids || !vals || !labels)
		return NULL;
	perftools__profiles__sample__init(s);
	depth = ctree_path(t, leaf, path, depth);
	for (size_t i = 0; i < depth; i++)
		ids[i] = (uint64_t)path[depth - 1 - i] + 1; /* leaf first */
	vals[0] = (int64_t)samples;
	vals[1] = (int64_t)weight;
	s->location_id = ids;
	s->n_location_id = depth;
	s->value = vals;
	s->n_value = 2;
	if (tid) {
		const char *comm = thread_name(c->p, tid);
		Label *num = zalloc(c, 1, sizeof(*num));

		if (!num)
			return NULL;
		perftools__profiles__label__init(num);
		num->key = str(c, "tid");
		num->num = tid;
		labels[s->n_label++] = num;
		if (comm && comm[0]) {
			Label *name = zalloc(c, 1, sizeof(*name));

			if (!name)
				return NULL;
			perftools__profiles__label__init(name);
			name->key = str(c, "thread");
			name->str = str(c, comm);
			labels[s->n_label++] = name;
		}
	}
	if (depth && process_labels(c, path[0], labels + s->n_label))
		s->n_label += 2;
	s->label = labels;
	return s;
}

struct node_walk {
	struct pctx *c;
	Sample **out;
	size_t n;
};

static int add_node(const struct ctree *t, uint32_t id, void *arg)
{
	struct node_walk *w = arg;
	const struct ctree_node *n = ctree_node(t, id);

	if (id != CTREE_ROOT && n->self_samples)
		w->out[w->n++] = sample(w->c, id, 0, n->self_samples, n->self_weight);
	return 0;
}

/* Samples per (thread, stack) when the per-thread table covers every
 * sample, else per stack. */
static void build_samples(struct pctx *c)
{
	const struct profile *p = c->p;
	uint64_t covered = 0;
	size_t cap;
	Sample **out;

	for (size_t i = 0; i < p->nleaves; i++)
		covered += p->leaves[i].samples;
	cap = covered == p->samples ? p->nleaves : ctree_len(p->tree);
	if (!(out = zalloc(c, cap, sizeof(*out))))
		return;
	if (covered == p->samples) {
		for (size_t i = 0; i < p->nleaves && !c->err; i++)
			out[i] = sample(c, p->leaves[i].leaf, p->leaves[i].tid,
					p->leaves[i].samples, p->leaves[i].weight);
		c->pb.n_sample = p->nleaves;
	} else {
		struct node_walk w = { c, out, 0 };

		ctree_walk(p->tree, CTREE_ROOT, add_node, &w);
		c->pb.n_sample = w.n;
	}
	c->pb.sample = out;
}

static int gzip_out(FILE *f, const uint8_t *buf, size_t len)
{
	uint8_t out[1 << 16];
	z_stream z = { 0 };
	int zr;

	/* windowBits 15 + 16: a gzip header and trailer around the deflate. */
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)buf;
	z.avail_in = (uInt)len;
	do {
		z.next_out = out;
		z.avail_out = sizeof(out);
		zr = deflate(&z, Z_FINISH);
		if (zr == Z_STREAM_ERROR ||
		    fwrite(out, 1, sizeof(out) - z.avail_out, f) != sizeof(out) - z.avail_out) {
			deflateEnd(&z);
			return -EIO;
		}
	} while (zr != Z_STREAM_END);
	deflateEnd(&z);
	return ferror(f) ? -EIO : 0;
}

static int write_pprof(FILE *f, const struct report *r)
{
	struct pctx c = { .r = r, .p = r->profile };
	uint64_t *map_of;
	uint8_t *buf = NULL;
	size_t len;
	int e;

	perftools__profiles__profile__init(&c.pb);
	u64map_init(&c.str_index);
	if (grow_array(&c.strs, &c.capstrs, 1, sizeof(*c.strs)) ||
	    !(c.str_next = calloc(c.capstrs, sizeof(*c.str_next))))
		c.err = -ENOMEM;
	else
		c.strs[c.nstrs++] = ""; /* the format's entry 0 */
	ValueType *types[2] = {
		value_type(&c, "samples", "count"),
		r->weight_ns ? value_type(&c, "cpu", "nanoseconds")
			     : value_type(&c, r->event, "count"),
	};
	c.pb.sample_type = types;
	c.pb.n_sample_type = 2;
	c.pb.period_type =
	    r->weight_ns ? value_type(&c, "cpu", "nanoseconds") : value_type(&c, r->event, "count");
	c.pb.period = c.p->samples ? (int64_t)(c.p->weight / c.p->samples) : 0;
	c.pb.time_nanos = (int64_t)r->started_at * 1000000000;
	c.pb.duration_nanos = (int64_t)(r->duration_s * 1e9);
	c.pb.default_sample_type = 1;
	map_of = build_mappings(&c);
	if (map_of)
		build_locations(&c, map_of);
	build_samples(&c);
	e = c.err;
	c.pb.string_table = c.strs;
	c.pb.n_string_table = c.nstrs;
	if (!e) {
		len = protobuf_c_message_get_packed_size(&c.pb.base);
		buf = malloc(len ? len : 1);
		if (!buf)
			e = -ENOMEM;
		else
			protobuf_c_message_pack(&c.pb.base, buf);
	}
	if (!e)
		e = gzip_out(f, buf, len);
	free(buf);
	for (size_t i = 0; i < c.nowned; i++)
		free(c.owned[i]);
	free(c.owned);
	free(c.strs);
	free(c.str_next);
	u64map_clear(&c.str_index);
	return e;
}

static const char *const pprof_suffixes[] = { ".pb.gz", ".pprof", ".pb", NULL };
const struct exporter exporter_pprof = {
	.name = "pprof", .write = write_pprof, .ext = "pb.gz", .suffixes = pprof_suffixes
};
