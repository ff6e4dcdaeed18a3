"""The target's life and its process readings: memory that grows steadily,
bytes read, 1000 short-lived threads, exec, stopped and zombie targets, and
the GPU reader over the NVML test double."""
import os
import signal
import shutil
import subprocess
import time

import pytest

from conftest import (BUILD, FLAMETOP, host_gpu, hotspot, load_yaml, run_flametop,
                      share_tolerance, workload)

NVML_DOUBLE = BUILD / "tests" / "doubles"


def record(tmp_path, *argv, name="out.yaml", timeout=90, env=None):
    out = tmp_path / name
    r = run_flametop("record", "-o", out, *argv, timeout=timeout, env=env)
    assert r.returncode == 0, r.stderr
    return load_yaml(out), r


def test_steady_growth_gets_the_leak_flag_and_its_true_slope(tmp_path):
    doc, _ = record(tmp_path, "--", workload("grow"), "120", "22")
    b = doc["baseline"]
    assert b["memory_leak_suspected"] is True
    assert abs(b["memory_slope_mb_per_min"] - 120.0) <= 12.0, b["memory_slope_mb_per_min"]
    assert b["memory_slope_fit_r2"] >= 0.9
    assert "possible leak" in doc["readings"]["memory"]
    # The timeline climbs with it, and PSS is read beside RSS.
    rss = [p["rss_mib"] for p in doc["timeline"]]
    assert rss[-1] - rss[0] > 35
    assert all("pss_mib" in p for p in doc["timeline"])


def test_read_bytes_are_what_the_target_read(tmp_path):
    data = tmp_path / "data.bin"
    data.write_bytes(os.urandom(4 << 20))
    doc, r = record(tmp_path, "--", workload("reader"), data, "3", "24")
    truth = int(r.stdout.split()[0])  # the workload says how much it read
    got = doc["baseline"]["io_rchar_bytes"]
    assert abs(got - truth) <= 0.10 * truth, (got, truth)
    assert doc["baseline"]["io_read_calls"] >= truth // 65536
    # The per-second rates add up to the same bytes.
    starts = [0.0] + [p["t_s"] for p in doc["timeline"]]
    by_rate = sum(p["rchar_per_s"] * (p["t_s"] - t0) for t0, p in zip(starts, doc["timeline"]))
    assert abs(by_rate - truth) <= 0.15 * truth, (by_rate, truth)
    assert doc["baseline"]["memory_leak_suspected"] is False
    assert "I/O calls/s" in doc["readings"]["io"]


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def fd_counts(p, start, end):
    """flametop's descriptor count every 0.25 s from START to END seconds."""
    time.sleep(start)
    counts = []
    for _ in range(int((end - start) / 0.25)):
        counts.append(fd_count(p.pid))
        time.sleep(0.25)
    return counts


def assert_flat(counts):
    # Debug files are opened the first time a library's code is unwound
    # (switch-out stacks reach a few more: the thread-exit paths): a few
    # descriptors may come, but not one per thread (hundreds come and go).
    assert max(counts) - min(counts) <= 8, counts
    assert counts[-1] <= counts[0] + 8, counts
    half = counts[len(counts) // 2:]
    assert max(half) - min(half) <= 2, counts  # and then no more


def test_thousand_short_threads_leak_no_fds_and_lose_no_samples(tmp_path):
    out = tmp_path / "churn.yaml"
    p = subprocess.Popen([str(FLAMETOP), "record", "-o", str(out), "--",
                          workload("churn"), "1000", "once", "50"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    counts = fd_counts(p, 0.7, 3.2)  # some 600 threads come and go meanwhile
    _, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    assert_flat(counts)
    doc = load_yaml(out)
    s, b = doc["scenario"], doc["baseline"]
    assert b["threads"] >= 990  # nearly every thread took samples of its own
    # cpu-clock at 999 Hz: a sample per millisecond of CPU, less the last
    # part-period of each thread (perf record gives the same shortfall).
    assert s["samples"] + s["lost_samples"] >= 0.82 * b["cpu_time_ms"], (s, b["cpu_time_ms"])
    assert s["samples"] <= 1.05 * b["cpu_time_ms"]
    # Every thread does the same counted work in churn_work. Its total, not
    # its self: what the kernel takes to start and end a thread (and any
    # syscall under it) is the machine's, not the profile's.
    assert hotspot(doc, "churn_work")["total_pct"] > 70, hotspot(doc, "churn_work")


def test_attached_churning_target_keeps_fds_flat(tmp_path, background):
    target = background(workload("churn"), "1000", "forever", "12")
    out = tmp_path / "a.yaml"
    p = subprocess.Popen([str(FLAMETOP), "record", "-p", str(target.pid), "-d", "3",
                          "-o", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         text=True)
    counts = fd_counts(p, 0.7, 2.7)
    _, err = p.communicate(timeout=30)
    assert p.returncode == 0, err
    assert_flat(counts)
    doc = load_yaml(out)
    assert doc["baseline"]["threads"] > 100  # threads born after attach were followed
    assert hotspot(doc, "churn_work") is not None


def test_exec_in_the_target_reloads_symbols(tmp_path):
    # 160 000 units before the exec, then split's 1600 rounds of 200: a third
    # of the work before, by count, on any machine.
    doc, _ = record(tmp_path, "--", workload("execer"), "160000", workload("split"),
                    "--rounds", "1600")
    n = doc["scenario"]["samples"]
    before = hotspot(doc, "before_exec")
    assert before is not None, [h["function"] for h in doc["hotspots"][:5]]
    truth = 100.0 / 3
    assert abs(before["self_pct"] - truth) <= share_tolerance(truth, n), before
    # After the exec, the new program's functions under their own names and
    # in their known proportions of what is left.
    for fn, share in (("work_a", 0.6), ("work_b", 0.3), ("work_c", 0.1)):
        h = hotspot(doc, fn)
        want = share * (100.0 - truth)
        assert h is not None, f"{fn} missing after exec"
        assert abs(h["self_pct"] - want) <= share_tolerance(want, n), (fn, h["self_pct"], want)


def test_stopped_target_is_shown_as_stopped(tmp_path, background):
    target = background("sleep", "30")
    os.kill(target.pid, signal.SIGSTOP)
    try:
        doc, _ = record(tmp_path, "-p", target.pid, "-d", "1.5")
    finally:
        os.kill(target.pid, signal.SIGCONT)
    assert doc["target"]["state"] == "stopped"
    assert doc["scenario"]["samples"] == 0


def test_zombie_is_refused_with_its_parent_named():
    child = subprocess.Popen(["true"])
    time.sleep(0.3)  # exited, not reaped: a zombie
    try:
        r = run_flametop("record", "-p", child.pid, "-d", "1")
        assert r.returncode != 0
        line = r.stderr.strip().splitlines()[-1]
        assert "zombie" in line and f"parent (pid {os.getpid()})" in line, line
    finally:
        child.wait()


def test_target_turning_zombie_ends_the_run(tmp_path):
    child = subprocess.Popen([workload("split"), "1"])
    try:
        doc, _ = record(tmp_path, "-p", child.pid, timeout=30)
        assert doc["target"]["state"] == "exited"
        assert doc["target"]["zombie"] is True  # we have not reaped it yet
        assert doc["scenario"]["samples"] > 0 and hotspot(doc, "work_a") is not None
    finally:
        child.wait()


def nvml_env(*pids):
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = str(NVML_DOUBLE)
    env["FAKE_NVML_PIDS"] = ",".join(str(p) for p in pids)
    return env


def test_gpu_readings_through_the_nvml_double(tmp_path, background):
    target = background("sleep", "30")
    doc, _ = record(tmp_path, "-p", target.pid, "-d", "2.5", env=nvml_env(target.pid))
    g = doc["gpu"]
    assert g["source"] == "NVML: 2 devices, Fake H100 80GB HBM3"
    assert g["device"] == "Fake H100 80GB HBM3 (+1 more)"
    assert g["utilization_pct"] == 73.0
    assert g["memory_used_mb"] == 11 * 1024 and g["memory_total_mb"] == 160 * 1024
    assert g["target_on_gpu"] is True and g["target_memory_mb"] == 1792
    # The double's SM samples are 40 and 60 % at every read.
    assert g["target_utilization_pct"] == 50.0
    assert [p["gpu_target_pct"] for p in doc["timeline"]] == [50.0] * len(doc["timeline"])
    assert [p["gpu_util_pct"] for p in doc["timeline"]] == [73.0] * len(doc["timeline"])
    assert "1.8 GiB" in doc["readings"]["gpu"]


@pytest.mark.skipif(host_gpu() is not None, reason=f"this host has a GPU: {host_gpu()}")
def test_gpu_absent_says_why(tmp_path, background):
    target = background("sleep", "30")
    doc, _ = record(tmp_path, "-p", target.pid, "-d", "1")
    assert doc["gpu"]["source"].startswith("no GPU: no NVIDIA driver")


def test_deleted_binary_is_named_from_what_the_process_maps(tmp_path, background):
    """A binary deleted after it started (a package upgrade) is read through
    /proc/PID/map_files while the process lives: named, not [unknown]."""
    exe = tmp_path / "prog"
    shutil.copy(workload("split"), exe)
    target = background(exe, "0")
    os.unlink(exe)
    doc, _ = record(tmp_path, "-p", target.pid, "-d", "1.5")
    work_a = hotspot(doc, "work_a")
    assert work_a is not None, [h["function"] for h in doc["hotspots"][:5]]
    assert work_a["self_pct"] > 30


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None,
                    reason="needs root and unshare for a private mount namespace")
def test_binary_bind_mounted_in_a_namespace_is_named_from_the_namespace(tmp_path, background):
    """Inside its mount namespace the process runs split, bind-mounted over a
    path that holds another program on the host: its symbols are split's."""
    real, host = tmp_path / "real", tmp_path / "prog"
    shutil.copy(workload("split"), real)
    shutil.copy(workload("cxx"), host)
    target = background("unshare", "--mount", "--propagation", "private", "sh", "-c",
                        f"mount --bind {real} {host} && exec {host} 0")
    time.sleep(0.5)  # unshare and sh exec into the program: the same pid
    doc, _ = record(tmp_path, "-p", target.pid, "-d", "1.5")
    names = [h["function"] for h in doc["hotspots"][:5]]
    assert hotspot(doc, "work_a") is not None, names
    assert not any("geo::" in n for n in names), names


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None,
                    reason="needs root and unshare for pid and mount namespaces")
def test_perf_map_of_a_process_in_a_pid_namespace(tmp_path):
    """A JIT in a container writes /tmp/perf-NSPID.map in its own /tmp with
    the pid it sees: found under /proc/PID/root by that pid, as perf does."""
    tag = f"anonexec-ns-{os.getpid()}"
    # The workload is opened before the private /tmp hides it (the build
    # may itself live under /tmp) and run through that descriptor.
    outer = subprocess.Popen(["unshare", "--pid", "--fork", "--mount", "--propagation", "private",
                              "sh", "-c", f"exec 3< {workload('anonexec')} && "
                              f"mount -t tmpfs {tag} /tmp && exec /proc/self/fd/3 0 --map"])

    def descendants(pid):
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as f:
                kids = [int(k) for k in f.read().split()]
        except OSError:
            return []
        return kids + [d for k in kids for d in descendants(k)]

    try:
        pid = None
        for _ in range(50):
            for p in descendants(outer.pid):
                try:  # the workload itself, not unshare or sh around it
                    if os.readlink(f"/proc/{p}/exe").endswith("/anonexec"):
                        pid = p
                except OSError:
                    pass
            if pid:
                break
            time.sleep(0.1)
        assert pid, "the namespaced workload did not start"
        time.sleep(0.3)  # it writes its map first
        doc, _ = record(tmp_path, "-p", pid, "-d", "1.5")
        jit = hotspot(doc, "jitted_loop")
        assert jit is not None, [h["function"] for h in doc["hotspots"][:5]]
        assert jit["module"] == "[jit]" and jit["self_pct"] > 50
    finally:
        if pid:
            os.kill(pid, signal.SIGKILL)
        outer.kill()
        outer.wait(timeout=10)
