/* /proc parsers on fixtures, and the live readers on ourselves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "fingerprint.h"
#include "kallsyms.h"
#include "machine.h"
#include "proclist.h"
#include "procfs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <unistd.h>

static char *fixture(const char *name)
{
	char path[512];
	char *t;

	snprintf(path, sizeof(path), "%s/%s", FIXTURES, name);
	t = procfs_slurp(path, NULL);
	assert_non_null(t);
	return t;
}

static void stat_with_parens_in_comm(void **state)
{
	char *t = fixture("proc/stat");
	struct procfs_stat st;
	long hz = sysconf(_SC_CLK_TCK);

	(void)state;
	assert_int_equal(procfs_parse_stat(t, &st), 0);
	assert_string_equal(st.comm, "my (weird) prog");
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.ppid, 1);
	assert_int_equal(st.utime_ns, 250ull * (1000000000ull / (unsigned long long)hz));
	assert_int_equal(st.stime_ns, 75ull * (1000000000ull / (unsigned long long)hz));
	assert_int_equal(st.num_threads, 3);
	assert_int_equal(st.starttime_ticks, 987654);
	assert_int_not_equal(procfs_parse_stat("garbage", &st), 0);
	assert_int_not_equal(procfs_parse_stat("1 (x) S", &st), 0);
	free(t);
}

static void status_and_io(void **state)
{
	char *t = fixture("proc/status"), *i = fixture("proc/io");
	struct procfs_status s;
	struct procfs_io io;

	(void)state;
	assert_int_equal(procfs_parse_status(t, &s), 0);
	assert_int_equal(s.vm_rss_kb, 40960);
	assert_int_equal(s.vm_hwm_kb, 51200);
	assert_int_equal(s.threads, 3);
	assert_int_equal(s.uid, 1000);
	assert_int_equal(s.vol_ctxt, 150);
	assert_int_equal(s.nonvol_ctxt, 12);
	assert_int_equal(s.ns_pid, 17); /* the innermost namespace's pid, the last */
	assert_int_equal(procfs_parse_status("Uid:\t0\nNSpid:\t9\n", &s), 0);
	assert_int_equal(s.ns_pid, 9);
	assert_int_equal(procfs_parse_status("Uid:\t0\n", &s), 0);
	assert_int_equal(s.ns_pid, 0);
	assert_int_equal(procfs_parse_io(i, &io), 0);
	assert_int_equal(io.read_bytes, 524288);
	assert_int_equal(io.wchar, 2048);
	assert_int_equal(io.syscr, 300);
	assert_int_not_equal(procfs_parse_io("rchar: 1\n", &io), 0);
	free(t);
	free(i);
}

struct maps_seen {
	int n, exec;
	char last_exec[128];
};

static int on_map(const struct procfs_map *m, void *arg)
{
	struct maps_seen *s = arg;

	s->n++;
	if (m->exec) {
		s->exec++;
		snprintf(s->last_exec, sizeof(s->last_exec), "%s", m->path);
	}
	if (s->exec == 1 && m->exec) {
		assert_int_equal(m->start, 0x55d4a0a01000ull);
		assert_int_equal(m->pgoff, 0x1000);
		assert_string_equal(m->path, "/usr/bin/prog with space");
	}
	return 0;
}

static void smaps_rollup_pss_and_swap(void **state)
{
	char *t = fixture("proc/smaps_rollup");
	struct procfs_rollup r;

	(void)state;
	assert_int_equal(procfs_parse_rollup(t, &r), 0);
	assert_int_equal(r.rss_kb, 204800);
	assert_int_equal(r.pss_kb, 150528);
	assert_int_equal(r.swap_kb, 32768);
	assert_int_equal(r.swap_pss_kb, 30720);
	assert_int_equal(r.anon_kb, 131072);
	/* An older kernel's rollup without Swap is not read as "no swap". */
	assert_int_not_equal(procfs_parse_rollup("Rss: 10 kB\nPss: 5 kB\n", &r), 0);
	assert_int_equal(procfs_read_rollup(getpid(), &r), 0);
	assert_true(r.rss_kb > 0 && r.pss_kb > 0 && r.pss_kb <= r.rss_kb);
	free(t);
}

static void maps_lines(void **state)
{
	char *t = fixture("proc/maps");
	struct maps_seen s = { 0 };

	(void)state;
	assert_int_equal(procfs_parse_maps(t, on_map, &s), 0);
	assert_int_equal(s.n, 7);
	assert_int_equal(s.exec, 3);
	assert_string_equal(s.last_exec, "[vdso]");
	free(t);
}

static void live_self(void **state)
{
	pid_t *tids;
	size_t n;
	char comm[64], exe[512];
	struct procfs_stat st;

	(void)state;
	assert_int_equal(procfs_tasks(getpid(), &tids, &n), 0);
	assert_true(n >= 1);
	assert_int_equal(tids[0], getpid());
	free(tids);
	assert_int_equal(procfs_comm(getpid(), 0, comm, sizeof(comm)), 0);
	assert_string_equal(comm, "test_procfs");
	assert_int_equal(procfs_exe(getpid(), exe, sizeof(exe)), 0);
	assert_non_null(strstr(exe, "test_procfs"));
	assert_int_equal(procfs_read_stat(getpid(), 0, &st), 0);
	assert_int_equal(st.state, 'R');
	assert_true(procfs_exists(getpid()));
	assert_int_not_equal(procfs_tasks(0x7ffffff, &tids, &n), 0);
}

static volatile unsigned long schedstat_sink;

static void schedstat_run_and_delay(void **state)
{
	uint64_t run = 0, delay = 0, run2 = 0;

	(void)state;
	assert_int_equal(procfs_parse_schedstat("775224180 744405087 647\n", &run, &delay), 0);
	assert_int_equal(run, 775224180ull);
	assert_int_equal(delay, 744405087ull);
	assert_int_equal(procfs_parse_schedstat("775224180\n", &run, &delay), -EINVAL);
	assert_int_equal(procfs_parse_schedstat("", &run, &delay), -EINVAL);
	/* Live: this thread's time on a CPU grows as it runs. */
	assert_int_equal(procfs_read_schedstat(getpid(), gettid(), &run, &delay), 0);
	for (unsigned long i = 0; i < 20000000; i++)
		schedstat_sink += i;
	assert_int_equal(procfs_read_schedstat(getpid(), 0, &run2, &delay), 0);
	assert_true(run2 > run);
	assert_int_not_equal(procfs_read_schedstat(0x7ffffff, 0, &run, &delay), 0);
}

static void kallsyms_restricted_is_empty(void **state)
{
	struct kallsyms *k = kallsyms_parse("0000000000000000 T _stext\n0000000000000000 t foo\n");

	(void)state;
	assert_non_null(k);
	assert_int_equal(kallsyms_len(k), 0);
	assert_null(kallsyms_lookup(k, 0x1234));
	kallsyms_free(k);
}

static void kallsyms_unsorted_and_aliases(void **state)
{
	struct kallsyms *k = kallsyms_parse("ffffffffc0001000 t mod_fn\t[mymod]\n"
					    "ffffffff81000200 T second\n"
					    "ffffffff81000100 T first\n"
					    "ffffffff81000100 T first_alias\n"
					    "ffffffff81000300 D not_text\n"
					    "zzzz T bad_addr\n");

	(void)state;
	assert_int_equal(kallsyms_len(k), 3);
	assert_string_equal(kallsyms_lookup(k, 0xffffffff81000150ull)->name, "first");
	assert_string_equal(kallsyms_lookup(k, 0xffffffff81000250ull)->name, "second");
	assert_string_equal(kallsyms_lookup(k, 0xffffffffc0001004ull)->module, "[mymod]");
	assert_null(kallsyms_lookup(k, 0xffffffff81000000ull));
	kallsyms_free(k);
}

static void cpu_model_line(void **state)
{
	char out[64];

	(void)state;
	fingerprint_cpu_model("processor\t: 0\nmodel name\t: Fancy CPU @ 3GHz\nflags\t: x\n", out,
			      sizeof(out));
	assert_string_equal(out, "Fancy CPU @ 3GHz");
	fingerprint_cpu_model("processor: 0\n", out, sizeof(out));
	assert_string_equal(out, "unknown");
}

/* The kernel's table kept between runs: the same lookups from the file,
 * nothing from a file of another boot, another owner or writable by others. */
static void kallsyms_cache_round_trip_and_refusals(void **state)
{
	struct kallsyms *k = kallsyms_parse("ffffffff81000000 T _stext\n"
					    "ffffffff81000100 t helper\n"
					    "ffffffffc0001000 t mod_fn\t[mymod]\n"),
			*c;
	char dir[] = "/tmp/ft-ksXXXXXX", path[64];
	const struct ksym *s;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/kallsyms", dir);
	assert_int_equal(kallsyms_save(k, path, "boot-1 0"), 0);
	c = kallsyms_read_cache(path, "boot-1 0");
	assert_non_null(c);
	assert_int_equal(kallsyms_len(c), 3);
	s = kallsyms_lookup(c, 0xffffffff81000180);
	assert_string_equal(s->name, "helper");
	assert_string_equal(s->module, "[kernel.kallsyms]");
	s = kallsyms_lookup(c, 0xffffffffc0001010);
	assert_string_equal(s->name, "mod_fn");
	assert_string_equal(s->module, "[mymod]");
	kallsyms_free(c);
	assert_null(kallsyms_read_cache(path, "boot-2 0")); /* another boot */
	assert_int_equal(chmod(path, 0666), 0);
	assert_null(kallsyms_read_cache(path, "boot-1 0")); /* others could write it */
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(truncate(path, 40), 0);
	assert_null(kallsyms_read_cache(path, "boot-1 0")); /* cut short */
	unlink(path);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_null(kallsyms_read_cache(path, "boot-1 0")); /* a link is not followed */
	unlink(path);
	rmdir(dir);
	kallsyms_free(k);
}

/* The whole machine: /proc/stat per CPU and in all, memory in use, whole
 * disks only, network without loopback; a cgroup's own files. */
static void machine_readings_from_fixtures(void **state)
{
	static const char stat_text[] = "cpu  100 5 50 800 20 3 2 0 0 0\n"
					"cpu0 60 5 30 380 10 2 1 0 0 0\n"
					"cpu1 40 0 20 420 10 1 1 0 0 0\n"
					"intr 12345\nprocs_running 3\n";
	static const char mem_text[] = "MemTotal:       1000000 kB\nMemFree:  100 kB\n"
				       "MemAvailable:    600000 kB\nSwapTotal: 2048 kB\n"
				       "SwapFree: 1024 kB\n";
	static const char disk_text[] =
	    "   8       0 sda 10 0 100 5 20 0 200 9 0 0 0 0 0 0 0 0 0\n"
	    "   8       1 sda1 10 0 100 5 20 0 200 9 0 0 0 0 0 0 0 0 0\n"
	    " 259       0 nvme0n1 1 0 8 1 1 0 16 1 0 0 0 0 0 0 0 0 0\n"
	    " 259       1 nvme0n1p1 1 0 8 1 1 0 16 1 0 0 0 0 0 0 0 0 0\n"
	    "   7       0 loop0 9 0 900 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
	    " 253       0 dm-0 9 0 900 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
	static const char net_text[] =
	    "Inter-|   Receive |  Transmit\n"
	    " face |bytes packets errs drop fifo frame compressed multicast|bytes\n"
	    "    lo: 999 1 0 0 0 0 0 0 999 1 0 0 0 0 0 0\n"
	    "  eth0: 1000 10 0 0 0 0 0 0 500 5 0 0 0 0 0 0\n"
	    "  eth1: 24 1 0 0 0 0 0 0 8 1 0 0 0 0 0 0\n";
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t tick = 1000000000ull / (uint64_t)(hz > 0 ? hz : 100);
	struct machine_reading m;
	struct cgroup_reading c;
	char root[256];

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(machine_parse_stat(stat_text, &m), 0);
	assert_int_equal(m.ncpus, 2);
	assert_true(m.user_ns == 105 * tick && m.sys_ns == 55 * tick);
	assert_true(m.cpu_busy_ns[0] == 98 * tick && m.cpu_total_ns[0] == 488 * tick);
	assert_int_equal(machine_parse_stat("intr 1\n", &m), -EINVAL);
	assert_int_equal(machine_parse_meminfo(mem_text, &m), 0);
	assert_true(m.mem_total_kb == 1000000 && m.mem_used_kb == 400000 && m.swap_used_kb == 1024);
	assert_int_equal(machine_parse_diskstats(disk_text, &m), 0);
	/* sda and nvme0n1: not their partitions, loop devices or dm (on disks) */
	assert_true(m.disk_read_bytes == (100 + 8) * 512ull);
	assert_true(m.disk_write_bytes == (200 + 16) * 512ull);
	assert_int_equal(machine_parse_netdev(net_text, &m), 0);
	assert_true(m.net_rx_bytes == 1024 && m.net_tx_bytes == 508);
	memset(&c, 0, sizeof(c));
	assert_int_equal(cgroup_parse_cpu_stat("usage_usec 30\nuser_usec 20\nsystem_usec 10\n", &c),
			 0);
	assert_true(c.user_ns == 20000 && c.sys_ns == 10000);
	assert_int_equal(cgroup_parse_cpu_stat("usage_usec 30\n", &c), -EINVAL);
	cgroup_parse_io_stat("8:0 rbytes=4096 wbytes=512 rios=1 wios=1\n"
			     "8:16 rbytes=1 wbytes=2 rios=1 wios=1\n",
			     &c);
	assert_true(c.read_bytes == 4097 && c.write_bytes == 514);
	assert_int_equal(cgroup_parse_mounts("tmpfs /sys/fs/cgroup tmpfs rw 0 0\n"
					     "cgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0\n"
					     "cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\n",
					     root, sizeof(root)),
			 0);
	assert_string_equal(root, "/sys/fs/cgroup/unified");
	assert_int_equal(cgroup_parse_mounts("proc /proc proc rw 0 0\n", root, sizeof(root)),
			 -ENOENT);
}

/* A process's stat line: a comm with spaces and parentheses, its CPU time,
 * threads, RSS and the kernel-thread flag. */
static void process_list_stat_line(void **state)
{
	static const char text[] =
	    "4242 (a) (b c) R 1 4242 4242 0 -1 4194304 10 0 0 0 150 50 0 0 20 0 7 0 123456 "
	    "1000000 256 18446744073709551615\n";
	static const char kthread[] =
	    "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 2 0 0 "
	    "18446744073709551615\n";
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t tick = 1000000000ull / (uint64_t)(hz > 0 ? hz : 100);
	struct proc_row r;

	(void)state;
	assert_int_equal(proclist_parse_stat(text, &r), 0);
	assert_string_equal(r.comm, "a) (b c");
	assert_true(r.state == 'R' && r.threads == 7 && r.start_ticks == 123456);
	assert_true(r.cpu_ns == 200 * tick);
	assert_true(r.rss_kb == 256 * (uint64_t)(sysconf(_SC_PAGESIZE) / 1024));
	assert_false(r.kernel);
	assert_int_equal(proclist_parse_stat(kthread, &r), 0);
	assert_true(r.kernel);
	assert_int_equal(proclist_parse_stat("12 no parens\n", &r), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stat_with_parens_in_comm),
		cmocka_unit_test(status_and_io),
		cmocka_unit_test(smaps_rollup_pss_and_swap),
		cmocka_unit_test(maps_lines),
		cmocka_unit_test(live_self),
		cmocka_unit_test(schedstat_run_and_delay),
		cmocka_unit_test(kallsyms_restricted_is_empty),
		cmocka_unit_test(kallsyms_unsorted_and_aliases),
		cmocka_unit_test(kallsyms_cache_round_trip_and_refusals),
		cmocka_unit_test(cpu_model_line),
		cmocka_unit_test(machine_readings_from_fixtures),
		cmocka_unit_test(process_list_stat_line),
	};
	return cmocka_run_group_tests_name("procfs", tests, NULL, NULL);
}
