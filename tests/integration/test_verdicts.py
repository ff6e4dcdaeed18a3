"""Verdicts a performance engineer can trust: the class, its detail, the
suggestions and the screen's CPU reading say the same thing, on programs
whose truth is known — CPU-starved by a competitor, idle threads beside a
busy one, and a program that sleeps most of its time."""
import glob
import os
import subprocess
import time

import pytest

from conftest import FLAMETOP, load_yaml, workload


def record(tmp_path, *argv, opts=()):
    out = tmp_path / "v.yaml"
    r = subprocess.run([str(FLAMETOP), "record", "-q", "-o", str(out), *opts,
                        "--", *map(str, argv)], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    return load_yaml(out)


def keys(doc):
    return {s["key"]: s for s in doc["suggested_hypotheses"]}


@pytest.mark.parametrize("opts", [(), ("--no-offcpu",)], ids=["switch-out", "schedstat"])
def test_cpu_bound_program_beside_a_busy_one_is_cpu_starved_not_waiting(tmp_path, opts):
    # Target and competitor pinned to the same CPU: each runs about half
    # the time, preempted (runnable) the other half. That is CPU demand.
    # Without switch-out stacks the threads' schedstat says it was runnable.
    cpu = min(os.sched_getaffinity(0))
    hog = subprocess.Popen(["taskset", "-c", str(cpu), workload("split"), "0"],
                           stdout=subprocess.DEVNULL)
    try:
        doc = record(tmp_path, "taskset", "-c", cpu, workload("split"), "--rounds", "2500",
                     opts=opts)
    finally:
        hog.kill()
        hog.wait()
    assert doc["bottleneck_classification"] == "CPU", doc["bottleneck_detail"]
    assert doc["bottleneck_detail"].startswith("CPU-starved"), doc["bottleneck_detail"]
    k = keys(doc)
    assert "cpu_bound" in k and "off_cpu" not in k, k
    assert "runnable but waiting for a CPU" in k["cpu_bound"]["evidence"]
    assert doc["readings"]["cpu"].startswith("CPU-starved"), doc["readings"]
    assert "waiting (I/O" not in doc["readings"]["cpu"]
    # A blocked path is typed by the reason its leaf names, as the schema has it.
    types = {"preempted": "CPU-starved", "lock": "lock", "sleep": "sleep",
             "file I/O": "I/O-File", "pipe/tty": "pipe", "child wait": "child"}
    for b in doc["top_bottlenecks"]:
        leaf = b["step"].rsplit(" > ", 1)[-1]
        if leaf.startswith("[blocked: ") and leaf[10:-1] in types:
            assert b["type"] == types[leaf[10:-1]], b


def test_idle_threads_beside_a_busy_one_are_not_waiting(tmp_path):
    # Three threads parked in pause(), the main one joining the busy one:
    # only the busy thread ran, so the program is CPU-bound.
    # (On a loaded machine the busy thread may also wait for a CPU: then it
    # is CPU-starved, still CPU, never waiting.)
    doc = record(tmp_path, workload("manythreads"), 3, 2)
    assert doc["bottleneck_classification"] == "CPU", doc["bottleneck_detail"]
    assert doc["bottleneck_detail"].startswith(("CPU-bound", "CPU-starved")), doc
    assert "off_cpu" not in keys(doc)
    assert doc["readings"]["cpu"].startswith(("CPU-bound", "CPU-starved")), doc["readings"]
    # Five threads, one busy: counted over all five, on-CPU would be ~20 %.
    assert doc["baseline"]["off_cpu_pct"] < 60, doc["baseline"]


def test_a_program_that_sleeps_70_percent_is_off_cpu(tmp_path):
    doc = record(tmp_path, workload("sleeper"), 25, 30, 70)
    assert doc["bottleneck_classification"] != "CPU", doc["bottleneck_detail"]
    assert "off-CPU-bound" in doc["bottleneck_detail"] and "sleep" in doc["bottleneck_detail"]
    assert 55 <= doc["baseline"]["off_cpu_pct"] <= 85, doc["baseline"]
    k = keys(doc)
    assert "off_cpu" in k and "cpu_bound" not in k, k
    assert "sleep" in k["off_cpu"]["hypothesis"], k["off_cpu"]
    assert doc["readings"]["cpu"].startswith("off-CPU"), doc["readings"]
    assert doc["bottleneck_classification"] == "Off-CPU/Sleep", doc["bottleneck_detail"]


# ---- multi-threaded programs: the verdict follows the threads that work ----

def classes(doc):
    """{class: how many threads} from threads[]."""
    out = {}
    for t in doc["threads"]:
        out[t["class"]] = out.get(t["class"], 0) + 1
    return out


def test_a_busy_thread_beside_a_parked_pool_is_cpu(tmp_path):
    doc = record(tmp_path, workload("pools"), "cpu", 3)
    assert doc["bottleneck_classification"] == "CPU", doc["bottleneck_detail"]
    assert "4 of 5 threads idle" in doc["bottleneck_detail"], doc["bottleneck_detail"]
    c = classes(doc)
    assert c.get("idle") == 4 and c.get("CPU", 0) + c.get("CPU-starved", 0) == 1, c
    k = keys(doc)
    assert "cpu_bound" in k and "lock_bound" not in k and "off_cpu" not in k, k


def test_workers_contending_on_one_mutex_are_lock_bound(tmp_path):
    doc = record(tmp_path, workload("pools"), "lock", 3)
    assert doc["bottleneck_classification"] == "Off-CPU/Lock", doc["bottleneck_detail"]
    assert "in lock" in doc["bottleneck_detail"], doc["bottleneck_detail"]
    assert classes(doc).get("Off-CPU/Lock", 0) >= 3, classes(doc)
    assert "lock_bound" in keys(doc), keys(doc)


def test_an_io_thread_beside_an_idle_pool_is_io(tmp_path):
    doc = record(tmp_path, workload("pools"), "io", 3, tmp_path)
    assert doc["bottleneck_classification"] == "I/O-File", doc["bottleneck_detail"]
    assert "in file I/O" in doc["bottleneck_detail"], doc["bottleneck_detail"]
    c = classes(doc)
    assert c.get("I/O-File") == 1 and c.get("idle", 0) >= 4, c
    assert "lock_bound" not in keys(doc), keys(doc)


def test_node_busy_in_js_with_parked_platform_workers_is_cpu(tmp_path):
    # fib and sort on the main thread; V8's workers wake for garbage now and
    # then and otherwise wait on a futex: CPU-bound, not lock-bound.
    js = os.path.join(os.path.dirname(__file__), "..", "workloads", "cpu.js")
    node = subprocess.Popen(["node", js, "8"], stdout=subprocess.DEVNULL)
    try:
        time.sleep(1.5)
        out = tmp_path / "n.yaml"
        r = subprocess.run([str(FLAMETOP), "record", "-q", "-p", str(node.pid), "-d", "3",
                            "-o", str(out)], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
    finally:
        node.kill()
        node.wait()
    doc = load_yaml(out)
    assert doc["bottleneck_classification"] == "CPU", doc["bottleneck_detail"]
    k = keys(doc)
    assert "lock_bound" not in k and "off_cpu" not in k, k
    c = classes(doc)
    assert c.get("CPU", 0) + c.get("CPU-starved", 0) >= 1 and c.get("idle", 0) >= 2, c



# ---- what would make the answer better ----

def record_err(tmp_path, *args, name="h.yaml"):
    out = tmp_path / name
    r = subprocess.run([str(FLAMETOP), "record", "-q", "-o", str(out), *map(str, args)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return load_yaml(out), [l.split("hint: ", 1)[1] for l in r.stderr.splitlines()
                            if l.startswith("flametop: hint: ")]


def test_a_stripped_program_that_takes_the_profile_gets_one_hint(tmp_path):
    bare = tmp_path / "split"
    subprocess.run(["strip", "--strip-all", "-o", str(bare), workload("split")], check=True)
    doc, hints = record_err(tmp_path, "--", bare, "--rounds", "400")
    assert len(hints) == 1 and hints[0].startswith("[split] takes"), hints
    assert "DEBUGINFOD_URLS" in hints[0] and "--addresses" in hints[0]
    assert doc["notes"] == hints  # the same words in the export
    # With symbols there is nothing to say.
    doc, hints = record_err(tmp_path, "--", workload("split"), "--rounds", "400")
    assert hints == [] and doc["notes"] == []


def test_jit_code_without_a_map_names_the_runtimes_flag(tmp_path):
    js = os.path.join(os.path.dirname(__file__), "..", "workloads", "hot.js")
    doc, hints = record_err(tmp_path, "--", "node", js, "2")
    assert any("[unknown]" in h and "node --perf-basic-prof" in h for h in hints), hints
    doc, hints = record_err(tmp_path, "--", "node", "--perf-basic-prof", js, "2")
    assert not any("[unknown]" in h for h in hints), hints


def test_frame_pointers_on_code_without_them_suggest_dwarf(tmp_path):
    py = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.11.*/bin/python3.11")))
    if not py:
        pytest.skip("no pyenv CPython (built without frame pointers) here")
    script = os.path.join(os.path.dirname(__file__), "..", "workloads", "pysplit.py")
    doc, hints = record_err(tmp_path, "--call-graph", "fp", "--", py[-1], script, "4")
    assert any(h.startswith("frame pointers: only") and "--call-graph dwarf" in h
               for h in hints), hints
