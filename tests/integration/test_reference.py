"""flametop against perf report on a real program: CPython, unwound with DWARF."""
import glob
import re
import shutil
import subprocess

import pytest

from conftest import ROOT, diff_tolerance, run_flametop

SCRIPT = ROOT / "tests" / "workloads" / "pycpu.py"


def cpython():
    """A CPython built with symbols (pyenv), not the Debian one."""
    for p in sorted(glob.glob("/root/.pyenv/versions/3.11*/bin/python3.11")) + \
            sorted(glob.glob("/root/.pyenv/versions/3.1*/bin/python3")):
        return p
    return None


def self_by_function(folded):
    """Self share per function from folded stacks, an inlined frame's counted
    in the function it was inlined into: what perf report --no-children
    --sort sym shows."""
    acc, total = {}, 0
    for line in folded.read_text().splitlines():
        stack, count = line.rsplit(" ", 1)
        frames = stack.split(";")
        while len(frames) > 1 and frames[-1].endswith(" (inlined)"):
            frames.pop()
        acc[frames[-1]] = acc.get(frames[-1], 0) + int(count)
        total += int(count)
    return {k: 100.0 * v / total for k, v in acc.items()}, total


def perf_self(data):
    """perf report's self share per symbol, and its sample count."""
    out = subprocess.run(["perf", "report", "-i", data, "--no-children", "--stdio", "--sort",
                          "sym", "-q", "-n", "-g", "none"], capture_output=True, text=True,
                         timeout=300).stdout
    shares, total = {}, 0
    for line in out.splitlines():
        m = re.match(r"\s*([\d.]+)%\s+(\d+)\s+\[(.)\]\s+(.+?)\s*$", line)
        if m:
            name = m.group(4)
            total += int(m.group(2))
            if m.group(3) == ".":
                shares[name] = shares.get(name, 0.0) + float(m.group(1))
    return shares, total


@pytest.mark.skipif(not shutil.which("perf"), reason="perf is not installed")
@pytest.mark.skipif(not cpython(), reason="no pyenv CPython with symbols here")
def test_cpython_top_self_symbols_agree_with_perf(tmp_path):
    py = cpython()
    data = tmp_path / "perf.data"
    r = subprocess.run(["perf", "record", "-q", "-F", "999", "--call-graph", "dwarf", "-o",
                        str(data), "--", py, str(SCRIPT), "3"], capture_output=True, text=True,
                       timeout=120)
    if r.returncode != 0:
        pytest.skip("perf record failed here: " + r.stderr.strip()[-200:])
    theirs, n_theirs = perf_self(str(data))
    out = tmp_path / "py.folded"
    r = run_flametop("record", "-q", "-F", "999", "--call-graph", "dwarf", "--folded", out,
                     "--", py, SCRIPT, "3")
    assert r.returncode == 0, r.stderr
    ours, n_ours = self_by_function(out)
    top_theirs = sorted(theirs, key=theirs.get, reverse=True)[:10]
    top_ours = sorted(ours, key=ours.get, reverse=True)[:10]
    common = set(top_theirs) & set(top_ours)
    assert len(common) >= 6, (top_theirs, top_ours)
    # Two independent samplings of the same work: they differ by chance
    # within the binomial bound of both sample counts.
    for name in common:
        if theirs[name] >= 2:
            tol = diff_tolerance(theirs[name], n_ours, n_theirs)
            assert abs(ours[name] - theirs[name]) <= tol, (name, ours[name], theirs[name], tol)


SQL = ("select count(*) from (with recursive c(x) as (select 1 union all select x + 1 from c "
       "where x < 2500000) select printf('%d-%s', x, hex(x)) as s from c order by s);")


@pytest.mark.skipif(not shutil.which("perf"), reason="perf is not installed")
def test_plt_stubs_are_named_as_perf_names_them(tmp_path):
    # sqlite3 calls pthread_mutex_lock through libsqlite3's PLT at every
    # step: the stub's samples are "pthread_mutex_lock@plt", as perf has
    # them, not part of the library's unnamed bucket.
    sqlite3 = shutil.which("sqlite3")
    assert sqlite3, "sqlite3 is not installed: make deps installs it"
    data = tmp_path / "perf.data"
    r = subprocess.run(["perf", "record", "-q", "-F", "999", "-g", "-o", str(data), "--",
                        sqlite3, ":memory:", SQL], capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        pytest.skip("perf record failed here: " + r.stderr.strip()[-200:])
    theirs, n_theirs = perf_self(str(data))
    out = tmp_path / "sq.folded"
    r = run_flametop("record", "-q", "-F", "999", "--folded", out, "--", sqlite3, ":memory:", SQL)
    assert r.returncode == 0, r.stderr
    ours, n_ours = self_by_function(out)
    plt_theirs = {k: v for k, v in theirs.items() if k.endswith("@plt")}
    plt_ours = {k: v for k, v in ours.items() if k.endswith("@plt")}
    assert plt_theirs, sorted(theirs, key=theirs.get, reverse=True)[:10]
    assert set(plt_ours) & set(plt_theirs), (plt_ours, plt_theirs)
    a, b = sum(plt_ours.values()), sum(plt_theirs.values())
    assert abs(a - b) <= diff_tolerance(b, n_ours, n_theirs) + 0.5, (plt_ours, plt_theirs)
