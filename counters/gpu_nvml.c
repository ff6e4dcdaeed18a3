/* gpu_nvml — NVIDIA devices through NVML, loaded with dlopen so flametop
 * neither links against nor needs the driver.
 *
 * NVML renames functions when their structs grow (nvmlInit_v2,
 * ..._v3): each entry point is looked up newest name first, and the
 * process-list calls remember which layout the name they found takes. */
#include "gpu_backend.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NVML_SUCCESS                 0
#define NVML_ERROR_NOT_FOUND         6
#define NVML_ERROR_INSUFFICIENT_SIZE 7
#define NVML_VALUE_NOT_AVAILABLE     (~0ull)
#define NVML_MAX_DEVICES             16
#define NVML_MAX_PROCS               256

typedef int nvml_ret;
typedef void *nvml_dev;

struct nvml_util {
	unsigned gpu, memory;
};
struct nvml_mem {
	unsigned long long total, free, used;
};
/* nvmlProcessInfo_v1_t, taken by the unversioned process-list calls. */
struct nvml_proc_v1 {
	unsigned pid;
	unsigned long long used;
};
/* nvmlProcessInfo_v2_t, taken by the _v2 and _v3 calls. */
struct nvml_proc_v2 {
	unsigned pid;
	unsigned long long used;
	unsigned gi, ci;
};
struct nvml_proc_sample {
	unsigned pid;
	unsigned long long ts;
	unsigned sm, mem, enc, dec;
};

typedef nvml_ret (*nvml_procs_fn)(nvml_dev, unsigned *, void *);

struct nvml {
	void *lib;
	nvml_ret (*init)(void);
	nvml_ret (*shutdown)(void);
	const char *(*error_string)(nvml_ret);
	nvml_ret (*count)(unsigned *);
	nvml_ret (*handle)(unsigned, nvml_dev *);
	nvml_ret (*name)(nvml_dev, char *, unsigned);
	nvml_ret (*util)(nvml_dev, struct nvml_util *);
	nvml_ret (*mem)(nvml_dev, struct nvml_mem *);
	nvml_procs_fn procs[2]; /* compute, graphics */
	size_t proc_size[2];    /* the struct the found name takes */
	nvml_ret (*proc_util)(nvml_dev, struct nvml_proc_sample *, unsigned *, unsigned long long);
	nvml_dev dev[NVML_MAX_DEVICES];
	unsigned ndev;
	unsigned long long last_seen[NVML_MAX_DEVICES];
	char names[NVML_MAX_DEVICES][64];
};

/* The first of NAMES (a NULL-terminated list, newest first) the library
 * exports; *WHICH gets its index. */
static void *sym_first(void *lib, const char *const *names, int *which)
{
	for (int i = 0; names[i]; i++) {
		void *f = dlsym(lib, names[i]);

		if (f) {
			if (which)
				*which = i;
			return f;
		}
	}
	return NULL;
}

#define SYM(lib, ...) sym_first((lib), (const char *const[]){ __VA_ARGS__, NULL }, NULL)

static void bind_procs(struct nvml *n, int k, const char *base)
{
	char v3[96], v2[96];
	int which = 0;

	snprintf(v3, sizeof(v3), "%s_v3", base);
	snprintf(v2, sizeof(v2), "%s_v2", base);
	n->procs[k] =
	    (nvml_procs_fn)sym_first(n->lib, (const char *const[]){ v3, v2, base, NULL }, &which);
	n->proc_size[k] = which < 2 ? sizeof(struct nvml_proc_v2) : sizeof(struct nvml_proc_v1);
}

static int bind(struct nvml *n)
{
	*(void **)&n->init = SYM(n->lib, "nvmlInit_v2", "nvmlInit");
	*(void **)&n->shutdown = SYM(n->lib, "nvmlShutdown");
	*(void **)&n->error_string = SYM(n->lib, "nvmlErrorString");
	*(void **)&n->count = SYM(n->lib, "nvmlDeviceGetCount_v2", "nvmlDeviceGetCount");
	*(void **)&n->handle =
	    SYM(n->lib, "nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByIndex");
	*(void **)&n->name = SYM(n->lib, "nvmlDeviceGetName");
	*(void **)&n->util = SYM(n->lib, "nvmlDeviceGetUtilizationRates");
	*(void **)&n->mem = SYM(n->lib, "nvmlDeviceGetMemoryInfo");
	*(void **)&n->proc_util = SYM(n->lib, "nvmlDeviceGetProcessUtilization");
	bind_procs(n, 0, "nvmlDeviceGetComputeRunningProcesses");
	bind_procs(n, 1, "nvmlDeviceGetGraphicsRunningProcesses");
	/* Without these nothing can be read; the rest are optional. */
	return n->init && n->shutdown && n->count && n->handle ? 0 : -ENOSYS;
}

static const char *nvml_err(const struct nvml *n, nvml_ret r)
{
	static char buf[32];
	const char *s = n->error_string ? n->error_string(r) : NULL;

	if (s)
		return s;
	snprintf(buf, sizeof(buf), "NVML error %d", r);
	return buf;
}

static int find_devices(struct nvml *n, char *desc, size_t len)
{
	unsigned count = 0;
	nvml_ret r = n->count(&count);

	if (r != NVML_SUCCESS || count == 0) {
		snprintf(desc, len, "NVML: %s", r ? nvml_err(n, r) : "no devices");
		return -ENODEV;
	}
	for (unsigned i = 0; i < count && n->ndev < NVML_MAX_DEVICES; i++) {
		nvml_dev d;

		if (n->handle(i, &d) != NVML_SUCCESS)
			continue;
		snprintf(n->names[n->ndev], sizeof(n->names[0]), "GPU %u", i);
		if (n->name)
			n->name(d, n->names[n->ndev], sizeof(n->names[0]));
		n->dev[n->ndev++] = d;
	}
	if (!n->ndev) {
		snprintf(desc, len, "NVML: no device could be opened");
		return -ENODEV;
	}
	snprintf(desc, len, "NVML: %u device%s, %s", n->ndev, n->ndev > 1 ? "s" : "", n->names[0]);
	return 0;
}

static void nvml_close(void *state)
{
	struct nvml *n = state;

	if (!n)
		return;
	n->shutdown();
	dlclose(n->lib);
	free(n);
}

static void *nvml_open(const char *proc_root, const char *sys_root, char *desc, size_t len)
{
	struct nvml *n = calloc(1, sizeof(*n));
	nvml_ret r;

	if (!n)
		return NULL;
	n->lib = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!n->lib) {
		snprintf(desc, len, "no NVIDIA driver (libnvidia-ml.so.1 not found)");
		goto err_free;
	}
	if (bind(n)) {
		snprintf(desc, len, "libnvidia-ml.so.1 lacks nvmlInit/nvmlDeviceGetCount");
		goto err_close;
	}
	r = n->init();
	if (r != NVML_SUCCESS) {
		snprintf(desc, len, "NVML: %s", nvml_err(n, r));
		goto err_close;
	}
	if (find_devices(n, desc, len)) {
		n->shutdown();
		goto err_close;
	}
	return n;
err_close:
	dlclose(n->lib);
err_free:
	free(n);
	return NULL;
}

/* The target's memory on one device, over its compute and graphics
 * contexts; returns whether the target was in either list. */
static int proc_memory(struct nvml *n, nvml_dev d, pid_t pid, uint64_t *bytes)
{
	unsigned char buf[NVML_MAX_PROCS * sizeof(struct nvml_proc_v2)];
	int found = 0;

	for (int k = 0; k < 2; k++) {
		unsigned cnt = NVML_MAX_PROCS;

		if (!n->procs[k] || n->procs[k](d, &cnt, buf) != NVML_SUCCESS)
			continue;
		for (unsigned i = 0; i < cnt && i < NVML_MAX_PROCS; i++) {
			const unsigned char *e = buf + i * n->proc_size[k];
			struct nvml_proc_v1 p;

			/* Both layouts start with pid then used memory. */
			memcpy(&p.pid, e, sizeof(p.pid));
			memcpy(&p.used, e + offsetof(struct nvml_proc_v1, used), sizeof(p.used));
			if ((pid_t)p.pid != pid)
				continue;
			/* The same context can be in both lists: count it once. */
			if (!found && p.used != NVML_VALUE_NOT_AVAILABLE)
				*bytes += p.used;
			found = 1;
		}
	}
	return found;
}

/* The target's SM utilisation on device I since the last read: the mean of
 * the driver's samples for it. Returns -1 when none could be read. */
static double proc_sm(struct nvml *n, unsigned i, pid_t pid)
{
	struct nvml_proc_sample *s;
	unsigned cnt = 0;
	nvml_ret r;
	double sum = 0;
	int seen = 0;

	if (!n->proc_util)
		return -1;
	r = n->proc_util(n->dev[i], NULL, &cnt, n->last_seen[i]);
	if (r == NVML_ERROR_NOT_FOUND || (r == NVML_SUCCESS && !cnt))
		return 0; /* no samples since the last read: idle */
	if (r != NVML_ERROR_INSUFFICIENT_SIZE)
		return -1;
	s = calloc(cnt, sizeof(*s));
	if (!s || n->proc_util(n->dev[i], s, &cnt, n->last_seen[i]) != NVML_SUCCESS) {
		free(s);
		return -1;
	}
	for (unsigned k = 0; k < cnt; k++) {
		if (s[k].ts > n->last_seen[i])
			n->last_seen[i] = s[k].ts;
		if ((pid_t)s[k].pid == pid)
			sum += s[k].sm, seen++;
	}
	free(s);
	return seen ? sum / seen : 0;
}

static void read_device(struct nvml *n, unsigned i, pid_t pid, struct gpu_reading *o)
{
	struct nvml_util u;
	struct nvml_mem m;
	uint64_t pm = 0;

	if (n->util && n->util(n->dev[i], &u) == NVML_SUCCESS) {
		if (!o->has_util || u.gpu > o->util_pct)
			o->util_pct = u.gpu;
		o->has_util = 1;
	}
	if (n->mem && n->mem(n->dev[i], &m) == NVML_SUCCESS) {
		o->mem_used += m.used;
		o->mem_total += m.total;
		o->has_mem = 1;
	}
	if (proc_memory(n, n->dev[i], pid, &pm)) {
		double sm = proc_sm(n, i, pid);

		o->proc_found = 1;
		o->proc_mem += pm;
		if (sm >= 0 && (!o->has_proc_util || sm > o->proc_util_pct)) {
			o->proc_util_pct = sm;
			o->has_proc_util = 1;
		}
	}
}

static int nvml_read(void *state, pid_t pid, double t_s, struct gpu_reading *o)
{
	struct nvml *n = state;

	o->devices = n->ndev;
	if (n->ndev > 1)
		snprintf(o->name, sizeof(o->name), "%s (+%u more)", n->names[0], n->ndev - 1);
	else
		snprintf(o->name, sizeof(o->name), "%s", n->names[0]);
	for (unsigned i = 0; i < n->ndev; i++)
		read_device(n, i, pid, o);
	if (!o->proc_found)
		snprintf(o->note, sizeof(o->note), "the target has no GPU context");
	else if (!o->has_proc_util)
		snprintf(o->note, sizeof(o->note),
			 "per-process utilisation not reported by the driver");
	o->valid = o->has_util || o->has_mem || o->proc_found;
	return o->valid ? 0 : -EIO;
}

const struct gpu_backend gpu_nvml = {
	.name = "nvml",
	.source = GPU_NVML,
	.open = nvml_open,
	.read = nvml_read,
	.close = nvml_close,
};
