/* outfile — temp file + fsync + rename. */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int finish(FILE *f, int e)
{
	if (!e && fflush(f))
		e = -errno;
	if (!e && fsync(fileno(f)))
		e = -errno;
	if (fclose(f) && !e)
		e = -errno;
	return e;
}

int outfile_write(const char *path, const struct exporter *exp, const struct report *r, char *err,
		  size_t len)
{
	char *copy = strdup(path), tmp[4096];
	mode_t mask = umask(0);
	FILE *f;
	int fd, e;

	umask(mask);
	if (!copy)
		return -ENOMEM;
	snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dirname(copy), basename((char *)path));
	free(copy);
	fd = mkstemp(tmp); /* O_CREAT|O_EXCL: a planted symlink makes it fail */
	if (fd < 0) {
		e = -errno;
		goto out_err;
	}
	f = fdopen(fd, "w");
	if (!f) {
		e = -errno;
		close(fd);
		goto out_unlink;
	}
	fchmod(fd, 0666 & ~mask);
	errno = 0;
	e = exp->write(f, r);
	if (e == -EIO && errno)
		e = -errno; /* the stream's own reason, e.g. ENOSPC */
	e = finish(f, e);
	if (!e && rename(tmp, path))
		e = -errno;
	if (!e)
		return 0;
out_unlink:
	unlink(tmp);
out_err:
	snprintf(err, len, "cannot write '%s': %s", path, strerror(-e));
	return e;
}

int outfile_fallback(const struct exporter *exp, const struct report *r, const char *ext,
		     char *saved, size_t savedlen, char *err, size_t len)
{
	const char *dir = getenv("TMPDIR");
	char stamp[32];
	struct tm tm;
	time_t now = time(NULL);

	if (!dir || !*dir)
		dir = "/tmp";
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(saved, savedlen, "%s/flametop-%d-%s-%d.%s", dir, (int)r->pid, stamp, (int)getpid(),
		 ext);
	return outfile_write(saved, exp, r, err, len);
}

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && !strcmp(s + n - t, tail);
}

const struct exporter *exporter_for_path(const char *path)
{
	static const char *const folded[] = { ".folded", ".collapsed", ".txt" };
	static const char *const pprof[] = { ".pb.gz", ".pprof", ".pb" };

	for (size_t i = 0; i < 3; i++) {
		if (ends_with(path, folded[i]))
			return &exporter_folded;
		if (ends_with(path, pprof[i]))
			return &exporter_pprof;
	}
	return &exporter_yaml;
}

const char *exporter_ext(const struct exporter *exp)
{
	return exp == &exporter_folded ? "folded" : exp == &exporter_pprof ? "pb.gz" : "yaml";
}
