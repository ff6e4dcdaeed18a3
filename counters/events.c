/* events — libpfm4 encoding, listing and suggestions. */
#include "events.h"

#include <ctype.h>
#include <errno.h>
#include <perfmon/pfmlib_perf_event.h>
#include <string.h>
#include <unistd.h>

static const char *const default_hw[] = { "cycles",       "instructions", "cache-references",
					  "cache-misses", "branches",     "branch-misses" };
static const char *const default_sw[] = { "cpu-clock",      "task-clock",  "context-switches",
					  "cpu-migrations", "page-faults", "major-faults" };

static int pfm_ready(void)
{
	static int state; /* 0 untried, 1 ready, -1 failed */

	if (!state)
		state = pfm_initialize() == PFM_SUCCESS ? 1 : -1;
	return state > 0;
}

int events_is_software(const struct perf_event_attr *a)
{
	return a->type == PERF_TYPE_SOFTWARE || a->type == PERF_TYPE_TRACEPOINT;
}

static int ieq(char a, char b) { return tolower((unsigned char)a) == tolower((unsigned char)b); }

/* Levenshtein distance, case-insensitive, capped at CAP + 1. */
static size_t distance(const char *a, const char *b, size_t cap)
{
	size_t la = strlen(a), lb = strlen(b), row[65];

	if (la > 64 || lb > 64)
		return cap + 1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0], best;

		row[0] = best = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], v = diag + !ieq(a[i - 1], b[j - 1]);

			if (up + 1 < v)
				v = up + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			row[j] = v;
			diag = up;
			if (v < best)
				best = v;
		}
		if (best > cap)
			return cap + 1;
	}
	return row[lb];
}

/* The name a user types: "cache-misses" for perf's generic events,
 * "PMU::EVENT" for the others; "" for names nobody types. */
static void typed_name(const pfm_pmu_info_t *pi, const pfm_event_info_t *ei, char *buf, size_t len)
{
	buf[0] = 0;
	if (strcmp(pi->name, "perf_raw") == 0)
		return;
	if (strcmp(pi->name, "perf") == 0) {
		size_t i = 0;

		if (strncmp(ei->name, "PERF_COUNT_", 11) == 0)
			return;
		for (; ei->name[i] && i + 1 < len; i++)
			buf[i] = (char)tolower((unsigned char)ei->name[i]);
		buf[i] = 0;
		return;
	}
	snprintf(buf, len, "%s::%s", pi->name, ei->name);
}

typedef void (*event_fn)(const pfm_pmu_info_t *pi, const pfm_event_info_t *ei, int idx, void *arg);

/* Calls FN for every event of every PMU libpfm4 detects here. */
static void for_each_event(event_fn fn, void *arg)
{
	pfm_pmu_t p;

	if (!pfm_ready())
		return;
	pfm_for_all_pmus(p)
	{
		pfm_pmu_info_t pi;

		memset(&pi, 0, sizeof(pi));
		pi.size = sizeof(pi);
		if (pfm_get_pmu_info(p, &pi) != PFM_SUCCESS || !pi.is_present)
			continue;
		for (int i = pi.first_event; i != -1; i = pfm_get_event_next(i)) {
			pfm_event_info_t ei;

			memset(&ei, 0, sizeof(ei));
			ei.size = sizeof(ei);
			if (pfm_get_event_info(i, PFM_OS_PERF_EVENT_EXT, &ei) == PFM_SUCCESS)
				fn(&pi, &ei, i, arg);
		}
	}
}

struct suggest {
	const char *bad;
	char (*out)[64];
	size_t dist[8], n, max, cap;
};

static void consider(const pfm_pmu_info_t *pi, const pfm_event_info_t *ei, int idx, void *arg)
{
	struct suggest *s = arg;
	char name[64];
	size_t d, at;

	(void)idx;
	typed_name(pi, ei, name, sizeof(name));
	if (!name[0] || (d = distance(s->bad, name, s->cap)) > s->cap)
		return;
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->out[i], name) == 0)
			return;
	for (at = s->n; at > 0 && s->dist[at - 1] > d; at--)
		;
	if (at >= s->max)
		return;
	if (s->n < s->max)
		s->n++;
	memmove(&s->out[at + 1], &s->out[at], (s->n - 1 - at) * sizeof(*s->out));
	memmove(&s->dist[at + 1], &s->dist[at], (s->n - 1 - at) * sizeof(*s->dist));
	snprintf(s->out[at], sizeof(*s->out), "%s", name);
	s->dist[at] = d;
}

size_t events_suggest(const char *bad, char (*out)[64], size_t max)
{
	char base[64];
	const char *colon = strstr(bad, "::") ? NULL : strchr(bad, ':');
	struct suggest s = { .bad = base, .out = out, .max = max > 8 ? 8 : max };

	snprintf(base, sizeof(base), "%.*s", colon ? (int)(colon - bad) : 63, bad);
	s.cap = strlen(base) / 3 > 2 ? strlen(base) / 3 : 2;
	for_each_event(consider, &s);
	return s.n;
}

static void unknown_event(const char *str, char *err, size_t len)
{
	char near[3][64];
	size_t n = events_suggest(str, near, 3);
	int w = snprintf(err, len, "unknown event '%s'", str);

	for (size_t i = 0; i < n && w > 0 && (size_t)w < len; i++)
		w += snprintf(err + w, len - (size_t)w, "%s%s",
			      i ? ", " : "; did you mean: ", near[i]);
	if (w > 0 && (size_t)w < len)
		snprintf(err + w, len - (size_t)w, " (flametop --list-events lists them)");
}

int events_encode(const char *str, struct event_spec *out, char *err, size_t len)
{
	pfm_perf_encode_arg_t arg;
	int r;

	memset(out, 0, sizeof(*out));
	if (!*str || strlen(str) >= sizeof(out->name)) {
		snprintf(err, len, "invalid event name '%s'", str);
		return -EINVAL;
	}
	if (!pfm_ready()) {
		snprintf(err, len, "libpfm4 could not be initialised: events by name unavailable");
		return -ENOSYS;
	}
	memset(&arg, 0, sizeof(arg));
	arg.size = sizeof(arg);
	arg.attr = &out->attr;
	r = pfm_get_os_event_encoding(str, PFM_PLM0 | PFM_PLM3, PFM_OS_PERF_EVENT_EXT, &arg);
	if (r == PFM_ERR_NOTFOUND) {
		unknown_event(str, err, len);
		return -ENOENT;
	}
	if (r != PFM_SUCCESS) {
		snprintf(err, len, "invalid event '%s': %s", str, pfm_strerror(r));
		return -EINVAL;
	}
	out->attr.size = sizeof(out->attr);
	out->has_period = !out->attr.freq && out->attr.sample_period;
	snprintf(out->name, sizeof(out->name), "%s", str);
	return 0;
}

int events_parse_list(const char *csv, struct event_spec *out, char *err, size_t len)
{
	int n = 0, items = 1;
	const char *p = csv;

	for (const char *q = csv; *q; q++)
		items += *q == ',';
	if (items > EVENTS_MAX) {
		snprintf(err, len, "too many events in '%s': at most %d in one group", csv,
			 EVENTS_MAX);
		return -E2BIG;
	}
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t l = comma ? (size_t)(comma - p) : strlen(p);
		char one[128];
		int e;

		if (l == 0 || l >= sizeof(one)) {
			snprintf(err, len, "invalid event list '%s'", csv);
			return -EINVAL;
		}
		memcpy(one, p, l);
		one[l] = 0;
		e = events_encode(one, &out[n], err, len);
		if (e)
			return e;
		n++;
		if (!comma)
			return n;
		p = comma + 1;
	}
}

static int encode_set(const char *const *names, size_t n, struct event_spec *out)
{
	char err[256];
	int k = 0;

	for (size_t i = 0; i < n; i++)
		if (events_encode(names[i], &out[k], err, sizeof(err)) == 0)
			k++;
	return k;
}

int events_default_hw(struct event_spec *out)
{
	return encode_set(default_hw, sizeof(default_hw) / sizeof(*default_hw), out);
}

int events_default_sw(struct event_spec *out)
{
	return encode_set(default_sw, sizeof(default_sw) / sizeof(*default_sw), out);
}

enum event_role events_role(const struct perf_event_attr *a)
{
	if (a->type != PERF_TYPE_HARDWARE)
		return ROLE_NONE;
	switch (a->config) {
	case PERF_COUNT_HW_CPU_CYCLES:
		return ROLE_CYCLES;
	case PERF_COUNT_HW_INSTRUCTIONS:
		return ROLE_INSTRUCTIONS;
	case PERF_COUNT_HW_CACHE_REFERENCES:
		return ROLE_CACHE_REFS;
	case PERF_COUNT_HW_CACHE_MISSES:
		return ROLE_CACHE_MISSES;
	case PERF_COUNT_HW_BRANCH_INSTRUCTIONS:
		return ROLE_BRANCHES;
	case PERF_COUNT_HW_BRANCH_MISSES:
		return ROLE_BRANCH_MISSES;
	default:
		return ROLE_NONE;
	}
}

static int icontains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return n == 0;
}

struct lister {
	FILE *f;
	const char *filter;
	const char *last_pmu;
	long n;
};

static void list_umasks(FILE *f, const pfm_event_info_t *ei, int idx)
{
	for (int a = 0; a < ei->nattrs; a++) {
		pfm_event_attr_info_t ai;

		memset(&ai, 0, sizeof(ai));
		ai.size = sizeof(ai);
		if (pfm_get_event_attr_info(idx, a, PFM_OS_PERF_EVENT_EXT, &ai) == PFM_SUCCESS &&
		    ai.type == PFM_ATTR_UMASK)
			fprintf(f, "      :%s\n", ai.name);
	}
}

static void list_one(const pfm_pmu_info_t *pi, const pfm_event_info_t *ei, int idx, void *arg)
{
	struct lister *l = arg;
	char full[160];

	snprintf(full, sizeof(full), "%s::%s", pi->name, ei->name);
	if (l->filter && !icontains(full, l->filter))
		return;
	if (!l->last_pmu || strcmp(l->last_pmu, pi->name)) {
		fprintf(l->f, "%s%s: %s\n", l->last_pmu ? "\n" : "", pi->name,
			pi->desc ? pi->desc : "");
		l->last_pmu = pi->name;
	}
	fprintf(l->f, "  %-40s %.100s\n", full, ei->desc ? ei->desc : "");
	if (strcmp(pi->name, "perf") && strcmp(pi->name, "perf_raw"))
		list_umasks(l->f, ei, idx);
	l->n++;
}

long events_list(FILE *f, const char *filter)
{
	struct lister l = { .f = f, .filter = filter };

	if (!pfm_ready())
		return -ENOSYS;
	if (access("/sys/bus/event_source/devices/cpu", F_OK) &&
	    access("/sys/bus/event_source/devices/cpu_core", F_OK))
		fprintf(f, "note: the kernel exposes no CPU PMU here (virtual machine?): hardware "
			   "events will not open; software events (perf::) will.\n\n");
	for_each_event(list_one, &l);
	return l.n;
}
