"""Off-CPU and wall time: a workload whose threads split their wall time
between computing, waiting on a mutex, sleeping and reading a file (O_DIRECT,
so the disk, not the page cache) in proportions it measures itself; flametop
must report each part within 5 points of wall time, in record and on the
screen."""
import os
import re
import shutil

import pytest

from conftest import FLAMETOP, hotspot, load_yaml, run_flametop, step_anywhere, workload

POINTS = 5.0
PHASES = ("compute_phase", "lock_phase", "sleep_phase", "read_phase")


@pytest.fixture(scope="module")
def data_file(tmp_path_factory):
    """64 MiB on a file system that takes O_DIRECT (pytest's tmp is one)."""
    path = tmp_path_factory.mktemp("offcpu") / "data"
    with open(path, "wb") as f:
        for _ in range(64):
            f.write(os.urandom(1 << 20))
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECT)
        os.close(fd)
    except OSError as e:
        pytest.skip(f"no O_DIRECT on {path.parent}: {e}")
    return path


def read_truth(path):
    t = {}
    for line in path.read_text().splitlines():
        k, v = line.split()
        t[k] = float(v)
    # Time the hypervisor stole from compute_phase is invisible to any
    # profiler (no context switch): truth is the time the kernel saw.
    stolen = max(0.0, t["compute_phase"] - t["compute_sched"])
    t["compute_phase"] -= stolen
    wall = t["main_life"] + t["helper_life"] - stolen
    pct = {p: 100.0 * t[p] / wall for p in PHASES}
    pct["sleep"] = 100.0 * (t["sleep_phase"] + t["helper_sleep"]) / wall
    pct["lock"] = 100.0 * (t["lock_phase"] + t["helper_lock"]) / wall
    # The read phase off a CPU: its wall time less its time on a CPU or
    # waiting for one (what the kernel saw; how fast the disk is decides it).
    pct["read_blocked"] = 100.0 * max(0.0, t["read_phase"] - t["read_sched"]) / wall
    # The main thread's own share off a CPU: the helper, asleep nearly all
    # its life, is idle and left out of baseline.off_cpu_pct.
    main = t["main_life"] - stolen
    pct["main_off_min"] = 100.0 * (t["sleep_phase"] + t["lock_phase"]) / main
    pct["main_off_max"] = 100.0 * (main - t["compute_phase"]) / main
    return pct


# Wall-time splits against the workload's own clock: on a machine other
# tests load, waiting for a CPU moves time between the phases' measures.
@pytest.mark.serial
def test_wall_time_split_in_record(tmp_path, data_file):
    out, truth = tmp_path / "w.yaml", tmp_path / "truth"
    r = run_flametop("record", "--wall", "-q", "-o", out, "--", workload("offcpu"), "4",
                     data_file, truth)
    assert r.returncode == 0, r.stderr
    assert "shares are of wall time" in r.stderr
    doc, want = load_yaml(out), read_truth(truth)
    assert doc["scenario"]["wall"] is True and doc["scenario"]["off_cpu"] is True
    steps = doc["performance_map"]["steps"]
    for phase in PHASES:
        step = step_anywhere(steps, [phase])
        assert step is not None, phase
        assert abs(step["total_pct"] - want[phase]) <= POINTS, (phase, step["total_pct"], want)
    # The reasons, read from the kernel frames the threads blocked in.
    for reason, key in (("[blocked: sleep]", "sleep"), ("[blocked: lock]", "lock")):
        h = hotspot(doc, reason)
        assert h is not None, reason
        assert abs(h["self_pct"] - want[key]) <= POINTS, (reason, h["self_pct"], want[key])
    read = step_anywhere(steps, ["read_phase"])
    blocked_in_read = sum(s["total_pct"] for s in walk(read) if s["function"] ==
                          "[blocked: file I/O]")
    # Its time blocked on the disk, as the workload measured it.
    # (half the phases' tolerance: the phase is a tenth of the run, and
    # charging its waits to anything else must fail)
    assert abs(blocked_in_read - want["read_blocked"]) <= POINTS / 2, (blocked_in_read, want)
    # Baseline totals, per-step off-CPU time, the classification.
    off = doc["baseline"]["off_cpu"]
    assert off["by_reason_ms"]["sleep"] > off["by_reason_ms"]["lock"] > 0
    assert off["by_reason_ms"]["file"] > 0
    # Off a CPU, one figure (baseline.off_cpu_pct), of the thread that works:
    # at least its sleeping and lock waits, at most all but its computing
    # (a busy machine adds preempted time, which the truth counts as work).
    assert "blocked_pct_of_wall" not in off
    base = doc["baseline"]
    assert want["main_off_min"] - POINTS <= base["off_cpu_pct"], (base, want)
    assert base["off_cpu_pct"] <= want["main_off_max"] + POINTS, (base, want)
    assert "1 of 2 threads idle" in doc["bottleneck_detail"]
    said = re.search(r"threads wait (\d+)%", doc["bottleneck_detail"])
    assert said and abs(int(said.group(1)) - base["off_cpu_pct"]) <= 0.55, doc
    assert step_anywhere(steps, ["lock_phase"])["off_cpu_ms"] > 0
    # Most of the blocked time is asleep: the class says so, as the detail does.
    assert doc["bottleneck_classification"] == "Off-CPU/Sleep", doc["bottleneck_detail"]
    assert "in sleep" in doc["bottleneck_detail"]


def walk(step):
    yield step
    for c in step["children"]:
        yield from walk(c)


def test_off_cpu_without_wall_keeps_on_cpu_shares(tmp_path, data_file):
    """Without --wall the map stays on-CPU samples; off-CPU time rides along."""
    out, truth = tmp_path / "o.yaml", tmp_path / "truth"
    r = run_flametop("record", "-q", "-o", out, "--", workload("offcpu"), "2", data_file,
                     truth)
    assert r.returncode == 0, r.stderr
    doc = load_yaml(out)
    assert doc["scenario"]["wall"] is False
    assert doc["performance_map"]["shares_of"] == "on-CPU samples"
    assert hotspot(doc, "[blocked: sleep]") is None
    assert step_anywhere(doc["performance_map"]["steps"], ["compute_phase"])["total_pct"] > 60
    assert doc["baseline"]["off_cpu"]["blocked_ms"] > 1000
    h = hotspot(doc, "compute_phase")
    assert "off_cpu_ms" in h
    r = run_flametop("record", "-q", "--no-offcpu", "-o", out, "--", workload("offcpu"), "1",
                     data_file, truth)
    assert r.returncode == 0, r.stderr
    doc = load_yaml(out)
    assert doc["scenario"]["off_cpu"] is False and doc["baseline"]["off_cpu"] is None


def test_wall_and_no_offcpu_conflict():
    r = run_flametop("record", "--wall", "--no-offcpu", "--", "true")
    assert r.returncode == 2 and "--no-offcpu" in r.stderr


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
@pytest.mark.serial
def test_wall_time_split_on_the_screen(tmp_path, data_file):
    from screen import Screen
    truth = tmp_path / "truth"
    s = Screen(f"{FLAMETOP} -r 0.5 -- {workload('offcpu')} 4 {data_file} {truth}",
               width=160, height=120)
    try:
        s.wait_for(r"RUNNING")
        s.keys("w")
        s.wait_for(r"\[wall\]")
        s.keys("2")
        s.wait_for(r"EXITED", timeout=20)
        s.wait_for(r"blocked: sleep \d+% ")
        want = read_truth(truth)
        for phase in PHASES:
            # Each row as the tree draws it once the run has ended (a busy
            # machine can take a refresh or two to lay them all out). The
            # phases' kernel stacks are open and deep: the row is found by
            # a search, which selects it and scrolls the tree to it.
            s.keys("/")
            s.type(phase)
            s.keys("Enter")
            row = r"(?m)^\s*[\d.]+%\s+([\d.]+)%\s+\S+\s+\S?\s*" + phase + r"\s"
            m = re.search(row, s.wait_for(row))
            assert m, (phase, s.text())
            assert abs(float(m.group(1)) - want[phase]) <= POINTS, (phase, m.group(1), want)
            s.keys("Escape")  # the search cleared
        s.keys("w")
        s.wait_gone(r"\[wall\]")
        s.keys("q")
        assert s.exit_status() == 0
    finally:
        s.close()


def test_the_screen_and_its_export_give_one_figure(tmp_path, data_file):
    """One fact, one figure: the share of the threads' time off a CPU is the
    same number in the CPU pane, the readings line, the suggested hypothesis,
    and the export's baseline, readings, detail and hypotheses."""
    from screen import Screen
    truth, out = tmp_path / "truth", tmp_path / "one.yaml"
    s = Screen(f"{FLAMETOP} -r 0.5 -- {workload('offcpu')} 3 {data_file} {truth}",
               cwd=tmp_path)
    try:
        s.wait_for(r"EXITED", timeout=20)
        text = s.wait_for(r"off-CPU \d+% of wall")
        pane = int(re.search(r"off-CPU (\d+)% run", text).group(1))
        line = int(re.search(r"off-CPU (\d+)% of wall", text).group(1))
        s.keys("5")
        said = int(re.search(r"threads off the CPU (\d+)%",
                             s.wait_for(r"threads off the CPU \d+%")).group(1))
        s.keys("e", "C-u")
        s.type(str(out))
        s.keys("Enter")
        s.wait_for("wrote ")
        s.keys("q")
        assert s.exit_status() == 0
    finally:
        s.close()
    doc = load_yaml(out)
    assert pane == line == said, text
    figure = doc["baseline"]["off_cpu_pct"]
    assert abs(figure - pane) <= 0.55, (figure, pane)
    assert f"off-CPU {pane}% of wall" in doc["readings"]["cpu"], doc["readings"]
    assert f"threads wait {pane}% of wall" in doc["bottleneck_detail"], doc["bottleneck_detail"]
    off = [h for h in doc["suggested_hypotheses"] if h["key"] == "off_cpu"]
    assert off and f"threads off the CPU {pane}%" in off[0]["evidence"], off
    # The helper, asleep all its life, is idle: left out, and said so.
    assert "1 of 2 threads idle" in doc["bottleneck_detail"]
