/* export_folded — "root;caller;leaf COUNT" lines, as flamegraph.pl and
 * speedscope read them. */
#include "exporters.h"
#include "report.h"

#include "compare.h"
#include "grow.h"
#include "saved.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct fctx {
	FILE *f;
	const struct profile *p;
	uint32_t *path;
	size_t cap;
	int err;
};

/* ';' separates frames and a newline ends the record: neither may appear
 * inside a name. */
static void put_name(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(*s == ';' ? ',' : *s == '\n' ? ' ' : *s, f);
}

static int visit(const struct ctree *t, uint32_t id, void *arg)
{
	struct fctx *c = arg;
	const struct ctree_node *n = ctree_node(t, id);
	size_t depth;

	if (id == CTREE_ROOT || !n->self_samples)
		return 0;
	if (n->depth > c->cap) {
		void *v = realloc(c->path, n->depth * sizeof(*c->path));

		if (!v) {
			c->err = -ENOMEM;
			return 1;
		}
		c->path = v;
		c->cap = n->depth;
	}
	depth = ctree_path(t, id, c->path, c->cap);
	for (size_t i = 0; i < depth; i++) {
		const struct frame *f = frametab_get(c->p->frames, c->path[i]);

		if (i)
			fputc(';', c->f);
		put_name(c->f, f->name);
		if (f->inlined)
			fputs(" (inlined)", c->f); /* as perf script marks them */
	}
	fprintf(c->f, " %llu\n", (unsigned long long)n->self_samples);
	return 0;
}

static int write_folded(FILE *f, const struct report *r)
{
	struct fctx c = { f, r->profile, NULL, 0, 0 };

	ctree_walk(r->profile->tree, CTREE_ROOT, visit, &c);
	free(c.path);
	if (c.err)
		return c.err;
	return ferror(f) ? -EIO : 0;
}

static const char *const folded_suffixes[] = { ".folded", ".collapsed", ".txt", NULL };
const struct exporter exporter_folded = {
	.name = "folded", .write = write_folded, .ext = "folded", .suffixes = folded_suffixes
};

/* ---- differential: "a;b;c BASE AFTER", the format of flamegraph's
 * difffolded.pl, which flamegraph.pl draws as a differential graph ---- */

struct dline {
	char *stack;
	int side;
	uint64_t count;
};

struct dctx {
	const struct profile *p;
	int side;
	uint32_t *path;
	size_t cap;
	struct dline *v;
	size_t n, capv;
	int err;
};

static int visit_diff(const struct ctree *t, uint32_t id, void *arg)
{
	struct dctx *c = arg;
	const struct ctree_node *n = ctree_node(t, id);
	char *buf = NULL;
	size_t len = 0, depth;
	FILE *m;

	if (id == CTREE_ROOT || !n->self_samples)
		return 0;
	if (grow_array(&c->path, &c->cap, n->depth, sizeof(*c->path)) ||
	    grow_array(&c->v, &c->capv, c->n + 1, sizeof(*c->v)) ||
	    !(m = open_memstream(&buf, &len))) {
		c->err = -ENOMEM;
		return 1;
	}
	depth = ctree_path(t, id, c->path, c->cap);
	for (size_t i = 0; i < depth; i++) {
		const struct frame *f = frametab_get(c->p->frames, c->path[i]);

		if (i)
			fputc(';', m);
		put_name(m, f->name);
		if (f->inlined)
			fputs(" (inlined)", m);
	}
	fclose(m);
	c->v[c->n++] = (struct dline){ buf, c->side, n->self_samples };
	return 0;
}

static int cmp_dline(const void *a, const void *b)
{
	const struct dline *x = a, *y = b;
	int c = strcmp(x->stack, y->stack);

	return c ? c : x->side - y->side;
}

static int write_folded_diff(FILE *f, const struct report *r)
{
	struct dctx c = { 0 };

	if (!r->comparison)
		return -EINVAL;
	for (int side = 0; side < 2 && !c.err; side++) {
		c.p = r->comparison->profile[side];
		c.side = side;
		ctree_walk(c.p->tree, CTREE_ROOT, visit_diff, &c);
	}
	if (c.n)
		qsort(c.v, c.n, sizeof(*c.v), cmp_dline);
	for (size_t i = 0; i < c.n && !c.err;) {
		uint64_t count[2] = { 0, 0 };
		size_t j = i;

		for (; j < c.n && !strcmp(c.v[j].stack, c.v[i].stack); j++)
			count[c.v[j].side] += c.v[j].count;
		fprintf(f, "%s %llu %llu\n", c.v[i].stack, (unsigned long long)count[0],
			(unsigned long long)count[1]);
		i = j;
	}
	for (size_t i = 0; i < c.n; i++)
		free(c.v[i].stack);
	free(c.v);
	free(c.path);
	if (c.err)
		return c.err;
	return ferror(f) ? -EIO : 0;
}

const struct exporter exporter_folded_diff = { .name = "folded",
					       .write = write_folded_diff,
					       .ext = "folded" };
