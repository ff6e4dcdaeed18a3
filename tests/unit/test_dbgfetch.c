/* dbgfetch against a debuginfod server of this test's own (a thread that
 * answers HTTP on 127.0.0.1): requests answered one at a time in the order
 * asked, with the file's descriptor or the error, progress while a file
 * comes; a helper that ends fails every request still asked; what a cut
 * download leaves in the cache is removed, nothing else.
 *
 * The helper is this binary run again (dbgfetch_start execs /proc/self/exe
 * with DBGFETCH_HELPER_ARG): main serves it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "dbgfetch.h"
#include "fingerprint.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the server ---- */

enum answer { ANSWER_FILE, ANSWER_NONE, ANSWER_HANG };

static struct {
	int listen_fd, port;
	pthread_t thread;
	char file_hex[129]; /* served slowly, in four parts: the test binary */
	char hang_hex[129]; /* answered never */
	char *body;
	size_t body_len;
	pthread_mutex_t lock;
	char asked[8][129]; /* build ids asked for, in order */
	size_t nasked;
	volatile int stop;
} srv = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void serve_one(int c)
{
	char req[4096], hex[129] = "", head[256];
	size_t got = 0;
	ssize_t r;

	while (got < sizeof(req) - 1 && (r = recv(c, req + got, sizeof(req) - 1 - got, 0)) > 0) {
		got += (size_t)r;
		req[got] = 0;
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	req[got] = 0;
	if (sscanf(req, "GET /buildid/%128[^/]/debuginfo", hex) != 1)
		return;
	pthread_mutex_lock(&srv.lock);
	if (srv.nasked < 8)
		snprintf(srv.asked[srv.nasked++], 129, "%s", hex);
	pthread_mutex_unlock(&srv.lock);
	if (!strcmp(hex, srv.hang_hex)) {
		while (!srv.stop && recv(c, req, sizeof(req), 0) > 0)
			;
		return;
	}
	if (strcmp(hex, srv.file_hex)) {
		const char *nf = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
				 "Connection: close\r\n\r\n";

		send_all(c, nf, strlen(nf));
		return;
	}
	snprintf(head, sizeof(head),
		 "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
		 srv.body_len);
	send_all(c, head, strlen(head));
	for (size_t i = 0, part = srv.body_len / 4 + 1; i < srv.body_len; i += part) {
		send_all(c, srv.body + i, i + part < srv.body_len ? part : srv.body_len - i);
		usleep(150000);
	}
}

static void *server_main(void *arg)
{
	(void)arg;
	while (!srv.stop) {
		struct pollfd p = { .fd = srv.listen_fd, .events = POLLIN };
		int c;

		if (poll(&p, 1, 50) <= 0)
			continue;
		if ((c = accept(srv.listen_fd, NULL, NULL)) < 0)
			continue;
		serve_one(c);
		close(c);
	}
	return NULL;
}

static char cache[] = "/tmp/test_dbgfetch.XXXXXX";
static char url[64];

static void read_self(void)
{
	struct stat st;
	int fd = open("/proc/self/exe", O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	srv.body_len = (size_t)st.st_size;
	srv.body = malloc(srv.body_len);
	assert_non_null(srv.body);
	assert_int_equal(pread(fd, srv.body, srv.body_len, 0), (ssize_t)srv.body_len);
	close(fd);
}

/* libdebuginfod writes its new cache's two settings files with dprintf,
 * whose stdio buffers LeakSanitizer (make SANITIZE=1) reports when the
 * helper exits: glibc's and libdebuginfod's, not dbgfetch's. The helper
 * reads its options at its start; the full unwinder reaches the
 * library's frame (the fast one stops in libc). */
static void lsan_suppress(void)
{
	char supp[128], opts[512];
	const char *old = getenv("LSAN_OPTIONS");
	FILE *fp;

	snprintf(supp, sizeof(supp), "%s.lsan", cache);
	if (!(fp = fopen(supp, "w")))
		return;
	fputs("leak:libdebuginfod.so\n", fp);
	fclose(fp);
	snprintf(opts, sizeof(opts), "%s%sfast_unwind_on_malloc=0:suppressions=%s", old ? old : "",
		 old ? ":" : "", supp);
	setenv("LSAN_OPTIONS", opts, 1);
}

static int server_up(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	char compiler[160];

	(void)state;
	fingerprint_binary("/proc/self/exe", compiler, sizeof(compiler), srv.file_hex,
			   sizeof(srv.file_hex));
	if (!srv.file_hex[0] || !mkdtemp(cache))
		return -1;
	snprintf(srv.hang_hex, sizeof(srv.hang_hex), "%s",
		 "0123456789abcdef0123456789abcdef01234567");
	read_self();
	srv.listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (srv.listen_fd < 0 || bind(srv.listen_fd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(srv.listen_fd, 8) || getsockname(srv.listen_fd, (struct sockaddr *)&a, &alen))
		return -1;
	srv.port = ntohs(a.sin_port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", srv.port);
	/* The helper's cache: a scratch directory, nothing of the user's. */
	setenv("DEBUGINFOD_CACHE_PATH", cache, 1);
	lsan_suppress();
	setenv("DEBUGINFOD_TIMEOUT", "30", 1);
	unsetenv("DEBUGINFOD_MAXSIZE");
	return pthread_create(&srv.thread, NULL, server_main, NULL);
}

static int rm_tree(const char *path)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	return system(cmd);
}

static int server_down(void **state)
{
	char supp[128];

	(void)state;
	srv.stop = 1;
	pthread_join(srv.thread, NULL);
	close(srv.listen_fd);
	free(srv.body);
	rm_tree(cache);
	snprintf(supp, sizeof(supp), "%s.lsan", cache);
	unlink(supp);
	return 0;
}

/* ---- the tests ---- */

/* Waits for N answers (at most MS milliseconds), noting progress of KEY on
 * the way. */
static size_t wait_answers(struct dbgfetch *f, struct dbgfetch_done *out, size_t n, int ms,
			   uint32_t key, long *progress, long *total)
{
	size_t got = 0;

	for (int i = 0; i < ms / 10 && got < n; i++) {
		struct pollfd p = { .fd = dbgfetch_fd(f), .events = POLLIN };
		uint32_t k;
		long g, t;

		if (p.fd >= 0)
			poll(&p, 1, 10);
		got += dbgfetch_poll(f, out + got, n - got);
		if (dbgfetch_progress(f, &k, &g, &t) && k == key && g > *progress) {
			*progress = g;
			*total = t;
		}
	}
	return got;
}

static void answers_come_one_at_a_time_in_order(void **state)
{
	char err[256] = "";
	struct dbgfetch *f = dbgfetch_start(url, err, sizeof(err));
	struct dbgfetch_done d[3];
	long progress = 0, total = 0;
	struct stat st;

	(void)state;
	assert_non_null(f);
	assert_string_equal(dbgfetch_urls(f), url);
	assert_int_equal(dbgfetch_fd(f), -1); /* nothing awaited */
	assert_int_equal(dbgfetch_want(f, 1, srv.file_hex), 0);
	assert_int_equal(dbgfetch_want(f, 2, "00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff"), 0);
	assert_int_equal(dbgfetch_want(f, 3, "NOT-HEX"), 0);
	assert_int_equal(dbgfetch_pending(f), 3);
	assert_true(dbgfetch_fd(f) >= 0);
	/* A build id longer than any is refused at once. */
	{
		char long_hex[200];

		memset(long_hex, 'a', sizeof(long_hex) - 1);
		long_hex[sizeof(long_hex) - 1] = 0;
		assert_int_equal(dbgfetch_want(f, 4, long_hex), -EINVAL);
		assert_int_equal(dbgfetch_pending(f), 3);
	}

	assert_int_equal(wait_answers(f, d, 3, 20000, 1, &progress, &total), 3);
	/* In the order asked, each with its key. */
	assert_int_equal(d[0].key, 1);
	assert_int_equal(d[1].key, 2);
	assert_int_equal(d[2].key, 3);
	/* The file: its descriptor (passed, not named), where it is cached,
	 * and the server that had it. */
	assert_int_equal(d[0].err, 0);
	assert_true(d[0].fd >= 0);
	assert_int_equal(fstat(d[0].fd, &st), 0);
	assert_int_equal((size_t)st.st_size, srv.body_len);
	assert_int_equal(strncmp(d[0].path, cache, strlen(cache)), 0);
	assert_non_null(strstr(d[0].url, url));
	close(d[0].fd);
	/* It came in parts over ~0.6 s: progress was told on the way. */
	print_message("progress seen: %ld of %ld bytes\n", progress, total);
	assert_true(progress > 0 && (size_t)progress <= srv.body_len);
	assert_true(total == 0 || (size_t)total == srv.body_len);
	/* Not on the server; not a build id (never sent to the server). */
	assert_int_equal(d[1].fd, -1);
	assert_int_equal(d[1].err, ENOENT);
	assert_int_equal(d[2].fd, -1);
	assert_int_equal(d[2].err, EINVAL);
	pthread_mutex_lock(&srv.lock);
	assert_int_equal(srv.nasked, 2);
	assert_string_equal(srv.asked[0], srv.file_hex);
	pthread_mutex_unlock(&srv.lock);
	assert_int_equal(dbgfetch_pending(f), 0);
	assert_int_equal(dbgfetch_fd(f), -1);
	dbgfetch_free(f);
}

/* The helper: the one child of this process's main thread. */
static pid_t helper_pid(void)
{
	char path[64], buf[256] = "";
	FILE *fp;
	int pid = -1;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", getpid(), getpid());
	if (!(fp = fopen(path, "r")))
		return -1;
	if (fgets(buf, sizeof(buf), fp))
		pid = atoi(buf);
	fclose(fp);
	return pid;
}

static void a_helper_that_ends_fails_every_request(void **state)
{
	char err[256] = "";
	struct dbgfetch *f = dbgfetch_start(url, err, sizeof(err));
	struct dbgfetch_done d[4];
	size_t n = 0;
	pid_t pid;
	long g = 0, t = 0;

	(void)state;
	assert_non_null(f);
	pthread_mutex_lock(&srv.lock);
	srv.nasked = 0;
	pthread_mutex_unlock(&srv.lock);
	assert_int_equal(dbgfetch_want(f, 10, srv.hang_hex), 0);
	assert_int_equal(dbgfetch_want(f, 11, srv.file_hex), 0);
	/* The first is out (the server has it and never answers). */
	for (int i = 0; i < 1000 && !srv.nasked; i++)
		usleep(10000);
	assert_int_equal(srv.nasked, 1);
	assert_int_equal(wait_answers(f, d, 4, 300, 0, &g, &t), 0);
	assert_int_equal(dbgfetch_pending(f), 2);
	pid = helper_pid();
	assert_true(pid > 0);
	assert_int_equal(kill(pid, SIGKILL), 0);
	n = wait_answers(f, d, 2, 20000, 0, &g, &t);
	assert_int_equal(n, 2);
	assert_int_equal(dbgfetch_poll(f, d + 2, 2), 0);
	assert_int_equal(d[0].key, 10);
	assert_int_equal(d[1].key, 11);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(d[i].fd, -1);
		assert_int_equal(d[i].err, ECHILD);
	}
	assert_int_equal(dbgfetch_pending(f), 0);
	assert_int_equal(dbgfetch_fd(f), -1);
	/* Asked again: failed at the next poll, not waited for. */
	assert_int_equal(dbgfetch_want(f, 12, srv.file_hex), 0);
	assert_int_equal(dbgfetch_poll(f, d, 4), 1);
	assert_int_equal(d[0].key, 12);
	assert_int_equal(d[0].err, ECHILD);
	dbgfetch_free(f);
}

static void make_file(const char *dir, const char *name)
{
	char p[1024];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
}

static int exists(const char *dir, const char *name)
{
	char p[1024];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return lstat(p, &st) == 0;
}

static void a_cut_download_leaves_nothing_else_goes(void **state)
{
	const char *hex = "aabbccddeeff00112233445566778899aabbccdd";
	char dir[512], sub[600];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/%s", cache, hex);
	assert_int_equal(mkdir(dir, 0700), 0);
	make_file(dir, "debuginfo.Xa12bc"); /* a cut download */
	make_file(dir, "debuginfo");        /* a whole one */
	make_file(dir, "executable");
	snprintf(sub, sizeof(sub), "%s/debuginfo.dir", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(sub, sizeof(sub), "%s/debuginfo.link", dir);
	assert_int_equal(symlink("/etc/passwd", sub), 0);

	/* Not a build id: nothing is looked at (no path out of the cache). */
	dbgfetch_clean_partial("../aabbccddeeff00112233445566778899aabbccdd");
	dbgfetch_clean_partial("");
	assert_true(exists(dir, "debuginfo.Xa12bc"));

	dbgfetch_clean_partial(hex);
	assert_false(exists(dir, "debuginfo.Xa12bc"));
	assert_true(exists(dir, "debuginfo"));
	assert_true(exists(dir, "executable"));
	assert_true(exists(dir, "debuginfo.dir"));
	assert_true(exists(dir, "debuginfo.link")); /* a link is not followed or removed */
	assert_true(access("/etc/passwd", F_OK) == 0);
}

static void the_urls_leave_the_environment_and_come_back(void **state)
{
	const char *got;

	(void)state;
	setenv("DEBUGINFOD_URLS", "http://a.example http://b.example", 1);
	got = dbgfetch_claim_env();
	assert_non_null(got);
	assert_string_equal(got, "http://a.example http://b.example");
	assert_null(getenv("DEBUGINFOD_URLS"));
	dbgfetch_restore_env();
	assert_string_equal(getenv("DEBUGINFOD_URLS"), "http://a.example http://b.example");
	setenv("DEBUGINFOD_URLS", "", 1);
	assert_null(dbgfetch_claim_env());
	assert_null(getenv("DEBUGINFOD_URLS"));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(answers_come_one_at_a_time_in_order),
		cmocka_unit_test(a_helper_that_ends_fails_every_request),
		cmocka_unit_test(a_cut_download_leaves_nothing_else_goes),
		cmocka_unit_test(the_urls_leave_the_environment_and_come_back),
	};

	if (argc == 3 && !strcmp(argv[1], DBGFETCH_HELPER_ARG))
		return dbgfetch_helper_main(atoi(argv[2]));
	return cmocka_run_group_tests(tests, server_up, server_down);
}
