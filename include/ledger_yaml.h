/* ledger_yaml — the hypotheses as YAML: written into every export and into
 * a ledger file of their own (--ledger), read back from either.
 *
 * The reader takes a document whose top level is a map with a `hypotheses`
 * list (a ledger file or a whole export), so an export's ledger can be
 * carried on to the next run. */
#ifndef FLAMETOP_LEDGER_YAML_H
#define FLAMETOP_LEDGER_YAML_H

#include <stddef.h>

#include "ledger.h"
#include "exporters.h"
#include "report.h"
#include "yamlw.h"

#include <yaml.h>

/* Writes the key `hypotheses` and the list. */
void ledger_yaml_write(struct yamlw *w, const struct ledger *l);
/* Adds the hypotheses of TEXT to L (ids as written; next_id past the
 * largest). Returns 0, or -EINVAL with "line N: reason" in ERR. */
int ledger_yaml_load(const char *text, size_t len, struct ledger *l, char *err, size_t errlen);
/* The same from a parsed document. */
int ledger_yaml_load_doc(yaml_document_t *doc, struct ledger *l, char *err, size_t errlen);
/* Loads PATH; a file that does not exist is an empty ledger (returns
 * -ENOENT, L untouched), one that cannot be read or parsed an error.
 * *FROM_EXPORT (may be NULL) says whether PATH is an export rather than a
 * ledger file: an export is read, never written over. */
int ledger_yaml_load_file(const char *path, struct ledger *l, int *from_export, char *err,
			  size_t errlen);

/* A ledger file: the flametop header and the report's hypotheses. */
extern const struct exporter exporter_ledger;

#endif
