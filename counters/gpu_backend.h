/* gpu_backend — what each GPU reader provides; private to counters/gpu*.c. */
#ifndef FLAMETOP_GPU_BACKEND_H
#define FLAMETOP_GPU_BACKEND_H

#include "gpu.h"

struct gpu_backend {
	const char *name;
	enum gpu_source source;
	/* Returns the backend's state, or NULL with DESC saying why not. */
	void *(*open)(const char *proc_root, const char *sys_root, char *desc, size_t len);
	int (*read)(void *state, pid_t pid, double t_s, struct gpu_reading *out);
	void (*close)(void *state);
};

extern const struct gpu_backend gpu_nvml;
extern const struct gpu_backend gpu_drm;

#endif
