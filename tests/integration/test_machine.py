"""Where top starts: the process list (flametop alone), the whole machine
(-a) and one cgroup (--cgroup). Two programs of known split run side by
side; each comes out under its own process frame with its split; a cgroup
holding one of them gives only it; refusals are one line each."""
import os
import pathlib
import re
import shutil
import subprocess
import time

import pytest

from conftest import GO, FLAMETOP, load_yaml, run_flametop, share_tolerance, workload

# split's work is 6:3:1 by iteration count: the truth on any machine.
SPLIT = {"work_a": 60.0, "work_b": 30.0, "work_c": 10.0}


@pytest.fixture
def spinners(tmp_path):
    """Programs of known split, by a name of their own, killed at the end."""
    started = []

    def start(name, rounds="0"):
        exe = tmp_path / name
        if not exe.exists():
            shutil.copy(workload("split"), exe)
        p = subprocess.Popen([str(exe), rounds], stdout=subprocess.DEVNULL)
        started.append(p)
        return p

    yield start
    for p in started:
        p.kill()
        p.wait()


def walk(step):
    yield step
    for c in step["children"]:
        yield from walk(c)


def process_split(doc, pid):
    """Each work_* function's share of the process PID's own samples, and
    those samples, from the performance map's process frame."""
    roots = [s for s in doc["performance_map"]["steps"] if s["function"].endswith(f"-{pid}")]
    assert len(roots) == 1, [s["function"] for s in doc["performance_map"]["steps"]]
    root = roots[0]
    samples = root["samples"]
    shares = {}
    for fn in SPLIT:
        total = sum(s["samples"] for s in walk(root) if s["function"] == fn)
        shares[fn] = 100.0 * total / samples
    return shares, samples


def assert_split(shares, samples):
    assert samples >= 300, samples
    for fn, truth in SPLIT.items():
        assert abs(shares[fn] - truth) <= share_tolerance(truth, samples), (fn, shares, samples)


# The whole machine: every work_a on the machine is one of its two spinners (tests beside it would be on it too).
@pytest.mark.serial
def test_record_all_cpus_finds_two_programs_each_with_its_split(tmp_path, spinners):
    a, b = spinners("spin_a"), spinners("spin_b")
    out, folded, pb = tmp_path / "all.yaml", tmp_path / "all.folded", tmp_path / "all.pb.gz"
    time.sleep(0.3)
    r = run_flametop("record", "-a", "-d", "3", "-q", "-o", out, "--folded", folded,
                     "--pprof", pb)
    assert r.returncode == 0, r.stderr
    assert "sampling the whole machine" in r.stderr
    doc = load_yaml(out)
    assert doc["target"]["machine"] is True and doc["target"]["cgroup"] is None
    assert doc["scenario"]["off_cpu"] is False and "-a" in doc["scenario"]["off_cpu_note"]
    for p, name in ((a, "spin_a"), (b, "spin_b")):
        shares, samples = process_split(doc, p.pid)
        assert_split(shares, samples)
        # Folded stacks: the process is the root frame, perf's comm-PID.
        assert re.search(rf"(?m)^{name}-{p.pid};.*work_a \d+$", folded.read_text())
    # pprof: each sample labelled with its process (go tool pprof -tags).
    assert GO, "go is not installed: make deps installs it"
    tags = subprocess.run([GO, "tool", "pprof", "-tags", str(pb)], capture_output=True,
                          text=True, timeout=120, env=dict(os.environ, HOME=str(tmp_path)))
    assert tags.returncode == 0, tags.stderr
    assert " pid: " in tags.stdout and " comm: " in tags.stdout, tags.stdout
    for p, name in ((a, "spin_a"), (b, "spin_b")):
        assert re.search(rf"\): {p.pid}\b", tags.stdout), tags.stdout
        assert re.search(rf"\): {name}\b", tags.stdout), tags.stdout
    # Hotspots name the process of each function.
    # Hotspots name the process of each function (each copy its own module).
    pid_of = {"spin_a": a.pid, "spin_b": b.pid}
    work_a = [h for h in doc["hotspots"] if h["function"] == "work_a"]
    assert sorted(h["module"] for h in work_a) == ["spin_a", "spin_b"], work_a
    for h in work_a:
        assert h["process"] == f"{h['module']}-{pid_of[h['module']]}", h
        assert h["processes"] == 1, h
    libc = [h for h in doc["hotspots"] if h["module"].startswith("libc")]
    assert all(h["processes"] >= 1 for h in libc)


def test_record_all_cpus_names_short_lived_processes(tmp_path):
    """Processes that start after flametop (fork, exec) are named by their
    comm and their code by their symbols, from the kernel's records."""
    short = tmp_path / "short_one"
    shutil.copy(workload("split"), short)
    out, folded = tmp_path / "short.yaml", tmp_path / "short.folded"
    runner = subprocess.Popen(["bash", "-c", f"sleep 0.5; for i in 1 2 3; do {short} 3; done"],
                              stdout=subprocess.DEVNULL)
    try:
        r = run_flametop("record", "-a", "-d", "4", "-q", "-o", out, "--folded", folded)
    finally:
        runner.wait(timeout=60)
    assert r.returncode == 0, r.stderr
    roots = {}
    for line in folded.read_text().splitlines():
        stack, n = line.rsplit(" ", 1)
        frames = stack.split(";")
        if frames[0].startswith("short_one-"):
            roots.setdefault(frames[0], set()).update(frames[1:])
    assert len(roots) >= 2, sorted(roots)  # each run its own process
    assert all("work_a" in frames for frames in roots.values()), roots


def cgroup2_root():
    for line in pathlib.Path("/proc/self/mounts").read_text().splitlines():
        f = line.split()
        if len(f) > 2 and f[2] == "cgroup2":
            return pathlib.Path(f[1])
    return None


def test_record_cgroup_finds_only_its_tasks(tmp_path, spinners):
    root = cgroup2_root()
    if os.geteuid() != 0 or root is None:
        pytest.fail("needs root and a cgroup v2 hierarchy (CI runs as root on one)")
    # A unit name is found where systemd would put it, under a slice.
    slice_ = root / f"flametop-test-{os.getpid()}.slice"
    group = slice_ / f"flametop-test-{os.getpid()}.service"
    group.mkdir(parents=True)
    inside, outside = spinners("in_cg"), spinners("out_cg")
    try:
        (group / "cgroup.procs").write_text(str(inside.pid))
        out = tmp_path / "cg.yaml"
        r = run_flametop("record", "--cgroup", group.name, "-d", "3", "-q", "-o", out)
        assert r.returncode == 0, r.stderr
        # the same cgroup by its path in the hierarchy
        r2 = run_flametop("record", "--cgroup", f"{slice_.name}/{group.name}", "-d", "1", "-q",
                          "-o", tmp_path / "cg2.yaml")
        assert r2.returncode == 0 and load_yaml(tmp_path / "cg2.yaml")["target"]["cgroup"] == \
            str(group), r2.stderr
        assert r.returncode == 0, r.stderr
        assert f"sampling cgroup {group}" in r.stderr
        doc = load_yaml(out)
        assert doc["target"]["cgroup"] == str(group)
        names = [s["function"] for s in doc["performance_map"]["steps"]]
        assert names == [f"in_cg-{inside.pid}"], names
        assert_split(*process_split(doc, inside.pid))
    finally:
        inside.kill()
        inside.wait()
        for _ in range(50):  # the dead task leaves the group a moment later
            try:
                group.rmdir()
                break
            except OSError:
                time.sleep(0.1)
        slice_.rmdir()


def test_refusals_are_one_line_each(tmp_path):
    def one_line(r, code, *needles):
        assert r.returncode == code, (r.returncode, r.stderr)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("flametop: "), r.stderr
        for n in needles:
            assert n in lines[0], lines[0]

    one_line(run_flametop("record", "-a", "-p", "1"), 2, "not two")
    one_line(run_flametop("record", "--cgroup", "no-such-group", "-d", "1"), 2, "no such cgroup")
    one_line(run_flametop("record", "--cgroup", "../x", "-d", "1"), 2, "'..'")
    one_line(run_flametop("record", "-a", "--wall", "-d", "1"), 2, "--wall")
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.fail("needs root (to become another user) and setpriv")
    paranoid = int(pathlib.Path("/proc/sys/kernel/perf_event_paranoid").read_text())
    if paranoid < 0:
        return  # any user may sample the machine here
    exe = tmp_path / "flametop"
    shutil.copy(FLAMETOP, exe)
    os.chmod(tmp_path, 0o755)
    r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                        "./flametop", "record", "-a", "-d", "1"],
                       capture_output=True, text=True, timeout=30, cwd=tmp_path)
    one_line(r, 1, "permission denied sampling the whole machine", "CAP_PERFMON",
             f"perf_event_paranoid is {paranoid}")


def list_rows(text):
    """(pid, cpu%, command) of each process row of the list."""
    rows = []
    for line in text.splitlines():
        m = re.match(r"\s*(\d+) \S+\s+([\d.]+)\s+\S+ ?\S*\s+\d+ \S  (.*)", line)
        if m:
            rows.append((int(m.group(1)), float(m.group(2)), m.group(3).strip()))
    return rows


# The whole machine: its spinner among the machine's three busiest (tests beside it would be on it too).
@pytest.mark.serial
def test_process_list_finds_the_hot_one_attaches_and_comes_back(tmp_path, spinners):
    from screen import Screen
    hot = spinners("hot_one")
    s = Screen(f"{FLAMETOP}", cwd=tmp_path)
    try:
        t0 = time.monotonic()
        # Sorted by CPU, refreshed each second: the spinner near the top.
        while True:
            rows = list_rows(s.text())
            if any(pid == hot.pid for pid, _, _ in rows[:3]):
                break
            assert time.monotonic() - t0 < 2.0, s.text()
            time.sleep(0.1)
        # / filters by name.
        s.type("/hot_one")
        s.keys("Enter")
        s.wait_for(r"filter 'hot_one'")
        rows = list_rows(s.text())
        assert [pid for pid, _, _ in rows] == [hot.pid], s.text()
        # Enter attaches the profile screen; q comes back to the list.
        s.keys("Enter")
        s.wait_for(rf"pid {hot.pid} hot_one\s+RUNNING")
        s.wait_for(r"q back to list")
        s.wait_for(r"work_a", timeout=10)
        s.keys("q")
        s.wait_for(rf"detached from pid {hot.pid} \(hot_one\)")
        assert hot.poll() is None  # attached, not launched: it runs on
        # Esc clears the filter; < and > change the sort column.
        s.keys("Escape")
        s.wait_gone(r"filter 'hot_one'")
        s.keys(">")
        s.wait_for(r"sort \(RSS\)")
        s.keys("N")
        s.wait_for(r"sort \(PID\)")
        s.keys("q")
        assert s.exit_status() == 0
    finally:
        s.close()


def test_process_list_says_why_a_process_cannot_be_profiled(tmp_path):
    """Run as another user, root's processes cannot be traced: the status
    line says why and the list stays."""
    from screen import Screen
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.fail("needs root (to become another user) and setpriv")
    if int(pathlib.Path("/proc/sys/kernel/perf_event_paranoid").read_text()) < 0:
        pytest.skip("any user may trace any process here")
    exe = tmp_path / "flametop"
    shutil.copy(FLAMETOP, exe)
    os.chmod(tmp_path, 0o755)
    victim = subprocess.Popen(["sleep", "60"])
    s = Screen("setpriv --reuid=65534 --regid=65534 --clear-groups ./flametop", cwd=tmp_path)
    try:
        s.wait_for(r"PID USER")
        s.type(f"/{victim.pid}")
        s.keys("Enter")
        s.wait_for(rf"(?m)^\s*{victim.pid} root ")
        s.keys("Enter")
        s.wait_for(rf"pid {victim.pid} \(sleep\) cannot be profiled: permission denied")
        s.wait_for(r"PID USER")  # still the list
        s.keys("q")
        assert s.exit_status() == 0
    finally:
        s.close()
        victim.kill()
        victim.wait()


# The whole machine: the machine's processes as its spinners make them (tests beside it would be on it too).
@pytest.mark.serial
def test_screen_all_cpus_shows_processes_and_focuses_one(tmp_path, spinners):
    from screen import Screen
    a = spinners("scr_a")
    s = Screen(f"{FLAMETOP} -a -r 0.5", cwd=tmp_path)
    try:
        s.wait_for(r"flametop\s+the whole machine \(\d+ CPUs\)\s+RUNNING")
        s.wait_for(rf"scr_a-{a.pid}", timeout=10)  # a root box of the flame graph
        s.wait_for(r"\d+:\d+% \d+:\d+%")  # the CPU pane: each CPU
        s.wait_for(r"used \S+ \S+ of ")  # memory in use of the machine
        s.keys("3")
        s.wait_for(rf"scr_a-{a.pid}\s+work_a\s+scr_a")  # hotspots: the process column
        s.keys("4")
        s.wait_for(rf"(?m)^\s+{a.pid}\s+{a.pid}\s+scr_a")
        # Enter on the spinner's row focuses its process. (It is among the
        # heaviest, not surely the first: other work on the machine may be
        # heavier; the rows are re-sorted at each refresh, hence the retry.)
        for _ in range(5):
            lines = s.lines()
            rows = [l for l in lines if re.match(r"^\s+\d+\s+\d+\s+\S", l)]
            mine = [i for i, l in enumerate(rows) if re.match(rf"^\s+{a.pid}\s+{a.pid}\s", l)]
            if not mine:
                time.sleep(0.5)
                continue
            s.keys("Home", *["Down"] * mine[0], "Enter")
            try:
                s.wait_for(r"\[focus ", timeout=3)
            except AssertionError:
                continue
            if re.search(rf"\[focus scr_a-{a.pid}\]", s.text()):
                break
            s.keys("Escape", "4")  # another process's: clear it, back to the threads
        s.wait_for(rf"\[focus scr_a-{a.pid}\]")
        s.keys("q")
        assert s.exit_status() == 0
    finally:
        s.close()
