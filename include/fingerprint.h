/* fingerprint — the machine a profile was taken on. */
#ifndef FLAMETOP_FINGERPRINT_H
#define FLAMETOP_FINGERPRINT_H

struct fingerprint {
	char hostname[256];
	char kernel[160];
	char cpu_model[256];
	int cores;    /* online CPUs */
	int smt;      /* 1 on, 0 off, -1 unknown */
	int paranoid; /* kernel.perf_event_paranoid, or -99 when unreadable */
	int hw_counters;
};

void fingerprint_take(struct fingerprint *fp, int hw_counters);
/* Parses the "model name" line out of /proc/cpuinfo text. */
void fingerprint_cpu_model(const char *cpuinfo, char *out, unsigned len);

#endif
