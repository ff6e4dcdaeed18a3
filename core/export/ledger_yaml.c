/* ledger_yaml — hypotheses to and from YAML (libyaml's document API). */
#include "ledger_yaml.h"

#include "safefile.h"
#include "u64map.h"
#include "yamlr.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yaml.h>

/* ---- writing ---- */

static void write_time(struct yamlw *w, const char *key, time_t t)
{
	char buf[64];
	struct tm tm;

	if (!t || !gmtime_r(&t, &tm)) {
		yw_key(w, key);
		yw_null(w);
		return;
	}
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	yw_kstr(w, key, buf);
}

static void write_snapshot(struct yamlw *w, const struct hyp_snapshot *s)
{
	yw_key(w, "snapshot");
	if (!s->valid) {
		yw_null(w);
		return;
	}
	yw_map(w);
	yw_kstr(w, "function", s->function[0] ? s->function : NULL);
	yw_kstr(w, "module", s->module[0] ? s->module : NULL);
	yw_knum(w, "self_pct", s->self_pct, 2);
	yw_knum(w, "total_pct", s->total_pct, 2);
	yw_key(w, "window");
	yw_map(w);
	yw_knum(w, "from_s", s->from_s, 1);
	yw_knum(w, "to_s", s->to_s, 1);
	yw_kbool(w, "recent", s->recent);
	yw_end_map(w);
	yw_knum(w, "cpu_pct", s->cpu_pct, 1);
	yw_knum(w, "rss_mib", s->rss_mib, 2);
	yw_key(w, "rss_slope_mib_per_min");
	if (s->has_slope)
		yw_num(w, s->rss_slope_mib_min, 3);
	else
		yw_null(w);
	yw_knum(w, "read_bytes_per_s", s->read_bps, 0);
	yw_knum(w, "write_bytes_per_s", s->write_bps, 0);
	yw_key(w, "counters");
	yw_map(w);
	for (size_t i = 0; i < s->nctr; i++)
		yw_knum(w, s->ctr_name[i], s->ctr_value[i], 0);
	yw_end_map(w);
	yw_end_map(w);
}

void ledger_yaml_write(struct yamlw *w, const struct ledger *l)
{
	yw_key(w, "hypotheses");
	yw_seq(w);
	for (size_t i = 0; l && i < l->n; i++) {
		const struct hypothesis *h = &l->v[i];

		yw_map(w);
		yw_kuint(w, "id", h->id);
		yw_kstr(w, "name", h->text);
		yw_kstr(w, "verdict", verdict_name(h->verdict));
		yw_kstr(w, "evidence", h->evidence);
		write_time(w, "created_at", h->created_at);
		write_time(w, "marked_at", h->marked_at);
		write_snapshot(w, &h->snap);
		yw_end_map(w);
	}
	yw_end_seq(w);
}

static int write_ledger(FILE *f, const struct report *r)
{
	struct yamlw w;
	int e = yw_open(&w, f);

	if (e)
		return e;
	yw_map(&w);
	yw_key(&w, "flametop");
	yw_map(&w);
	yw_kstr(&w, "version", FLAMETOP_VERSION);
	yw_kint(&w, "format", REPORT_FORMAT);
	yw_kstr(&w, "kind", "ledger");
	yw_end_map(&w);
	ledger_yaml_write(&w, r->ledger);
	yw_end_map(&w);
	return yw_close(&w);
}

const struct exporter exporter_ledger = { .name = "ledger", .write = write_ledger, .ext = "yaml" };

/* ---- reading ---- */

static int parse_time(const char *s, time_t *out)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end || (*end && strcmp(end, "Z") && strcmp(end, "+00:00")))
		return -EINVAL;
	*out = timegm(&tm);
	return 0;
}

static int read_time(const struct yr *d, const yaml_node_t *m, const char *key, time_t *out)
{
	const yaml_node_t *n = yr_get(d, m, key);
	const char *s = yr_scalar(n);

	*out = 0;
	if (s && parse_time(s, out))
		return yr_bad(d, n, "a time must read like 2026-11-21T06:43:05Z");
	return 0;
}

static int read_counters(const struct yr *d, const yaml_node_t *m, struct hyp_snapshot *s)
{
	if (!m || yr_is_null(m))
		return 0;
	if (m->type != YAML_MAPPING_NODE)
		return yr_bad(d, m, "snapshot counters must be a map");
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
	     p < m->data.mapping.pairs.top && s->nctr < EVENTS_MAX; p++) {
		const char *k = yr_scalar(yr_node(d, p->key)), *v = yr_scalar(yr_node(d, p->value));

		if (!k || !v)
			continue;
		snprintf(s->ctr_name[s->nctr], sizeof(s->ctr_name[0]), "%s", k);
		s->ctr_value[s->nctr++] = strtod(v, NULL);
	}
	return 0;
}

static int read_snapshot(const struct yr *d, const yaml_node_t *m, struct hyp_snapshot *s)
{
	const yaml_node_t *win = yr_get(d, m, "window");
	const char *f = yr_scalar(yr_get(d, m, "function")),
		   *mod = yr_scalar(yr_get(d, m, "module"));
	const char *recent = yr_scalar(yr_get(d, win, "recent"));
	int e = 0;

	memset(s, 0, sizeof(*s));
	if (yr_is_null(m))
		return 0;
	if (m->type != YAML_MAPPING_NODE)
		return yr_bad(d, m, "snapshot must be a map");
	s->valid = 1;
	snprintf(s->function, sizeof(s->function), "%s", f ? f : "");
	snprintf(s->module, sizeof(s->module), "%s", mod ? mod : "");
	e |= yr_number(d, m, "self_pct", &s->self_pct) < 0;
	e |= yr_number(d, m, "total_pct", &s->total_pct) < 0;
	e |= yr_number(d, win, "from_s", &s->from_s) < 0;
	e |= yr_number(d, win, "to_s", &s->to_s) < 0;
	s->recent = recent && !strcmp(recent, "true");
	e |= yr_number(d, m, "cpu_pct", &s->cpu_pct) < 0;
	e |= yr_number(d, m, "rss_mib", &s->rss_mib) < 0;
	int sl = yr_number(d, m, "rss_slope_mib_per_min", &s->rss_slope_mib_min);

	e |= sl < 0;
	s->has_slope = sl == 0;
	e |= yr_number(d, m, "read_bytes_per_s", &s->read_bps) < 0;
	e |= yr_number(d, m, "write_bytes_per_s", &s->write_bps) < 0;
	return e ? -EINVAL : read_counters(d, yr_get(d, m, "counters"), s);
}

static int read_verdict(const char *s, enum verdict *v)
{
	for (int k = VERDICT_OPEN; k <= VERDICT_REJECTS; k++)
		if (s && !strcmp(s, verdict_name((enum verdict)k))) {
			*v = (enum verdict)k;
			return 0;
		}
	return -EINVAL;
}

static int read_one(const struct yr *d, const yaml_node_t *m, struct ledger *l, struct u64map *seen)
{
	const yaml_node_t *idn = yr_get(d, m, "id");
	const char *name = yr_scalar(yr_get(d, m, "name")), *ids = yr_scalar(idn);
	const char *ev = yr_scalar(yr_get(d, m, "evidence"));
	struct hypothesis h, *nh;
	char *end;
	unsigned long id;

	if (!m || m->type != YAML_MAPPING_NODE)
		return yr_bad(d, m, "a hypothesis must be a map");
	if (!name || !*name)
		return yr_bad(d, m, "a hypothesis needs a name");
	id = ids ? strtoul(ids, &end, 10) : 0;
	if (!ids || *end || !id || id > UINT_MAX || u64map_get(seen, id) != U64MAP_NONE)
		return yr_bad(d, idn ? idn : m,
			      "a hypothesis needs an id, a unique positive number");
	memset(&h, 0, sizeof(h));
	if (read_verdict(yr_scalar(yr_get(d, m, "verdict")), &h.verdict))
		return yr_bad(d, m, "verdict must be open, supports or rejects");
	if (read_time(d, m, "created_at", &h.created_at) ||
	    read_time(d, m, "marked_at", &h.marked_at) ||
	    read_snapshot(d, yr_get(d, m, "snapshot"), &h.snap))
		return -EINVAL;
	nh = ledger_add(l, name, h.created_at);
	if (!nh || (ev && ledger_set_evidence(l, nh->id, ev))) {
		snprintf(d->err, d->errlen, "out of memory");
		return -ENOMEM;
	}
	nh->id = (unsigned)id;
	if (u64map_put(seen, id, 1)) {
		snprintf(d->err, d->errlen, "out of memory");
		return -ENOMEM;
	}
	nh->verdict = h.verdict;
	nh->marked_at = h.marked_at;
	nh->snap = h.snap;
	if (l->next_id <= nh->id)
		l->next_id = nh->id + 1;
	return 0;
}

static int read_doc(const struct yr *d, struct ledger *l)
{
	yaml_node_t *root = yaml_document_get_root_node(d->doc), *list;

	if (!root || root->type != YAML_MAPPING_NODE)
		return yr_bad(d, root, "not a flametop ledger or export (no top-level map)");
	list = yr_get(d, root, "hypotheses");
	if (!list)
		return yr_bad(d, root, "no 'hypotheses' list");
	if (yr_is_null(list))
		return 0;
	if (list->type != YAML_SEQUENCE_NODE)
		return yr_bad(d, list, "'hypotheses' must be a list");
	/* Ids already taken, by a hash: a ledger of 10^5 hypotheses loads in
	 * linear time. The ones in L before the load count too. */
	struct u64map seen;
	int e = 0;

	u64map_init(&seen);
	for (size_t i = 0; i < l->n && !e; i++)
		e = u64map_put(&seen, l->v[i].id, 1);
	for (yaml_node_item_t *it = list->data.sequence.items.start;
	     !e && it < list->data.sequence.items.top; it++)
		e = read_one(d, yr_node(d, *it), l, &seen);
	u64map_clear(&seen);
	return e;
}

int ledger_yaml_load_doc(yaml_document_t *doc, struct ledger *l, char *err, size_t errlen)
{
	struct yr d = { doc, err, errlen };

	return read_doc(&d, l);
}

/* An export has a flametop header without "kind: ledger". */
static int doc_is_export(yaml_document_t *doc)
{
	struct yr d = { doc, NULL, 0 };
	const yaml_node_t *hdr = yr_get(&d, yaml_document_get_root_node(doc), "flametop");
	const char *kind = yr_scalar(yr_get(&d, hdr, "kind"));

	return hdr && !(kind && !strcmp(kind, "ledger"));
}

static int load_text(const char *text, size_t len, struct ledger *l, int *from_export, char *err,
		     size_t errlen)
{
	yaml_document_t doc;
	int e = yr_load(text, len, &doc, err, errlen);

	if (e)
		return e;
	if (from_export)
		*from_export = doc_is_export(&doc);
	e = ledger_yaml_load_doc(&doc, l, err, errlen);
	yaml_document_delete(&doc);
	return e;
}

int ledger_yaml_load(const char *text, size_t len, struct ledger *l, char *err, size_t errlen)
{
	return load_text(text, len, l, NULL, err, errlen);
}

int ledger_yaml_load_file(const char *path, struct ledger *l, int *from_export, char *err,
			  size_t errlen)
{
	size_t len = 0;
	char *text = safefile_slurp(path, 0, SAFEFILE_INPUT_MAX, &len), why[200];
	int e;

	if (from_export)
		*from_export = 0;
	if (!text) {
		e = errno ? -errno : -EIO;
		if (e != -ENOENT)
			snprintf(err, errlen, "cannot read ledger '%s': %s", path,
				 safefile_strerror(e));
		return e;
	}
	e = load_text(text, len, l, from_export, why, sizeof(why));
	if (e)
		snprintf(err, errlen, "ledger '%s': %s", path, why);
	free(text);
	return e;
}
