/* Bottleneck classification and suggested hypotheses on inputs with known
 * answers: CPU-bound, sleeping, reading files, growing memory, syscall-heavy,
 * cache-bound, lock-bound, network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "classify.h"
#include "report.h"

#include <stdio.h>
#include <string.h>

static struct classify_input input(double wall, double user, double sys, uint64_t io)
{
	return (struct classify_input){ .samples = 100,
					.wall_ms = wall,
					.cpu_ms = user + sys,
					.user_ms = user,
					.sys_ms = sys,
					.io_read_bytes = io,
					.threads = 1,
					.off_cpu_pct = -1,
					.weight = 100 };
}

static struct classification run(const struct classify_input *in)
{
	struct classification c;

	classify(in, &c);
	return c;
}

static const struct suggestion *find(const struct suggestion *s, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s[i].key, key))
			return &s[i];
	return NULL;
}

/* The suggestion KEY, which must be there. */
static const struct suggestion *must(const struct suggestion *s, size_t n, const char *key)
{
	static const struct suggestion none = { "", "(missing)", "(missing)" };
	const struct suggestion *f = find(s, n, key);

	assert_non_null(f);
	return f ? f : &none;
}

/* A busy thread on a loaded machine: on a CPU 46 % of its wall time, the
 * rest preempted (runnable, waiting for a CPU). That is CPU demand, never
 * "waiting for I/O"; a thread that sleeps as long is off-CPU. */
static void preempted_is_cpu_starved_not_waiting(void **state)
{
	struct classify_input in = input(2000, 920, 0, 0);
	struct suggestion s[SUGGEST_MAX];
	struct classification c;
	size_t n;

	(void)state;
	in.off_cpu_pct = 54;
	in.has_offcpu = 1;
	in.offcpu_ms[BLOCK_PREEMPT] = 1080;
	c = run(&in);
	n = suggest(&in, s);
	assert_int_equal(c.kind, BN_CPU);
	assert_non_null(strstr(c.detail, "CPU-starved: runnable but not running 54%"));
	assert_non_null(strstr(must(s, n, "cpu_bound")->evidence, "waiting for a CPU 54%"));
	assert_null(find(s, n, "off_cpu"));
	/* The same share asleep is off-CPU. */
	in.offcpu_ms[BLOCK_PREEMPT] = 0;
	in.offcpu_ms[BLOCK_SLEEP] = 1080;
	c = run(&in);
	n = suggest(&in, s);
	assert_int_equal(c.kind, BN_OFFCPU_SLEEP);
	assert_non_null(must(s, n, "off_cpu"));
	assert_null(find(s, n, "cpu_bound"));
}

/* A thread of 3000 ms: ON on a CPU, the rest blocked for reason WHY. */
static struct classify_thread thread_of(double on, enum block_reason why)
{
	struct classify_thread t = { .on_ms = on };

	t.off_ms[why] = 3000 - on;
	return t;
}

/* One thread computes; four wait on a futex for work that never comes (a
 * runtime's pool). Over all five the program is 80 % blocked in locks;
 * over the thread that works, CPU-bound. */
static void a_parked_pool_is_idle_not_lock_contention(void **state)
{
	struct classify_thread thr[5] = { thread_of(2950, BLOCK_PREEMPT) };
	struct classify_input in = input(3000, 2990, 10, 0);
	struct suggestion s[SUGGEST_MAX];
	struct classification c;
	size_t n;

	(void)state;
	for (int i = 1; i < 5; i++)
		thr[i] = thread_of(20, BLOCK_LOCK);
	in.threads = 5;
	in.off_cpu_pct = 80;
	in.has_offcpu = 1;
	in.offcpu_ms[BLOCK_LOCK] = 4 * 2980;
	in.offcpu_ms[BLOCK_PREEMPT] = 50;
	in.thr = thr;
	in.nthr = 5;
	c = run(&in);
	n = suggest(&in, s);
	assert_int_equal(c.kind, BN_CPU);
	assert_non_null(strstr(c.detail, "4 of 5 threads idle"));
	assert_null(find(s, n, "lock_bound"));
	assert_null(find(s, n, "off_cpu"));
	assert_non_null(find(s, n, "cpu_bound"));
	assert_true(classify_thread_idle(&thr[1]));
	assert_string_equal(classify_thread_class(&thr[1]), "idle");
	assert_string_equal(classify_thread_class(&thr[0]), "CPU");
	/* Every thread idle: all are judged, and none is said to be left out. */
	in.thr = thr + 1;
	in.nthr = 4;
	assert_null(strstr(run(&in).detail, "idle"));
	/* Without the threads, the same totals read as lock-bound. */
	in.thr = NULL;
	in.nthr = 0;
	assert_int_equal(run(&in).kind, BN_OFFCPU_LOCK);
}

/* Four workers that run a quarter of the time each and block on one mutex
 * the rest: they work, and they contend. */
static void workers_that_run_and_block_in_locks_contend(void **state)
{
	struct classify_thread thr[4];
	struct classify_input in = input(3000, 3000, 0, 0);
	struct suggestion s[SUGGEST_MAX];

	(void)state;
	for (int i = 0; i < 4; i++)
		thr[i] = thread_of(750, BLOCK_LOCK);
	in.threads = 4;
	in.off_cpu_pct = 75;
	in.has_offcpu = 1;
	in.offcpu_ms[BLOCK_LOCK] = 4 * 2250;
	in.thr = thr;
	in.nthr = 4;
	assert_int_equal(run(&in).kind, BN_OFFCPU_LOCK);
	assert_non_null(find(s, suggest(&in, s), "lock_bound"));
	assert_string_equal(classify_thread_class(&thr[0]), "Off-CPU/Lock");
	assert_false(classify_thread_idle(&thr[0]));
}

/* One fact, one figure: with each thread's time known, the share off a CPU
 * is theirs, and the detail, the hypothesis and classify_share print the
 * same number whatever /proc's own figure was. */
static void the_share_off_a_cpu_is_one_figure(void **state)
{
	struct classify_thread thr[2] = { thread_of(700, BLOCK_SLEEP),
					  thread_of(500, BLOCK_SLEEP) };
	struct classify_input in = input(2000, 1300, 0, 0);
	struct suggestion s[SUGGEST_MAX];
	struct classify_share sh;
	const struct suggestion *off;

	(void)state;
	thr[0].off_ms[BLOCK_SLEEP] = 1300; /* 35 % on a CPU */
	thr[1].off_ms[BLOCK_SLEEP] = 1500; /* 25 % */
	in.threads = 2;
	in.off_cpu_pct = 56; /* /proc, another window: not printed */
	in.has_offcpu = 1;
	in.offcpu_ms[BLOCK_SLEEP] = 2800;
	in.thr = thr;
	in.nthr = 2;
	classify_share(&in, &sh);
	assert_true(sh.from_samples);
	assert_int_equal((int)(sh.off_pct + 0.5), 70);
	assert_non_null(strstr(run(&in).detail, "threads wait 70% of wall time"));
	off = find(s, suggest(&in, s), "off_cpu");
	assert_non_null(off);
	assert_non_null(strstr(off->evidence, "threads off the CPU 70%"));
	/* Without per-thread time, /proc's figure is the one. */
	in.nthr = 0;
	classify_share(&in, &sh);
	assert_false(sh.from_samples);
	assert_true(sh.off_pct == 56);
	assert_non_null(strstr(run(&in).detail, "threads wait 56% of wall time"));
}

/* A thread that writes and fsyncs beside four parked ones: I/O, and a
 * thread barely on a CPU but blocked in file I/O is not idle. */
static void an_io_thread_beside_an_idle_pool_is_io(void **state)
{
	struct classify_thread thr[5] = { thread_of(60, BLOCK_FILE) };
	struct classify_input in = input(3000, 60, 40, 200 << 20);

	(void)state;
	for (int i = 1; i < 5; i++)
		thr[i] = thread_of(0.5, BLOCK_LOCK);
	in.threads = 5;
	in.off_cpu_pct = 99;
	in.has_offcpu = 1;
	in.offcpu_ms[BLOCK_LOCK] = 4 * 2999.5;
	in.offcpu_ms[BLOCK_FILE] = 2940;
	in.thr = thr;
	in.nthr = 5;
	assert_int_equal(run(&in).kind, BN_IO_FILE);
	assert_false(classify_thread_idle(&thr[0]));
	assert_string_equal(classify_thread_class(&thr[0]), "I/O-File");
}

static void cpu_bound(void **state)
{
	struct classify_input in = input(2000, 1950, 30, 0);
	struct classification c = run(&in);
	struct suggestion s[SUGGEST_MAX];
	size_t n = suggest(&in, s);

	(void)state;
	assert_int_equal(c.kind, BN_CPU);
	assert_string_equal(bottleneck_name(c.kind), "CPU");
	assert_non_null(strstr(c.detail, "1980 ms"));
	assert_non_null(strstr(c.detail, "2000 ms"));
	assert_non_null(find(s, n, "cpu_bound"));
	assert_null(find(s, n, "off_cpu"));
	assert_null(find(s, n, "kernel_heavy"));
	assert_null(find(s, n, "memory_growth"));
	assert_non_null(strstr(must(s, n, "cpu_bound")->evidence, "on-CPU 99%"));
}

/* Two threads, one computing and one asleep: CPU time over wall time says
 * 50 % of one core, the threads' wall time says the same; with /proc's
 * off-CPU share given it decides. */
static void off_cpu_share_decides(void **state)
{
	struct classify_input in = input(1000, 1500, 0, 0);

	(void)state;
	in.threads = 2;
	in.off_cpu_pct = 25; /* 1.5 of 2 threads busy */
	assert_int_equal(run(&in).kind, BN_CPU);
	in.off_cpu_pct = 60;
	assert_int_equal(run(&in).kind, BN_OFFCPU_WAIT);
}

static void sleeping_is_off_cpu(void **state)
{
	struct classify_input in = input(2000, 100, 20, 0);
	struct classification c = run(&in);
	struct suggestion s[SUGGEST_MAX];
	size_t n = suggest(&in, s);

	(void)state;
	assert_int_equal(c.kind, BN_OFFCPU_WAIT);
	assert_non_null(strstr(c.detail, "wait 94%"));
	assert_non_null(strstr(c.detail, "no switch-out stacks"));
	assert_non_null(find(s, n, "off_cpu"));
	assert_null(find(s, n, "cpu_bound"));
	assert_null(find(s, n, "lock_bound")); /* no off-CPU stacks: cannot say lock */
}

static void reading_files_is_io(void **state)
{
	struct classify_input in = input(2000, 200, 200, 200u << 20);
	struct classification c = run(&in);

	(void)state;
	assert_int_equal(c.kind, BN_IO_FILE);
	assert_non_null(strstr(c.detail, "100.0 MiB/s"));
}

static void sockets_are_network(void **state)
{
	struct classify_input in = input(2000, 100, 300, 0);

	(void)state;
	in.kernel_weight[BLOCK_NET] = 40;
	in.kernel_weight[BLOCK_FILE] = 5;
	assert_int_equal(run(&in).kind, BN_IO_NETWORK);
}

static void syscall_heavy_is_kernel(void **state)
{
	struct classify_input in = input(1000, 300, 650, 0);
	struct classification c;
	struct suggestion s[SUGGEST_MAX];
	size_t n;

	(void)state;
	in.kernel_weight[BLOCK_FILE] = 55;
	c = run(&in);
	n = suggest(&in, s);
	assert_int_equal(c.kind, BN_KERNEL);
	assert_non_null(strstr(c.detail, "68% in the kernel"));
	assert_non_null(find(s, n, "kernel_heavy"));
	assert_non_null(strstr(must(s, n, "kernel_heavy")->evidence, "68% of CPU time"));
	assert_non_null(strstr(must(s, n, "kernel_heavy")->evidence, "file I/O (55% of samples)"));
}

static void growing_memory(void **state)
{
	struct classify_input in = input(60000, 59000, 500, 0);
	struct classification c;
	struct suggestion s[SUGGEST_MAX];
	size_t n;

	(void)state;
	in.has_growth = in.leak = 1;
	in.growth_mib_min = 120.5;
	in.growth_r2 = 0.99;
	in.growth_span_s = 58;
	c = run(&in);
	n = suggest(&in, s);
	assert_int_equal(c.kind, BN_CPU);
	assert_non_null(strstr(c.detail, "memory grows +120.5 MiB/min over 58 s"));
	assert_non_null(find(s, n, "memory_growth"));
	assert_non_null(strstr(must(s, n, "memory_growth")->evidence, "+120.5 MiB/min over 58 s"));
	/* Growth that is not steady suggests nothing. */
	in.leak = 0;
	n = suggest(&in, s);
	assert_null(find(s, n, "memory_growth"));
}

static void page_faults_are_memory(void **state)
{
	struct classify_input in = input(1000, 500, 480, 0);

	(void)state;
	in.kernel_weight[BLOCK_FAULT] = 40;
	assert_int_equal(run(&in).kind, BN_MEMORY);
}

static void counters_say_cache(void **state)
{
	struct classify_input in = input(1000, 990, 5, 0);
	struct suggestion s[SUGGEST_MAX];
	size_t n;

	(void)state;
	in.has_cache = in.has_ipc = 1;
	in.cache_miss_pct = 35;
	in.ipc = 0.4;
	assert_int_equal(run(&in).kind, BN_CACHE);
	n = suggest(&in, s);
	assert_non_null(strstr(must(s, n, "cache_bound")->evidence, "35.0% of cache references"));
	in.ipc = 2.5; /* misses, but the core keeps busy: not cache-bound */
	assert_int_equal(run(&in).kind, BN_CPU);
	in.has_cache = 0; /* no counters, no cache verdict */
	n = suggest(&in, s);
	assert_null(find(s, n, "cache_bound"));
}

static void hot_path(void **state)
{
	struct classify_input in = input(1000, 990, 5, 0);
	struct suggestion s[SUGGEST_MAX];
	size_t n;

	(void)state;
	snprintf(in.hot_function, sizeof(in.hot_function), "hash_token");
	in.hot_self_pct = 61.5;
	in.hot_total_pct = 70;
	n = suggest(&in, s);
	assert_non_null(find(s, n, "hot_path"));
	assert_non_null(strstr(must(s, n, "hot_path")->text, "hash_token"));
	assert_non_null(strstr(must(s, n, "hot_path")->evidence, "61.5%"));
	in.hot_self_pct = 12; /* spread out: no single path */
	n = suggest(&in, s);
	assert_null(find(s, n, "hot_path"));
}

static void switch_out_stacks_say_lock(void **state)
{
	struct classify_input in = input(1000, 200, 50, 0);
	struct classification c;
	struct suggestion s[SUGGEST_MAX];
	size_t n;

	(void)state;
	in.threads = 4;
	in.off_cpu_pct = 80;
	in.has_offcpu = 1;
	in.offcpu_ms[BLOCK_LOCK] = 2400;
	in.offcpu_ms[BLOCK_SLEEP] = 800;
	c = run(&in);
	n = suggest(&in, s);
	assert_int_equal(c.kind, BN_OFFCPU_LOCK);
	assert_non_null(strstr(c.detail, "2400 ms (75%) in lock"));
	assert_non_null(find(s, n, "lock_bound"));
	/* The same wait in reads is file I/O; in sockets, network. */
	in.offcpu_ms[BLOCK_LOCK] = 0;
	in.offcpu_ms[BLOCK_FILE] = 2400;
	assert_int_equal(run(&in).kind, BN_IO_FILE);
	in.offcpu_ms[BLOCK_FILE] = 0;
	in.offcpu_ms[BLOCK_NET] = 2400;
	assert_int_equal(run(&in).kind, BN_IO_NETWORK);
	n = suggest(&in, s);
	assert_null(find(s, n, "lock_bound"));
}

static void no_samples_is_unknown(void **state)
{
	struct classify_input in = { .wall_ms = 1000, .off_cpu_pct = -1 };
	struct suggestion s[SUGGEST_MAX];

	(void)state;
	assert_int_equal(run(&in).kind, BN_UNKNOWN);
	assert_string_equal(bottleneck_name(BN_OFFCPU_LOCK), "Off-CPU/Lock");
	in.wall_ms = 0;
	assert_int_equal(suggest(&in, s), 0);
}

static void kernel_reasons(void **state)
{
	(void)state;
	assert_int_equal(blocking_of_function("futex_wait_queue"), BLOCK_LOCK);
	assert_int_equal(blocking_of_function("__x64_sys_futex"), BLOCK_LOCK);
	assert_int_equal(blocking_of_function("do_nanosleep"), BLOCK_SLEEP);
	assert_int_equal(blocking_of_function("tcp_recvmsg"), BLOCK_NET);
	assert_int_equal(blocking_of_function("do_epoll_wait"), BLOCK_POLL);
	assert_int_equal(blocking_of_function("pipe_read"), BLOCK_PIPE);
	assert_int_equal(blocking_of_function("io_schedule"), BLOCK_FILE);
	assert_int_equal(blocking_of_function("ext4_file_read_iter"), BLOCK_FILE);
	assert_int_equal(blocking_of_function("schedule"), BLOCK_NONE);
}

/* The innermost kernel frame that speaks decides; user frames end the walk. */
static void stack_reasons(void **state)
{
	struct profile *p = profile_new();
	uint32_t m = frametab_intern(p->frames, "main", "prog", NULL, 0, FRAME_USER);
	uint32_t rd = frametab_intern(p->frames, "read", "libc.so.6", NULL, 0, FRAME_LIBRARY);
	uint32_t vfs =
	    frametab_intern(p->frames, "vfs_read", "[kernel.kallsyms]", NULL, 0, FRAME_KERNEL);
	uint32_t pr =
	    frametab_intern(p->frames, "pipe_read", "[kernel.kallsyms]", NULL, 0, FRAME_KERNEL);
	uint32_t sch =
	    frametab_intern(p->frames, "schedule", "[kernel.kallsyms]", NULL, 0, FRAME_KERNEL);
	uint32_t a[] = { m, rd, vfs, pr, sch }, b[] = { m, rd, vfs, sch }, c[] = { m, rd };
	uint64_t w[BLOCK_NREASONS], n[BLOCK_NREASONS];

	(void)state;
	profile_add(p, 1, 1, a, 5, 10, 1);
	profile_add(p, 1, 1, b, 4, 20, 1);
	profile_add(p, 1, 1, c, 2, 30, 0);
	blocking_sum(p->tree, p->frames, w, n);
	assert_int_equal(w[BLOCK_PIPE], 10);
	assert_int_equal(w[BLOCK_FILE], 20);
	assert_int_equal(w[BLOCK_NONE], 30);
	assert_int_equal(n[BLOCK_PIPE] + n[BLOCK_FILE] + n[BLOCK_NONE], 3);
	profile_free(p);
}

/* An off-CPU stack's reason is the one its "[blocked: ...]" leaf names,
 * decided when the interval was taken — a preemption seen from an
 * interrupt's return has no kernel frame that speaks, and stays
 * "preempted" for every reader; a newer kernel's anon_pipe_read is a pipe. */
static void a_reason_frame_decides(void **state)
{
	struct frametab *ft = frametab_new();
	uint32_t m = frametab_intern(ft, "main", "prog", NULL, 0, FRAME_USER);
	uint32_t irq = frametab_intern(ft, "irqentry_exit_to_user_mode", "[kernel.kallsyms]", NULL,
				       0, FRAME_KERNEL);
	uint32_t pre =
	    frametab_intern(ft, "[blocked: preempted]", "[off-cpu]", NULL, 0, FRAME_OFFCPU);
	uint32_t vfs = frametab_intern(ft, "vfs_read", "[kernel.kallsyms]", NULL, 0, FRAME_KERNEL);
	uint32_t pipe =
	    frametab_intern(ft, "anon_pipe_read", "[kernel.kallsyms]", NULL, 0, FRAME_KERNEL);
	uint32_t a[] = { m, irq, pre }, b[] = { m, vfs, pipe };
	char name[64];

	(void)state;
	assert_int_equal(blocking_of_stack(ft, a, 2), BLOCK_NONE);
	assert_int_equal(blocking_of_stack(ft, a, 3), BLOCK_PREEMPT);
	assert_int_equal(blocking_of_stack(ft, b, 3), BLOCK_PIPE);
	for (int r = 0; r < BLOCK_NREASONS; r++) {
		uint32_t f;

		blocking_frame_name((enum block_reason)r, name, sizeof(name));
		f = frametab_intern(ft, name, "[off-cpu]", NULL, 0, FRAME_OFFCPU);
		a[2] = f;
		assert_int_equal(blocking_of_stack(ft, a, 3), r);
	}
	frametab_free(ft);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cpu_bound),
		cmocka_unit_test(preempted_is_cpu_starved_not_waiting),
		cmocka_unit_test(off_cpu_share_decides),
		cmocka_unit_test(sleeping_is_off_cpu),
		cmocka_unit_test(reading_files_is_io),
		cmocka_unit_test(sockets_are_network),
		cmocka_unit_test(syscall_heavy_is_kernel),
		cmocka_unit_test(growing_memory),
		cmocka_unit_test(page_faults_are_memory),
		cmocka_unit_test(counters_say_cache),
		cmocka_unit_test(hot_path),
		cmocka_unit_test(switch_out_stacks_say_lock),
		cmocka_unit_test(no_samples_is_unknown),
		cmocka_unit_test(a_parked_pool_is_idle_not_lock_contention),
		cmocka_unit_test(workers_that_run_and_block_in_locks_contend),
		cmocka_unit_test(an_io_thread_beside_an_idle_pool_is_io),
		cmocka_unit_test(the_share_off_a_cpu_is_one_figure),
		cmocka_unit_test(kernel_reasons),
		cmocka_unit_test(stack_reasons),
		cmocka_unit_test(a_reason_frame_decides),
	};
	return cmocka_run_group_tests_name("classify", tests, NULL, NULL);
}
