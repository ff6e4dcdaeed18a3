/* collector — copying the rings on a thread of its own. */
#include "collector.h"

#include "perf_records.h"
#include "procfs.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* A batch is handed over at least this often: the analysis wakes 20 times
 * a second, not at every sample (the screen refreshes once a second; a
 * Python sample's frames are read here, on time, whatever the analysis). */
#define PUSH_NS         50000000ull
#define PUSH_BYTES      (4u << 20)   /* ... or once it holds this much */
#define DRAIN_MAX_BYTES (8u << 20)   /* per ring per pass: every ring gets its turn */
#define PEEK_NS         10000000ull  /* a launched command's memory, read this often ... */
#define PEEK_FOR_NS     500000000ull /* ... in its first half second */

struct collector {
	struct collector_config cfg;
	struct collector_source *src;
	struct recqueue *q;
	pthread_t thread;
	int started;
	int stop_fd; /* eventfd: stop now */
	struct batch *cur;
	uint64_t cur_since; /* CUR got its first record */
	uint64_t peeked_ns;
	_Atomic uint64_t peek_since; /* the launched command exec'd then (0: not yet) */
	pthread_mutex_t lock;        /* guards st */
	struct collector_stats st;
	struct pystack_read pyr; /* scratch */
	uint32_t pywords[4 + 2 * PYSTACK_MAX];
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A Python sample's frames are read now, while they are still the ones it
 * ran; a file mapped that may be Python's is looked at now, so that the
 * process's next samples are read here too. Returns the packed words. */
static size_t read_python(struct collector *c, const struct perf_event_header *h,
			  const struct perf_rec *r)
{
	if (h->type == PERF_RECORD_MMAP2) {
		if (strstr(r->mmap.filename, "python"))
			pystack_probe(c->cfg.py, (pid_t)r->pid);
		return 0;
	}
	if (h->type != PERF_RECORD_SAMPLE || !pystack_known(c->cfg.py, (pid_t)r->pid) ||
	    pystack_read(c->cfg.py, (pid_t)r->pid, (pid_t)r->tid, r->time, &c->pyr))
		return 0;
	return pystack_pack(&c->pyr, c->pywords, sizeof(c->pywords) / sizeof(*c->pywords));
}

static void count(struct collector *c, uint64_t *field)
{
	pthread_mutex_lock(&c->lock);
	(*field)++;
	pthread_mutex_unlock(&c->lock);
}

static int copy_record(const struct perf_event_header *h, void *arg)
{
	struct collector *c = arg;
	struct perf_rec r;
	uint64_t time = 0;
	size_t npy = 0;
	int decoded = perf_rec_peek(h, c->cfg.sample_type, &r) == 0;

	if (decoded)
		time = r.time;
	if (h->type == PERF_RECORD_SAMPLE &&
	    !recqueue_room(c->q, batch_bytes(c->cur), h->size + sizeof(struct batch_ent))) {
		count(c, &c->st.queue_dropped); /* the analysis is too far behind */
		return 0;
	}
	if (decoded && c->cfg.py)
		npy = read_python(c, h, &r);
	if (!c->cur->n)
		c->cur_since = mono_ns();
	if (batch_add(c->cur, h, time, npy ? c->pywords : NULL, npy)) {
		if (h->type == PERF_RECORD_SAMPLE)
			count(c, &c->st.oom);
		return 0;
	}
	pthread_mutex_lock(&c->lock);
	c->st.records++;
	c->st.samples += h->type == PERF_RECORD_SAMPLE;
	c->st.python_reads += npy != 0;
	pthread_mutex_unlock(&c->lock);
	return 0;
}

static void hand_over(struct collector *c)
{
	struct batch *next;

	if (!c->cur->n || !(next = recqueue_empty(c->q)))
		return;
	recqueue_push(c->q, c->cur);
	c->cur = next;
}

/* One pass over every ring. Returns the bytes still waiting in them. */
static uint64_t pass(struct collector *c, size_t max_bytes)
{
	uint64_t left = 0;

	for (size_t i = 0; i < c->cfg.nsrc; i++) {
		if (ring_drain(c->src[i].ring, max_bytes, copy_record, c) < 0)
			count(c, &c->st.bad);
		left += ring_pending(c->src[i].ring);
	}
	return left;
}

/* A short command's peak memory is otherwise never seen: its /proc has
 * none once it has exited. */
static void peek(struct collector *c, uint64_t now)
{
	struct procfs_status sts;
	uint64_t since = atomic_load(&c->peek_since);

	/* Before its exec the command is a copy of flametop: not its memory. */
	if (c->cfg.peek_pid <= 0 || !since || now - since > PEEK_FOR_NS ||
	    now - c->peeked_ns < PEEK_NS)
		return;
	c->peeked_ns = now;
	if (procfs_read_status(c->cfg.peek_pid, 0, &sts) || !sts.vm_hwm_kb)
		return;
	pthread_mutex_lock(&c->lock);
	c->st.rss_kb = sts.vm_rss_kb;
	if (sts.vm_hwm_kb > c->st.hwm_kb)
		c->st.hwm_kb = sts.vm_hwm_kb;
	pthread_mutex_unlock(&c->lock);
}

static void raise_priority(struct collector *c)
{
	pid_t tid = (pid_t)syscall(SYS_gettid);
	int raised = 0;

	if (c->cfg.nice)
		raised = setpriority(PRIO_PROCESS, (id_t)tid, c->cfg.nice) == 0 ? 1 : -1;
	pthread_mutex_lock(&c->lock);
	c->st.raised = raised;
	errno = 0;
	c->st.nice = getpriority(PRIO_PROCESS, (id_t)tid);
	pthread_mutex_unlock(&c->lock);
}

static int timeout_ms(const struct collector *c, uint64_t now)
{
	uint64_t due;

	int ms;

	uint64_t since = atomic_load(&c->peek_since);

	if (c->cfg.peek_pid > 0 && (!since || now - since < PEEK_FOR_NS))
		ms = (int)(PEEK_NS / 1000000);
	else if (!c->cur->n)
		ms = 100; /* nothing held: the rings' wake-ups say when */
	else if ((due = c->cur_since + PUSH_NS) > now)
		ms = (int)((due - now + 999999) / 1000000);
	else
		ms = 0;
	if (c->cfg.stop_at_ns) {
		int left = c->cfg.stop_at_ns > now
			       ? (int)((c->cfg.stop_at_ns - now + 999999) / 1000000)
			       : 0;

		ms = left < ms ? left : ms;
	}
	return ms;
}

/* Sampling ends now: the events are disabled by this thread. */
static void disable_events(struct collector *c)
{
	uint64_t now;

	if (c->cfg.disable)
		c->cfg.disable(c->cfg.disable_arg);
	now = mono_ns();
	pthread_mutex_lock(&c->lock);
	c->st.stopped_ns = now;
	pthread_mutex_unlock(&c->lock);
}

static void *run(void *arg)
{
	struct collector *c = arg;
	struct pollfd *fds = calloc(c->cfg.nsrc + 1, sizeof(*fds));
	uint64_t v;

	raise_priority(c);
	for (size_t i = 0; fds && i < c->cfg.nsrc; i++)
		fds[i] = (struct pollfd){ c->src[i].fd, POLLIN, 0 };
	for (;;) {
		uint64_t now = mono_ns();

		if (fds) {
			fds[c->cfg.nsrc] = (struct pollfd){ c->stop_fd, POLLIN, 0 };
			poll(fds, c->cfg.nsrc + 1, timeout_ms(c, now));
			if (fds[c->cfg.nsrc].revents & POLLIN)
				break;
		} else {
			usleep(1000);
		}
		if (read(c->stop_fd, &v, sizeof(v)) == sizeof(v))
			break;
		if (c->cfg.stop_at_ns && mono_ns() >= c->cfg.stop_at_ns)
			break;
		pass(c, DRAIN_MAX_BYTES);
		now = mono_ns();
		peek(c, now);
		if (c->cur->n &&
		    (now - c->cur_since >= PUSH_NS || batch_bytes(c->cur) >= PUSH_BYTES))
			hand_over(c);
	}
	/* Stopped: the events go off; what the rings hold is taken whole. */
	disable_events(c);
	while (pass(c, DRAIN_MAX_BYTES))
		hand_over(c);
	hand_over(c);
	free(fds);
	pthread_mutex_lock(&c->lock);
	c->st.running = 0;
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

struct collector *collector_start(const struct collector_config *cfg, struct recqueue *q, char *err,
				  size_t len)
{
	struct collector *c = calloc(1, sizeof(*c));
	sigset_t all, old;
	int e;

	if (!c || !(c->src = calloc(cfg->nsrc ? cfg->nsrc : 1, sizeof(*c->src))) ||
	    !(c->cur = batch_new()))
		goto out_oom;
	memcpy(c->src, cfg->src, cfg->nsrc * sizeof(*c->src));
	c->cfg = *cfg;
	c->cfg.src = c->src;
	c->q = q;
	pthread_mutex_init(&c->lock, NULL);
	if ((c->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		snprintf(err, len, "eventfd: %s", strerror(errno));
		goto out_free;
	}
	c->st.running = 1;
	/* Signals (a stop, a resize) are the face's, on its own thread: its
	 * poll is what they must interrupt. The thread starts with all blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	e = pthread_create(&c->thread, NULL, run, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e) {
		snprintf(err, len, "cannot start the collector thread: %s", strerror(e));
		close(c->stop_fd);
		goto out_free;
	}
	c->started = 1;
	return c;
out_oom:
	snprintf(err, len, "out of memory");
out_free:
	if (c) {
		batch_free(c->cur);
		free(c->src);
		free(c);
	}
	return NULL;
}

void collector_peek_now(struct collector *c)
{
	uint64_t now = mono_ns();

	atomic_store(&c->peek_since, now ? now : 1);
}

void collector_stop(struct collector *c)
{
	uint64_t one = 1;

	if (!c || !c->started)
		return;
	if (write(c->stop_fd, &one, sizeof(one)) < 0) {
		/* an eventfd far from full: cannot fail */
	}
	pthread_join(c->thread, NULL);
	c->started = 0;
}

int collector_stop_fd(const struct collector *c) { return c->stop_fd; }

void collector_free(struct collector *c)
{
	if (!c)
		return;
	collector_stop(c);
	close(c->stop_fd);
	batch_free(c->cur);
	pthread_mutex_destroy(&c->lock);
	free(c->src);
	free(c);
}

void collector_get_stats(struct collector *c, struct collector_stats *out)
{
	pthread_mutex_lock(&c->lock);
	*out = c->st;
	pthread_mutex_unlock(&c->lock);
}
