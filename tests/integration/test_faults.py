"""The fault suite: what flametop does when the world misbehaves. Each fault
degrades with a clear message and never loses the profile; docs/reliability.md
lists them with these tests."""
import glob
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import pytest

from conftest import FLAMETOP, ROOT, load_yaml, run_flametop, workload
from screen import Screen, kill_all

ROOTED = os.geteuid() == 0


def no_temp_files(d):
    return not glob.glob(os.path.join(str(d), ".*.tmp*")) and \
        not glob.glob(os.path.join(str(d), "*.tmp*")) and \
        not glob.glob(os.path.join(str(d), ".*.flametop.*"))


def sanitized():
    """An ASan build cannot run under valgrind (make check SANITIZE=1)."""
    r = subprocess.run(["ldd", str(FLAMETOP)], capture_output=True, text=True)
    return "libasan" in r.stdout


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
@pytest.mark.skipif(sanitized(), reason="an ASan build does not run under valgrind")
def test_valgrind_memcheck_over_a_whole_record(tmp_path):
    """A full record (DWARF, switch-out stacks, counters, YAML, folded and
    pprof exports) under memcheck: no invalid access, no definite leak."""
    out = tmp_path / "vg.yaml"
    r = subprocess.run(["valgrind", "--error-exitcode=99", "--leak-check=full",
                        "--errors-for-leak-kinds=definite", "--show-leak-kinds=definite", "-q",
                        str(FLAMETOP), "record", "-q", "-o", str(out), "--folded",
                        str(tmp_path / "vg.folded"), "--pprof", str(tmp_path / "vg.pb.gz"), "--",
                        workload("offcpu"), "0.6", str(make_data(tmp_path)),
                        str(tmp_path / "truth")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "Invalid read" not in r.stderr and "definitely lost" not in r.stderr
    assert load_yaml(out)["scenario"]["samples"] > 0


def make_data(d):
    p = d / "data"
    with open(p, "wb") as f:
        f.write(os.urandom(4 << 20))
    return p


def test_target_forking_a_hundred_children(tmp_path):
    """Children are followed (inherited events) and the run ends cleanly."""
    out = tmp_path / "fork.yaml"
    script = "for i in $(seq 100); do " + workload("split") + " 0.02 & done; wait"
    r = run_flametop("record", "-q", "-o", out, "--", "sh", "-c", script, timeout=120)
    assert r.returncode == 0, r.stderr
    doc = load_yaml(out)
    assert doc["target"]["exit_status"] == 0
    pids = {t["pid"] for t in doc["profile"]["threads"]}
    assert len(pids) >= 50, len(pids)  # the children, each sampled as its own process
    assert any(h["function"].startswith("work_") for h in doc["hotspots"])


@pytest.mark.skipif(not ROOTED or not shutil.which("setpriv") or not shutil.which("prlimit"),
                    reason="needs root (to become another user), setpriv and prlimit")
def test_low_memlock_degrades_with_a_clear_message():
    """RLIMIT_MEMLOCK 0 for an unprivileged user: the ring buffers come from
    the kernel's per-user allowance, smaller rings are tried, and what
    cannot be had is said (with the limit to raise), not a crash."""
    with tempfile.TemporaryDirectory() as d:
        os.chmod(d, 0o755)
        wl = shutil.copy(workload("split"), d)
        r = subprocess.run(["prlimit", "--memlock=0:0", "setpriv", "--reuid=65534",
                            "--regid=65534", "--clear-groups", str(FLAMETOP), "record", "-q",
                            "-o", os.path.join(d, "m.yaml"), "--", wl, "0.5"],
                           capture_output=True, text=True, timeout=60, cwd=d,
                           env=dict(os.environ, TMPDIR=d))
        if "perf_event_paranoid" in r.stderr and r.returncode == 1 and \
                "permission" in r.stderr.lower():
            pytest.skip("perf_event_open refused to nobody here: " + r.stderr.strip())
        assert r.returncode in (0, 1), r.stderr
        assert r.returncode >= 0  # not killed by a signal
        if r.returncode == 1:
            last = r.stderr.strip().splitlines()[-1]
            assert "RLIMIT_MEMLOCK" in last or "perf_event_mlock_kb" in last, r.stderr
        else:
            assert load_yaml(os.path.join(d, "m.yaml"))["scenario"]["samples"] > 0


@pytest.mark.skipif(not shutil.which("prlimit"), reason="prlimit is not installed")
def test_low_nofile_keeps_the_profile(tmp_path):
    """RLIMIT_NOFILE 24: the events fit (children inherit them), and the
    descriptors go back before the exports are written."""
    out = tmp_path / "nf.yaml"
    r = subprocess.run(["prlimit", "--nofile=24:24", str(FLAMETOP), "record", "-q", "-o",
                        str(out), "--", workload("threads"), "1", "0.2"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert load_yaml(out)["scenario"]["samples"] > 100
    # Too few to open the events at all: one line saying so, exit 1.
    r = subprocess.run(["prlimit", "--nofile=6:6", str(FLAMETOP), "record", "-q", "-o",
                        str(out), "--", workload("split"), "0.2"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode in (1, 2), r.stderr
    assert "Too many open files" in r.stderr or "descriptor" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) <= 3


@pytest.mark.serial
@pytest.mark.skipif(not ROOTED, reason="needs root to mount a tmpfs")
def test_disk_full_during_export(tmp_path):
    """A 4 KiB tmpfs: the export does not fit. The error says so, nothing is
    left half-written there, and the profile is saved under TMPDIR."""
    full = tmp_path / "full"
    full.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4k", "tmpfs", str(full)]).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        r = run_flametop("record", "-q", "-o", full / "out.yaml", "--", workload("split"),
                         "0.5", env=dict(os.environ, TMPDIR=str(tmp_path)))
        assert r.returncode == 1, r.stderr
        last = r.stderr.strip().splitlines()[-1]
        assert "No space left on device" in last, last
        saved = last.split("profile saved to ")[1]
        assert load_yaml(saved)["scenario"]["samples"] > 100
        assert os.listdir(full) == []  # no partial file, no temporary left
    finally:
        subprocess.run(["umount", str(full)])


def test_sigterm_storm_through_the_export(tmp_path):
    """SIGTERM again and again, from the run into the export: the first stops
    the run, the rest are absorbed; the export is whole."""
    out = tmp_path / "t.yaml"
    p = subprocess.Popen([str(FLAMETOP), "record", "-q", "-o", str(out), "--folded",
                          str(tmp_path / "t.folded"), "--", workload("split"), "0"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stop = threading.Event()

    def storm():
        time.sleep(1.0)
        while not stop.is_set() and p.poll() is None:
            try:
                p.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                break
            time.sleep(0.005)

    t = threading.Thread(target=storm)
    t.start()
    _, err = p.communicate(timeout=60)
    stop.set()
    t.join()
    assert p.returncode == 0, err
    assert "stopped by Terminated" in err
    doc = load_yaml(out)
    assert doc["scenario"]["samples"] > 0  # a second of a loaded machine's CPU: some
    total = sum(int(l.rsplit(" ", 1)[1]) for l in (tmp_path / "t.folded").read_text().splitlines())
    assert total == doc["scenario"]["samples"]
    assert no_temp_files(tmp_path)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_terminal_closing_saves_the_export(tmp_path):
    """The terminal goes away (SIGHUP): the screen closes cleanly and writes
    -o first, as on q."""
    out = tmp_path / "hup.yaml"
    s = Screen(f"{FLAMETOP} -o {out} -- {workload('split')} 0")
    left = []
    try:
        s.wait_for(r"RUNNING")
        s.wait_for(r"work_a")
        left = s.descendants()
    finally:
        s.tmux("kill-server", check=False)  # the pane's terminal closes: SIGHUP
    deadline = time.time() + 15
    while not out.exists() and time.time() < deadline:
        time.sleep(0.1)
    time.sleep(0.3)
    doc = load_yaml(out)
    assert doc["scenario"]["samples"] > 0
    assert no_temp_files(tmp_path)
    kill_all(left)


def test_exports_never_follow_a_planted_symlink(tmp_path):
    """The temporary file is created exclusively in the destination's
    directory: a symlink planted at a guessable name is not written through."""
    victim = tmp_path / "victim"
    victim.write_text("untouched")
    out = tmp_path / "out.yaml"
    for i in range(64):  # plant links at every name a naive writer might use
        for name in (f".out.yaml.tmp{i}", f"out.yaml.tmp{i}", "out.yaml.tmp", ".out.yaml.tmp"):
            link = tmp_path / name
            if not link.exists():
                os.symlink(victim, link)
    r = run_flametop("record", "-q", "-o", out, "--", workload("split"), "0.3")
    assert r.returncode == 0, r.stderr
    assert victim.read_text() == "untouched"
    assert load_yaml(out)["scenario"]["samples"] > 0


def test_commands_are_executed_not_interpreted(tmp_path):
    """The command is run with execvp: shell syntax in it is just an argument."""
    marker = tmp_path / "pwned"
    r = run_flametop("record", "-q", "--", "echo", f"; touch {marker}", timeout=30)
    assert r.returncode == 0, r.stderr
    assert not marker.exists()
    src = (ROOT / "core" / "target.c").read_text()
    assert "execvp(" in src and "system(" not in src and "/bin/sh" not in src
