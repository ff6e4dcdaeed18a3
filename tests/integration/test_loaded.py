"""A busy machine: one busy loop per CPU beside the target, as on a shared
server. The collector thread empties the rings whatever the analysis is
doing, so flametop keeps what perf record keeps at the same moment; Python
stacks are read on time; a stop keeps what was taken."""
import os
import re
import shutil
import signal
import subprocess
import time

import pytest

from conftest import FLAMETOP, ROOT, load_yaml, share_tolerance, workload

# Each test loads every CPU itself and measures against that load (kept and
# lost samples beside perf, how late Python frames are read, how soon a stop
# is honoured): run alone, not beside other tests.
pytestmark = pytest.mark.serial

# pyenv's CPython 3.11 (symbols, no frame pointers) where the machine has it,
# else Debian's (stripped; `_PyRuntime` is exported): python3 comes with the
# test tools' own packages.
PYTHON = max(__import__("glob").glob(os.path.expanduser("~/.pyenv/versions/3.11.*/bin/python3.11")),
             default=None) or shutil.which("python3.11")
PYSPLIT = ROOT / "tests" / "workloads" / "pysplit.py"
PYPOOL = ROOT / "tests" / "workloads" / "pypool.py"
HOTJS = ROOT / "tests" / "workloads" / "hot.js"
NODE = shutil.which("node")
PERF = shutil.which("perf")


@pytest.fixture
def busy():
    """One busy loop per CPU, ended whatever the test does."""
    loops = [subprocess.Popen(["yes"], stdout=subprocess.DEVNULL)
             for _ in range(os.cpu_count() or 2)]
    yield
    for p in loops:
        p.kill()
        p.wait()


def need(path, what):
    if not path:
        pytest.fail(f"{what} is not installed: make deps installs it")
    return path


def perf_record(out, *target, seconds=None):
    """perf record at 999 Hz with DWARF stacks, as flametop samples."""
    argv = [PERF, "record", "-q", "-F", "999", "--call-graph", "dwarf", "-o", str(out)]
    return subprocess.Popen(argv + [str(a) for a in target], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def perf_counts(data):
    """(samples, lost) of a perf.data, from perf report --stats."""
    r = subprocess.run([PERF, "report", "-i", str(data), "--stats"], capture_output=True,
                       text=True, timeout=120)
    samples = lost = 0
    for line in r.stdout.splitlines():
        m = re.match(r"\s*(SAMPLE|LOST|LOST_SAMPLES) events:\s+(\d+)", line)
        if m and m.group(1) == "SAMPLE":
            samples = max(samples, int(m.group(2)))
        elif m and m.group(1) == "LOST_SAMPLES":
            lost += int(m.group(2))
    # LOST records say how many samples each lost: perf counts them apart
    m = re.search(r"lost\s*:\s*(\d+)", r.stdout)
    return samples, lost + (int(m.group(1)) if m else 0)


def flametop_record(tmp_path, *args, timeout=120, name="ft"):
    yml, folded = tmp_path / f"{name}.yaml", tmp_path / f"{name}.folded"
    r = subprocess.run([str(FLAMETOP), "record", "-q", "-F", "999", "-o", str(yml),
                        "--folded", str(folded), *map(str, args)],
                       capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, r.stderr
    return load_yaml(yml), folded, r.stderr


def missing(doc):
    c = doc["scenario"]["collection"]
    return c["kernel_lost"] + c["queue_dropped"] + c["cut_at_stop"] + c["out_of_memory"]


def attached_beside_perf(tmp_path, argv, seconds=4):
    """flametop and perf record attached to one process at the same moment."""
    target = subprocess.Popen([str(a) for a in argv], stdout=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        perf = perf_record(tmp_path / "perf.data", "-p", target.pid, "--", "sleep", seconds)
        doc, folded, _ = flametop_record(tmp_path, "-p", target.pid, "-d", seconds)
        perf.wait(timeout=60)
    finally:
        target.kill()
        target.wait()
    return doc, folded, perf_counts(tmp_path / "perf.data")


def assert_keeps_what_perf_keeps(doc, perf):
    samples = doc["scenario"]["samples"]
    assert samples >= 500, doc["scenario"]
    assert missing(doc) <= perf[1] + 0.01 * samples, (doc["scenario"]["collection"], perf)


def assert_python_on_time(doc):
    py = doc["scenario"]["python_frames"]
    assert py["samples"] >= 500, py
    assert py["late_samples"] <= 0.02 * py["samples"], py


def test_cpython_attached_keeps_what_perf_keeps(tmp_path, busy):
    doc, _, perf = attached_beside_perf(tmp_path, [need(PYTHON, "CPython 3.11"),
                                                   PYSPLIT, "forever"])
    assert_keeps_what_perf_keeps(doc, perf)
    assert_python_on_time(doc)


def test_cpython_launched_loses_nothing_and_reads_on_time(tmp_path, busy):
    doc, _, _ = flametop_record(tmp_path, "--", need(PYTHON, "CPython 3.11"),
                                PYSPLIT, "60")
    perf = perf_record(tmp_path / "perf.data", PYTHON, PYSPLIT, "60")
    perf.wait(timeout=120)
    assert_keeps_what_perf_keeps(doc, perf_counts(tmp_path / "perf.data"))
    assert_python_on_time(doc)


def test_node_attached_keeps_what_perf_keeps(tmp_path, busy):
    doc, _, perf = attached_beside_perf(tmp_path, [need(NODE, "node"), HOTJS, "30"])
    assert_keeps_what_perf_keeps(doc, perf)


def test_node_launched_loses_nothing(tmp_path, busy):
    doc, _, _ = flametop_record(tmp_path, "--", need(NODE, "node"), HOTJS, "3")
    perf = perf_record(tmp_path / "perf.data", NODE, HOTJS, "3")
    perf.wait(timeout=120)
    assert_keeps_what_perf_keeps(doc, perf_counts(tmp_path / "perf.data"))


POOL = {"pool_a": 50.0, "pool_b": 30.0, "pool_c": 20.0}


def pool_shares(folded):
    n = dict.fromkeys(POOL, 0)
    for line in open(folded, encoding="utf-8"):
        stack, count = line.rsplit(" ", 1)
        names = stack.split(";")
        assert not any(fr.endswith(" [late]") for fr in names), stack
        for fn in POOL:
            if fn in names:
                n[fn] += int(count)
                break
    total = sum(n.values())
    return {fn: 100.0 * v / max(total, 1) for fn, v in n.items()}, total


def test_thread_pool_workers_python_functions_follow_their_split(tmp_path, busy):
    doc, folded, _ = flametop_record(tmp_path, "--", need(PYTHON, "CPython 3.11"),
                                     PYPOOL, "60")
    got, total = pool_shares(folded)
    assert total >= 500, (total, doc["scenario"]["python_frames"])
    for fn, truth in POOL.items():
        assert abs(got[fn] - truth) <= share_tolerance(truth, total), (fn, got, total)
    assert_python_on_time(doc)
    # the workers carry them, named as Python names them
    names = {t.get("python_name") for t in doc["profile"]["threads"]}
    assert any(n and n.startswith("pool_") for n in names), names


def starved(*args):
    """flametop whose analysis gets next to no CPU (nice 19 beside busy
    loops), its collector raised above them: a backlog builds for sure.
    (Its target is attached, not launched: a child would inherit nice 19.)"""
    return subprocess.Popen(["nice", "-n", "19", str(FLAMETOP), "record", "-q", "-F", "999",
                             *map(str, args)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def test_a_stop_ends_sampling_on_time_and_keeps_what_was_taken(tmp_path, busy, background):
    out = tmp_path / "p.yaml"
    target = background(workload("split"), "60")
    t0 = time.monotonic()
    p = starved("-e", "cpu-clock", "-d", "2", "-o", out, "-p", target.pid)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    doc = load_yaml(out)
    s = doc["scenario"]
    # sampling stopped at -d, not when the analysis was done
    assert 1.95 <= s["duration_s"] <= 2.1, s["duration_s"]
    assert s["collection"]["cut_at_stop"] == 0 and s["collection"]["queue_dropped"] == 0, s
    assert s["collection"]["collector_raised"], s["collection"]
    # what was collected was analysed, however long it took: a sample for
    # each 1/999 s of CPU the target had in the window (cpu-clock's count,
    # read at the stop; beside the busy loops, whatever share that was)
    clock = [e for e in doc["counters"]["events"] if e["event"] == "cpu-clock"][0]
    cpu_s = clock["value"] / 1e9
    assert cpu_s > 0.2, clock
    assert s["samples"] >= 0.9 * cpu_s * 999, (s["samples"], cpu_s)
    assert time.monotonic() - t0 < 100


def test_a_second_signal_cuts_the_rest_and_counts_it(tmp_path, busy, background):
    out = tmp_path / "p.yaml"
    target = background(workload("split"), "60")
    p = starved("-o", out, "-p", target.pid)
    said = ""
    while "sampling pid" not in said:  # it starts slowly, starved
        said += p.stderr.readline()
        assert p.poll() is None, said
    # A backlog of seconds' worth: at a few percent of a CPU its analysis
    # takes far longer than the second signal's way in.
    time.sleep(4)
    p.send_signal(signal.SIGINT)
    # The second signal once the first has been taken: two SIGINTs pending
    # at once in a starved process are one (signals do not queue).
    while "analysing" not in said:
        line = p.stderr.readline()
        assert line, said
        said += line
    p.send_signal(signal.SIGINT)
    # (how soon it then ends is the starved thread's: the export is written
    # at a few percent of a CPU)
    _, err = p.communicate(timeout=120)
    err = said + err
    assert "cut at the stop" in err, err
    doc = load_yaml(out)
    c = doc["scenario"]["collection"]
    assert c["cut_at_stop"] > 0, c
    assert doc["scenario"]["lost_samples"] >= c["cut_at_stop"]
    # the export says the run was stopped by the first signal, and kept the profile
    assert doc["scenario"]["samples"] > 0


def test_the_screen_shows_at_once_and_fills_as_data_comes(busy):
    """On a loaded machine the live screen draws its header at once (as
    record starts at once) and the first samples follow, attached to a
    runtime and launched alike; not a blank terminal for seconds."""
    from screen import Screen
    node = need(NODE, "node")
    target = subprocess.Popen([node, str(HOTJS), "60"], stdout=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        for command in (f"{FLAMETOP} -p {target.pid}", f"{FLAMETOP} -- {workload('demo')} 20"):
            t0 = time.monotonic()
            s = Screen(command)
            try:
                s.wait_for(r"flametop\s+pid \d+", timeout=10)
                drawn = time.monotonic() - t0
                s.wait_for(r"samples [1-9]", timeout=10)
                filled = time.monotonic() - t0
                assert drawn <= 1.5 and filled <= 3.0, (command, drawn, filled)
                s.keys("q")
                assert s.exit_status() == 0
            finally:
                s.close()
    finally:
        target.kill()
        target.wait()
