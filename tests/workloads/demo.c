/* demo — a small program where every kind of time shows: several threads,
 * hot functions at different depths, file I/O and memory that keeps growing.
 * `make demo` profiles it.
 *
 *   demo [SECONDS]   (0 or nothing: run until killed)
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile int running = 1;
static volatile unsigned long sink;
static char *volatile hoard; /* the cache thread's blocks, never freed */

__attribute__((noinline)) static unsigned long hash_token(const char *s, size_t n)
{
	unsigned long h = 1469598103934665603ul;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ul;
	return h;
}

__attribute__((noinline)) static void tokenize(const char *text, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i <= len; i++)
		if (i == len || text[i] == ' ') {
			sink += hash_token(text + start, i - start);
			start = i + 1;
		}
}

__attribute__((noinline)) static void parse_input(const char *text, size_t len)
{
	for (int round = 0; round < 50; round++)
		tokenize(text, len);
}

static void *parser(void *arg)
{
	static char text[8192];

	(void)arg;
	pthread_setname_np(pthread_self(), "parser");
	for (size_t i = 0; i < sizeof(text) - 1; i++)
		text[i] = (i % 7 == 6) ? ' ' : (char)('a' + i % 26);
	while (running)
		parse_input(text, sizeof(text) - 1);
	return NULL;
}

__attribute__((noinline)) static size_t rle_encode(const unsigned char *in, size_t n,
						   unsigned char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n;) {
		size_t run = 1;

		while (i + run < n && in[i + run] == in[i] && run < 255)
			run++;
		out[o++] = (unsigned char)run;
		out[o++] = in[i];
		i += run;
	}
	return o;
}

__attribute__((noinline)) static void compress_block(int fd, unsigned char *buf, size_t n)
{
	static unsigned char out[1 << 17];
	size_t len = rle_encode(buf, n, out);

	if (write(fd, out, len) < 0)
		running = 0;
}

static void *compressor(void *arg)
{
	static unsigned char block[1 << 16];
	char path[] = "/tmp/flametop-demo-XXXXXX";
	int fd = mkstemp(path);

	(void)arg;
	pthread_setname_np(pthread_self(), "compressor");
	if (fd < 0)
		return NULL;
	unlink(path);
	for (unsigned long k = 0; running; k++) {
		for (size_t i = 0; i < sizeof(block); i++)
			block[i] = (unsigned char)((i / 3 + k) & 0xff);
		compress_block(fd, block, sizeof(block));
		nanosleep(&(struct timespec){ 0, 2 * 1000 * 1000 }, NULL); /* ~20 MB/s */
		if (k % 64 == 63) {
			fsync(fd);
			if (ftruncate(fd, 0) == 0)
				lseek(fd, 0, SEEK_SET);
		}
	}
	close(fd);
	return NULL;
}

static void *cache(void *arg)
{
	struct timespec tick = { 0, 100 * 1000 * 1000 };

	(void)arg;
	pthread_setname_np(pthread_self(), "cache");
	/* Grows by 256 KiB every 100 ms (150 MiB/min) up to 256 MiB: a slow,
	 * steady "leak". Kept in a list so the compiler cannot drop it. */
	for (int i = 0; running && i < 1024; i++) {
		char *p = malloc(256 << 10);

		if (p) {
			memset(p, 1 + (i & 0x7f), 256 << 10);
			*(char **)p = hoard;
			hoard = p;
		}
		nanosleep(&tick, NULL);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 0;
	pthread_t t[3];

	pthread_create(&t[0], NULL, parser, NULL);
	pthread_create(&t[1], NULL, compressor, NULL);
	pthread_create(&t[2], NULL, cache, NULL);
	if (secs > 0) {
		usleep((useconds_t)(secs * 1e6));
		running = 0;
	}
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	printf("%lu\n", sink & 1);
	return 0;
}
