/* yamlr — helpers over libyaml's document API. */
#include "yamlr.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

yaml_node_t *yr_node(const struct yr *d, int i) { return yaml_document_get_node(d->doc, i); }

yaml_node_t *yr_get(const struct yr *d, const yaml_node_t *m, const char *key)
{
	if (!m || m->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yr_node(d, p->key);

		if (k && k->type == YAML_SCALAR_NODE && !strcmp((char *)k->data.scalar.value, key))
			return yr_node(d, p->value);
	}
	return NULL;
}

int yr_is_null(const yaml_node_t *n)
{
	return !n || (n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		      (!strcmp((char *)n->data.scalar.value, "null") ||
		       !strcmp((char *)n->data.scalar.value, "~") || !n->data.scalar.length));
}

const char *yr_scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE && !yr_is_null(n) ? (const char *)n->data.scalar.value
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

int yr_load(const char *text, size_t len, yaml_document_t *doc, char *err, size_t errlen)
{
	yaml_parser_t p;

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
	return 0;
}
