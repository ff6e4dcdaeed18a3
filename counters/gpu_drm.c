/* gpu_drm — AMD and Intel GPUs through DRM fdinfo: every DRM file the
 * target holds open tells, per client, how long each engine was busy and
 * how much memory the client has (Documentation/gpu/drm-usage-stats.rst).
 * amdgpu's sysfs adds the device-wide busy % and VRAM. */
#include "gpu_backend.h"

#include "procfs.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DRM_MAX_CLIENTS 32

struct drm_seen {
	struct gpu_drm_client c;
	double t_s;
};

struct drm {
	char proc[256], sys[256];
	char node[64], driver[32]; /* the first render node, for the name */
	struct drm_seen prev[DRM_MAX_CLIENTS];
	size_t nprev;
};

static struct gpu_drm_engine *engine(struct gpu_drm_client *c, const char *name, size_t len)
{
	for (size_t i = 0; i < c->nengines; i++)
		if (strlen(c->engine[i].name) == len && !strncmp(c->engine[i].name, name, len))
			return &c->engine[i];
	if (c->nengines == GPU_DRM_ENGINES || len >= sizeof(c->engine[0].name))
		return NULL;
	struct gpu_drm_engine *e = &c->engine[c->nengines++];

	memset(e, 0, sizeof(*e));
	memcpy(e->name, name, len);
	e->capacity = 1;
	return e;
}

/* "4468 KiB", "16 MiB", "0" → bytes. */
static uint64_t mem_value(const char *v)
{
	char unit[8] = "";
	unsigned long long x = 0;

	if (sscanf(v, "%llu %7s", &x, unit) < 1)
		return 0;
	if (!strcmp(unit, "KiB"))
		return x << 10;
	if (!strcmp(unit, "MiB"))
		return x << 20;
	if (!strcmp(unit, "GiB"))
		return x << 30;
	return x;
}

enum mem_kind { MEM_RESIDENT, MEM_MEMORY, MEM_TOTAL, MEM_KINDS };

static void engine_line(struct gpu_drm_client *c, const char *key, const char *v)
{
	static const char *const pre[] = { "drm-engine-capacity-", "drm-engine-",
					   "drm-total-cycles-", "drm-cycles-" };
	unsigned long long x = strtoull(v, NULL, 10);

	for (int k = 0; k < 4; k++) {
		size_t pl = strlen(pre[k]);
		struct gpu_drm_engine *e;

		if (strncmp(key, pre[k], pl))
			continue;
		e = engine(c, key + pl, strlen(key + pl));
		if (!e)
			return;
		if (k == 0)
			e->capacity = x ? (unsigned)x : 1;
		else if (k == 1)
			e->busy_ns = x;
		else if (k == 2)
			e->total_cycles = x;
		else
			e->cycles = x;
		return;
	}
}

static void parse_line(struct gpu_drm_client *c, char *line, uint64_t mem[MEM_KINDS], int *id)
{
	static const char *const mem_pre[MEM_KINDS] = { "drm-resident-", "drm-memory-",
							"drm-total-" };
	char *colon = strchr(line, ':'), *v;

	if (!colon || strncmp(line, "drm-", 4))
		return;
	*colon = 0;
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		;
	if (!strcmp(line, "drm-driver"))
		snprintf(c->driver, sizeof(c->driver), "%s", v);
	else if (!strcmp(line, "drm-pdev"))
		snprintf(c->pdev, sizeof(c->pdev), "%s", v);
	else if (!strcmp(line, "drm-client-id"))
		c->client_id = strtoull(v, NULL, 10), *id = 1;
	else if (!strncmp(line, "drm-engine-", 11) || strstr(line, "cycles-"))
		engine_line(c, line, v);
	else
		for (int k = 0; k < MEM_KINDS; k++)
			if (!strncmp(line, mem_pre[k], strlen(mem_pre[k])))
				mem[k] += mem_value(v);
}

int gpu_drm_parse_fdinfo(const char *text, struct gpu_drm_client *c)
{
	char *copy = strdup(text), *save = NULL;
	uint64_t mem[MEM_KINDS] = { 0 };
	int id = 0;

	if (!copy)
		return -ENOMEM;
	memset(c, 0, sizeof(*c));
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		parse_line(c, l, mem, &id);
	free(copy);
	if (!c->driver[0] || !id)
		return -ENOENT;
	/* Resident is what occupies memory now; older amdgpu only says
	 * drm-memory-*; drm-total-* counts what was allocated. */
	c->mem_bytes = mem[MEM_RESIDENT] ? mem[MEM_RESIDENT]
		       : mem[MEM_MEMORY] ? mem[MEM_MEMORY]
					 : mem[MEM_TOTAL];
	return 0;
}

double gpu_drm_engine_pct(const struct gpu_drm_engine *a, const struct gpu_drm_engine *b,
			  uint64_t dt_ns)
{
	double pct = 0;
	unsigned cap = b->capacity ? b->capacity : 1;

	if (b->total_cycles > a->total_cycles && b->cycles >= a->cycles)
		pct = 100.0 * (double)(b->cycles - a->cycles) /
		      (double)(b->total_cycles - a->total_cycles);
	else if (dt_ns && b->busy_ns >= a->busy_ns)
		pct = 100.0 * (double)(b->busy_ns - a->busy_ns) / (double)dt_ns;
	pct /= cap;
	return pct > 100.0 ? 100.0 : pct;
}

/* The target's DRM clients, one per (device, client id): a dup'd or
 * inherited descriptor is the same client. */
static size_t scan_clients(const struct drm *d, pid_t pid, struct gpu_drm_client *out, size_t max)
{
	char dir[300], path[800], link[256];
	struct dirent *e;
	size_t n = 0;
	DIR *fds;

	snprintf(dir, sizeof(dir), "%s/%d/fd", d->proc, (int)pid);
	fds = opendir(dir);
	if (!fds)
		return 0;
	while ((e = readdir(fds)) && n < max) {
		ssize_t l;
		char *text;

		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		l = readlink(path, link, sizeof(link) - 1);
		if (l <= 0)
			continue;
		link[l] = 0;
		if (strncmp(link, "/dev/dri/", 9))
			continue;
		snprintf(path, sizeof(path), "%s/%d/fdinfo/%s", d->proc, (int)pid, e->d_name);
		text = procfs_slurp(path, NULL);
		if (text && gpu_drm_parse_fdinfo(text, &out[n]) == 0) {
			size_t k = 0;

			while (k < n && (out[k].client_id != out[n].client_id ||
					 strcmp(out[k].pdev, out[n].pdev)))
				k++;
			n += k == n;
		}
		free(text);
	}
	closedir(fds);
	return n;
}

static const struct drm_seen *seen_before(const struct drm *d, const struct gpu_drm_client *c)
{
	for (size_t i = 0; i < d->nprev; i++)
		if (d->prev[i].c.client_id == c->client_id && !strcmp(d->prev[i].c.pdev, c->pdev))
			return &d->prev[i];
	return NULL;
}

/* Busiest engine over the target's clients, engines of one name added up. */
static void busiest(const struct drm *d, const struct gpu_drm_client *c, size_t n, double t_s,
		    struct gpu_reading *o)
{
	struct gpu_drm_engine sum[GPU_DRM_ENGINES];
	double pct[GPU_DRM_ENGINES] = { 0 };
	size_t ns = 0;

	for (size_t i = 0; i < n; i++) {
		const struct drm_seen *p = seen_before(d, &c[i]);

		for (size_t k = 0; p && k < c[i].nengines; k++) {
			const struct gpu_drm_engine *b = &c[i].engine[k], *a = NULL;
			size_t j = 0;

			for (size_t m = 0; m < p->c.nengines; m++)
				if (!strcmp(p->c.engine[m].name, b->name))
					a = &p->c.engine[m];
			if (!a)
				continue;
			while (j < ns && strcmp(sum[j].name, b->name))
				j++;
			if (j == ns && ns < GPU_DRM_ENGINES)
				sum[ns++] = *b;
			if (j < ns)
				pct[j] +=
				    gpu_drm_engine_pct(a, b, (uint64_t)((t_s - p->t_s) * 1e9));
			o->has_proc_util = 1;
		}
	}
	for (size_t j = 0; j < ns; j++) {
		if (j == 0 || pct[j] > o->proc_util_pct) {
			o->proc_util_pct = pct[j] > 100 ? 100 : pct[j];
			snprintf(o->proc_engine, sizeof(o->proc_engine), "%.23s", sum[j].name);
		}
	}
}

/* amdgpu's device-wide figures; other drivers have no such files. */
static void device_wide(const struct drm *d, struct gpu_reading *o)
{
	char path[800];
	DIR *dir;
	struct dirent *e;

	snprintf(path, sizeof(path), "%s/class/drm", d->sys);
	dir = opendir(path);
	if (!dir)
		return;
	while ((e = readdir(dir))) {
		char base[600];
		int busy;

		if (strncmp(e->d_name, "renderD", 7))
			continue;
		snprintf(base, sizeof(base), "%s/class/drm/%s/device", d->sys, e->d_name);
		snprintf(path, sizeof(path), "%s/gpu_busy_percent", base);
		busy = procfs_read_int(path, -1);
		if (busy < 0)
			continue;
		if (!o->has_util || busy > o->util_pct)
			o->util_pct = busy;
		o->has_util = 1;
		snprintf(path, sizeof(path), "%s/mem_info_vram_used", base);
		char *u = procfs_slurp(path, NULL);
		snprintf(path, sizeof(path), "%s/mem_info_vram_total", base);
		char *t = procfs_slurp(path, NULL);
		if (u && t) {
			o->mem_used += strtoull(u, NULL, 10);
			o->mem_total += strtoull(t, NULL, 10);
			o->has_mem = 1;
		}
		free(u);
		free(t);
	}
	closedir(dir);
}

static int drm_read(void *state, pid_t pid, double t_s, struct gpu_reading *o)
{
	struct drm *d = state;
	struct gpu_drm_client c[DRM_MAX_CLIENTS];
	size_t n = scan_clients(d, pid, c, DRM_MAX_CLIENTS);

	snprintf(o->name, sizeof(o->name), "%.60s (%.31s)", d->node,
		 d->driver[0] ? d->driver : "DRM");
	o->devices = 1;
	device_wide(d, o);
	for (size_t i = 0; i < n; i++)
		o->proc_mem += c[i].mem_bytes;
	o->proc_found = n > 0;
	busiest(d, c, n, t_s, o);
	if (!n)
		snprintf(o->note, sizeof(o->note), "the target has no DRM client open");
	else if (!o->has_util)
		snprintf(o->note, sizeof(o->note), "device-wide utilisation: %s exposes none",
			 c[0].driver);
	for (size_t i = 0; i < n; i++)
		d->prev[i] = (struct drm_seen){ c[i], t_s };
	d->nprev = n;
	o->valid = 1;
	return 0;
}

static int first_render_node(struct drm *d)
{
	char path[800], link[256];
	struct dirent *e;
	DIR *dir;
	ssize_t l;

	snprintf(path, sizeof(path), "%s/class/drm", d->sys);
	dir = opendir(path);
	if (!dir)
		return -ENODEV;
	while ((e = readdir(dir)))
		if (!strncmp(e->d_name, "renderD", 7) &&
		    (!d->node[0] || strcmp(e->d_name, d->node) < 0))
			snprintf(d->node, sizeof(d->node), "%.63s", e->d_name);
	closedir(dir);
	if (!d->node[0])
		return -ENODEV;
	snprintf(path, sizeof(path), "%s/class/drm/%s/device/driver", d->sys, d->node);
	l = readlink(path, link, sizeof(link) - 1);
	if (l > 0) {
		link[l] = 0;
		snprintf(d->driver, sizeof(d->driver), "%.31s",
			 strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
	}
	return 0;
}

static void *drm_open(const char *proc_root, const char *sys_root, char *desc, size_t len)
{
	struct drm *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	snprintf(d->proc, sizeof(d->proc), "%s", proc_root);
	snprintf(d->sys, sizeof(d->sys), "%s", sys_root);
	if (first_render_node(d)) {
		snprintf(desc, len, "no DRM render node in %s/class/drm", sys_root);
		free(d);
		return NULL;
	}
	snprintf(desc, len, "DRM: %s (%s), read from the target's fdinfo", d->node,
		 d->driver[0] ? d->driver : "driver unknown");
	return d;
}

static void drm_close(void *state) { free(state); }

const struct gpu_backend gpu_drm = {
	.name = "drm",
	.source = GPU_DRM,
	.open = drm_open,
	.read = drm_read,
	.close = drm_close,
};
