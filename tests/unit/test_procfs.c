/* /proc parsers on fixtures, and the live readers on ourselves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "fingerprint.h"
#include "kallsyms.h"
#include "procfs.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stat_with_parens_in_comm),
		cmocka_unit_test(status_and_io),
		cmocka_unit_test(smaps_rollup_pss_and_swap),
		cmocka_unit_test(maps_lines),
		cmocka_unit_test(live_self),
		cmocka_unit_test(kallsyms_restricted_is_empty),
		cmocka_unit_test(kallsyms_unsorted_and_aliases),
		cmocka_unit_test(kallsyms_cache_round_trip_and_refusals),
		cmocka_unit_test(cpu_model_line),
	};
	return cmocka_run_group_tests_name("procfs", tests, NULL, NULL);
}
