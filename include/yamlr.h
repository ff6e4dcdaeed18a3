/* yamlr — reading a libyaml document: values by key, scalars, numbers, and
 * errors that name the line.  Shared by the ledger and report loaders. */
#ifndef FLAMETOP_YAMLR_H
#define FLAMETOP_YAMLR_H

#include <stddef.h>
#include <yaml.h>

struct yr {
	yaml_document_t *doc;
	char *err;
	size_t errlen;
};

yaml_node_t *yr_node(const struct yr *d, int i);
/* The value of KEY in map M, or NULL. */
yaml_node_t *yr_get(const struct yr *d, const yaml_node_t *m, const char *key);
int yr_is_null(const yaml_node_t *n);
/* A scalar's text, or NULL for a null, absent or non-scalar node. */
const char *yr_scalar(const yaml_node_t *n);
/* "line N: WHAT" into the error; returns -EINVAL. */
int yr_bad(const struct yr *d, const yaml_node_t *n, const char *what);
/* KEY of M as a number: 0, 1 when absent or null, -EINVAL when not one. */
int yr_number(const struct yr *d, const yaml_node_t *m, const char *key, double *out);
/* The same, refused unless LO <= value <= HI (and not NaN): a value that an
 * integer cast then holds exactly. */
int yr_range(const struct yr *d, const yaml_node_t *m, const char *key, double lo, double hi,
	     double *out);
/* The largest double below 2^64: counts and weights cast to uint64_t. */
#define YR_U64_MAX 18446744073709549568.0
#define YR_PID_MAX 2147483647.0
/* Parses TEXT into DOC. Returns 0, or -EINVAL / -ENOMEM with the reason;
 * nesting deeper than 1024 levels and aliases that refer to themselves or
 * expand past a million extra nodes are refused. */
int yr_load(const char *text, size_t len, yaml_document_t *doc, char *err, size_t errlen);

#endif
