/* gpu — what GPU readers this machine offers: NVIDIA's NVML (loaded with
 * dlopen, never linked) or DRM render nodes (AMD, Intel fdinfo).  A probe
 * only, so the GPU pane can say what is there and what it lacks. */
#ifndef FLAMETOP_GPU_H
#define FLAMETOP_GPU_H

#include <stddef.h>

enum gpu_source { GPU_NONE, GPU_NVML, GPU_DRM };

/* Looks for NVML, then DRM render nodes; writes a one-line description. */
enum gpu_source gpu_probe(char *desc, size_t len);

#endif
