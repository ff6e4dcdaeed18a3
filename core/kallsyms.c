/* kallsyms — parse once, binary-search per address. */
#include "kallsyms.h"

#include "grow.h"
#include "procfs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kallsyms {
	struct ksym *v;
	size_t len;
	char *text; /* owns the strings the entries point into */
};

static int cmp_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	if (x->addr != y->addr)
		return (x->addr > y->addr) - (x->addr < y->addr);
	/* Same address (aliases): keep file order, the first name is canonical. */
	return (x->name > y->name) - (x->name < y->name);
}

static int is_sorted(const struct kallsyms *k)
{
	for (size_t i = 1; i < k->len; i++)
		if (cmp_addr(&k->v[i - 1], &k->v[i]) > 0)
			return 0;
	return 1;
}

/* Drops aliases so one address has one name. */
static void dedupe(struct kallsyms *k)
{
	size_t j = 0;

	for (size_t i = 0; i < k->len; i++)
		if (j == 0 || k->v[j - 1].addr != k->v[i].addr)
			k->v[j++] = k->v[i];
	k->len = j;
}

static int is_text(char type) { return type == 't' || type == 'T' || type == 'w' || type == 'W'; }

/* Hex digits up to END; -1 on anything else. (strtoull's locale and base
 * handling showed up in start-up profiles: 120 000 lines are read.) */
static int parse_hex(const char *p, const char *end, uint64_t *out)
{
	uint64_t v = 0;

	if (p == end || end - p > 16)
		return -1;
	for (; p < end; p++) {
		unsigned c = (unsigned char)*p, d;

		if (c - '0' < 10)
			d = c - '0';
		else if ((c | 0x20) - 'a' < 6)
			d = (c | 0x20) - 'a' + 10;
		else
			return -1;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

/* Splits one line in place: "ADDR TYPE NAME [\t[MODULE]]". */
static int parse_line(char *line, struct ksym *out)
{
	char *sp1 = strchr(line, ' '), *name, *mod;

	if (!sp1 || !sp1[1] || sp1[2] != ' ' || !is_text(sp1[1]))
		return -1;
	if (parse_hex(line, sp1, &out->addr) || out->addr == 0)
		return -1;
	name = sp1 + 3;
	mod = strchr(name, '\t');
	out->module = "[kernel.kallsyms]";
	if (mod) {
		*mod++ = 0;
		if (*mod == '[')
			out->module = mod;
	}
	out->name = name;
	return 0;
}

struct kallsyms *kallsyms_parse(const char *src)
{
	struct kallsyms *k = calloc(1, sizeof(*k));
	size_t cap = 0;
	char *save = NULL;

	if (!k || !(k->text = strdup(src)))
		goto err;
	for (char *l = strtok_r(k->text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		struct ksym s;

		if (parse_line(l, &s))
			continue;
		if (grow_array(&k->v, &cap, k->len + 1, sizeof(*k->v)))
			goto err;
		k->v[k->len++] = s;
	}
	/* The kernel lists its own text in address order: sort only if needed. */
	if (!is_sorted(k))
		qsort(k->v, k->len, sizeof(*k->v), cmp_addr);
	dedupe(k);
	return k;
err:
	kallsyms_free(k);
	return NULL;
}

struct kallsyms *kallsyms_load(const char *path)
{
	char *text = procfs_slurp(path, NULL);
	struct kallsyms *k;

	if (!text)
		return NULL;
	k = kallsyms_parse(text);
	free(text);
	return k;
}

void kallsyms_free(struct kallsyms *k)
{
	if (!k)
		return;
	free(k->v);
	free(k->text);
	free(k);
}

const struct ksym *kallsyms_lookup(const struct kallsyms *k, uint64_t addr)
{
	size_t lo = 0, hi;

	if (!k || !k->len || addr < k->v[0].addr)
		return NULL;
	hi = k->len;
	while (hi - lo > 1) { /* invariant: v[lo].addr <= addr < v[hi].addr */
		size_t mid = lo + (hi - lo) / 2;

		if (k->v[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	return &k->v[lo];
}

size_t kallsyms_len(const struct kallsyms *k) { return k ? k->len : 0; }
