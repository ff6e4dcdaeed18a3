/* dbgfetch — debug files from debuginfod servers, in a helper process. */
#include "dbgfetch.h"

#include <dirent.h>
#include <elfutils/debuginfod.h>
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <gelf.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "grow.h"

extern char **environ;

#define URLS_ENV          "DEBUGINFOD_URLS"
#define PROGRESS_EVERY_NS 100000000ull /* a progress message at most every 100 ms */
#define MAXSIZE_ENV       "DEBUGINFOD_MAXSIZE"
#define MAXSIZE_DEFAULT   (512ll << 20) /* bytes of one debug file, at most */

/* The messages, one per packet (SOCK_SEQPACKET). */
struct msg_req {
	char type; /* 'F' */
	uint32_t key;
	char hex[129];
};

struct msg_reply {
	char type; /* 'P' progress, 'D' done (the file's descriptor rides along) */
	uint32_t key;
	long got, total; /* 'P' */
	int err;         /* 'D' */
	char path[512], url[512];
};

struct dbgfetch {
	int fd;
	pid_t pid;
	char *urls;
	struct msg_req *queue; /* asked for, not yet sent: one is out at a time */
	size_t nqueue, capqueue;
	int out; /* a request is with the helper */
	uint32_t out_key;
	char out_hex[129];
	int have_progress;
	struct msg_reply progress; /* the last 'P' of the request out */
	int dead;                  /* the helper is gone */
};

static char claimed[4096];

const char *dbgfetch_claim_env(void)
{
	const char *v = getenv(URLS_ENV);

	snprintf(claimed, sizeof(claimed), "%s", v ? v : "");
	unsetenv(URLS_ENV);
	return claimed[0] ? claimed : NULL;
}

void dbgfetch_restore_env(void)
{
	if (claimed[0])
		setenv(URLS_ENV, claimed, 1);
}

const char *dbgfetch_urls(const struct dbgfetch *f) { return f->urls; }

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- the helper's side ---- */

struct helper {
	int fd;
	uint32_t key;
	uint64_t last_ns;
	long long maxsize; /* bytes of one file, at most */
	int too_big;       /* the download in flight passed it */
};

/* Reports progress now and then; a closed socket (flametop gone or done)
 * or a file past the size limit cancels the download. */
static int on_progress(debuginfod_client *c, long a, long b)
{
	struct helper *h = debuginfod_get_user_data(c);
	struct pollfd p = { .fd = h->fd, .events = POLLIN };
	struct msg_reply m = { .type = 'P', .key = h->key, .got = a, .total = b };
	uint64_t t = now_ns();

	if (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR)))
		return 1;
	if (a > h->maxsize || b > h->maxsize) {
		h->too_big = 1; /* an endless body fills no disk */
		return 1;
	}
	if (t - h->last_ns >= PROGRESS_EVERY_NS) {
		h->last_ns = t;
		send(h->fd, &m, sizeof(m), MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	return 0;
}

static int send_done(int sock, const struct msg_reply *m, int fd)
{
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { (void *)m, sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		struct cmsghdr *cm;

		memset(ctl, 0, sizeof(ctl));
		mh.msg_control = ctl;
		mh.msg_controllen = sizeof(ctl);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* libdebuginfod's cache (its own rule): $DEBUGINFOD_CACHE_PATH, else
 * $XDG_CACHE_HOME/debuginfod_client, else ~/.cache/debuginfod_client. */
static int cache_dir(char *buf, size_t len)
{
	const char *v = getenv("DEBUGINFOD_CACHE_PATH"), *x = getenv("XDG_CACHE_HOME"),
		   *home = getenv("HOME");
	int n;

	if (v && v[0])
		n = snprintf(buf, len, "%s", v);
	else if (x && x[0])
		n = snprintf(buf, len, "%s/debuginfod_client", x);
	else if (home && home[0])
		n = snprintf(buf, len, "%s/.cache/debuginfod_client", home);
	else
		return -1;
	return n > 0 && (size_t)n < len ? 0 : -1;
}

static int is_hex(const char *s)
{
	if (!s[0])
		return 0;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

void dbgfetch_clean_partial(const char *hex)
{
	char dir[4096];
	struct dirent *d;
	DIR *dp;
	int dfd;

	if (!is_hex(hex) || cache_dir(dir, sizeof(dir) - 140) ||
	    strlen(dir) + strlen(hex) + 2 >= sizeof(dir))
		return;
	strcat(dir, "/");
	strcat(dir, hex);
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return;
	if (!(dp = fdopendir(dfd))) {
		close(dfd);
		return;
	}
	/* libdebuginfod downloads into "debuginfo.XXXXXX" and renames it when
	 * whole: those left are a cut download's. */
	while ((d = readdir(dp))) {
		struct stat st;

		if (strncmp(d->d_name, "debuginfo.", 10) || !d->d_name[10])
			continue;
		if (!fstatat(dirfd(dp), d->d_name, &st, AT_SYMLINK_NOFOLLOW) &&
		    S_ISREG(st.st_mode) && st.st_uid == geteuid())
			unlinkat(dirfd(dp), d->d_name, 0);
	}
	closedir(dp);
}

/* Whether FD is an ELF file whose GNU build id is HEX: a server may answer
 * with another program's file, or anything at all. Returns 0, ENOEXEC (not
 * ELF, or no build id) or EILSEQ (another build id). */
static int check_build_id(int fd, const char *hex)
{
	Elf *e;
	const unsigned char *id;
	ssize_t n;
	char got[129];
	int r = ENOEXEC;

	elf_version(EV_CURRENT);
	if (!(e = elf_begin(fd, ELF_C_READ_MMAP, NULL)))
		return ENOEXEC;
	if (elf_kind(e) == ELF_K_ELF && (n = dwelf_elf_gnu_build_id(e, (const void **)&id)) > 0 &&
	    n <= 64) {
		for (ssize_t i = 0; i < n; i++)
			snprintf(got + 2 * i, 3, "%02x", id[i]);
		r = strcmp(got, hex) ? EILSEQ : 0;
	}
	elf_end(e);
	return r;
}

/* The size limit: DEBUGINFOD_MAXSIZE as libdebuginfod reads it (bytes; it
 * also asks the server not to send more), else MAXSIZE_DEFAULT, which is
 * then set for it. */
static long long max_size(void)
{
	const char *v = getenv(MAXSIZE_ENV);
	char *end;
	long long n = v ? strtoll(v, &end, 10) : 0;
	char buf[32];

	if (v && end != v && !*end && n > 0)
		return n;
	snprintf(buf, sizeof(buf), "%lld", MAXSIZE_DEFAULT);
	setenv(MAXSIZE_ENV, buf, 1);
	return MAXSIZE_DEFAULT;
}

/* One answer: R is the find's result; a file that is not the one asked for
 * is refused and taken out of the cache (it would be served again). */
static int vet_answer(struct helper *h, const char *hex, int r, const char *path,
		      struct msg_reply *m)
{
	int bad;

	if (r < 0) {
		m->err = h->too_big ? EFBIG : -r;
		dbgfetch_clean_partial(hex);
		return r;
	}
	if (!(bad = check_build_id(r, hex)))
		return r;
	m->err = bad;
	close(r);
	if (path)
		unlink(path);
	return -bad;
}

int dbgfetch_helper_main(int fd)
{
	struct helper h = { .fd = fd, .maxsize = max_size() };
	debuginfod_client *c = debuginfod_begin();
	struct msg_req req;
	ssize_t n;

	if (!c)
		return 1;
	debuginfod_set_user_data(c, &h);
	debuginfod_set_progressfn(c, on_progress);
	while ((n = recv(fd, &req, sizeof(req), 0)) == (ssize_t)sizeof(req)) {
		struct msg_reply m = { .type = 'D', .key = req.key };
		char *path = NULL;
		const char *url;
		int r, sent;

		req.hex[sizeof(req.hex) - 1] = 0;
		h.key = req.key;
		h.last_ns = 0;
		h.too_big = 0;
		if (!is_hex(req.hex))
			r = -EINVAL;
		else
			r = debuginfod_find_debuginfo(c, (const unsigned char *)req.hex, 0, &path);
		m.err = 0;
		r = vet_answer(&h, req.hex, r, path, &m);
		url = debuginfod_get_url(c);
		snprintf(m.path, sizeof(m.path), "%s", path ? path : "");
		snprintf(m.url, sizeof(m.url), "%s", url ? url : "");
		free(path);
		sent = send_done(fd, &m, r);
		if (r >= 0)
			close(r);
		if (sent < 0 && sent != -EINTR)
			break;
	}
	debuginfod_end(c);
	return 0;
}

/* ---- flametop's side ---- */

struct dbgfetch *dbgfetch_start(const char *urls, char *err, size_t len)
{
	struct dbgfetch *f = calloc(1, sizeof(*f));
	int sv[2];
	char arg[16], *env = NULL, **envp = NULL;
	size_t n = 0;

	while (environ[n])
		n++;
	if (!f || !(f->urls = strdup(urls)) || asprintf(&env, URLS_ENV "=%s", urls) < 0 ||
	    !(envp = calloc(n + 2, sizeof(*envp)))) {
		snprintf(err, len, "debuginfod: out of memory");
		goto fail;
	}
	/* The helper's environment: ours (which no longer has the URLs) and them. */
	n = 0;
	for (char **e = environ; *e; e++)
		envp[n++] = *e;
	envp[n] = env;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		snprintf(err, len, "debuginfod: socketpair: %s", strerror(errno));
		goto fail;
	}
	f->pid = fork();
	if (f->pid < 0) {
		snprintf(err, len, "debuginfod: fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		goto fail;
	}
	if (f->pid == 0) {
		/* The helper dies with flametop; its end of the socket stays
		 * open across exec, every other descriptor of ours is CLOEXEC. */
		char *argv[] = { "flametop", DBGFETCH_HELPER_ARG, arg, NULL };

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(sv[0]);
		fcntl(sv[1], F_SETFD, 0);
		snprintf(arg, sizeof(arg), "%d", sv[1]);
		execve("/proc/self/exe", argv, envp);
		_exit(127);
	}
	free(env);
	free(envp);
	close(sv[1]);
	f->fd = sv[0];
	fcntl(f->fd, F_SETFL, O_NONBLOCK);
	return f;
fail:
	free(env);
	free(envp);
	if (f)
		free(f->urls);
	free(f);
	return NULL;
}

void dbgfetch_free(struct dbgfetch *f)
{
	if (!f)
		return;
	close(f->fd);
	if (f->pid > 0) {
		/* The closed socket cancels a download at its next progress call
		 * and the helper cleans up after it; it gets a moment for that. */
		for (int i = 0; i < 30 && waitpid(f->pid, NULL, WNOHANG) == 0; i++)
			usleep(50000);
		if (kill(f->pid, SIGKILL) == 0)
			waitpid(f->pid, NULL, 0);
		if (f->out)
			dbgfetch_clean_partial(f->out_hex);
	}
	free(f->queue);
	free(f->urls);
	free(f);
}

/* The oldest request not yet sent, taken off the queue. */
static struct msg_req pop_front(struct dbgfetch *f)
{
	struct msg_req r = f->queue[0];

	memmove(f->queue, f->queue + 1, --f->nqueue * sizeof(*f->queue));
	return r;
}

static void send_next(struct dbgfetch *f)
{
	if (f->out || !f->nqueue || f->dead)
		return;
	if (send(f->fd, &f->queue[0], sizeof(f->queue[0]), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		return; /* full or gone: tried again at the next poll */
	f->out = 1;
	memcpy(f->out_hex, f->queue[0].hex, sizeof(f->out_hex));
	f->out_key = pop_front(f).key;
	f->have_progress = 0;
}

int dbgfetch_want(struct dbgfetch *f, uint32_t key, const char *hex)
{
	struct msg_req *r;

	if (strlen(hex) >= sizeof(r->hex))
		return -EINVAL;
	if (grow_array(&f->queue, &f->capqueue, f->nqueue + 1, sizeof(*f->queue)))
		return -ENOMEM;
	r = &f->queue[f->nqueue++];
	memset(r, 0, sizeof(*r));
	r->type = 'F';
	r->key = key;
	snprintf(r->hex, sizeof(r->hex), "%s", hex);
	send_next(f);
	return 0;
}

static int recv_reply(int sock, struct msg_reply *m, int *fd)
{
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { m, sizeof(*m) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)
	};
	ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);

	*fd = -1;
	if (n <= 0)
		return n == 0 ? -EPIPE : -errno;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
			memcpy(fd, CMSG_DATA(cm), sizeof(int));
	if (n != (ssize_t)sizeof(*m)) {
		if (*fd >= 0)
			close(*fd);
		return -EPROTO;
	}
	m->path[sizeof(m->path) - 1] = m->url[sizeof(m->url) - 1] = 0;
	return 0;
}

/* The helper ended: every request still asked for fails. */
static size_t fail_all(struct dbgfetch *f, struct dbgfetch_done *out, size_t max)
{
	size_t n = 0;

	f->dead = 1;
	if (f->out && n < max) {
		out[n++] = (struct dbgfetch_done){ .key = f->out_key, .fd = -1, .err = ECHILD };
		f->out = 0;
	}
	while (f->nqueue && n < max)
		out[n++] =
		    (struct dbgfetch_done){ .key = pop_front(f).key, .fd = -1, .err = ECHILD };
	return n;
}

size_t dbgfetch_poll(struct dbgfetch *f, struct dbgfetch_done *out, size_t max)
{
	size_t n = 0;

	if (!f)
		return 0;
	if (f->dead)
		return fail_all(f, out, max);
	while (n < max) {
		struct msg_reply m;
		int fd, r = recv_reply(f->fd, &m, &fd);

		if (r == -EAGAIN || r == -EINTR)
			break;
		if (r == -EPROTO)
			continue;
		if (r < 0)
			return n + fail_all(f, out + n, max - n);
		if (m.type == 'P' && f->out && m.key == f->out_key) {
			f->progress = m;
			f->have_progress = 1;
		} else if (m.type == 'D') {
			struct dbgfetch_done *d = &out[n++];

			d->key = m.key;
			d->fd = fd;
			d->err = fd < 0 && !m.err ? EIO : m.err;
			snprintf(d->path, sizeof(d->path), "%s", m.path);
			snprintf(d->url, sizeof(d->url), "%s", m.url);
			f->out = 0;
			send_next(f);
		} else if (fd >= 0) {
			close(fd);
		}
	}
	send_next(f);
	return n;
}

int dbgfetch_fd(const struct dbgfetch *f)
{
	return f && !f->dead && (f->out || f->nqueue) ? f->fd : -1;
}

size_t dbgfetch_pending(const struct dbgfetch *f) { return f ? f->nqueue + (size_t)f->out : 0; }

int dbgfetch_progress(const struct dbgfetch *f, uint32_t *key, long *got, long *total)
{
	if (!f || !f->out)
		return 0;
	*key = f->out_key;
	*got = f->have_progress ? f->progress.got : 0;
	*total = f->have_progress ? f->progress.total : 0;
	return 1;
}
