/* The sampler's layout (a group per task and CPU, one ring per CPU, the lean
 * layouts when descriptors run short) and each unwinder on samples the
 * kernel recorded of this test's own code: perf_event_open on this thread,
 * cpu-clock (no PMU needed), registers and a stack copy with every sample. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "frametab.h"
#include "perf_records.h"
#include "perf_ring.h"
#include "sampler.h"
#include "symbols.h"
#include "unwind.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static struct sampler *software_sampler(unsigned stack_bytes, int offcpu)
{
	struct sampler_config cfg = {
		.freq_hz = 999, .force_cpu_clock = 1, .stack_bytes = stack_bytes, .offcpu = offcpu
	};

	return sampler_new(&cfg);
}

static double thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A thread that waits until told to end: a second task to open. */
static volatile int idle_stop;
static volatile pid_t idle_tid;

/* In the thread: says its tid, waits for idle_stop. */
static void wait_told(void)
{
	idle_tid = gettid();
	while (!idle_stop)
		usleep(1000);
}

static void *idle_thread(void *arg)
{
	(void)arg;
	wait_told();
	return NULL;
}

/* Starts FN as a thread; returns its tid once it runs. */
static pid_t run_thread(pthread_t *th, void *(*fn)(void *))
{
	idle_stop = 0;
	idle_tid = 0;
	assert_int_equal(pthread_create(th, NULL, fn, NULL), 0);
	while (!idle_tid)
		usleep(1000);
	return idle_tid;
}

static void group_per_task_and_cpu_into_a_ring_per_cpu(void **state)
{
	struct sampler *s = software_sampler(0, 1);
	char err[256] = "";
	pthread_t th;
	size_t ncpus;

	(void)state;
	assert_non_null(s);
	assert_int_equal(sampler_open_task(s, gettid(), err, sizeof(err)), 0);
	ncpus = sampler_ncpus(s);
	assert_true(ncpus >= 1);
	assert_int_equal(ncpus, (size_t)sysconf(_SC_NPROCESSORS_ONLN));
	/* The first task decided the group: cpu-clock leading (asked for) and
	 * counted in nanoseconds. */
	assert_string_equal(sampler_event_name(s), "cpu-clock");
	assert_true(sampler_weight_ns(s));
	assert_true(sampler_ngroup(s) >= 1);
	assert_int_equal(sampler_nleaders(s), ncpus);
	assert_int_equal(sampler_nstreams(s), ncpus);
	/* One ring per CPU, each on its own CPU. */
	for (size_t i = 0; i < ncpus; i++)
		for (size_t k = i + 1; k < ncpus; k++)
			assert_int_not_equal(sampler_stream(s, i)->cpu, sampler_stream(s, k)->cpu);
	/* Off-CPU: every event says which one wrote a sample. */
	assert_true(sampler_offcpu(s));
	assert_true(sampler_sample_type(s) & PERF_SAMPLE_IDENTIFIER);

	/* A second task: its own groups, written into the same rings. */
	run_thread(&th, idle_thread);
	assert_int_equal(sampler_open_task(s, idle_tid, err, sizeof(err)), 0);
	assert_int_equal(sampler_nleaders(s), 2 * ncpus);
	assert_int_equal(sampler_nstreams(s), ncpus);
	idle_stop = 1;
	pthread_join(th, NULL);
	/* A task that is gone is said so, and leaves the layout as it was. */
	assert_int_equal(sampler_open_task(s, idle_tid, err, sizeof(err)), -ESRCH);
	assert_non_null(strstr(err, "no such process"));
	assert_int_equal(sampler_nleaders(s), 2 * ncpus);
	assert_int_equal(sampler_nstreams(s), ncpus);
	sampler_free(s);
}

static size_t fds_open(void)
{
	size_t n = 0;

	for (int fd = 0; fd < 65536; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

/* sampler_plan with NTASKS under a descriptor limit that leaves exactly
 * ROOM descriptors for the sampler beyond its reserve. */
static int plan_with_room(struct sampler *s, size_t ntasks, size_t room, char *err, size_t len)
{
	struct rlimit old, rl;
	int r;

	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	rl = old;
	/* sampler_plan counts the descriptors open (as here) and keeps 256
	 * free. */
	rl.rlim_cur = fds_open() + 256 + room;
	assert_true(rl.rlim_cur <= old.rlim_max);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	r = sampler_plan(s, ntasks, err, len);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	return r;
}

static void descriptors_decide_full_lean_or_refused(void **state)
{
	const size_t ntasks = 100;
	char err[256];
	size_t ncpus, ngroup, full, lean, bare;
	struct sampler *s;

	(void)state;
	/* Learn the group's width from a first task. */
	s = software_sampler(0, 0);
	assert_int_equal(sampler_open_task(s, gettid(), err, sizeof(err)), 0);
	ncpus = sampler_ncpus(s);
	ngroup = sampler_ngroup(s);
	sampler_free(s);
	full = ncpus * ngroup;
	lean = ncpus + ngroup - 1;
	bare = ncpus;

	/* Room for every group on every CPU: the full layout, no note. */
	s = software_sampler(0, 0);
	assert_int_equal(sampler_open_task(s, gettid(), err, sizeof(err)), 0);
	assert_int_equal(plan_with_room(s, ntasks, ntasks * full, err, sizeof(err)), 0);
	assert_string_equal(sampler_counter_note(s), "");
	sampler_free(s);

	if (ngroup > 1) {
		/* Room for the leaders and a task's counters once: lean, said. */
		s = software_sampler(0, 0);
		assert_int_equal(sampler_open_task(s, gettid(), err, sizeof(err)), 0);
		assert_int_equal(plan_with_room(s, ntasks, ntasks * lean, err, sizeof(err)), 0);
		assert_non_null(strstr(sampler_counter_note(s), "counters opened once per thread"));
		/* A later task: one leader per CPU and its counters once. */
		{
			pthread_t th;
			struct group_read g;

			run_thread(&th, idle_thread);
			assert_int_equal(sampler_open_task(s, idle_tid, err, sizeof(err)), 0);
			assert_int_equal(sampler_nstreams(s), ncpus);
			/* Its counts read as one group, as a full task's do. */
			assert_int_equal(sampler_read_leader(s, sampler_nleaders(s) - 1, &g), 0);
			assert_int_equal(g.nr, ngroup);
			idle_stop = 1;
			pthread_join(th, NULL);
		}
		sampler_free(s);
	}

	/* Room for the sampling events only: no counters, said. */
	s = software_sampler(0, 0);
	assert_int_equal(sampler_open_task(s, gettid(), err, sizeof(err)), 0);
	assert_int_equal(plan_with_room(s, ntasks, ntasks * bare, err, sizeof(err)), 0);
	if (ngroup > 1)
		assert_non_null(strstr(sampler_counter_note(s), "only the sampling event opened"));
	sampler_free(s);

	/* Not even that: refused, with what it needs and how to get it. */
	s = software_sampler(0, 0);
	assert_int_equal(sampler_open_task(s, gettid(), err, sizeof(err)), 0);
	err[0] = 0;
	assert_int_equal(plan_with_room(s, ntasks, ntasks * bare - 1, err, sizeof(err)), -EMFILE);
	assert_non_null(strstr(err, "need at least"));
	assert_non_null(strstr(err, "ulimit -Hn"));
	sampler_free(s);
}

/* ---- each unwinder on recorded samples ---- */

/* A known call chain without frame pointers (gcc's -O2 omits them; the
 * sanitized build keeps them, which the unwinders must not need). The
 * result is used after each call, so none is a tail call. */
int unwind_probe_outer(double until);
int unwind_probe_middle(double until);
int unwind_probe_leaf(double until);
static volatile unsigned long sink;

__attribute__((noinline)) int unwind_probe_leaf(double until)
{
	int n = 0;

	while (thread_cpu_s() < until)
		for (unsigned i = 0; i < 20000; i++, n++)
			sink += i * 7;
	return n;
}

__attribute__((noinline)) int unwind_probe_middle(double until)
{
	return unwind_probe_leaf(until) + (int)(sink & 1);
}

__attribute__((noinline)) int unwind_probe_outer(double until)
{
	return unwind_probe_middle(until) + (int)(sink & 3);
}

#define MAXPCS 64

struct unwound {
	struct symbolizer *sym;
	struct frametab *ft;
	uint64_t sample_type;
	const struct unwinder_ops *ops[3];
	void *state[3];
	pid_t tid;
	size_t samples;  /* of this thread, with registers and stack */
	size_t in_leaf;  /* whose sampled IP is in unwind_probe_leaf */
	size_t whole[3]; /* of those, each unwinder's chain leaf, middle, outer, test */
	size_t agree;    /* of those, all three gave the same first four addresses */
};

static const char *name_at(struct unwound *u, uint64_t pc, int caller)
{
	uint32_t id = sym_resolve(u->sym, getpid(), pc, 0, caller);
	const struct frame *f = id == FRAME_NONE ? NULL : frametab_get(u->ft, id);

	return f ? f->name : "?";
}

static int on_record(const struct perf_event_header *h, void *arg)
{
	struct unwound *u = arg;
	static const char *const want[] = { "unwind_probe_leaf", "unwind_probe_middle",
					    "unwind_probe_outer", "spin_thread" };
	uint64_t pcs[3][MAXPCS];
	size_t n[3];
	struct perf_rec r;
	struct unwind_sample in;

	if (h->type != PERF_RECORD_SAMPLE || perf_rec_decode(h, u->sample_type, &r) ||
	    (pid_t)r.tid != u->tid || !r.sample.regs_abi || !r.sample.stack_size)
		return 0;
	u->samples++;
	if (strcmp(name_at(u, r.sample.regs[PREG_IP], 0), want[0]))
		return 0;
	u->in_leaf++;
	in = (struct unwind_sample){ .pid = (pid_t)r.pid,
				     .tid = (pid_t)r.tid,
				     .regs = r.sample.regs,
				     .stack = r.sample.stack,
				     .stack_size = r.sample.stack_size };
	for (int k = 0; k < 3; k++) {
		enum unwind_stop stop;
		size_t i;

		n[k] = u->ops[k]->unwind(u->state[k], &in, pcs[k], MAXPCS, &stop);
		for (i = 0; i < 4 && i < n[k]; i++)
			if (strcmp(name_at(u, pcs[k][i], i > 0), want[i]))
				break;
		if (i == 4)
			u->whole[k]++;
	}
	if (n[0] >= 4 && n[1] >= 4 && n[2] >= 4 && !memcmp(pcs[0], pcs[1], 4 * sizeof(uint64_t)) &&
	    !memcmp(pcs[0], pcs[2], 4 * sizeof(uint64_t)))
		u->agree++;
	return 0;
}

/* The sampled thread: 0.3 s of its CPU in the chain, ~300 samples at
 * 999 Hz however loaded the machine. */
static volatile int spin_done;

static void *spin_thread(void *arg)
{
	(void)arg;
	wait_told();
	unwind_probe_outer(thread_cpu_s() + 0.3);
	spin_done = 1;
	return NULL;
}

static void unwinders_agree_on_samples(void **state)
{
	pthread_t th;
	struct sampler *s = software_sampler(16384, 0);
	struct unwound u = { .ops = { &unwinder_rules, &unwinder_libdw, &unwinder_libunwind } };
	char err[256];

	(void)state;
	assert_non_null(s);
	spin_done = 0;
	u.tid = run_thread(&th, spin_thread);
	assert_int_equal(sampler_open_task(s, u.tid, err, sizeof(err)), 0);
	u.ft = frametab_new();
	u.sym = sym_new(u.ft, NULL, 0);
	u.sample_type = sampler_sample_type(s);
	assert_true(u.sample_type & PERF_SAMPLE_REGS_USER);
	assert_true(u.sample_type & PERF_SAMPLE_STACK_USER);
	assert_int_equal(sym_load_proc(u.sym, getpid()), 0);
	for (int k = 0; k < 3; k++)
		assert_non_null(u.state[k] = u.ops[k]->create(u.sym));

	/* Drained while the thread runs: 16 KiB a sample fills a ring fast. */
	sampler_enable(s);
	idle_stop = 1;
	for (int last = 0; !last;) {
		last = spin_done;
		for (size_t i = 0; i < sampler_nstreams(s); i++)
			ring_drain(&sampler_stream(s, i)->ring, SIZE_MAX, on_record, &u);
		usleep(2000);
	}
	sampler_disable(s);
	pthread_join(th, NULL);

	print_message("%zu samples, %zu in the leaf; whole chains: rules %zu, libdw %zu, "
		      "libunwind %zu; all three alike %zu\n",
		      u.samples, u.in_leaf, u.whole[0], u.whole[1], u.whole[2], u.agree);
	/* The ring may drop a few at the end; the chain is most of the CPU. */
	assert_true(u.samples >= 100);
	assert_true(u.in_leaf >= u.samples * 8 / 10);
	/* Every sample in the leaf unwinds to the test through both callers,
	 * by each unwinder, and they agree address for address. */
	for (int k = 0; k < 3; k++)
		assert_int_equal(u.whole[k], u.in_leaf);
	assert_int_equal(u.agree, u.in_leaf);

	for (int k = 0; k < 3; k++)
		u.ops[k]->destroy(u.state[k]);
	sym_free(u.sym);
	frametab_free(u.ft);
	sampler_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(group_per_task_and_cpu_into_a_ring_per_cpu),
		cmocka_unit_test(descriptors_decide_full_lean_or_refused),
		cmocka_unit_test(unwinders_agree_on_samples),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
