/* gpu — the GPU the target uses, read the way nvtop reads it: NVIDIA's NVML
 * (loaded with dlopen, never linked, versioned symbols with fallbacks) or the
 * DRM fdinfo of the target's own file descriptors (amdgpu, i915, xe).
 *
 * A reader is opened once; each read gives device-wide figures and the
 * target's own share where the driver tells it.  No GPU is a reader too: it
 * says so in its description. */
#ifndef FLAMETOP_GPU_H
#define FLAMETOP_GPU_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum gpu_source { GPU_NONE, GPU_NVML, GPU_DRM };

struct gpu_reading {
	int valid;     /* something was read this time */
	char name[96]; /* device name; "(+N more)" when several */
	unsigned devices;
	int has_util; /* device-wide utilisation, the busiest device */
	double util_pct;
	int has_mem; /* device memory over all devices, bytes */
	uint64_t mem_used, mem_total;
	int proc_found;    /* the target holds a GPU context */
	uint64_t proc_mem; /* the target's GPU memory, bytes */
	int has_proc_util; /* the target's SM (NVML) or busiest engine (DRM) % */
	double proc_util_pct;
	char proc_engine[24]; /* DRM: which engine that was */
	char note[128];       /* what could not be read, and why */
};

struct gpu;

/* Probes NVML, then DRM render nodes; never NULL unless out of memory.
 * DESC gets a one-line description of what was found. */
struct gpu *gpu_open(char *desc, size_t len);
/* One backend, with the /proc and /sys roots it reads (tests point them at
 * fixtures). NULL when that backend is not available; DESC says why. */
struct gpu *gpu_open_source(enum gpu_source src, const char *proc_root, const char *sys_root,
			    char *desc, size_t len);
enum gpu_source gpu_source_of(const struct gpu *g);
/* Reads devices and PID's share; T_S is a monotonic time in seconds (busy
 * percentages are differences between two reads). Returns 0 or -errno. */
int gpu_read(struct gpu *g, pid_t pid, double t_s, struct gpu_reading *out);
void gpu_close(struct gpu *g);

/* DRM fdinfo (Documentation/gpu/drm-usage-stats.rst), parsed on its own for
 * the tests. */
#define GPU_DRM_ENGINES 16
struct gpu_drm_engine {
	char name[24];
	uint64_t busy_ns;              /* drm-engine-NAME (amdgpu, i915) */
	uint64_t cycles, total_cycles; /* drm-cycles-NAME, drm-total-cycles-NAME (xe) */
	unsigned capacity;             /* drm-engine-capacity-NAME, default 1 */
};

struct gpu_drm_client {
	char driver[32], pdev[32];
	uint64_t client_id;
	struct gpu_drm_engine engine[GPU_DRM_ENGINES];
	size_t nengines;
	uint64_t
	    mem_bytes; /* resident where the driver says, else drm-memory-*, else drm-total-* */
};

/* -ENOENT: not a DRM client (no drm-driver / drm-client-id line). */
int gpu_drm_parse_fdinfo(const char *text, struct gpu_drm_client *out);
/* Busy % of one engine between two reads of a client DT_NS apart. */
double gpu_drm_engine_pct(const struct gpu_drm_engine *before, const struct gpu_drm_engine *now,
			  uint64_t dt_ns);

#endif
