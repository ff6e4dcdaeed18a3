/* frametab — string interning of (function, module) pairs. */
#include "frametab.h"

#include "fmt.h"
#include "grow.h"
#include "u64map.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct frametab {
	struct frame *v;
	size_t len, cap;
	struct u64map by_hash; /* hash → first frame id with that hash */
	struct frame_module *mods;
	size_t nmods, capmods;
	struct u64map mod_by_hash; /* hash of name → index in mods (collisions: linear) */
};

static uint64_t hash_pair(const char *a, const char *b)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a over a, NUL, b */

	for (; *a; a++)
		h = (h ^ (unsigned char)*a) * 0x100000001b3ull;
	h = (h ^ 0xff) * 0x100000001b3ull;
	for (; *b; b++)
		h = (h ^ (unsigned char)*b) * 0x100000001b3ull;
	return h;
}

struct frametab *frametab_new(void)
{
	struct frametab *t = calloc(1, sizeof(*t));

	if (t) {
		u64map_init(&t->by_hash);
		u64map_init(&t->mod_by_hash);
	}
	return t;
}

void frametab_free(struct frametab *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->len; i++) {
		free(t->v[i].name);
		free(t->v[i].module);
		free(t->v[i].file);
	}
	free(t->v);
	u64map_clear(&t->by_hash);
	for (size_t i = 0; i < t->nmods; i++) {
		free(t->mods[i].name);
		free(t->mods[i].path);
		free(t->mods[i].build_id);
		free(t->mods[i].symbols);
		free(t->mods[i].debuginfo);
		free(t->mods[i].debuginfod);
	}
	free(t->mods);
	u64map_clear(&t->mod_by_hash);
	free(t);
}

static uint32_t find_in_chain(const struct frametab *t, uint32_t id, const char *name,
			      const char *module, int inlined)
{
	for (; id != FRAME_NONE; id = t->v[id].next)
		if (!strcmp(t->v[id].name, name) && !strcmp(t->v[id].module, module) &&
		    t->v[id].inlined == inlined)
			return id;
	return FRAME_NONE;
}

/* NAME in the table's one form (fmt_name_canon): NAME itself, or a copy
 * put in *COPY for the caller to free. NULL when out of memory. */
static const char *canon(const char *name, char **copy)
{
	*copy = NULL;
	if (fmt_name_is_canon(name))
		return name;
	return *copy = fmt_name_canon(name);
}

uint32_t frametab_find(const struct frametab *t, const char *name, const char *module)
{
	char *cn, *cm;
	uint32_t id = FRAME_NONE;

	name = canon(name, &cn);
	module = canon(module, &cm);
	if (name && module)
		id = find_in_chain(t, u64map_get(&t->by_hash, hash_pair(name, module)), name,
				   module, 0);
	free(cn);
	free(cm);
	return id;
}

uint32_t frametab_find_as(const struct frametab *t, const struct frame *f)
{
	uint64_t h = hash_pair(f->name, f->module) ^ (uint64_t) !!f->inlined;

	return find_in_chain(t, u64map_get(&t->by_hash, h), f->name, f->module, !!f->inlined);
}

static uint32_t intern_canon(struct frametab *t, const char *name, const char *module,
			     const char *file, unsigned line, enum frame_kind kind, int inlined)
{
	uint64_t h = hash_pair(name, module) ^ (uint64_t)inlined;
	uint32_t head = u64map_get(&t->by_hash, h),
		 id = find_in_chain(t, head, name, module, inlined);
	struct frame *f;

	if (id != FRAME_NONE)
		return id;
	if (grow_array(&t->v, &t->cap, t->len + 1, sizeof(*t->v)))
		return FRAME_NONE;
	f = &t->v[t->len];
	f->name = strdup(name);
	f->module = strdup(module);
	f->file = file ? strdup(file) : NULL;
	if (!f->name || !f->module || (file && !f->file) ||
	    u64map_put(&t->by_hash, h, (uint32_t)t->len)) {
		free(f->name);
		free(f->module);
		free(f->file);
		return FRAME_NONE;
	}
	f->line = line;
	f->kind = kind;
	f->inlined = inlined;
	f->next = head;
	return (uint32_t)t->len++;
}

static uint32_t intern(struct frametab *t, const char *name, const char *module, const char *file,
		       unsigned line, enum frame_kind kind, int inlined)
{
	char *cn, *cm;
	uint32_t id = FRAME_NONE;

	name = canon(name, &cn);
	module = canon(module, &cm);
	if (name && module)
		id = intern_canon(t, name, module, file, line, kind, inlined);
	free(cn);
	free(cm);
	return id;
}

uint32_t frametab_intern(struct frametab *t, const char *name, const char *module, const char *file,
			 unsigned line, enum frame_kind kind)
{
	return intern(t, name, module, file, line, kind, 0);
}

int frametab_set_source(struct frametab *t, uint32_t id, const char *file, unsigned line)
{
	struct frame *f = &t->v[id];
	char *copy;

	if (f->file || !file || !(copy = strdup(file)))
		return f->file ? 0 : -1;
	f->file = copy;
	f->line = line;
	return 0;
}

uint32_t frametab_intern_inline(struct frametab *t, const char *name, const char *module,
				const char *file, unsigned line, enum frame_kind kind)
{
	return intern(t, name, module, file, line, kind, 1);
}

const struct frame *frametab_get(const struct frametab *t, uint32_t id) { return &t->v[id]; }
size_t frametab_len(const struct frametab *t) { return t->len; }

const char *frame_kind_name(enum frame_kind k)
{
	static const char *const names[] = {
		[FRAME_USER] = "user",     [FRAME_LIBRARY] = "library", [FRAME_KERNEL] = "kernel",
		[FRAME_JIT] = "jit",       [FRAME_UNKNOWN] = "unknown", [FRAME_OFFCPU] = "off-cpu",
		[FRAME_PYTHON] = "python", [FRAME_PROCESS] = "process",
	};
	return names[k];
}

static const struct frame_module *module_canon(const struct frametab *t, const char *name)
{
	uint32_t i = u64map_get(&t->mod_by_hash, hash_pair(name, ""));

	if (i != U64MAP_NONE && !strcmp(t->mods[i].name, name))
		return &t->mods[i];
	if (i == U64MAP_NONE)
		return NULL;
	for (size_t k = 0; k < t->nmods; k++) /* a hash collision: rare */
		if (!strcmp(t->mods[k].name, name))
			return &t->mods[k];
	return NULL;
}

const struct frame_module *frametab_module(const struct frametab *t, const char *name)
{
	const struct frame_module *m;
	char *cn;

	if (!(name = canon(name, &cn)))
		return NULL;
	m = module_canon(t, name);
	free(cn);
	return m;
}

static int note_module(struct frametab *t, const char *name, const char *path,
		       const char *build_id);

int frametab_note_module(struct frametab *t, const char *name, const char *path,
			 const char *build_id)
{
	char *cn;
	int e;

	if (!(name = canon(name, &cn)))
		return -ENOMEM;
	e = note_module(t, name, path, build_id);
	free(cn);
	return e;
}

static int note_module(struct frametab *t, const char *name, const char *path, const char *build_id)
{
	struct frame_module *m;
	uint64_t h = hash_pair(name, "");

	if (module_canon(t, name))
		return 0;
	if (grow_array(&t->mods, &t->capmods, t->nmods + 1, sizeof(*t->mods)))
		return -ENOMEM;
	m = &t->mods[t->nmods];
	memset(m, 0, sizeof(*m));
	m->name = strdup(name);
	m->path = path ? strdup(path) : NULL;
	m->build_id = build_id ? strdup(build_id) : NULL;
	if (!m->name || (path && !m->path) || (build_id && !m->build_id) ||
	    (u64map_get(&t->mod_by_hash, h) == U64MAP_NONE &&
	     u64map_put(&t->mod_by_hash, h, (uint32_t)t->nmods))) {
		free(m->name);
		free(m->path);
		free(m->build_id);
		return -ENOMEM;
	}
	t->nmods++;
	return 0;
}

static int set_str(char **dst, const char *v)
{
	char *c;

	if (!v)
		return 0;
	if (!(c = strdup(v)))
		return -ENOMEM;
	free(*dst);
	*dst = c;
	return 0;
}

int frametab_module_symbols(struct frametab *t, const char *name, const char *symbols,
			    const char *debuginfo, const char *debuginfod)
{
	struct frame_module *m = (struct frame_module *)frametab_module(t, name);

	if (!m)
		return -ENOENT;
	if (set_str(&m->symbols, symbols) || set_str(&m->debuginfo, debuginfo) ||
	    set_str(&m->debuginfod, debuginfod))
		return -ENOMEM;
	return 0;
}

size_t frametab_nmodules(const struct frametab *t) { return t->nmods; }
const struct frame_module *frametab_module_at(const struct frametab *t, size_t i)
{
	return &t->mods[i];
}
