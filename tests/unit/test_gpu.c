/* GPU readers: DRM fdinfo from amdgpu, i915 and xe; the DRM reader over a
 * fake /proc and /sys; the NVML loader over the test double of
 * libnvidia-ml.so.1 (tests/doubles/nvml.c), symbol fallbacks included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "gpu.h"
#include "procfs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KIB 1024ull
#define MIB (1024ull * 1024ull)

static void parse(const char *name, struct gpu_drm_client *c)
{
	char path[512], *t;

	snprintf(path, sizeof(path), "%s/drm/%s", FIXTURES, name);
	t = procfs_slurp(path, NULL);
	assert_non_null(t);
	assert_int_equal(gpu_drm_parse_fdinfo(t, c), 0);
	free(t);
}

static const struct gpu_drm_engine *engine(const struct gpu_drm_client *c, const char *name)
{
	for (size_t i = 0; i < c->nengines; i++)
		if (!strcmp(c->engine[i].name, name))
			return &c->engine[i];
	fail_msg("no engine %s", name);
	return NULL;
}

static void fdinfo_amdgpu(void **state)
{
	struct gpu_drm_client c;

	(void)state;
	parse("fdinfo-amdgpu", &c);
	assert_string_equal(c.driver, "amdgpu");
	assert_string_equal(c.pdev, "0000:0b:00.0");
	assert_int_equal(c.client_id, 14);
	assert_int_equal(c.nengines, 6);
	assert_int_equal(engine(&c, "gfx")->busy_ns, 1784160000ull);
	assert_int_equal(engine(&c, "compute")->busy_ns, 250000000ull);
	/* No drm-resident-*: the older drm-memory-* lines, vram + gtt + cpu. */
	assert_int_equal(c.mem_bytes, (4468 + 2056) * KIB);
}

static void fdinfo_i915(void **state)
{
	struct gpu_drm_client c;

	(void)state;
	parse("fdinfo-i915", &c);
	assert_string_equal(c.driver, "i915");
	assert_int_equal(c.client_id, 7);
	assert_int_equal(engine(&c, "render")->busy_ns, 25662044495ull);
	assert_int_equal(engine(&c, "video")->capacity, 2);
	assert_int_equal(engine(&c, "video-enhance")->capacity, 1);
	assert_int_equal(c.mem_bytes, 4544 * KIB); /* resident, not total */
}

static void fdinfo_xe(void **state)
{
	struct gpu_drm_client c, later;

	(void)state;
	parse("fdinfo-xe", &c);
	assert_string_equal(c.driver, "xe");
	assert_int_equal(engine(&c, "rcs")->cycles, 28257900ull);
	assert_int_equal(engine(&c, "rcs")->total_cycles, 7655183225ull);
	assert_int_equal(engine(&c, "ccs")->capacity, 4);
	assert_int_equal(c.mem_bytes, (192 + 23992) * KIB);
	/* xe counts cycles: 250 M of 1 000 M GPU cycles busy is 25 %,
	 * whatever the wall time between the reads. */
	parse("fdinfo-xe-later", &later);
	assert_float_equal(gpu_drm_engine_pct(engine(&c, "rcs"), engine(&later, "rcs"), 7), 25.0,
			   1e-9);
	assert_float_equal(gpu_drm_engine_pct(engine(&c, "vcs"), engine(&later, "vcs"), 7), 0.0,
			   1e-9);
}

static void fdinfo_not_drm(void **state)
{
	struct gpu_drm_client c;
	char path[512], *t;

	(void)state;
	snprintf(path, sizeof(path), "%s/drm/fdinfo-plain-file", FIXTURES);
	t = procfs_slurp(path, NULL);
	assert_int_equal(gpu_drm_parse_fdinfo(t, &c), -ENOENT);
	assert_int_equal(gpu_drm_parse_fdinfo("drm-driver: x\n", &c), -ENOENT); /* no client id */
	free(t);
}

static void engine_pct_by_time_and_capacity(void **state)
{
	struct gpu_drm_engine a = { "render", 1000000000ull, 0, 0, 1 }, b = a;

	(void)state;
	b.busy_ns += 400000000ull; /* 0.4 s busy in 2 s */
	assert_float_equal(gpu_drm_engine_pct(&a, &b, 2000000000ull), 20.0, 1e-9);
	a.capacity = b.capacity = 2; /* two engines of the class */
	assert_float_equal(gpu_drm_engine_pct(&a, &b, 2000000000ull), 10.0, 1e-9);
	b.busy_ns = a.busy_ns - 1; /* went back (a new client): no negative % */
	assert_float_equal(gpu_drm_engine_pct(&a, &b, 2000000000ull), 0.0, 1e-9);
}

/* ---- the DRM reader over a fake /proc and /sys ---- */

static void put(const char *dir, const char *name, const char *text)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void mk(const char *path) { assert_true(mkdir(path, 0755) == 0); }

static void drm_reader_on_fake_proc(void **state)
{
	char root[] = "/tmp/flametop-gpu-XXXXXX", p[700], sys[600], proc[600], desc[160];
	char amd0[1024], amd1[1024], *t;
	struct gpu_reading g;
	struct gpu *gpu;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(proc, sizeof(proc), "%s/proc", root);
	snprintf(sys, sizeof(sys), "%s/sys", root);
	mk(proc);
	snprintf(p, sizeof(p), "%s/4242", proc), mk(p);
	snprintf(p, sizeof(p), "%s/4242/fd", proc), mk(p);
	snprintf(p, sizeof(p), "%s/4242/fdinfo", proc), mk(p);
	/* fd 5 and its dup 6 are one client; fd 7 is a plain file. */
	snprintf(p, sizeof(p), "%s/4242/fd/5", proc),
	    assert_int_equal(symlink("/dev/dri/renderD128", p), 0);
	snprintf(p, sizeof(p), "%s/4242/fd/6", proc),
	    assert_int_equal(symlink("/dev/dri/renderD128", p), 0);
	snprintf(p, sizeof(p), "%s/4242/fd/7", proc), assert_int_equal(symlink("/tmp/data", p), 0);
	snprintf(p, sizeof(p), "%s/drm/fdinfo-amdgpu", FIXTURES);
	t = procfs_slurp(p, NULL);
	snprintf(amd0, sizeof(amd0), "%s", t);
	free(t);
	snprintf(p, sizeof(p), "%s/4242/fdinfo", proc);
	put(p, "5", amd0), put(p, "6", amd0);
	put(p, "7", "pos:\t0\nflags:\t02\n");
	snprintf(p, sizeof(p), "%s/class", sys), mk(sys), mk(p);
	snprintf(p, sizeof(p), "%s/class/drm", sys), mk(p);
	snprintf(p, sizeof(p), "%s/class/drm/renderD128", sys), mk(p);
	snprintf(p, sizeof(p), "%s/class/drm/renderD128/device", sys), mk(p);
	put(p, "gpu_busy_percent", "37\n");
	put(p, "mem_info_vram_used", "2147483648\n");
	put(p, "mem_info_vram_total", "17179869184\n");
	snprintf(amd1, sizeof(amd1), "%s/class/drm/renderD128/device/driver", sys);
	assert_int_equal(symlink("../../../bus/pci/drivers/amdgpu", amd1), 0);

	gpu = gpu_open_source(GPU_DRM, proc, sys, desc, sizeof(desc));
	assert_non_null(gpu);
	assert_non_null(strstr(desc, "renderD128 (amdgpu)"));
	assert_int_equal(gpu_read(gpu, 4242, 10.0, &g), 0);
	assert_true(g.valid && g.proc_found && g.has_util && g.has_mem);
	assert_float_equal(g.util_pct, 37.0, 1e-9);
	assert_int_equal(g.mem_used, 2048 * MIB);
	assert_int_equal(g.mem_total, 16384 * MIB);
	assert_int_equal(g.proc_mem, (4468 + 2056) * KIB); /* the dup counted once */
	assert_false(g.has_proc_util);                     /* one read: no difference yet */

	/* Half a second later gfx was busy 0.2 s more: 40 %. */
	t = strstr(amd0, "1784160000");
	memcpy(t, "1984160000", 10);
	snprintf(p, sizeof(p), "%s/4242/fdinfo", proc);
	put(p, "5", amd0), put(p, "6", amd0);
	assert_int_equal(gpu_read(gpu, 4242, 10.5, &g), 0);
	assert_true(g.has_proc_util);
	assert_string_equal(g.proc_engine, "gfx");
	assert_float_equal(g.proc_util_pct, 40.0, 1e-6);

	/* A process without DRM clients: found nothing, says so. */
	assert_int_equal(gpu_read(gpu, 999999, 11.0, &g), 0);
	assert_false(g.proc_found);
	assert_non_null(strstr(g.note, "no DRM client"));
	gpu_close(gpu);
	snprintf(p, sizeof(p), "rm -rf %s", root);
	assert_int_equal(system(p), 0);
}

/* ---- NVML through the double ---- */

static void nvml_loader_and_fallbacks(void **state)
{
	struct gpu_reading g;
	char desc[160];
	struct gpu *gpu;

	(void)state;
	setenv("FAKE_NVML_PIDS", "4242", 1);
	gpu = gpu_open_source(GPU_NVML, "/proc", "/sys", desc, sizeof(desc));
	assert_non_null(gpu);
	assert_string_equal(desc, "NVML: 2 devices, Fake H100 80GB HBM3");
	assert_int_equal(gpu_read(gpu, 4242, 1.0, &g), 0);
	assert_string_equal(g.name, "Fake H100 80GB HBM3 (+1 more)");
	assert_int_equal(g.devices, 2);
	assert_float_equal(g.util_pct, 73.0, 1e-9); /* the busiest device */
	assert_int_equal(g.mem_used, 11 * 1024 * MIB);
	assert_int_equal(g.mem_total, 160 * 1024 * MIB);
	/* 1536 MiB of compute (_v2 layout) + 256 MiB of graphics read with
	 * the old layout, past the decoy. */
	assert_true(g.proc_found);
	assert_int_equal(g.proc_mem, 1792 * MIB);
	assert_true(g.has_proc_util);
	assert_float_equal(g.proc_util_pct, 50.0, 1e-9); /* mean of its samples */
	/* A later read takes the samples stamped since the last one. */
	usleep(2000);
	assert_int_equal(gpu_read(gpu, 4242, 2.0, &g), 0);
	assert_float_equal(g.proc_util_pct, 50.0, 1e-9);
	/* Another process is not on the GPU. */
	assert_int_equal(gpu_read(gpu, 4343, 3.0, &g), 0);
	assert_false(g.proc_found);
	assert_non_null(strstr(g.note, "no GPU context"));
	gpu_close(gpu);
}

static void no_gpu_says_why(void **state)
{
	struct gpu_reading g;
	char desc[160] = "no GPU: nothing here";
	struct gpu *gpu = gpu_open_source(GPU_NONE, NULL, NULL, desc, sizeof(desc));

	(void)state;
	assert_non_null(gpu);
	assert_int_equal(gpu_source_of(gpu), GPU_NONE);
	assert_int_not_equal(gpu_read(gpu, 1, 0, &g), 0);
	assert_false(g.valid);
	assert_string_equal(g.note, "no GPU: nothing here");
	gpu_close(gpu);
	/* DRM with no render node is not available, and says where it looked. */
	assert_null(gpu_open_source(GPU_DRM, "/proc", "/nonexistent", desc, sizeof(desc)));
	assert_non_null(strstr(desc, "/nonexistent/class/drm"));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fdinfo_amdgpu),
		cmocka_unit_test(fdinfo_i915),
		cmocka_unit_test(fdinfo_xe),
		cmocka_unit_test(fdinfo_not_drm),
		cmocka_unit_test(engine_pct_by_time_and_capacity),
		cmocka_unit_test(drm_reader_on_fake_proc),
		cmocka_unit_test(nvml_loader_and_fallbacks),
		cmocka_unit_test(no_gpu_says_why),
	};

	/* The dynamic loader reads LD_LIBRARY_PATH once, at start: run again
	 * with the double's directory first in it. */
	if (argc > 0 && !getenv("FLAMETOP_NVML_DOUBLE")) {
		setenv("FLAMETOP_NVML_DOUBLE", "1", 1);
		setenv("LD_LIBRARY_PATH", NVML_DOUBLE_DIR, 1);
		execv("/proc/self/exe", argv);
		perror("execv");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
