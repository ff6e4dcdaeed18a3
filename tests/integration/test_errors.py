"""Bad input: a one-line reason and a non-zero exit, never a crash or a lost profile."""
import gzip
import os
import pathlib
import shutil
import subprocess

import pytest

from conftest import FLAMETOP, load_yaml, run_flametop, workload


def one_line_error(r, code, *needles):
    assert r.returncode == code, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("flametop: "), lines[0]
    for n in needles:
        assert n in lines[0], (n, lines[0])
    return lines[0]


def unused_pid():
    pid_max = int(pathlib.Path("/proc/sys/kernel/pid_max").read_text())
    for pid in range(pid_max - 1, 1, -1):
        if not os.path.exists(f"/proc/{pid}"):
            return pid
    pytest.skip("no free pid")


def test_no_such_pid():
    pid = unused_pid()
    one_line_error(run_flametop("record", "-p", pid, "-d", "1"), 1, f"no such process: {pid}")


def test_pid_not_a_number():
    one_line_error(run_flametop("record", "-p", "12ab"), 2, "invalid pid '12ab': not a number")


def test_unknown_option():
    one_line_error(run_flametop("record", "--frobnicate", "-p", "1"), 2,
                   "unknown option '--frobnicate'")


@pytest.mark.parametrize("rate", ["0", "-5", "abc"])
def test_rate_not_positive(rate):
    one_line_error(run_flametop("record", "-F", rate, "-p", "1"), 2,
                   f"invalid sampling rate '{rate}'")


def test_rate_above_kernel_limit():
    limit = int(pathlib.Path("/proc/sys/kernel/perf_event_max_sample_rate").read_text())
    one_line_error(run_flametop("record", "-F", limit + 1, "-p", "1"), 2,
                   f"kernel's limit of {limit} Hz")


def test_command_not_found():
    one_line_error(run_flametop("record", "--", "/nonexistent/prog", "x"), 1,
                   "cannot execute '/nonexistent/prog': No such file or directory")


def test_command_not_executable(tmp_path):
    f = tmp_path / "data.txt"
    f.write_text("not a program\n")
    one_line_error(run_flametop("record", "--", str(f)), 1, "Permission denied")


def test_permission_refused_names_the_cause(tmp_path):
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root (to become another user) and setpriv")
    paranoid = int(pathlib.Path("/proc/sys/kernel/perf_event_paranoid").read_text())
    if paranoid < 1:
        pytest.skip(f"perf_event_paranoid is {paranoid}: any user may trace any process")
    # Copy the binary where an unprivileged user can run it.
    exe = tmp_path / "flametop"
    shutil.copy(FLAMETOP, exe)
    os.chmod(tmp_path, 0o755)
    victim = subprocess.Popen(["sleep", "30"])
    try:
        # Relative path and cwd: nobody may not search pytest's 0700 parents.
        r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                            "./flametop", "record", "-p", str(victim.pid), "-d", "1"],
                           capture_output=True, text=True, timeout=30, cwd=tmp_path)
    finally:
        victim.kill()
        victim.wait()
    line = one_line_error(r, 1, "permission denied", f"perf_event_paranoid is {paranoid}")
    # root's process: the cause is the right to trace it, not paranoid.
    assert "belongs to uid 0" in line and "ptrace" in line and "CAP_PERFMON" in line
    assert "perf_event_paranoid=1" not in line


def test_unwritable_output_is_saved_elsewhere(tmp_path):
    env = dict(os.environ, TMPDIR=str(tmp_path))
    r = run_flametop("record", "-q", "-o", "/nonexistent-dir/x.yaml", "--", workload("split"),
                     "--rounds", "1500", env=env)
    assert r.returncode == 1, r.stderr
    last = r.stderr.strip().splitlines()[-1]
    assert "cannot write '/nonexistent-dir/x.yaml': No such file or directory" in last
    saved = last.split("profile saved to ")[1]
    assert saved.startswith(str(tmp_path))
    doc = load_yaml(saved)
    # The whole profile: a sample per ms of the command's CPU (wait4's).
    assert doc["scenario"]["samples"] >= 0.8 * doc["baseline"]["cpu_time_ms"] > 0


def test_readonly_directory_leaves_no_partial_file(tmp_path):
    if os.geteuid() == 0:
        # root ignores directory permissions: use a file where a directory should be.
        ro = tmp_path / "file"
        ro.write_text("")
        target = ro / "out.yaml"
    else:
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o555)
        target = ro / "out.yaml"
    env = dict(os.environ, TMPDIR=str(tmp_path))
    r = run_flametop("record", "-q", "-o", target, "--", workload("split"), "0.5", env=env)
    assert r.returncode == 1
    assert "profile saved to" in r.stderr
    assert not target.exists()


def test_help_and_usage():
    r = run_flametop("--help")
    assert r.returncode == 0 and "flametop record" in r.stdout and "--folded" in r.stdout
    # Alone, flametop opens the process list: without a terminal, one line.
    r = run_flametop()
    one_line_error(r, 2, "the process list needs a terminal")
    r = run_flametop("--version")
    assert r.returncode == 0 and r.stdout.startswith("flametop ")


def test_unknown_event_suggests_names():
    r = run_flametop("record", "-e", "cache-mises", "--", "true")
    one_line_error(r, 2, "unknown event 'cache-mises'", "did you mean: cache-misses")
    r = run_flametop("record", "-e", "cycles:nosuchmod", "--", "true")
    one_line_error(r, 2, "cycles:nosuchmod")
    r = run_flametop("record", "-e", "a,b,c,d,e,f,g,h,i", "--", "true")
    one_line_error(r, 2, "at most 8")


def test_rate_and_period_together():
    one_line_error(run_flametop("record", "-F", "99", "-c", "1000", "--", "true"), 2,
                   "either -F", "-c")
    one_line_error(run_flametop("record", "-c", "0", "--", "true"), 2, "invalid sample period")


def test_bad_ledger_file_is_refused_with_its_line(tmp_path):
    bad = tmp_path / "ledger.yaml"
    bad.write_text("hypotheses:\n  - id: 1\n    verdict: open\n", encoding="utf-8")
    r = run_flametop("record", "--ledger", bad, "-d", "1", "--", "true")
    assert r.returncode == 2
    assert r.stderr.strip() == f"flametop: ledger '{bad}': line 2: a hypothesis needs a name"


def test_record_carries_a_loaded_ledger_into_its_export(tmp_path):
    ledger = tmp_path / "ledger.yaml"
    ledger.write_text("hypotheses:\n  - {id: 3, name: sleeps, verdict: open}\n",
                      encoding="utf-8")
    out = tmp_path / "out.yaml"
    r = run_flametop("record", "-q", "--ledger", ledger, "-o", out, "--", "sleep", "0.3")
    assert r.returncode == 0, r.stderr
    hyps = load_yaml(out)["hypotheses"]
    assert [(h["id"], h["name"], h["verdict"]) for h in hyps] == [(3, "sleeps", "open")]
    # A missing ledger file is an empty ledger, not an error.
    r = run_flametop("record", "-q", "--ledger", tmp_path / "new.yaml", "-d", "0.3", "--",
                     "sleep", "1")
    assert r.returncode == 0, r.stderr


def test_report_refuses_what_it_cannot_open(tmp_path):
    r = run_flametop("report", tmp_path / "missing.yaml")
    assert r.returncode == 2
    assert "cannot read" in r.stderr and "No such file or directory" in r.stderr
    ledger = tmp_path / "ledger.yaml"
    ledger.write_text("flametop: {format: 1, kind: ledger}\nhypotheses: []\n")
    r = run_flametop("report", ledger)
    assert r.returncode == 2
    assert "no 'profile' section" in r.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("flametop: {format: 1}\nprofile: [unclosed\n")
    r = run_flametop("report", broken)
    assert r.returncode == 2 and "line " in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    r = run_flametop("report", ledger, "-F", "99")
    assert r.returncode == 2 and "do not apply" in r.stderr
    r = run_flametop("report")
    assert r.returncode == 2 and "one saved export" in r.stderr


def test_every_export_into_a_readonly_directory_is_kept(tmp_path):
    """-o, --folded and --pprof all fail cleanly: nothing half-written at the
    asked-for paths, each saved whole under TMPDIR and named."""
    if os.geteuid() == 0:
        ro = tmp_path / "file"  # root ignores directory modes
        ro.write_text("")
    else:
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o555)
    env = dict(os.environ, TMPDIR=str(tmp_path))
    r = run_flametop("record", "-q", "-o", ro / "x.yaml", "--folded", ro / "x.folded",
                     "--pprof", ro / "x.pb.gz", "--", workload("split"), "0.5", env=env)
    assert r.returncode == 1
    saved = [l.split("profile saved to ")[1] for l in r.stderr.splitlines()
             if "profile saved to" in l]
    assert len(saved) == 3, r.stderr
    assert saved[0].endswith(".yaml") and saved[1].endswith(".folded")
    assert saved[2].endswith(".pb.gz")
    doc = load_yaml(saved[0])
    total = sum(int(l.rsplit(" ", 1)[1]) for l in open(saved[1]).read().splitlines())
    assert total == doc["scenario"]["samples"] > 0
    with gzip.open(saved[2]) as f:
        assert len(f.read()) > 100
    assert not any((ro / n).exists() for n in ("x.yaml", "x.folded", "x.pb.gz")) \
        or ro.is_file()
