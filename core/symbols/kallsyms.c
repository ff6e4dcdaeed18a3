/* kallsyms — parse once, binary-search per address. */
#include "kallsyms.h"

#include "grow.h"
#include "procfs.h"
#include "safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* ---- the cache: "FTKS1\n" KEY "\n" COUNT " " TEXTBYTES "\n", then COUNT
 * entries {u64 addr, u32 name offset, u32 module offset} and the text ---- */

#define CACHE_MAGIC "FTKS1\n"
#define CACHE_MAX   (256u << 20)

struct cache_ent {
	uint64_t addr;
	uint32_t name, module;
};

/* Offsets of S's strings in a text block being built: the module names
 * are few and repeat, so each is written once. */
static int put_str(char **text, size_t *len, size_t *cap, const char *s, uint32_t *off)
{
	size_t n = strlen(s) + 1;

	if (grow_array(text, cap, *len + n, 1) || *len + n > UINT32_MAX)
		return -ENOMEM;
	memcpy(*text + *len, s, n);
	*off = (uint32_t)*len;
	*len += n;
	return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -EIO;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int kallsyms_save(const struct kallsyms *k, const char *path, const char *key)
{
	struct cache_ent *ents = calloc(k->len + 1, sizeof(*ents));
	char *text = NULL, head[512], tmp[4096];
	size_t len = 0, cap = 0;
	const char *last_mod = NULL;
	uint32_t mod_off = 0;
	int fd, e = 0;

	if (!ents)
		return -ENOMEM;
	for (size_t i = 0; i < k->len && !e; i++) {
		ents[i].addr = k->v[i].addr;
		e = put_str(&text, &len, &cap, k->v[i].name, &ents[i].name);
		if (!e && (!last_mod || strcmp(last_mod, k->v[i].module)))
			e = put_str(&text, &len, &cap, k->v[i].module, &mod_off);
		last_mod = k->v[i].module;
		ents[i].module = mod_off;
	}
	snprintf(head, sizeof(head), CACHE_MAGIC "%s\n%zu %zu\n", key, k->len, len);
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	fd = e ? -1 : open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		e = e ? e : -errno;
	} else {
		e = write_all(fd, head, strlen(head));
		if (!e)
			e = write_all(fd, ents, k->len * sizeof(*ents));
		if (!e)
			e = write_all(fd, text, len);
		if (close(fd) && !e)
			e = -EIO;
		if (!e && rename(tmp, path))
			e = -errno;
		if (e)
			unlink(tmp);
	}
	free(ents);
	free(text);
	return e;
}

struct kallsyms *kallsyms_read_cache(const char *path, const char *key)
{
	size_t len = 0, n, tlen, klen = strlen(key), m = strlen(CACHE_MAGIC);
	char *buf = safefile_slurp(path, SAFEFILE_NOFOLLOW | SAFEFILE_OWN, CACHE_MAX, &len), *p,
	     *end;
	struct kallsyms *k = NULL;
	const struct cache_ent *ents;

	if (!buf || len < m + klen + 1 || memcmp(buf, CACHE_MAGIC, m) ||
	    memcmp(buf + m, key, klen) || buf[m + klen] != '\n')
		goto out;
	p = buf + m + klen + 1;
	if (!(end = memchr(p, '\n', len - (size_t)(p - buf))) ||
	    sscanf(p, "%zu %zu", &n, &tlen) != 2)
		goto out;
	p = end + 1;
	ents = (const void *)p;
	if (n > len / sizeof(*ents) || (size_t)(p - buf) + n * sizeof(*ents) + tlen != len ||
	    !tlen || buf[len - 1] != 0 || !(k = calloc(1, sizeof(*k))) ||
	    !(k->v = calloc(n + 1, sizeof(*k->v))) || !(k->text = malloc(tlen))) {
		kallsyms_free(k);
		k = NULL;
		goto out;
	}
	memcpy(k->text, p + n * sizeof(*ents), tlen);
	for (size_t i = 0; i < n; i++) {
		struct cache_ent e;

		memcpy(&e, ents + i, sizeof(e));
		if (e.name >= tlen || e.module >= tlen || (i && e.addr < k->v[i - 1].addr)) {
			kallsyms_free(k);
			k = NULL;
			goto out;
		}
		k->v[i] = (struct ksym){ e.addr, k->text + e.name, k->text + e.module };
	}
	k->len = n;
out:
	free(buf);
	return k;
}

/* This boot, these modules where they are: the addresses' key. */
static int cache_key(char *key, size_t len)
{
	char *boot = procfs_slurp("/proc/sys/kernel/random/boot_id", NULL);
	char *mods = procfs_slurp("/proc/modules", NULL);
	uint64_t h = 1469598103934665603ull;

	if (!boot) {
		free(mods);
		return -1;
	}
	for (const char *c = mods ? mods : ""; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ull;
	boot[strcspn(boot, "\n")] = 0;
	snprintf(key, len, "%s %016llx", boot, (unsigned long long)h);
	free(boot);
	free(mods);
	return 0;
}

/* DIR is ours and no one else may write in it (made so if absent). */
static int own_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return -1;
	return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
		       !(st.st_mode & 022)
		   ? 0
		   : -1;
}

struct kallsyms *kallsyms_load_cached(const char *cache_dir)
{
	char key[256], path[4096];
	struct kallsyms *k;

	if (!cache_dir || cache_key(key, sizeof(key)) || own_dir(cache_dir) ||
	    snprintf(path, sizeof(path), "%s/kallsyms", cache_dir) >= (int)sizeof(path))
		return kallsyms_load("/proc/kallsyms");
	if ((k = kallsyms_read_cache(path, key)))
		return k;
	k = kallsyms_load("/proc/kallsyms");
	if (k && k->len)
		kallsyms_save(k, path, key); /* a failure costs the next run a parse */
	return k;
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
