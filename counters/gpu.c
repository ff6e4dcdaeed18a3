/* gpu — probe for NVML and DRM render nodes. */
#include "gpu.h"

#include <dirent.h>
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

static int has_render_node(void)
{
	DIR *d = opendir("/dev/dri");
	struct dirent *e;
	int found = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		found |= !strncmp(e->d_name, "renderD", 7);
	closedir(d);
	return found;
}

enum gpu_source gpu_probe(char *desc, size_t len)
{
	void *h = dlopen("libnvidia-ml.so.1", RTLD_LAZY | RTLD_LOCAL);

	if (h) {
		dlclose(h);
		snprintf(desc, len, "NVIDIA driver found (NVML); per-process readings not read yet");
		return GPU_NVML;
	}
	if (has_render_node()) {
		snprintf(desc, len, "DRM render node found; fdinfo readings not read yet");
		return GPU_DRM;
	}
	snprintf(desc, len, "no GPU: no libnvidia-ml.so.1, no /dev/dri render node");
	return GPU_NONE;
}
