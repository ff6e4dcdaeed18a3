/* blocking — kernel function names to reasons, by prefix. */
#include "blocking.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"

struct rule {
	const char *prefix;
	enum block_reason reason;
};

/* Checked against each kernel frame from the innermost out; the first frame
 * any rule matches decides.  Prefixes, so that __x64_sys_futex and
 * futex_wait_queue both count; syscall entry points last-resort the cases
 * where the inner frames are generic (schedule, hrtimer). */
static const struct rule rules[] = {
	{ "futex_", BLOCK_LOCK },
	{ "do_futex", BLOCK_LOCK },
	{ "__x64_sys_futex", BLOCK_LOCK },
	{ "mutex_lock", BLOCK_LOCK },
	{ "__mutex_lock", BLOCK_LOCK },
	{ "rwsem_down_", BLOCK_LOCK },
	{ "down_read", BLOCK_LOCK },
	{ "down_write", BLOCK_LOCK },
	{ "do_nanosleep", BLOCK_SLEEP },
	{ "hrtimer_nanosleep", BLOCK_SLEEP },
	{ "common_nsleep", BLOCK_SLEEP },
	{ "__x64_sys_nanosleep", BLOCK_SLEEP },
	{ "__x64_sys_clock_nanosleep", BLOCK_SLEEP },
	{ "tcp_", BLOCK_NET },
	{ "udp_", BLOCK_NET },
	{ "inet_", BLOCK_NET },
	{ "inet6_", BLOCK_NET },
	{ "sock_", BLOCK_NET },
	{ "sk_wait_", BLOCK_NET },
	{ "__sk_", BLOCK_NET },
	{ "unix_", BLOCK_NET },
	{ "__sys_recv", BLOCK_NET },
	{ "__sys_send", BLOCK_NET },
	{ "__sys_accept", BLOCK_NET },
	{ "__sys_connect", BLOCK_NET },
	{ "netlink_", BLOCK_NET },
	{ "pipe_", BLOCK_PIPE },
	{ "anon_pipe_", BLOCK_PIPE },
	{ "n_tty_", BLOCK_PIPE },
	{ "tty_", BLOCK_PIPE },
	{ "do_sys_poll", BLOCK_POLL },
	{ "do_select", BLOCK_POLL },
	{ "core_sys_select", BLOCK_POLL },
	{ "do_epoll_", BLOCK_POLL },
	{ "ep_poll", BLOCK_POLL },
	{ "__x64_sys_poll", BLOCK_POLL },
	{ "__x64_sys_ppoll", BLOCK_POLL },
	{ "__x64_sys_epoll", BLOCK_POLL },
	{ "__x64_sys_select", BLOCK_POLL },
	{ "__x64_sys_pselect", BLOCK_POLL },
	{ "io_schedule", BLOCK_FILE },
	{ "folio_wait", BLOCK_FILE },
	{ "wait_on_page", BLOCK_FILE },
	{ "filemap_", BLOCK_FILE },
	{ "blkdev_", BLOCK_FILE },
	{ "__blkdev_", BLOCK_FILE },
	{ "blk_", BLOCK_FILE },
	{ "submit_bio", BLOCK_FILE },
	{ "iomap_", BLOCK_FILE },
	{ "ext4_", BLOCK_FILE },
	{ "xfs_", BLOCK_FILE },
	{ "btrfs_", BLOCK_FILE },
	{ "jbd2_", BLOCK_FILE },
	{ "nfs_", BLOCK_FILE },
	{ "fuse_", BLOCK_FILE },
	{ "overlay_", BLOCK_FILE },
	{ "ovl_", BLOCK_FILE },
	{ "vfs_fsync", BLOCK_FILE },
	{ "do_fsync", BLOCK_FILE },
	{ "generic_file_", BLOCK_FILE },
	{ "do_wait", BLOCK_CHILD },
	{ "kernel_wait4", BLOCK_CHILD },
	{ "__x64_sys_wait4", BLOCK_CHILD },
	{ "__x64_sys_waitid", BLOCK_CHILD },
	{ "handle_mm_fault", BLOCK_FAULT },
	{ "do_user_addr_fault", BLOCK_FAULT },
	{ "exc_page_fault", BLOCK_FAULT },
	/* A read or write whose inner frames said nothing: the file kind is
	 * the common case once pipes, sockets and ttys are ruled out above. */
	{ "vfs_read", BLOCK_FILE },
	{ "vfs_write", BLOCK_FILE },
	{ "ksys_read", BLOCK_FILE },
	{ "ksys_write", BLOCK_FILE },
	{ "ksys_pread", BLOCK_FILE },
	{ "ksys_pwrite", BLOCK_FILE },
};

/* libc and libpthread entry points, where no kernel frame is seen (kernel
 * call chains refused). Exact names, after any leading underscores. */
static const struct rule user_rules[] = {
	{ "pthread_mutex_lock", BLOCK_LOCK },
	{ "pthread_mutex_timedlock", BLOCK_LOCK },
	{ "pthread_rwlock_rdlock", BLOCK_LOCK },
	{ "pthread_rwlock_wrlock", BLOCK_LOCK },
	{ "pthread_cond_wait", BLOCK_LOCK },
	{ "pthread_cond_timedwait", BLOCK_LOCK },
	{ "pthread_join", BLOCK_LOCK },
	{ "lll_lock_wait", BLOCK_LOCK },
	{ "futex_abstimed_wait", BLOCK_LOCK },
	{ "sem_wait", BLOCK_LOCK },
	{ "nanosleep", BLOCK_SLEEP },
	{ "clock_nanosleep", BLOCK_SLEEP },
	{ "usleep", BLOCK_SLEEP },
	{ "sleep", BLOCK_SLEEP },
	{ "libc_read", BLOCK_FILE },
	{ "read", BLOCK_FILE },
	{ "pread64", BLOCK_FILE },
	{ "pread", BLOCK_FILE },
	{ "libc_pread", BLOCK_FILE },
	{ "write", BLOCK_FILE },
	{ "fsync", BLOCK_FILE },
	{ "fdatasync", BLOCK_FILE },
	{ "recv", BLOCK_NET },
	{ "recvfrom", BLOCK_NET },
	{ "recvmsg", BLOCK_NET },
	{ "send", BLOCK_NET },
	{ "sendto", BLOCK_NET },
	{ "accept", BLOCK_NET },
	{ "accept4", BLOCK_NET },
	{ "connect", BLOCK_NET },
	{ "poll", BLOCK_POLL },
	{ "ppoll", BLOCK_POLL },
	{ "select", BLOCK_POLL },
	{ "epoll_wait", BLOCK_POLL },
	{ "epoll_pwait", BLOCK_POLL },
	{ "waitpid", BLOCK_CHILD },
	{ "wait4", BLOCK_CHILD },
	{ "waitid", BLOCK_CHILD },
};

enum block_reason blocking_of_function(const char *name)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(*rules); i++)
		if (!strncmp(name, rules[i].prefix, strlen(rules[i].prefix)))
			return rules[i].reason;
	return BLOCK_NONE;
}

enum block_reason blocking_of_user_function(const char *name)
{
	while (*name == '_')
		name++;
	for (size_t i = 0; i < sizeof(user_rules) / sizeof(*user_rules); i++)
		if (!strcmp(name, user_rules[i].prefix))
			return user_rules[i].reason;
	return BLOCK_NONE;
}

/* A frame's two verdicts: kernel reason + 1 | (user reason + 1) << 4. */
static uint8_t verdicts_of(const struct frame *f)
{
	unsigned k = f->kind == FRAME_KERNEL ? blocking_of_function(f->name) : BLOCK_NONE;

	return (uint8_t)((k + 1) | (blocking_of_user_function(f->name) + 1) << 4);
}

/* The same, remembered in C (NULL: not remembered; out of memory: neither). */
static uint8_t verdicts(struct blocking_cache *c, const struct frametab *ft, uint32_t id)
{
	size_t old;

	if (!c)
		return verdicts_of(frametab_get(ft, id));
	old = c->cap;
	if (id >= c->cap) {
		if (grow_array(&c->v, &c->cap, (size_t)id + 1, 1))
			return verdicts_of(frametab_get(ft, id));
		memset(c->v + old, 0, c->cap - old);
	}
	if (!c->v[id])
		c->v[id] = verdicts_of(frametab_get(ft, id));
	return c->v[id];
}

/* The innermost kernel frame that speaks, else the innermost user frame. */
/* The reason a "[blocked: REASON]" frame (the leaf of an off-CPU stack, put
 * there when the interval was recorded) names: what was decided then is
 * what every later reader says. BLOCK_NREASONS for any other frame. */
static enum block_reason of_reason_frame(const struct frame *f)
{
	char name[64];

	if (f->kind != FRAME_OFFCPU)
		return BLOCK_NREASONS;
	for (int r = 0; r < BLOCK_NREASONS; r++) {
		blocking_frame_name((enum block_reason)r, name, sizeof(name));
		if (!strcmp(f->name, name))
			return (enum block_reason)r;
	}
	return BLOCK_NONE;
}

static enum block_reason of_stack(struct blocking_cache *c, const struct frametab *ft,
				  const uint32_t *frames, size_t n)
{
	size_t i = n;
	enum block_reason r;

	if (n && (r = of_reason_frame(frametab_get(ft, frames[n - 1]))) != BLOCK_NREASONS)
		return r;
	for (; i > 0 && frametab_get(ft, frames[i - 1])->kind == FRAME_KERNEL; i--) {
		unsigned k = (verdicts(c, ft, frames[i - 1]) & 15) - 1;

		if (k != BLOCK_NONE)
			return (enum block_reason)k;
	}
	for (; i > 0; i--) {
		unsigned u = (verdicts(c, ft, frames[i - 1]) >> 4) - 1;

		if (u != BLOCK_NONE)
			return (enum block_reason)u;
	}
	return BLOCK_NONE;
}

enum block_reason blocking_of_stack(const struct frametab *ft, const uint32_t *frames, size_t n)
{
	return of_stack(NULL, ft, frames, n);
}

enum block_reason blocking_of_stack_cached(struct blocking_cache *c, const struct frametab *ft,
					   const uint32_t *frames, size_t n)
{
	return of_stack(c, ft, frames, n);
}

enum block_reason blocking_of_node(const struct ctree *t, const struct frametab *ft, uint32_t node)
{
	enum block_reason r;

	if (node != CTREE_ROOT && node != CTREE_NONE &&
	    (r = of_reason_frame(frametab_get(ft, ctree_node(t, node)->frame))) != BLOCK_NREASONS)
		return r;
	for (uint32_t id = node; id != CTREE_ROOT && id != CTREE_NONE;) {
		const struct ctree_node *n = ctree_node(t, id);
		const struct frame *f = frametab_get(ft, n->frame);

		if (f->kind == FRAME_KERNEL) {
			enum block_reason k = blocking_of_function(f->name);

			if (k != BLOCK_NONE)
				return k;
		} else {
			break; /* kernel frames sit at the leaf end of a stack */
		}
		id = n->parent;
	}
	return BLOCK_NONE;
}

void blocking_cache_free(struct blocking_cache *c)
{
	free(c->v);
	c->v = NULL;
	c->cap = 0;
}

struct sum_ctx {
	const struct frametab *ft;
	uint64_t *weight, *samples;
};

static int sum_visit(const struct ctree *t, uint32_t id, void *arg)
{
	struct sum_ctx *c = arg;
	const struct ctree_node *n = ctree_node(t, id);
	enum block_reason r;

	if (id == CTREE_ROOT || !n->self_samples)
		return 0;
	r = blocking_of_node(t, c->ft, id);
	c->weight[r] += n->self_weight;
	c->samples[r] += n->self_samples;
	return 0;
}

void blocking_sum(const struct ctree *t, const struct frametab *ft, uint64_t weight[BLOCK_NREASONS],
		  uint64_t samples[BLOCK_NREASONS])
{
	struct sum_ctx c = { ft, weight, samples };

	memset(weight, 0, BLOCK_NREASONS * sizeof(*weight));
	memset(samples, 0, BLOCK_NREASONS * sizeof(*samples));
	ctree_walk(t, CTREE_ROOT, sum_visit, &c);
}
