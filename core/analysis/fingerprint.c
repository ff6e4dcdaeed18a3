/* fingerprint — hostname, kernel, CPU, perf settings. */
#include "fingerprint.h"

#include "procfs.h"
#include "safefile.h"

#include <elf.h>
#include <gelf.h>
#include <gnu/libc-version.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <fcntl.h>
#include <unistd.h>

void fingerprint_cpu_model(const char *cpuinfo, char *out, unsigned len)
{
	const char *p = cpuinfo ? strstr(cpuinfo, "model name") : NULL;
	size_t n;

	snprintf(out, len, "unknown");
	if (!p || !(p = strchr(p, ':')))
		return;
	p += strspn(p + 1, " \t") + 1;
	n = strcspn(p, "\n");
	snprintf(out, len, "%.*s", (int)n, p);
}

int fingerprint_cpu_times(unsigned long long *total, unsigned long long *steal)
{
	char *st = procfs_slurp("/proc/stat", NULL);
	unsigned long long v[8] = { 0 };
	int n = st ? sscanf(st, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
			    &v[3], &v[4], &v[5], &v[6], &v[7])
		   : 0;

	free(st);
	if (n < 4)
		return -1;
	*total = 0;
	for (int i = 0; i < 8; i++)
		*total += v[i];
	*steal = n >= 8 ? v[7] : 0;
	return 0;
}

/* The first string of .comment that names a compiler, and the GNU build id
 * note, read through libelf. */
void fingerprint_binary(const char *path, char *compiler, size_t clen, char *build_id, size_t blen)
{
	int fd = path && path[0] ? safefile_open(path, 0, 0, NULL) : -1;
	Elf *e;
	Elf_Scn *scn = NULL;
	size_t shstr;

	compiler[0] = build_id[0] = 0;
	if (fd < 0)
		return;
	elf_version(EV_CURRENT);
	e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (e && elf_getshdrstrndx(e, &shstr) == 0) {
		while ((scn = elf_nextscn(e, scn))) {
			GElf_Shdr sh;
			const char *name;
			Elf_Data *d;

			if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(e, shstr, sh.sh_name)) ||
			    !(d = elf_getdata(scn, NULL)) || !d->d_buf)
				continue;
			if (!strcmp(name, ".comment") && !compiler[0]) {
				const char *c = d->d_buf, *end = c + d->d_size;

				/* The C runtime's objects leave GCC's note in any
				 * binary: a clang note is the compiler's. */
				for (; c < end; c += strnlen(c, (size_t)(end - c)) + 1)
					if (strstr(c, "clang") ||
					    (strstr(c, "GCC") && !compiler[0]))
						snprintf(compiler, clen, "%.*s",
							 (int)strnlen(c, (size_t)(end - c)), c);
			} else if (sh.sh_type == SHT_NOTE && !build_id[0]) {
				GElf_Nhdr nh;
				size_t off = 0, noff, doff;

				while ((off = gelf_getnote(d, off, &nh, &noff, &doff)) > 0)
					if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
					    !memcmp((char *)d->d_buf + noff, "GNU", 4)) {
						const unsigned char *b =
						    (const unsigned char *)d->d_buf + doff;

						for (size_t i = 0;
						     i < nh.n_descsz && 2 * i + 2 < blen; i++)
							snprintf(build_id + 2 * i, 3, "%02x", b[i]);
						break;
					}
			}
		}
	}
	if (e)
		elf_end(e);
	close(fd);
}

static double meminfo_mb(void)
{
	char *m = procfs_slurp("/proc/meminfo", NULL);
	const char *p = m ? strstr(m, "MemTotal:") : NULL;
	double kb = p ? strtod(p + 9, NULL) : 0;

	free(m);
	return kb / 1024.0;
}

static double cpuinfo_mhz(const char *ci)
{
	const char *p = ci ? strstr(ci, "cpu MHz") : NULL;

	return p && (p = strchr(p, ':')) ? strtod(p + 1, NULL) : 0;
}

void fingerprint_take(struct fingerprint *fp, int hw_counters, const char *exe, double steal)
{
	struct utsname u;
	char *ci = procfs_slurp("/proc/cpuinfo", NULL);

	memset(fp, 0, sizeof(*fp));
	if (gethostname(fp->hostname, sizeof(fp->hostname) - 1))
		snprintf(fp->hostname, sizeof(fp->hostname), "unknown");
	if (uname(&u) == 0)
		snprintf(fp->kernel, sizeof(fp->kernel), "%s %s", u.sysname, u.release);
	fingerprint_cpu_model(ci, fp->cpu_model, sizeof(fp->cpu_model));
	fp->cpu_mhz = cpuinfo_mhz(ci);
	free(ci);
	fp->memory_total_mb = meminfo_mb();
	snprintf(fp->libc, sizeof(fp->libc), "glibc %s", gnu_get_libc_version());
	{
		char *g =
		    procfs_slurp("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", NULL);

		if (g)
			snprintf(fp->governor, sizeof(fp->governor), "%.*s", (int)strcspn(g, "\n"),
				 g);
		free(g);
	}
	fingerprint_binary(exe, fp->compiler, sizeof(fp->compiler), fp->build_id,
			   sizeof(fp->build_id));
	fp->steal_pct = steal;
	fp->cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
	fp->smt = procfs_read_int("/sys/devices/system/cpu/smt/active", -1);
	fp->paranoid = procfs_read_int("/proc/sys/kernel/perf_event_paranoid", -99);
	fp->hw_counters = hw_counters;
}
