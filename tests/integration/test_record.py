"""flametop record on workloads whose truth is known."""
import os
import shutil
import signal
import subprocess
import time

import pytest

from conftest import (FLAMETOP, GO, go_pprof_top, hotspot, load_yaml, run_flametop, share_tolerance,
                      step_anywhere, workload)

# split's work is 6:3:1 by iteration count: the truth on any machine, loaded or not.
SPLIT = {"work_a": 60.0, "work_b": 30.0, "work_c": 10.0}
ROUNDS = ["--rounds", "3000"]  # fixed work: about 2 s of CPU on a current x86


def assert_split(doc):
    n = doc["scenario"]["samples"]
    for fn, truth in SPLIT.items():
        tol = share_tolerance(truth, n)
        h = hotspot(doc, fn)
        assert h is not None, f"{fn} missing from hotspots"
        assert abs(h["self_pct"] - truth) <= tol, f"{fn}: {h['self_pct']} vs {truth} ± {tol:.2f}"
        # Each leaf under its own caller, under main: the whole chain is true.
        caller = "caller_" + fn[-1]
        step = step_anywhere(doc["performance_map"]["steps"], ["main", caller, fn])
        assert step is not None, f"main;{caller};{fn} missing from the performance map"
        assert abs(step["total_pct"] - truth) <= tol, (fn, step["total_pct"], truth, tol)


def test_launch_reports_known_split(tmp_path):
    out = tmp_path / "split.yaml"
    r = run_flametop("record", "-F", "999", "-o", out, "--", workload("split"), *ROUNDS)
    assert r.returncode == 0, r.stderr
    doc = load_yaml(out)
    assert_split(doc)
    assert doc["target"]["state"] == "exited"
    assert doc["target"]["exit_status"] == 0
    # A sample per ms of CPU the work took, however long the wall clock ran.
    assert doc["scenario"]["samples"] >= 0.9 * doc["baseline"]["cpu_time_ms"]
    assert doc["scenario"]["lost_samples"] == 0
    assert doc["bottleneck_classification"] == "CPU"
    assert "exited with status 0" in r.stderr
    # The table (on stderr: stdout is the command's) puts work_a first.
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    header = next(i for i, l in enumerate(lines) if l.split()[:3] == ["self%", "total%", "samples"])
    assert lines[header + 1].split()[3] == "work_a"


def test_attach_reports_known_split(tmp_path, background):
    target = background(workload("split"), "0")
    out = tmp_path / "attach.yaml"
    r = run_flametop("record", "-p", target.pid, "-d", "2.5", "-o", out)
    assert r.returncode == 0, r.stderr
    doc = load_yaml(out)
    assert_split(doc)
    assert doc["target"]["pid"] == target.pid
    assert doc["target"]["state"] == "running"
    assert doc["target"]["exit_status"] is None
    # At least the window asked for; it ends when asked (the bound is loose:
    # a loaded machine may delay the last read, not the window).
    assert 2.4 <= doc["scenario"]["duration_s"] <= 6.0
    assert target.poll() is None, "attaching must not disturb the target"


def test_attach_follows_threads_created_later(tmp_path, background):
    target = background(workload("threads"), "4", "1")
    out = tmp_path / "threads.yaml"
    r = run_flametop("record", "-p", target.pid, "-d", "3", "-o", out)
    assert r.returncode == 0, r.stderr
    doc = load_yaml(out)
    early, late = hotspot(doc, "early_work"), hotspot(doc, "late_work")
    assert early and early["self_pct"] > 15
    # Two late threads on two cores, started ~0.8 s into a 3 s window.
    assert late and late["self_pct"] > 30, late
    assert doc["baseline"]["threads"] >= 3


def test_yaml_has_every_section(tmp_path):
    out = tmp_path / "s.yaml"
    r = run_flametop("record", "-o", out, "--", workload("split"), "1")
    assert r.returncode == 0, r.stderr
    doc = load_yaml(out)
    expect = {
        "flametop": {"version", "format"},
        "target": {"pid", "command", "exe", "state", "exit_status"},
        "fingerprint": {"hostname", "kernel", "cpu_model", "cores", "smt",
                        "perf_event_paranoid", "hardware_counters"},
        "scenario": {"started_at", "duration_s", "event", "frequency_hz", "call_graph",
                     "samples", "lost_samples"},
        "baseline": {"wall_time_ms", "cpu_time_ms", "user_time_ms", "sys_time_ms",
                     "memory_peak_mb", "memory_delta_mb", "io_read_bytes", "io_write_bytes",
                     "threads"},
        "performance_map": {"steps", "prune_below_pct"},
    }
    for section, keys in expect.items():
        assert keys <= set(doc[section]), (section, keys - set(doc[section]))
    assert {"hardware", "note", "events", "derived", "per_function"} <= set(doc["counters"])
    for key in ("hotspots", "bottleneck_classification", "bottleneck_detail", "hypotheses"):
        assert key in doc
    assert doc["hypotheses"] == []
    assert doc["flametop"]["format"] == 1
    assert doc["scenario"]["event"] in ("cycles", "cpu-clock")
    assert doc["scenario"]["event"] in r.stderr
    assert doc["fingerprint"]["hardware_counters"] in ("available", "unavailable")
    assert doc["scenario"]["started_at"][4] == "-" and "T" in doc["scenario"]["started_at"]
    # Two independent measures of CPU time agree: wait4's, and the samples
    # (one per ~1.001 ms of CPU at 999 Hz). Neither can exceed wall time.
    b = doc["baseline"]
    assert b["cpu_time_ms"] <= b["wall_time_ms"] * 1.05
    assert abs(b["cpu_time_ms"] - doc["scenario"]["samples"] * 1000 / 999) <= 0.1 * b["cpu_time_ms"]
    top = doc["performance_map"]["steps"][0]
    assert set(top) >= {"id", "function", "module", "location", "samples", "total_pct",
                        "self_pct", "children"}
    assert top["id"] == "1"
    h = doc["hotspots"][0]
    assert set(h) >= {"rank", "function", "module", "location", "self_pct", "total_pct",
                      "samples", "category", "evidence"}
    assert h["rank"] == 1 and h["evidence"], h
    assert h["location"].endswith("split.c:" + h["location"].rsplit(":", 1)[1])
    # Evidence names real step ids where that function appears.
    ids = []

    def walk(steps):
        for s in steps:
            if s["function"] == h["function"]:
                ids.append(s["id"])
            walk(s["children"])
    walk(doc["performance_map"]["steps"])
    assert set(h["evidence"]) <= set(ids)
    # ... and as paths a reader follows.
    assert h["paths"] and h["paths"][0].endswith("> " + h["function"]), h["paths"]
    assert h["paths"][0].startswith("_start > "), h["paths"]


def test_yaml_reads_summary_first(tmp_path):
    # The order a reader needs: who and where, the verdict and where the time
    # goes, the hypotheses; then the figures and the map; the bulky series
    # and the tree for reopening last.
    out = tmp_path / "s.yaml"
    r = run_flametop("record", "-o", out, "--", workload("split"), *ROUNDS)
    assert r.returncode == 0, r.stderr
    keys = [l.split(":")[0] for l in out.read_text().splitlines()
            if l and l[0].isalpha() and ":" in l]
    order = ["flametop", "target", "fingerprint", "bottleneck_classification",
             "bottleneck_detail", "top_bottlenecks", "suggested_hypotheses", "hypotheses",
             "suspicion_stack", "scenario", "baseline", "performance_map", "hotspots",
             "counters", "timeline", "profile"]
    assert [k for k in keys if k in order] == order, keys
    doc = load_yaml(out)
    # top_bottlenecks: the split's three leaves, each its path, kind and share.
    # (On a loaded machine the wait for a CPU is a bottleneck of its own,
    # "[blocked: preempted]", and takes its share of the run: the CPU steps
    # are compared among themselves.)
    top = [t for t in doc["top_bottlenecks"] if not t["step"].endswith("[blocked: preempted]")]
    assert [t["step"].rsplit(" > ", 1)[1] for t in top[:3]] == ["work_a", "work_b", "work_c"]
    assert all(t["type"] == "CPU" and t["step"].startswith("_start > ") for t in top[:3]), top
    n = doc["scenario"]["samples"]
    cpu = sum(t["share"] for t in top[:3])
    for t, truth in zip(top, (60, 30, 10)):
        assert abs(100 * t["share"] / cpu - truth) <= share_tolerance(truth, n) + 2, top
    # Steps carry their kind of time, their share of the samples (the
    # split's truth, whatever the load) and of the run's time (which, on a
    # busy machine, holds the step's wait for a CPU too).
    step = step_anywhere(doc["performance_map"]["steps"], ["main", "caller_a", "work_a"])
    assert step["type"] == "CPU", step
    assert abs(step["total_pct"] - 60) <= share_tolerance(60, n) + 2, step
    assert step["time_share_pct"] >= top[0]["share"] - 0.5, (step, top[0])
    # The fingerprint tells the machine and the binary apart.
    fp = doc["fingerprint"]
    assert fp["memory_total_mb"] > 0 and fp["libc"].startswith("glibc ")
    assert "clang" in fp["target_compiler"] and len(fp["target_build_id"]) == 40, fp
    assert fp["steal_pct"] is None or 0 <= fp["steal_pct"] <= 100
    # Clock counters in their unit.
    clocks = [e for e in doc["counters"]["events"] if e["event"] == "task-clock"]
    if clocks:
        assert clocks[0]["unit"] == "ns"
        assert abs(clocks[0]["value_ms"] - clocks[0]["value"] / 1e6) < 0.1


def test_suspicion_stack_reads_the_ledger(tmp_path):
    ledger = tmp_path / "l.yaml"
    ledger.write_text('hypotheses:\n- id: 1\n  name: "work_a dominates"\n  verdict: supports\n'
                      '  evidence: "60% self"\n- id: 2\n  name: "it is I/O"\n'
                      '  verdict: rejects\n- id: 3\n  name: "maybe the cache"\n'
                      '  verdict: open\n')
    out = tmp_path / "s.yaml"
    r = run_flametop("record", "-q", "--ledger", ledger, "-o", out, "--", workload("split"),
                     "--rounds", "100")
    assert r.returncode == 0, r.stderr
    s = load_yaml(out)["suspicion_stack"]
    assert [(x["suspicion"], x["verdict"]) for x in s] == [
        ("work_a dominates", "confirmed"), ("it is I/O", "dismissed"), ("maybe the cache", "open")]
    assert s[0]["evidence"] == "60% self"


def test_hostile_names_survive_yaml(tmp_path):
    out = tmp_path / "w.yaml"
    r = run_flametop("record", "-o", out, "--", workload("weird"), "1")
    assert r.returncode == 0, r.stderr
    doc = load_yaml(out)
    names = {h["function"] for h in doc["hotspots"]}
    for want in ("ns::Tmpl<int*>::operator() const", "key: value # not a comment",
                 "say \"hi\" and 'bye'"):
        assert want in names, (want, names)


def test_folded_counts_every_sample(tmp_path):
    out, folded = tmp_path / "f.yaml", tmp_path / "f.folded"
    r = run_flametop("record", "-o", out, "--folded", folded, "--", workload("split"), "1")
    assert r.returncode == 0, r.stderr
    doc = load_yaml(out)
    total, stacks = 0, {}
    for line in folded.read_text().splitlines():
        stack, count = line.rsplit(" ", 1)
        total += int(count)
        stacks[stack] = int(count)
    assert total == doc["scenario"]["samples"]
    a = sum(c for s, c in stacks.items() if s.endswith("main;caller_a;work_a"))
    assert abs(100.0 * a / total - 60.0) <= share_tolerance(60.0, total), (a, total)




@pytest.mark.skipif(GO is None, reason="go is absent (Debian's golang-go provides go tool pprof)")
def test_pprof_read_by_go_tool_pprof(tmp_path):
    out, pb = tmp_path / "p.yaml", tmp_path / "p.pb.gz"
    r = run_flametop("record", "-o", out, "--pprof", pb, "--", workload("split"), "1")
    assert r.returncode == 0, r.stderr
    doc = load_yaml(out)
    env = dict(os.environ, HOME=str(tmp_path), PPROF_TMPDIR=str(tmp_path))
    top, flat = go_pprof_top(pb, tmp_path)
    assert "Total samples = %d" % doc["scenario"]["samples"] in top, top
    # The main mapping is the target's own binary, not the first module seen.
    assert top.startswith("File: split\n"), top[:200]
    # The same split as the YAML, function by function.
    for fn in ("work_a", "work_b", "work_c"):
        assert flat[fn] == hotspot(doc, fn)["samples"], (fn, flat)
    # cpu/nanoseconds is the second sample type; the build id names the binary.
    cpu = subprocess.run([GO, "tool", "pprof", "-sample_index=cpu", "-top", str(pb)],
                         capture_output=True, text=True, timeout=120, env=env)
    assert "Type: cpu" in cpu.stdout, cpu.stdout + cpu.stderr
    raw = subprocess.run([GO, "tool", "pprof", "-raw", str(pb)], capture_output=True,
                         text=True, timeout=120, env=env).stdout
    note = subprocess.run(["readelf", "-n", workload("split")], capture_output=True,
                          text=True).stdout
    build_id = note.split("Build ID:")[1].split()[0]
    assert workload("split") + " " + build_id in raw, raw


def test_exit_status_of_launched_command(tmp_path):
    out = tmp_path / "e.yaml"
    r = run_flametop("record", "-o", out, "--", "sh", "-c", "exit 3")
    assert r.returncode == 0, r.stderr
    doc = load_yaml(out)
    assert doc["target"]["state"] == "exited"
    assert doc["target"]["exit_status"] == 3
    assert "exited with status 3" in r.stderr


def test_sigint_stops_and_keeps_the_profile(tmp_path):
    out = tmp_path / "int.yaml"
    p = subprocess.Popen([str(FLAMETOP), "record", "-o", str(out), "--", workload("split"), "0"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=20)
    assert p.returncode == 0, err
    doc = load_yaml(out)
    # Every sample taken is kept: one per ms of the command's CPU (wait4's).
    assert doc["scenario"]["samples"] >= 0.8 * doc["baseline"]["cpu_time_ms"] > 0
    assert doc["target"]["state"] == "exited"
    assert doc["target"]["exit_signal"] == signal.SIGTERM  # we ended the command we launched
    assert "stopped by" in err


def test_target_killed_mid_run(tmp_path, background):
    target = background(workload("split"), "0")
    out = tmp_path / "k.yaml"
    p = subprocess.Popen([str(FLAMETOP), "record", "-p", str(target.pid), "-o", str(out)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.2)
    target.kill()
    target.wait()
    _, err = p.communicate(timeout=20)
    assert p.returncode == 0, err
    doc = load_yaml(out)
    assert doc["target"]["state"] == "exited"
    assert doc["scenario"]["samples"] > 0  # what a loaded machine gave it in 1.2 s
    assert hotspot(doc, "work_a") is not None


def test_kernel_time_is_attributed_to_kernel_frames(tmp_path):
    out = tmp_path / "dd.yaml"
    r = run_flametop("record", "-o", out, "--", "dd", "if=/dev/zero", "of=/dev/null", "bs=1",
                     "count=400000")
    assert r.returncode == 0, r.stderr
    doc = load_yaml(out)
    if not doc["scenario"]["kernel_frames"]:
        pytest.skip("kernel sampling refused here (perf_event_paranoid)")
    kernel = sum(h["self_pct"] for h in doc["hotspots"] if h["category"] == "kernel")
    assert kernel > 30, doc["hotspots"][:5]
    assert any(h["module"] == "[kernel.kallsyms]" for h in doc["hotspots"])


def test_cxx_names_are_demangled(tmp_path):
    out = tmp_path / "cxx.yaml"
    r = run_flametop("record", "-o", out, "--", workload("cxx"), "1")
    assert r.returncode == 0, r.stderr
    doc = load_yaml(out)
    relax = hotspot(doc, "geo::Grid<int>::relax(int*, int)")
    assert relax is not None, [h["function"] for h in doc["hotspots"][:5]]
    assert relax["self_pct"] > 80
    assert step_anywhere(doc["performance_map"]["steps"],
                         ["main", "geo::Grid<int>::operator()(int*)",
                          "geo::Grid<int>::relax(int*, int)"])
    # The table, like perf's, shows the short form; the YAML keeps the full
    # one (overloads stay apart).
    row = next(l for l in r.stderr.splitlines() if "relax" in l)
    assert "geo::Grid<int>::relax " in row and "(int*" not in row, row


def test_unprivileged_user_gets_user_space_only():
    import os
    import pathlib
    import shutil
    import tempfile
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root (to become another user) and setpriv")
    if int(pathlib.Path("/proc/sys/kernel/perf_event_paranoid").read_text()) < 2:
        pytest.skip("perf_event_paranoid below 2: kernel sampling is allowed")
    # A directory nobody can reach: pytest's own tmp_path sits under a 0700 one,
    # and the symbolizer (running as nobody) must open the workload's ELF.
    tmp_path = pathlib.Path(tempfile.mkdtemp(prefix="flametop-u-", dir="/tmp"))
    for f in ("flametop", "split"):
        shutil.copy(FLAMETOP if f == "flametop" else workload("split"), tmp_path / f)
    os.chmod(tmp_path, 0o777)
    out = tmp_path / "u.yaml"
    r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                        "./flametop", "record", "-o", "u.yaml", "--", "./split", *ROUNDS],
                       capture_output=True, text=True, timeout=30, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "sampling user space only" in r.stderr
    doc = load_yaml(out)
    assert doc["scenario"]["kernel_frames"] is False
    assert not any(h["category"] == "kernel" for h in doc["hotspots"])
    assert_split(doc)
    shutil.rmtree(tmp_path)


def test_baseline_of_a_small_command_is_its_own(tmp_path):
    # The command starts as a copy of flametop (fork, then exec): its peak
    # RSS is its own, not that copy's, and its one thread's CPU time adds up
    # to the process's.
    argv = [workload("split"), "--rounds", "1500"]
    # GNU time forks from a small process: its figure is the command's.
    t = subprocess.run(["/usr/bin/time", "-f", "%M", *argv], capture_output=True, text=True)
    own_mb = int(t.stderr.strip().splitlines()[-1]) / 1024.0
    out = tmp_path / "small.yaml"
    r = run_flametop("record", "-q", "-o", out, "--", *argv)
    assert r.returncode == 0, r.stderr
    doc = load_yaml(out)
    b = doc["baseline"]
    # The kernel's RSS counters are per-CPU and approximate (a batch of
    # pages per CPU either way): half a MiB of slack, while the copy of
    # flametop it must not count is some 4 MiB.
    assert abs(b["memory_peak_mb"] - own_mb) <= max(0.1 * own_mb, 0.5), (b["memory_peak_mb"],
                                                                         own_mb)
    assert len(doc["threads"]) == 1
    t = doc["threads"][0]
    assert abs(t["user_time_ms"] - b["user_time_ms"]) <= 0.02 * b["user_time_ms"] + 20, (t, b)
    assert b["threads_unattributed_cpu_ms"] == 0


def test_flametop_says_it_stopped_the_command_and_what_a_kernel_thread_gives(tmp_path):
    out = tmp_path / "d.yaml"
    r = run_flametop("record", "-q", "-d", "0.5", "-o", out, "--", workload("split"), "10")
    assert r.returncode == 0, r.stderr
    assert "target stopped by flametop at the end of the run (signal 15" in r.stderr, r.stderr
    t = load_yaml(out)["target"]
    assert t["exit_signal"] == 15 and t["stopped_by_flametop"] is True
    # pid 2 is kthreadd on Linux: no user stacks, said once.
    k = tmp_path / "k.yaml"
    r = run_flametop("record", "-d", "0.5", "-p", "2", "-o", k)
    assert r.returncode == 0, r.stderr
    assert "pid 2 (kthreadd) is a kernel thread: it has no user stacks" in r.stderr, r.stderr
    assert load_yaml(k)["target"]["kernel_thread"] is True
