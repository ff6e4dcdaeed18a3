/* yamlr — helpers over libyaml's document API. */
#include "yamlr.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

yaml_node_t *yr_node(const struct yr *d, int i) { return yaml_document_get_node(d->doc, i); }

yaml_node_t *yr_get(const struct yr *d, const yaml_node_t *m, const char *key)
{
	if (!m || m->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yr_node(d, p->key);

		if (k && k->type == YAML_SCALAR_NODE && !strcmp((char *)k->data.scalar.value, key))
			return yr_node(d, p->value);
	}
	return NULL;
}

int yr_is_null(const yaml_node_t *n)
{
	return !n ||
	       (n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		(!strcmp((char *)n->data.scalar.value, "null") ||
		 !strcmp((char *)n->data.scalar.value, "~") || !n->data.scalar.length));
}

const char *yr_scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE && !yr_is_null(n)
		   ? (const char *)n->data.scalar.value
		   : NULL;
}

int yr_bad(const struct yr *d, const yaml_node_t *n, const char *what)
{
	snprintf(d->err, d->errlen, "line %lu: %s", n ? (unsigned long)n->start_mark.line + 1 : 0ul,
		 what);
	return -EINVAL;
}

int yr_number(const struct yr *d, const yaml_node_t *m, const char *key, double *out)
{
	const yaml_node_t *n = yr_get(d, m, key);
	const char *s = yr_scalar(n);
	char *end;

	if (!s)
		return 1;
	*out = strtod(s, &end);
	return *end ? yr_bad(d, n, "not a number") : 0;
}

/* Nesting deeper than this is refused before the document is built: our
 * exports nest two levels per call-tree level, and libyaml's scanner slows
 * down with every open level (10^5 of them took half a minute). */
#define YR_MAX_DEPTH 1024
/* Nodes that aliases may add when expanded, beyond the document's own: an
 * alias bomb (a few KB that expand to 10^9 scalars) is refused. */
#define YR_MAX_ALIAS_NODES 1000000

/* Nodes a document may hold: libyaml's document model costs ~170 bytes a
 * node, so at most YR_NODES_FLOOR plus one per YR_BYTES_PER_NODE bytes of
 * text (an export runs 10 bytes a node; "- a" lines, 4). Memory then grows
 * with the file, by a bounded factor. */
#define YR_NODES_FLOOR    1000000
#define YR_BYTES_PER_NODE 6

static int prescan(const char *text, size_t len, char *err, size_t errlen)
{
	yaml_parser_t p;
	yaml_event_t ev;
	int depth = 0, e = 0, done = 0;
	size_t nodes = 0, max_nodes = YR_NODES_FLOOR + len / YR_BYTES_PER_NODE;

	if (!yaml_parser_initialize(&p)) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	while (!done && !e) {
		if (!yaml_parser_parse(&p, &ev))
			break; /* the loader says what is wrong, with its line */
		if (ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT) {
			if (++depth > YR_MAX_DEPTH) {
				snprintf(err, errlen, "line %lu: nested deeper than %d levels",
					 (unsigned long)ev.start_mark.line + 1, YR_MAX_DEPTH);
				e = -EINVAL;
			}
		} else if (ev.type == YAML_SEQUENCE_END_EVENT ||
			   ev.type == YAML_MAPPING_END_EVENT) {
			depth--;
		}
		if ((ev.type == YAML_SCALAR_EVENT || ev.type == YAML_SEQUENCE_START_EVENT ||
		     ev.type == YAML_MAPPING_START_EVENT) &&
		    ++nodes > max_nodes && !e) {
			snprintf(err, errlen,
				 "line %lu: more than %zu nodes in %zu bytes: more than flametop "
				 "reads (at most %d plus one per %d bytes)",
				 (unsigned long)ev.start_mark.line + 1, max_nodes, len,
				 YR_NODES_FLOOR, YR_BYTES_PER_NODE);
			e = -EFBIG;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return e;
}

/* Node I's size with every alias expanded (saturating), into SIZE; an alias
 * that leads back to a node being expanded is a cycle. */
enum { YR_NEW, YR_OPEN, YR_DONE };

/* A + B, held at 2^40: far past any bound, never wrapping. */
static uint64_t add_sat(uint64_t a, uint64_t b)
{
	const uint64_t cap = (uint64_t)1 << 40;

	return a + b > cap ? cap : a + b;
}

static int expand(yaml_document_t *doc, int i, unsigned char *state, uint64_t *size, int depth,
		  char *err, size_t errlen)
{
	yaml_node_t *n = yaml_document_get_node(doc, i);
	uint64_t total = 1;

	if (!n || state[i] == YR_DONE)
		return 0;
	if (state[i] == YR_OPEN || depth > YR_MAX_DEPTH) {
		snprintf(err, errlen,
			 "line %lu: an alias that refers to itself (or aliases nested too deep)",
			 (unsigned long)n->start_mark.line + 1);
		return -EINVAL;
	}
	state[i] = YR_OPEN;
	if (n->type == YAML_SEQUENCE_NODE)
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top; it++) {
			if (expand(doc, *it, state, size, depth + 1, err, errlen))
				return -EINVAL;
			total = add_sat(total, size[*it]);
		}
	if (n->type == YAML_MAPPING_NODE)
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
		     p < n->data.mapping.pairs.top; p++) {
			if (expand(doc, p->key, state, size, depth + 1, err, errlen) ||
			    expand(doc, p->value, state, size, depth + 1, err, errlen))
				return -EINVAL;
			total = add_sat(total, add_sat(size[p->key], size[p->value]));
		}
	size[i] = total;
	state[i] = YR_DONE;
	return 0;
}

/* Aliases that recurse or expand past a bound are refused (as Go's yaml.v3
 * refuses "excessive aliasing"): every reader walks the expanded tree. */
static int check_aliases(yaml_document_t *doc, char *err, size_t errlen)
{
	size_t nodes = (size_t)(doc->nodes.top - doc->nodes.start);
	unsigned char *state = calloc(nodes + 1, 1);
	uint64_t *size = calloc(nodes + 1, sizeof(*size));
	int e = 0;

	if (!state || !size) {
		snprintf(err, errlen, "out of memory");
		e = -ENOMEM;
	} else if (nodes && !(e = expand(doc, 1, state, size, 0, err, errlen)) &&
		   size[1] > nodes + YR_MAX_ALIAS_NODES) {
		snprintf(err, errlen,
			 "aliases expand %zu nodes to %llu: more than flametop reads (%d extra)",
			 nodes, (unsigned long long)size[1], YR_MAX_ALIAS_NODES);
		e = -EINVAL;
	}
	free(state);
	free(size);
	return e;
}

int yr_range(const struct yr *d, const yaml_node_t *m, const char *key, double lo, double hi,
	     double *out)
{
	double v;
	int e = yr_number(d, m, key, &v);

	if (e)
		return e;
	/* !(in range) also catches NaN: every later cast to an integer is defined. */
	if (!(v >= lo && v <= hi))
		return yr_bad(d, yr_get(d, m, key), "number out of range");
	*out = v;
	return 0;
}

int yr_load(const char *text, size_t len, yaml_document_t *doc, char *err, size_t errlen)
{
	yaml_parser_t p;
	int e = prescan(text, len, err, errlen);

	if (e) {
		memset(doc, 0, sizeof(*doc));
		return e;
	}
	if (!yaml_parser_initialize(&p)) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	if (!yaml_parser_load(&p, doc)) {
		snprintf(err, errlen, "line %lu: %s", (unsigned long)p.problem_mark.line + 1,
			 p.problem ? p.problem : "not YAML");
		yaml_parser_delete(&p);
		return -EINVAL;
	}
	yaml_parser_delete(&p);
	e = check_aliases(doc, err, errlen);
	if (e) {
		yaml_document_delete(doc);
		memset(doc, 0, sizeof(*doc));
	}
	return e;
}
