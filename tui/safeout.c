/* safeout — flametop's stdout and stderr, filtered. */
#include "safeout.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fmt.h"

#define CHUNK 4096 /* bytes filtered at once */

struct safeout {
	int fd;
	char carry[4]; /* a UTF-8 sequence cut by the end of the last write */
	size_t ncarry;
};

static int write_all(int fd, const char *b, size_t n)
{
	while (n) {
		ssize_t k = write(fd, b, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

static ssize_t safe_write(void *cookie, const char *buf, size_t n)
{
	struct safeout *s = cookie;
	char in[CHUNK + sizeof(s->carry)], out[3 * sizeof(in)];
	size_t done = 0;

	while (done < n) {
		size_t k = n - done < CHUNK ? n - done : CHUNK, len = s->ncarry + k, carry, o;

		memcpy(in, s->carry, s->ncarry);
		memcpy(in + s->ncarry, buf + done, k);
		o = fmt_safe_text(in, len, out, &carry);
		/* At most 3 bytes wait for the rest of their sequence. */
		s->ncarry = carry < sizeof(s->carry) ? carry : 0;
		memcpy(s->carry, in + len - s->ncarry, s->ncarry);
		if (write_all(s->fd, out, o))
			return done ? (ssize_t)done : -1;
		done += k;
	}
	return (ssize_t)n;
}

static int safe_close(void *cookie)
{
	struct safeout *s = cookie;

	if (s->ncarry) /* a sequence never finished: not text */
		write_all(s->fd, "\xef\xbf\xbd", 3);
	free(s);
	return 0;
}

static FILE *wrap(int fd, int mode)
{
	struct safeout *s = calloc(1, sizeof(*s));
	cookie_io_functions_t io = { .write = safe_write, .close = safe_close };
	FILE *f;

	if (!s)
		return NULL;
	s->fd = fd;
	f = fopencookie(s, "w", io);
	if (!f) {
		free(s);
		return NULL;
	}
	setvbuf(f, NULL, mode, mode == _IONBF ? 0 : BUFSIZ);
	return f;
}

int safeout_install(void)
{
	FILE *o, *e;
	int rc = 0;

	fflush(stdout);
	fflush(stderr);
	if ((o = wrap(STDOUT_FILENO, isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF)))
		stdout = o;
	else
		rc = -1;
	if ((e = wrap(STDERR_FILENO, _IONBF)))
		stderr = e;
	else
		rc = -1;
	return rc;
}
