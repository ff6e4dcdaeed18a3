"""CPython as a first-class target: the script's own functions, read from the
interpreter's memory, carry the time — launched or attached, on pyenv's
CPython and on Debian's — and nothing changes for a process that is not
Python."""
import glob
import os
import subprocess
import time

import pytest

from conftest import FLAMETOP, ROOT, load_yaml, run_flametop, share_tolerance, workload
from screen import Screen

SCRIPT = ROOT / "tests" / "workloads" / "pysplit.py"
THREADS = ROOT / "tests" / "workloads" / "pythreads.py"
TRUTH = {"work_a": 50.0, "work_b": 30.0, "work_c": 20.0}


def pythons():
    found = []
    pyenv = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.11.*/bin/python3.11")))
    found.append(pytest.param(pyenv[-1] if pyenv else None, id="pyenv-3.11"))
    found.append(pytest.param("/usr/bin/python3.11" if os.path.exists("/usr/bin/python3.11")
                              else None, id="debian-3.11"))
    return found


def every_version():
    """pyenv's 3.9 to 3.13, each its own layout of the interpreter's structs."""
    found = []
    for minor in range(9, 14):
        got = sorted(glob.glob(os.path.expanduser(
            f"~/.pyenv/versions/3.{minor}.*/bin/python3.{minor}")))
        found.append(pytest.param(got[-1] if got else None, f"3.{minor}", id=f"3.{minor}"))
    return found


def need(python):
    if not python:
        pytest.skip("this CPython is not installed here")
    return python


def shares(folded):
    """Samples under work_a/b/c (a function's name, or its "[late]" twin),
    as shares of their sum, and that sum."""
    n = dict.fromkeys(TRUTH, 0)
    with open(folded, encoding="utf-8") as f:
        for line in f:
            stack, count = line.rsplit(" ", 1)
            names = [fr.removesuffix(" [late]") for fr in stack.split(";")]
            for fn in TRUTH:
                if fn in names:
                    n[fn] += int(count)
                    break
    total = sum(n.values())
    return {fn: 100.0 * v / max(total, 1) for fn, v in n.items()}, total


def assert_split(folded):
    got, total = shares(folded)
    assert total >= 500, f"only {total} samples in the three functions"
    for fn, truth in TRUTH.items():
        tol = share_tolerance(truth, total)
        assert abs(got[fn] - truth) <= tol, (fn, got, total, tol)


def record(tmp_path, *args):
    yml, folded = tmp_path / "p.yaml", tmp_path / "p.folded"
    r = run_flametop("record", "-q", "-o", yml, "--folded", folded, *args, timeout=120)
    assert r.returncode == 0, r.stderr
    return load_yaml(yml), folded


@pytest.mark.parametrize("python", pythons())
def test_launched_script_shares_follow_its_known_split(tmp_path, python):
    doc, folded = record(tmp_path, "--", need(python), SCRIPT, "30")
    assert_split(folded)
    assert doc["target"]["interpreter"] == {
        "name": "cpython", "version": "3.11",
        "module": doc["target"]["interpreter"]["module"]}
    py = doc["scenario"]["python_frames"]
    # Typically 3-9 ms; the mean takes in the start-up backlog, and a loaded
    # machine (CI, or a build beside it) pushes it past 10 ms now and then.
    assert py["samples"] > 500 and py["mean_read_lag_ms"] < 15, py
    spot = {h["function"]: h for h in doc["hotspots"]}
    assert spot["work_a"]["category"] == "python"
    assert spot["work_a"]["location"].endswith("pysplit.py:7"), spot["work_a"]
    # The interpreter's loop is replaced, not shown beside the functions.
    assert "_PyEval_EvalFrameDefault" not in open(folded, encoding="utf-8").read().split(
        "work_a")[0].rsplit("\n", 1)[-1]


@pytest.mark.parametrize("python", pythons())
def test_attached_process_shares_follow_its_known_split(tmp_path, python, background):
    proc = background(need(python), SCRIPT, "forever")
    time.sleep(0.5)
    doc, folded = record(tmp_path, "-p", proc.pid, "-d", "3")
    assert_split(folded)
    assert doc["target"]["interpreter"]["version"] == "3.11"
    assert proc.poll() is None, "attaching must not disturb the target"


@pytest.mark.parametrize("python,version", every_version())
def test_every_version_names_functions_and_threads(tmp_path, python, version):
    doc, folded = record(tmp_path, "--", need(python), SCRIPT, "20")
    assert doc["target"]["interpreter"]["version"] == version
    got, total = shares(folded)
    # Samples whose Python frames were read too late (behind a stall in
    # processing: the first lookups in a big interpreter's debug info) keep
    # the interpreter's frames; the tolerance below follows the count.
    assert total >= 150, (total, doc["scenario"]["python_frames"])
    for fn, truth in TRUTH.items():
        assert abs(got[fn] - truth) <= share_tolerance(truth, total), (fn, got, total)
    doc, _ = record(tmp_path, "--", python, THREADS, "1.5")
    names = {t.get("python_name") for t in doc["profile"]["threads"]}
    assert {"MainThread", "ingest-0", "ingest-1"} <= names, names
    assert any(n and n.startswith("Thread-1") for n in names), names
    per_thread = {t["python_name"] for t in doc["threads"]}
    assert {"MainThread", "ingest-0", "ingest-1"} <= per_thread, per_thread
    comms = {t["comm"] for t in doc["threads"]}
    assert not comms & {"ingest-0", "ingest-1"}, "the kernel's name stays the kernel's"


def test_stacks_read_from_the_program_down_to_start(tmp_path):
    python = need(pythons()[0].values[0])
    _, folded = record(tmp_path, "--", python, SCRIPT, "20")
    top = max(open(folded, encoding="utf-8"), key=lambda line: int(line.rsplit(" ", 1)[1]))
    frames = top.rsplit(" ", 1)[0].split(";")
    assert frames[0] == "_start", frames
    i = frames.index("<module>")
    assert frames[i:i + 3] in (["<module>", "main", "work_a"], ["<module>", "main", "work_b"]), \
        frames


@pytest.mark.parametrize("unwinder", ["rules", "libdw", "libunwind"])
def test_perf_trampolines_are_unwound_through(tmp_path, unwinder):
    # python3.12 -X perf runs each Python call through a small trampoline
    # without CFI; perf's stacks stop there. Ours go on to _start.
    pyenv = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.12.*/bin/python3.12")))
    python = need(pyenv[-1] if pyenv else None)
    doc, folded = record(tmp_path, "--unwinder", unwinder, "--", python, "-X", "perf",
                         SCRIPT, "20")
    unwind = doc["scenario"]["unwind"]
    assert unwind["python_trampolines"] > 500, unwind
    assert unwind["complete_pct"] > 95, unwind
    assert_split(folded)
    # Where the Python frames were read, the trampolines' perf-map names
    # (the same functions again) are left out.
    spliced = [line for line in open(folded, encoding="utf-8") if ";work_a" in line]
    assert spliced and not any("py::" in line for line in spliced)


def test_frame_pointer_walk_passes_a_perf_trampoline(tmp_path):
    # fp mode: the trampoline leaves %rbp as it was, so the kernel's
    # frame-pointer chain passes it (here a C program with frame pointers
    # calling through a copy of it) and goes on to where every fp chain on
    # this Debian ends, glibc's __libc_start_call_main (glibc keeps no frame
    # pointers). The one frame that called the trampoline is not in the
    # chain (main here; py_trampoline_evaluator in CPython), as a frame-
    # pointer walk misses any caller of a function that sets up no frame.
    doc, folded = record(tmp_path, "--call-graph", "fp", "--", workload("trampoline"), "1")
    spin = [line for line in open(folded, encoding="utf-8") if ";spin_work" in line]
    n = doc["scenario"]["samples"]
    assert n >= 100 and sum(int(line.rsplit(" ", 1)[1]) for line in spin) > 0.5 * n, spin[:3]
    for line in spin:
        frames = line.rsplit(" ", 1)[0].split(";")
        assert frames[0] == "__libc_start_call_main", frames
        assert frames.index("spin_work") == 2 and frames[1] == "[unknown]", frames


def test_no_python_keeps_the_interpreter_frames(tmp_path):
    python = need(pythons()[0].values[0])
    doc, folded = record(tmp_path, "--no-python", "--", python, SCRIPT, "10")
    text = open(folded, encoding="utf-8").read()
    assert "work_a" not in text and "_PyEval_EvalFrameDefault" in text
    assert doc["target"]["interpreter"] is None
    assert doc["scenario"]["python_frames"] is None


def test_a_process_that_is_not_python_is_unaffected(tmp_path):
    doc, folded = record(tmp_path, "--", workload("split"), "--rounds", "300")
    assert doc["target"]["interpreter"] is None
    py = doc["scenario"]["python_frames"]
    assert py["samples"] == 0 and py["failed_reads"] == 0, py
    assert all(h["category"] != "python" for h in doc["hotspots"])


def test_python_processes_that_exit_mid_read_lose_nothing(tmp_path):
    # Short Python processes one after another, each gone while samples of
    # it may still wait to be read: every sample is kept, under its
    # function or, read too late, under the interpreter.
    python = need(pythons()[0].values[0])
    code = ("import os\n"
            "def work_a():\n"
            "    x = 0\n"
            "    for i in range(400000): x = (x * 31 + i) & 0xFFFF\n"
            "work_a()\n"
            "os._exit(0)\n")
    script = tmp_path / "short.py"
    script.write_text(code)
    doc, folded = record(tmp_path, "-F", "2000", "--", "sh", "-c",
                         f"for i in 1 2 3 4 5 6; do {python} {script}; done")
    assert doc["scenario"]["lost_samples"] == 0
    kept = sum(int(line.rsplit(" ", 1)[1]) for line in open(folded, encoding="utf-8"))
    assert kept == doc["scenario"]["samples"]
    cpu_ms = doc["baseline"]["cpu_time_ms"]
    # cpu-clock samples at 2 kHz: one per 0.5 ms of CPU, give or take.
    assert kept >= 0.8 * cpu_ms * 2, (kept, cpu_ms)
    assert "work_a" in open(folded, encoding="utf-8").read()


def on_screen(command, key, pattern, also=None):
    """Opens the screen on COMMAND, checks the header says python 3.11,
    presses KEY and waits for PATTERN (and ALSO in the same screen)."""
    s = Screen(f"{FLAMETOP} -r 0.5 -- {command}", width=100, height=30)
    try:
        s.wait_for(r"python 3\.11", timeout=20)
        s.keys(key)
        s.wait_for(pattern, timeout=20)
        assert also is None or also in s.text()
        s.keys("q")
        assert s.exit_status() == 0
    finally:
        s.close()


def test_screen_header_says_python_and_the_hotspots_name_the_functions(tmp_path):
    python = need(pythons()[0].values[0])
    on_screen(f"{python} {SCRIPT} forever", "3", r"work_a")


def test_threads_view_shows_python_thread_names(tmp_path):
    python = need(pythons()[0].values[0])
    on_screen(f"{python} {THREADS} 30", "4", r"ingest-1", also="MainThread")


def test_names_from_the_target_carry_no_control_characters(tmp_path):
    # A program chooses its functions' and threads' names: escapes and line
    # breaks in them must not reach a terminal, the YAML or folded lines.
    python = need(pythons()[0].values[0])
    script = tmp_path / "hostile.py"
    script.write_text(
        "import threading\n"
        "def f():\n"
        "    x = 0\n"
        "    for i in range(4_000_000): x = (x * 31 + i) & 0xFFFF\n"
        "bad = 'evil\\x1b[2J;name\\n'\n"
        "g = type(f)(f.__code__.replace(co_name=bad, co_qualname=bad), globals())\n"
        "t = threading.Thread(target=g, name='t\\x1b]0;title\\x07')\n"
        "t.start(); g(); t.join()\n")
    doc, folded = record(tmp_path, "-r", "0.2", "--", python, script)
    lines = open(folded, encoding="utf-8").read().splitlines()
    assert any("evil?[2J?name?" in line for line in lines), lines[:5]
    assert all(line.count(" ") >= 1 and line.rsplit(" ", 1)[1].isdigit() for line in lines)
    text = (tmp_path / "p.yaml").read_text()
    assert "\x1b" not in text and "\x07" not in text
    named = [t for t in doc["profile"]["threads"] if t.get("python_name", "").startswith("t?")]
    assert named, doc["profile"]["threads"]


def test_layout_table_is_what_the_headers_say():
    # core/symbols/pyoffsets.c is generated from each version's headers; where the
    # headers are here, generating it again gives the same file.
    if not glob.glob(os.path.expanduser("~/.pyenv/versions/3.*/include/python3.*/internal")):
        pytest.skip("no CPython headers here to generate the table from")
    out = subprocess.run(["sh", str(ROOT / "tools" / "pyoffsets.sh")], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout == (ROOT / "core" / "symbols" / "pyoffsets.c").read_text()
