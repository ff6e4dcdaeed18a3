/* saved_compare — two exports (or an export and a live profile) as the
 * sides of a comparison: the profile each carries and the measured figures
 * its YAML holds (compare.c reads no file). */
#include "saved.h"

#include "compare.h"
#include "yamlr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A number at PATH (keys) in S's export; 0 when present. */
static int doc_number(const struct saved_report *s, const char *const *path, size_t n, double *out)
{
	struct yr d = { (yaml_document_t *)&s->doc, NULL, 0 };
	const yaml_node_t *m;

	if (s->folded || !s->doc.nodes.start)
		return -1;
	m = yaml_document_get_root_node(d.doc);
	for (size_t i = 0; m && i + 1 < n; i++)
		m = yr_get(&d, m, path[i]);
	return m && yr_number(&d, m, path[n - 1], out) == 0 ? 0 : -1;
}

static const char *const BASELINE[] = { "wall_time_ms",   "cpu_time_ms",    "user_time_ms",
					"sys_time_ms",    "memory_peak_mb", "io_read_bytes",
					"io_write_bytes", "off_cpu_pct" };

/* Off-CPU time by reason: baseline.off_cpu.by_reason_ms's keys, as
 * off_cpu_REASON_ms. */
static void reasons(const struct saved_report *s, struct compare_side *out)
{
	struct yr d = { (yaml_document_t *)&s->doc, NULL, 0 };
	const yaml_node_t *m;

	if (s->folded || !s->doc.nodes.start)
		return;
	m = yr_get(
	    &d, yr_get(&d, yr_get(&d, yaml_document_get_root_node(d.doc), "baseline"), "off_cpu"),
	    "by_reason_ms");
	if (!m || m->type != YAML_MAPPING_NODE)
		return;
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top;
	     p++) {
		const char *k = yr_scalar(yr_node(&d, p->key)),
			   *v = yr_scalar(yr_node(&d, p->value));
		char key[48], *end;
		double x;

		if (!k || !v || strlen(k) > 24)
			continue;
		x = strtod(v, &end);
		if (*end)
			continue;
		snprintf(key, sizeof(key), "off_cpu_%s_ms", k);
		compare_side_metric(out, key, x);
	}
}

/* S as a comparison's side: its profile and its baseline's figures. */
static void side_of(const struct saved_report *s, struct compare_side *out)
{
	memset(out, 0, sizeof(*out));
	out->profile = s->profile;
	out->by_name = s->folded;
	out->from = s;
	for (size_t i = 0; i < sizeof(BASELINE) / sizeof(*BASELINE); i++) {
		const char *path[2] = { "baseline", BASELINE[i] };
		double v;

		if (doc_number(s, path, 2, &v) == 0)
			compare_side_metric(out, BASELINE[i], v);
	}
	reasons(s, out);
}

int saved_compare(struct comparison *c, const struct saved_report *base,
		  const struct saved_report *after)
{
	struct compare_side side[2];

	side_of(base, &side[0]);
	side_of(after, &side[1]);
	return compare_build(c, &side[0], &side[1]);
}

int saved_compare_profile(struct comparison *c, const struct saved_report *base,
			  struct profile *after, const char *label, struct saved_report *hold)
{
	memset(hold, 0, sizeof(*hold));
	hold->profile = after;
	snprintf(hold->path, sizeof(hold->path), "%s", label);
	return saved_compare(c, base, hold);
}
