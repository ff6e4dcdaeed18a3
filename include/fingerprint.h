/* fingerprint — the machine a profile was taken on. */
#ifndef FLAMETOP_FINGERPRINT_H
#define FLAMETOP_FINGERPRINT_H

#include <stddef.h>

struct fingerprint {
	char hostname[256];
	char kernel[160];
	char cpu_model[256];
	int cores;    /* online CPUs */
	int smt;      /* 1 on, 0 off, -1 unknown */
	int paranoid; /* kernel.perf_event_paranoid, or -99 when unreadable */
	int hw_counters;
	double memory_total_mb; /* MemTotal; 0 unknown */
	char libc[64];          /* "glibc 2.36" */
	char governor[32];      /* cpufreq scaling governor of cpu0; "" unknown */
	double cpu_mhz;         /* as /proc/cpuinfo says now; 0 unknown */
	char compiler[160];     /* of the target binary (.comment); "" unknown */
	char build_id[129];     /* of the target binary (hex); "" unknown */
	double steal_pct;       /* of the machine's CPU time over the run; < 0 unknown */
};

/* EXE: the target binary ("" or NULL: none). STEAL: the run's steal share,
 * from fingerprint_cpu_times at the start and end (< 0: unknown). */
void fingerprint_take(struct fingerprint *fp, int hw_counters, const char *exe, double steal);
/* The machine's CPU time and its stolen part, in clock ticks (the "cpu"
 * line of /proc/stat). Returns 0 or -1. */
int fingerprint_cpu_times(unsigned long long *total, unsigned long long *steal);
/* The compiler note and GNU build id of the ELF file at PATH. */
void fingerprint_binary(const char *path, char *compiler, size_t clen, char *build_id, size_t blen);
/* Parses the "model name" line out of /proc/cpuinfo text. */
void fingerprint_cpu_model(const char *cpuinfo, char *out, unsigned len);

#endif
