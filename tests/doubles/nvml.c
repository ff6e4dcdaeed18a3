/* A test double of NVIDIA's libnvidia-ml.so.1: two fixed devices and the
 * processes named in $FAKE_NVML_PIDS (comma-separated) running on them.
 *
 * It exports the names a real library of a given age would, chosen to
 * exercise flametop's fallbacks: nvmlInit_v2 but no nvmlInit; the compute
 * list only as _v2 (no _v3), with the 24-byte process struct; the graphics
 * list only unversioned, with the old 16-byte struct, and a decoy process
 * ahead of ours so that reading it with the wrong stride shows. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OK                0
#define INVALID_ARGUMENT  2
#define NOT_FOUND         6
#define INSUFFICIENT_SIZE 7
#define MIB               (1024ull * 1024ull)

struct dev {
	int index;
};
struct util {
	unsigned gpu, memory;
};
struct mem {
	unsigned long long total, free, used;
};
struct proc_v1 {
	unsigned pid;
	unsigned long long used;
};
struct proc_v2 {
	unsigned pid;
	unsigned long long used;
	unsigned gi, ci;
};
struct sample {
	unsigned pid;
	unsigned long long ts;
	unsigned sm, mem, enc, dec;
};

static struct dev devs[2] = { { 0 }, { 1 } };
static int inited;

/* The pids the test named, at most 8. */
static size_t pids(unsigned *out)
{
	const char *s = getenv("FAKE_NVML_PIDS");
	size_t n = 0;

	while (s && *s && n < 8) {
		char *end;
		unsigned long v = strtoul(s, &end, 10);

		if (end == s)
			break;
		out[n++] = (unsigned)v;
		s = *end == ',' ? end + 1 : end;
	}
	return n;
}

int nvmlInit_v2(void)
{
	inited = 1;
	return OK;
}
int nvmlShutdown(void)
{
	inited = 0;
	return OK;
}
const char *nvmlErrorString(int r) { return r == NOT_FOUND ? "Not Found" : "Fake NVML error"; }

int nvmlDeviceGetCount_v2(unsigned *n)
{
	*n = 2;
	return inited ? OK : 1;
}

int nvmlDeviceGetHandleByIndex_v2(unsigned i, struct dev **d)
{
	if (i > 1)
		return INVALID_ARGUMENT;
	*d = &devs[i];
	return OK;
}

int nvmlDeviceGetName(struct dev *d, char *name, unsigned len)
{
	(void)d;
	strncpy(name, "Fake H100 80GB HBM3", len);
	name[len - 1] = 0;
	return OK;
}

int nvmlDeviceGetUtilizationRates(struct dev *d, struct util *u)
{
	u->gpu = d->index == 0 ? 73 : 12;
	u->memory = 40;
	return OK;
}

int nvmlDeviceGetMemoryInfo(struct dev *d, struct mem *m)
{
	m->total = 80 * 1024 * MIB;
	m->used = (d->index == 0 ? 10 * 1024 : 1024) * MIB;
	m->free = m->total - m->used;
	return OK;
}

/* Compute contexts on device 0: 1536 MiB each. */
int nvmlDeviceGetComputeRunningProcesses_v2(struct dev *d, unsigned *count, struct proc_v2 *p)
{
	unsigned v[8];
	size_t n = d->index == 0 ? pids(v) : 0;

	if (*count < n) {
		*count = (unsigned)n;
		return INSUFFICIENT_SIZE;
	}
	for (size_t i = 0; i < n; i++)
		p[i] = (struct proc_v2){ v[i], 1536 * MIB, 0xffffffffu, 0xffffffffu };
	*count = (unsigned)n;
	return OK;
}

/* Graphics contexts on device 1, old layout: a decoy (pid 1, 64 MiB), then
 * each named pid with 256 MiB. */
int nvmlDeviceGetGraphicsRunningProcesses(struct dev *d, unsigned *count, struct proc_v1 *p)
{
	unsigned v[8];
	size_t n = d->index == 1 ? pids(v) : 0;

	if (!n) {
		*count = 0;
		return OK;
	}
	if (*count < n + 1) {
		*count = (unsigned)n + 1;
		return INSUFFICIENT_SIZE;
	}
	p[0] = (struct proc_v1){ 1, 64 * MIB };
	for (size_t i = 0; i < n; i++)
		p[i + 1] = (struct proc_v1){ v[i], 256 * MIB };
	*count = (unsigned)n + 1;
	return OK;
}

static unsigned long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (unsigned long long)ts.tv_sec * 1000000ull + (unsigned long long)ts.tv_nsec / 1000;
}

/* Device 0 has two samples per named pid, SM 40 % and 60 %, stamped a
 * millisecond ago and now, as a driver that samples continuously would;
 * device 1 never has any. */
int nvmlDeviceGetProcessUtilization(struct dev *d, struct sample *s, unsigned *count,
				    unsigned long long last_seen)
{
	unsigned v[8];
	unsigned long long now = now_us();
	size_t n = d->index == 0 && last_seen < now ? pids(v) : 0;

	if (!n)
		return NOT_FOUND;
	if (!s || *count < 2 * n) {
		*count = 2 * (unsigned)n;
		return INSUFFICIENT_SIZE;
	}
	for (size_t i = 0; i < n; i++) {
		s[2 * i] = (struct sample){ v[i], now - 1000, 40, 10, 0, 0 };
		s[2 * i + 1] = (struct sample){ v[i], now, 60, 10, 0, 0 };
	}
	*count = 2 * (unsigned)n;
	return OK;
}
