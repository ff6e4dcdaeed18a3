/* dispatch: synthetic perf records (mmap2, comm, fork, exit, lost, samples
 * with call chains, switch-out samples and switch records) into the model,
 * through the real stack walker (frame-pointer chains), symbolizer (this
 * test's own binary, and a kallsyms file of ours) and blocking rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "dispatch.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* The functions the synthetic stacks run in: this binary's own, named
 * from its symbol table (not static: the symbol table must have them). */
void leaf_fn(void);
void mid_fn(void);
void outer_fn(void);
__attribute__((noinline)) void leaf_fn(void) { __asm__ volatile("" ::: "memory"); }
__attribute__((noinline)) void mid_fn(void)
{
	leaf_fn();
	__asm__ volatile("" ::: "memory");
}
__attribute__((noinline)) void outer_fn(void)
{
	mid_fn();
	__asm__ volatile("" ::: "memory");
}

#define KBASE    0xffffffff81000000ull
#define SWITCHER 7 /* the id of the switch-out sampler */

struct fx {
	struct profile *p;
	struct symbolizer *sym;
	struct stackwalk walk;
	struct dispatch d;
	char kallsyms[64];
	pid_t pid;
	uint64_t start, len, pgoff, ino;
	unsigned maj, min;
	char exe[PATH_MAX];
};

static int is_switch(void *arg, uint64_t id)
{
	(void)arg;
	return id == SWITCHER;
}

/* This binary's executable mapping, as its mmap2 record would say it. */
static void own_mapping(struct fx *x)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[PATH_MAX + 128];
	ssize_t n = readlink("/proc/self/exe", x->exe, sizeof(x->exe) - 1);

	assert_true(n > 0 && f);
	x->exe[n] = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi, off, ino;
		char perms[8], path[PATH_MAX];
		unsigned maj, min;

		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %s", &lo, &hi, perms, &off, &maj,
			   &min, &ino, path) == 8 &&
		    perms[2] == 'x' && !strcmp(path, x->exe)) {
			x->start = lo, x->len = hi - lo, x->pgoff = off, x->ino = ino;
			x->maj = maj, x->min = min;
		}
	}
	fclose(f);
	assert_true(x->len > 0);
}

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));
	FILE *k;
	int fd;

	assert_non_null(x);
	snprintf(x->kallsyms, sizeof(x->kallsyms), "/tmp/flametop-ksyms-XXXXXX");
	fd = mkstemp(x->kallsyms);
	assert_true(fd >= 0);
	k = fdopen(fd, "w");
	fprintf(k,
		"%llx T futex_wait_queue\n%llx T schedule\n%llx T do_nanosleep\n"
		"%llx T entry_SYSCALL_64\n",
		KBASE, KBASE + 0x1000, KBASE + 0x2000, KBASE + 0x3000);
	fclose(k);
	x->p = profile_new();
	x->sym = sym_new(x->p->frames, x->kallsyms, 0);
	assert_int_equal(stackwalk_init(&x->walk, x->sym, x->p->frames, CALLGRAPH_FP, NULL, 1), 0);
	dispatch_init(&x->d, x->sym, x->p, &x->walk);
	x->d.is_switch = is_switch;
	x->pid = getpid();
	own_mapping(x);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;

	dispatch_fini(&x->d);
	stackwalk_fini(&x->walk);
	sym_free(x->sym);
	profile_free(x->p);
	unlink(x->kallsyms);
	free(x);
	return 0;
}

static void mmap2(struct fx *x)
{
	struct perf_rec r = { .type = PERF_RECORD_MMAP2,
			      .pid = (uint32_t)x->pid,
			      .tid = (uint32_t)x->pid };

	r.mmap.start = x->start;
	r.mmap.len = x->len;
	r.mmap.pgoff = x->pgoff;
	r.mmap.maj = x->maj;
	r.mmap.min = x->min;
	r.mmap.ino = x->ino;
	r.mmap.prot = 5;
	r.mmap.filename = x->exe;
	dispatch_record(&x->d, &r);
}

/* A sample of TID at T in leaf_fn <- mid_fn <- outer_fn, under kernel
 * frames KIPS[0..NK) (innermost first); ID SWITCHER makes it a switch-out. */
static void sample(struct fx *x, pid_t tid, uint64_t t, uint64_t id, const uint64_t *kips,
		   size_t nk)
{
	uint64_t ips[16];
	size_t n = 0;
	struct perf_rec r = { .type = PERF_RECORD_SAMPLE,
			      .pid = (uint32_t)x->pid,
			      .tid = (uint32_t)tid,
			      .time = t,
			      .id = id };

	if (nk) {
		ips[n++] = PERF_CONTEXT_KERNEL;
		for (size_t i = 0; i < nk; i++)
			ips[n++] = kips[i];
	}
	ips[n++] = PERF_CONTEXT_USER;
	ips[n++] = (uint64_t)(uintptr_t)leaf_fn;    /* the sampled ip: its first byte */
	ips[n++] = (uint64_t)(uintptr_t)mid_fn + 5; /* return addresses: ip - 1 is looked up */
	ips[n++] = (uint64_t)(uintptr_t)outer_fn + 5;
	r.sample.ip = nk ? kips[0] : ips[n - 3];
	r.sample.period = 1000000;
	r.sample.nr = n;
	r.sample.ips = ips;
	r.misc = nk ? PERF_RECORD_MISC_KERNEL : PERF_RECORD_MISC_USER;
	dispatch_record(&x->d, &r);
}

static void record(struct fx *x, uint32_t type, uint16_t misc, pid_t tid, uint64_t t)
{
	struct perf_rec r = {
		.type = type, .misc = misc, .pid = (uint32_t)x->pid, .tid = (uint32_t)tid, .time = t
	};

	dispatch_record(&x->d, &r);
}

static uint32_t node_of(struct fx *x, const struct ctree *t, const char *const *path, size_t n)
{
	uint32_t node = CTREE_ROOT;
	const char *mod = strrchr(x->exe, '/') + 1;

	for (size_t i = 0; i < n && node != CTREE_NONE; i++) {
		uint32_t f = frametab_find(x->p->frames, path[i], mod);

		if (f == U64MAP_NONE)
			f = frametab_find(x->p->frames, path[i], "[kernel.kallsyms]");
		if (f == U64MAP_NONE)
			f = frametab_find(x->p->frames, path[i], "[off-cpu]");
		node = f == U64MAP_NONE ? CTREE_NONE : ctree_child(t, node, f);
	}
	return node;
}

static void samples_become_named_stacks(void **state)
{
	struct fx *x = *state;
	static const char *const path[] = { "outer_fn", "mid_fn", "leaf_fn" };
	uint32_t leaf;

	mmap2(x);
	for (int i = 0; i < 3; i++)
		sample(x, x->pid, 1000 + (uint64_t)i, 1, NULL, 0);
	assert_int_equal(x->p->samples, 3);
	assert_int_equal(x->p->weight, 3000000);
	leaf = node_of(x, x->p->tree, path, 3);
	assert_int_not_equal(leaf, CTREE_NONE);
	assert_int_equal(ctree_node(x->p->tree, leaf)->self_samples, 3);
	assert_int_equal(x->p->kernel_samples, 0);
	/* The walker's quality: three user stacks, none reaching a thread's
	 * root (outer_fn is no _start): where they stopped is counted. */
	assert_int_equal(x->walk.q.samples, 3);
	assert_int_equal(x->walk.q.complete, 0);
	assert_int_equal(u64map_get(&x->walk.q.stopped, frametab_find(x->p->frames, "outer_fn",
								      strrchr(x->exe, '/') + 1)),
			 3);
	assert_true(stackwalk_is_root("_start") && stackwalk_is_root("start_thread") &&
		    !stackwalk_is_root("outer_fn"));
}

/* A stack's reason: its innermost kernel frame that speaks, else its
 * innermost user frame that does; the cache gives the same answers. */
static void blocking_reads_the_innermost_telling_frame(void **state)
{
	struct fx *x = *state;
	struct frametab *ft = x->p->frames;
	struct blocking_cache c = { 0 };
	uint32_t main_ = frametab_intern(ft, "main", "app", NULL, 0, FRAME_USER);
	uint32_t sleep_ = frametab_intern(ft, "nanosleep", "libc.so.6", NULL, 0, FRAME_LIBRARY);
	uint32_t read_ = frametab_intern(ft, "read", "libc.so.6", NULL, 0, FRAME_LIBRARY);
	uint32_t entry =
	    frametab_intern(ft, "entry_SYSCALL_64", "[kernel.kallsyms]", NULL, 0, FRAME_KERNEL);
	uint32_t futex =
	    frametab_intern(ft, "futex_wait_queue", "[kernel.kallsyms]", NULL, 0, FRAME_KERNEL);
	uint32_t sched =
	    frametab_intern(ft, "schedule", "[kernel.kallsyms]", NULL, 0, FRAME_KERNEL);
	const uint32_t lock[] = { main_, read_, entry, futex, sched };
	const uint32_t user_only[] = { main_, sleep_ };
	const uint32_t silent[] = { main_, entry, sched };

	(void)x;
	for (int pass = 0; pass < 2; pass++) {
		assert_int_equal(blocking_of_stack_cached(&c, ft, lock, 5), BLOCK_LOCK);
		assert_int_equal(blocking_of_stack_cached(&c, ft, user_only, 2), BLOCK_SLEEP);
		assert_int_equal(blocking_of_stack_cached(&c, ft, silent, 3), BLOCK_NONE);
		assert_int_equal(blocking_of_stack_cached(&c, ft, lock, 2), BLOCK_FILE);
	}
	assert_int_equal(blocking_of_stack(ft, lock, 5), BLOCK_LOCK);
	blocking_cache_free(&c);
}

static void kernel_frames_come_first_and_are_counted(void **state)
{
	struct fx *x = *state;
	const uint64_t k[] = { KBASE + 0x2010, KBASE + 0x3010 };
	static const char *const path[] = { "outer_fn", "mid_fn", "leaf_fn", "entry_SYSCALL_64",
					    "do_nanosleep" };

	mmap2(x);
	sample(x, x->pid, 2000, 1, k, 2);
	assert_int_equal(x->p->kernel_samples, 1);
	assert_int_not_equal(node_of(x, x->p->tree, path, 5), CTREE_NONE);
}

/* A switch-out sample opens a wait in its stack; the switch back in charges
 * it, under the reason its kernel frames give. */
static void switch_out_and_back_charges_the_wait(void **state)
{
	struct fx *x = *state;
	const uint64_t k[] = { KBASE + 0x1010, KBASE + 0x10,
			       KBASE + 0x3010 }; /* schedule <- futex */
	char reason[64];
	static const char *path[5] = { "outer_fn", "mid_fn", "leaf_fn", "entry_SYSCALL_64", NULL };
	pid_t tid = x->pid + 1;

	mmap2(x);
	sample(x, tid, 10000000, SWITCHER, k, 3);
	assert_int_equal(x->p->samples, 0); /* not an on-CPU sample */
	record(x, PERF_RECORD_SWITCH, PERF_RECORD_MISC_SWITCH_OUT, tid, 10000000);
	record(x, PERF_RECORD_SWITCH, 0, tid, 15000000);
	assert_int_equal(x->p->off_ns, 5000000);
	assert_int_equal(x->p->off_reason_ns[BLOCK_LOCK], 5000000);
	blocking_frame_name(BLOCK_LOCK, reason, sizeof(reason));
	/* root .. entry_SYSCALL_64 .. futex_wait_queue, schedule, then the reason */
	path[4] = "futex_wait_queue";
	assert_int_not_equal(node_of(x, x->p->off, path, 5), CTREE_NONE);
	/* A second switch in without a switch out charges nothing. */
	record(x, PERF_RECORD_SWITCH, 0, tid, 20000000);
	assert_int_equal(x->p->off_ns, 5000000);
}

static void preemption_is_runnable_time(void **state)
{
	struct fx *x = *state;
	pid_t tid = x->pid + 2;

	mmap2(x);
	/* No switch-out sample (lost): the time is charged without a stack. */
	record(x, PERF_RECORD_SWITCH,
	       PERF_RECORD_MISC_SWITCH_OUT | PERF_RECORD_MISC_SWITCH_OUT_PREEMPT, tid, 1000);
	record(x, PERF_RECORD_SWITCH, 0, tid, 4000);
	assert_int_equal(x->p->off_reason_ns[BLOCK_PREEMPT], 3000);
	/* Waits still open at the end are charged up to it. */
	record(x, PERF_RECORD_SWITCH, PERF_RECORD_MISC_SWITCH_OUT, tid, 5000);
	dispatch_end_waits(&x->d, 9000);
	assert_int_equal(x->p->off_ns, 3000 + 4000);
}

static void exit_drops_an_open_wait(void **state)
{
	struct fx *x = *state;
	pid_t tid = x->pid + 3;

	record(x, PERF_RECORD_SWITCH, PERF_RECORD_MISC_SWITCH_OUT, tid, 1000);
	record(x, PERF_RECORD_EXIT, 0, tid, 2000);
	record(x, PERF_RECORD_SWITCH, 0, tid, 9000);
	dispatch_end_waits(&x->d, 10000);
	assert_int_equal(x->p->off_ns, 0);
}

static void comm_fork_and_lost(void **state)
{
	struct fx *x = *state;
	struct perf_rec r = { .type = PERF_RECORD_COMM,
			      .pid = (uint32_t)x->pid,
			      .tid = (uint32_t)x->pid };
	struct thread_stat *t;

	r.comm.comm = "parent-name";
	dispatch_record(&x->d, &r);
	/* a thread it creates starts with its name */
	memset(&r, 0, sizeof(r));
	r.type = PERF_RECORD_FORK;
	r.pid = (uint32_t)x->pid;
	r.tid = (uint32_t)x->pid + 9;
	r.task.ppid = (uint32_t)x->pid;
	r.task.ptid = (uint32_t)x->pid;
	dispatch_record(&x->d, &r);
	t = profile_thread(x->p, x->pid, x->pid + 9);
	assert_non_null(t);
	assert_string_equal(t->comm, "parent-name");
	memset(&r, 0, sizeof(r));
	r.type = PERF_RECORD_LOST;
	r.lost.lost = 42;
	dispatch_record(&x->d, &r);
	assert_int_equal(x->p->lost, 42);
}

static void count_tap(const struct perf_rec *r, void *arg)
{
	*(int *)arg += r->type == PERF_RECORD_SAMPLE;
}

static void tap_sees_every_sample(void **state)
{
	struct fx *x = *state;
	int seen = 0;

	x->d.tap = count_tap;
	x->d.tap_arg = &seen;
	mmap2(x);
	sample(x, x->pid, 1, 1, NULL, 0);
	sample(x, x->pid + 1, 2, SWITCHER, NULL, 0);
	assert_int_equal(seen, 2);
	assert_int_equal(x->p->samples, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(samples_become_named_stacks, setup, teardown),
		cmocka_unit_test_setup_teardown(kernel_frames_come_first_and_are_counted, setup,
						teardown),
		cmocka_unit_test_setup_teardown(switch_out_and_back_charges_the_wait, setup,
						teardown),
		cmocka_unit_test_setup_teardown(preemption_is_runnable_time, setup, teardown),
		cmocka_unit_test_setup_teardown(exit_drops_an_open_wait, setup, teardown),
		cmocka_unit_test_setup_teardown(comm_fork_and_lost, setup, teardown),
		cmocka_unit_test_setup_teardown(tap_sees_every_sample, setup, teardown),
		cmocka_unit_test_setup_teardown(blocking_reads_the_innermost_telling_frame, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("dispatch", tests, NULL, NULL);
}
