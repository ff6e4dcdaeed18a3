/* gpu — pick a GPU reader: NVML first (it sees every process on NVIDIA
 * devices), then DRM fdinfo (the target's own descriptors), else none. */
#include "gpu.h"

#include "gpu_backend.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gpu {
	const struct gpu_backend *ops; /* NULL: no GPU */
	void *state;
	char none[160];
};

static const struct gpu_backend *const backends[] = { &gpu_nvml, &gpu_drm };

struct gpu *gpu_open_source(enum gpu_source src, const char *proc_root, const char *sys_root,
			    char *desc, size_t len)
{
	struct gpu *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	for (size_t i = 0; i < sizeof(backends) / sizeof(*backends); i++) {
		if (backends[i]->source != src)
			continue;
		g->state = backends[i]->open(proc_root, sys_root, desc, len);
		if (!g->state) {
			free(g);
			return NULL;
		}
		g->ops = backends[i];
		return g;
	}
	snprintf(g->none, sizeof(g->none), "%s", desc);
	return g;
}

struct gpu *gpu_open(char *desc, size_t len)
{
	char why[2][160];
	struct gpu *g;

	for (size_t i = 0; i < sizeof(backends) / sizeof(*backends); i++) {
		g = gpu_open_source(backends[i]->source, "/proc", "/sys", why[i], sizeof(why[i]));
		if (g) {
			snprintf(desc, len, "%s", why[i]);
			return g;
		}
	}
	snprintf(desc, len, "no GPU: %s; %s", why[0], why[1]);
	return gpu_open_source(GPU_NONE, NULL, NULL, desc, len);
}

enum gpu_source gpu_source_of(const struct gpu *g)
{
	return g && g->ops ? g->ops->source : GPU_NONE;
}

int gpu_read(struct gpu *g, pid_t pid, double t_s, struct gpu_reading *out)
{
	memset(out, 0, sizeof(*out));
	if (!g || !g->ops) {
		snprintf(out->note, sizeof(out->note), "%.127s", g ? g->none : "no GPU");
		return -ENODEV;
	}
	return g->ops->read(g->state, pid, t_s, out);
}

void gpu_close(struct gpu *g)
{
	if (!g)
		return;
	if (g->ops)
		g->ops->close(g->state);
	free(g);
}
