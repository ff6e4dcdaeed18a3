/* export_folded — "root;caller;leaf COUNT" lines, as flamegraph.pl and
 * speedscope read them. */
#include "report.h"

#include <errno.h>
#include <stdlib.h>

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

const struct exporter exporter_folded = { .name = "folded", .write = write_folded };
