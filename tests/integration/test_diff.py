"""flametop diff: a known change measured before and after, compared from
every kind of input, with its significance, the CI gate and the files."""
import gzip
import math
import re
import subprocess

import pytest

from conftest import FLAMETOP, diff_tolerance, load_yaml, run_flametop, workload

ROUNDS = ["--rounds", "1500"]


@pytest.fixture(scope="module")
def sides(tmp_path_factory):
    """The same program before and after a known change: work_a from 6
    units a call to 2, so the split goes from 6:3:1 to 2:3:1 and a round
    from 200 units to 120. Each side exported as YAML, folded and pprof."""
    d = tmp_path_factory.mktemp("diff")
    out = {}
    for name, extra in (("base", []), ("after", ["--a", "2"])):
        r = run_flametop("record", "-q", "-o", d / f"{name}.yaml", "--folded",
                         d / f"{name}.folded", "--pprof", d / f"{name}.pb.gz", "--",
                         workload("split"), *ROUNDS, *extra, timeout=120)
        assert r.returncode == 0, r.stderr
        out[name] = d
    return d


def diff(*args, timeout=60):
    return run_flametop("diff", *args, timeout=timeout)


def fn(doc, name):
    for f in doc["comparison"]["functions"]:
        if f["function"] == name:
            return f
    return None


def test_known_change_is_measured_with_its_significance(sides, tmp_path):
    out = tmp_path / "d.yaml"
    r = diff(sides / "base.yaml", sides / "after.yaml", "-o", out)
    assert r.returncode == 0, r.stderr
    doc = load_yaml(out)
    c = doc["comparison"]
    nb, na = c["base"]["samples"], c["after"]["samples"]
    # The truth: work_a 60 % -> 33.3 %, work_b 30 % -> 50 %, work_c 10 % -> 16.7 %.
    for name, before, after in (("work_a", 60.0, 100 / 3), ("work_b", 30.0, 50.0),
                                ("work_c", 10.0, 100 / 6)):
        f = fn(doc, name)
        tol = diff_tolerance(max(before, after), nb, na)
        assert abs(f["delta_self_pct"] - (after - before)) <= tol, (name, f, tol)
        assert f["status"] == "both", f
        # 27 and 20 points from ~850 and ~520 samples are z ~ 10 and 7: far
        # past noise. work_c's 7 points is z ~ 3.6 on average, and chance
        # takes it below 1.96 now and then: no mark is asked of it.
        if name != "work_c":
            assert f["significance"] == "**", f
    # Work per unit: work_a's time falls by two thirds while work_b's, whose
    # share grew, stays the same.
    # (Each side's ms is its share, from N samples, times its CPU time: the
    # share's binomial error carries over, 4 sigma of it.)
    a, b = fn(doc, "work_a"), fn(doc, "work_b")
    assert a["after_self_ms"] < 0.5 * a["base_self_ms"], a
    rel = [math.sqrt((1 - p / 100) / (p / 100 * n))
           for p, n in ((b["base_self_pct"], nb), (b["after_self_pct"], na))]
    tol = 4 * math.hypot(rel[0] * b["base_self_ms"], rel[1] * b["after_self_ms"])
    assert abs(b["after_self_ms"] - b["base_self_ms"]) <= tol, (b, tol)
    m = {x["metric"]: x for x in c["metrics"]}
    assert -48 < m["cpu_time_ms"]["change_pct"] < -30, m["cpu_time_ms"]
    assert {"wall_time_ms", "memory_peak_mb", "io_read_bytes", "samples"} <= set(m)
    # The table on stdout says the same, biggest changes first (work_a and
    # its caller, whose total moves with it).
    rows = [l for l in r.stdout.splitlines() if l.rstrip().endswith("split")]
    top = {row.split()[-2]: row for row in rows[:2]}
    assert set(top) == {"work_a", "caller_a"} and "**" in top["work_a"], r.stdout


def test_same_program_twice_shows_no_significant_change(sides, tmp_path):
    r = diff(sides / "base.yaml", sides / "base.yaml", "-o", tmp_path / "same.yaml")
    assert r.returncode == 0, r.stderr
    doc = load_yaml(tmp_path / "same.yaml")
    assert all(f["significance"] == "" and f["delta_self_pct"] == 0
               for f in doc["comparison"]["functions"])


@pytest.mark.parametrize("kind", ["folded", "pb.gz"])
def test_any_input_kind_on_either_side(sides, kind, tmp_path):
    out = tmp_path / "d.yaml"
    r = diff(sides / "base.yaml", sides / f"after.{kind}", "-o", out)
    assert r.returncode == 0, r.stderr
    doc = load_yaml(out)
    c = doc["comparison"]
    assert c["after"]["format"] == ("folded" if kind == "folded" else "pprof")
    assert c["matched_by"] == ("function name" if kind == "folded" else "function and module")
    f = fn(doc, "work_a")
    nb, na = c["base"]["samples"], c["after"]["samples"]
    assert abs(f["after_self_pct"] - 100 / 3) <= diff_tolerance(100 / 3, na, na), f
    assert f["status"] == "both"


def test_new_and_vanished_functions(sides, tmp_path):
    # Another program as the after side: split's functions vanish, the
    # forker's appear.
    other = tmp_path / "other.folded"
    other.write_text("main;child_work 40\nmain;fork 10\n")
    out = tmp_path / "d.yaml"
    r = diff(sides / "base.folded", other, "-o", out)
    assert r.returncode == 0, r.stderr
    doc = load_yaml(out)
    assert fn(doc, "work_a")["status"] == "vanished"
    assert fn(doc, "child_work")["status"] == "new"
    assert fn(doc, "main")["status"] == "both"
    assert "[new]" in r.stdout and "[vanished]" in r.stdout


def test_fail_if_slower_gates_ci(sides):
    # after is 40 % less work: not slower; the other way round it is.
    r = diff(sides / "base.yaml", sides / "after.yaml", "--fail-if-slower", "5", "-q")
    assert r.returncode == 0, r.stderr
    assert "cpu_time_ms" in r.stderr and "within the limit" in r.stderr
    r = diff(sides / "after.yaml", sides / "base.yaml", "--fail-if-slower", "5", "-q")
    assert r.returncode == 3, (r.returncode, r.stderr)
    assert "slower, failing" in r.stderr
    r = diff(sides / "after.yaml", sides / "base.yaml", "--fail-if-slower", "200", "-q")
    assert r.returncode == 0


def test_attach_windows_are_judged_per_unit_of_work(tmp_path):
    # Two equal windows of a running program have equal CPU time whatever
    # work each did: CPU time cannot judge them, and flametop says so.
    target = subprocess.Popen([workload("split"), "0"], stdout=subprocess.DEVNULL)
    try:
        for name in ("w1", "w2"):
            r = run_flametop("record", "-q", "-p", target.pid, "-d", "1",
                             "-o", tmp_path / f"{name}.yaml", timeout=60)
            assert r.returncode == 0, r.stderr
    finally:
        target.kill()
        target.wait()
    a, b = tmp_path / "w1.yaml", tmp_path / "w2.yaml"
    r = diff(a, b, "--fail-if-slower", "10", "-q")
    assert r.returncode == 4, (r.returncode, r.stderr)
    assert "window of a running target" in r.stderr and "--work BASE:AFTER" in r.stderr
    # The after window did 40 units where the base did 100: on a quiet
    # machine 2.5 times the CPU per unit. The windows' own CPU times are the
    # truth (tests beside this one take CPU from either window).
    cpu_a, cpu_b = (load_yaml(p)["baseline"]["cpu_time_ms"] for p in (a, b))
    per_unit = 100 * ((cpu_b / 40) / (cpu_a / 100) - 1)
    assert per_unit > 10, (cpu_a, cpu_b)
    r = diff(a, b, "--fail-if-slower", "10", "--work", "100:40", "-q", "-o", tmp_path / "d.yaml")
    assert r.returncode == 3, (r.returncode, r.stderr)
    assert "per unit of work" in r.stderr and "slower, failing" in r.stderr
    check = load_yaml(tmp_path / "d.yaml")["comparison"]["slower_check"]
    assert check["per_unit_of_work"] is True and abs(check["change_pct"] - per_unit) < 0.2, \
        (check, per_unit)
    r = diff(a, b, "--fail-if-slower", "30", "--work", "100:100", "-q")
    assert r.returncode == (3 if 100 * (cpu_b / cpu_a - 1) > 30 else 0), \
        (r.returncode, r.stderr, cpu_a, cpu_b)
    r = diff(a, b, "--work", "100", "-q")
    assert r.returncode == 2 and "--work" in r.stderr


def test_differential_folded_for_flamegraph(sides, tmp_path):
    out = tmp_path / "d.folded"
    r = diff(sides / "base.folded", sides / "after.folded", "-o", out)
    assert r.returncode == 0, r.stderr
    base = {l.rsplit(" ", 1)[0]: int(l.rsplit(" ", 1)[1])
            for l in (sides / "base.folded").read_text().splitlines()}
    after = {l.rsplit(" ", 1)[0]: int(l.rsplit(" ", 1)[1])
             for l in (sides / "after.folded").read_text().splitlines()}
    lines = out.read_text().splitlines()
    assert len(lines) == len(set(base) | set(after))
    for l in lines:
        stack, b, a = l.rsplit(" ", 2)
        assert int(b) == base.get(stack, 0) and int(a) == after.get(stack, 0), l


def test_bad_inputs_say_why(tmp_path):
    junk = tmp_path / "junk.pb.gz"
    junk.write_bytes(gzip.compress(b"\xff\xff\xff not a protobuf"))
    for args, words in (((tmp_path / "missing.yaml", tmp_path / "missing.yaml"), "cannot read"),
                        ((junk, junk), "not a pprof profile"),
                        ((tmp_path / "x.yaml",), "diff takes two profiles"),
                        (("a", "b", "--fail-if-slower", "-3"), "--fail-if-slower")):
        r = diff(*args)
        assert r.returncode == 2, (args, r.returncode)  # bad input, as for report
        assert words in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_report_reopens_a_comparison(sides, tmp_path):
    # The diff's YAML is the after side's export plus the comparison: the
    # screen's report reads it, and its export keeps the comparison whole.
    from screen import Screen
    d = tmp_path / "d.yaml"
    assert diff(sides / "base.yaml", sides / "after.yaml", "-o", d).returncode == 0
    again = tmp_path / "again.yaml"
    s = Screen(f"{FLAMETOP} report {d} -o {again}")
    try:
        s.wait_for(r"SAVED")
        s.wait_for(r"work_a")
        s.keys("q")
        assert s.exit_status() == 0
    finally:
        s.close()
    assert load_yaml(again)["comparison"] == load_yaml(d)["comparison"]


LEDGER = """hypotheses:
- id: 1
  name: "halving work_a's calls predicts work_a total < 45%"
  verdict: open
- id: 2
  name: "it saves CPU: predicts cpu_time_ms change < -20%"
  verdict: open
- id: 3
  name: "predicts work_b self falls"
  verdict: open
- id: 4
  name: "predicts work_c self < 5%"
  verdict: open
- id: 5
  name: "predicts no_such_function total falls"
  verdict: open
- id: 6
  name: "predicts nonsense"
  verdict: open
"""


def verdicts(path):
    return {h["id"]: (h["verdict"], h.get("evidence")) for h in load_yaml(path)["hypotheses"]}


def test_predictions_are_judged_from_the_comparison(sides, tmp_path):
    ledger = tmp_path / "ledger.yaml"
    ledger.write_text(LEDGER)
    out = tmp_path / "d.yaml"
    r = diff(sides / "base.yaml", sides / "after.yaml", "-q", "--ledger", ledger, "-o", out)
    assert r.returncode == 0, r.stderr
    v = verdicts(ledger)
    # work_a's total: 60 % -> 33 %; CPU -40 %; work_b's self grew; work_c's
    # self is ~17 %; a function on neither side cannot be judged.
    assert v[1][0] == "supports" and "work_a total" in v[1][1] and "holds" in v[1][1], v[1]
    assert v[2][0] == "supports" and "cpu_time_ms" in v[2][1], v[2]
    assert v[3][0] == "rejects" and "work_b self" in v[3][1], v[3]
    assert v[4][0] == "rejects" and "does not hold" in v[4][1], v[4]
    assert v[5][0] == "open" and "neither side" in v[5][1], v[5]
    assert v[6][0] == "open" and "cannot read the prediction" in r.stdout
    # The comparison's YAML carries the judged ledger.
    assert verdicts(out)[1][0] == "supports"

    # The user overrules #3 (marks it supports by hand): a second diff keeps
    # that, and judges the others again.
    doc = load_yaml(ledger)
    for h in doc["hypotheses"]:
        if h["id"] == 3:
            h["verdict"] = "supports"
    import yaml
    ledger.write_text(yaml.safe_dump(doc))
    r = diff(sides / "base.yaml", sides / "after.yaml", "-q", "--ledger", ledger)
    assert r.returncode == 0, r.stderr
    v2 = verdicts(ledger)
    assert v2[3][0] == "supports" and "marked by hand: kept" in r.stdout, (v2[3], r.stdout)
    assert v2[1][0] == "supports" and v2[4][0] == "rejects"


def test_screen_compares_with_a_baseline_file(sides, tmp_path):
    # report AFTER --baseline BASE: the header says what is compared, the
    # flame graph a legend, the hotspots the change per function; the
    # export carries the comparison.
    from screen import Screen
    out = tmp_path / "screen.yaml"
    s = Screen(f"{FLAMETOP} report {sides / 'after.yaml'} --baseline {sides / 'base.yaml'} "
               f"-o {out}", width=140, height=32)
    try:
        s.wait_for(r"\[vs base\.yaml\]")
        s.wait_for(r"colour: total share vs base\.yaml")
        s.keys("3")
        text = s.wait_for(r"work_a +split")
        # work_a fell by ~27 points of self and total share, work_b grew.
        assert re.search(r"-\d+\.\d +-\d+\.\d .*work_a", text), text
        assert re.search(r"\+\d+\.\d +\+\d+\.\d .*work_b", text), text
        # The call tree: each path's change in total share.
        s.keys("2")
        text = s.wait_for(r"Δtotal")
        assert re.search(r"-\d+\.\d .*work_a", text), text
        s.keys("q")
        assert s.exit_status() == 0
    finally:
        s.close()
    c = load_yaml(out)["comparison"]
    a = fn({"comparison": c}, "work_a")
    assert c["base"]["path"].endswith("base.yaml") and a["delta_self_pct"] < -15, a


def test_changes_view_lists_what_moved_and_focuses(sides, tmp_path):
    # View 6 (one file and one line in the views' registry): the functions
    # whose share moved most against the baseline, marked by the z-test;
    # Enter focuses the flame graph on the one selected.
    from screen import Screen
    s = Screen(f"{FLAMETOP} report {sides / 'after.yaml'} --baseline {sides / 'base.yaml'}",
               width=140, height=32)
    try:
        s.wait_for(r"6 Changes")
        s.keys("6")
        text = s.wait_for(r"Δtotal")
        rows = [l for l in text.splitlines() if re.search(r"work_[abc] +split", l)]
        # Largest change first: work_a fell by ~27 points (6:3:1 -> 2:3:1), surely (**).
        m = rows and re.search(r"(-\d+\.\d) +\*\* +work_a", rows[0])
        assert m and float(m.group(1)) < -15, text
        assert any(re.search(r"\+\d+\.\d .*work_b", l) for l in rows), text
        # Enter focuses on the row selected: the first (caller_a and work_a
        # moved alike; either may lead).
        lines = text.splitlines()
        title = next(i for i, l in enumerate(lines) if "Δtotal" in l)
        first = re.search(r"\*\* +(\S+) +split", lines[title + 1])
        assert first, lines[title + 1]
        s.keys("Enter")
        s.wait_for(r"focus on %s" % re.escape(first.group(1)))
        s.wait_for(r"1 Flame")
        s.keys("q")
        assert s.exit_status() == 0
    finally:
        s.close()
    # Without a baseline it says how to get one.
    s = Screen(f"{FLAMETOP} report {sides / 'after.yaml'}", width=140, height=32)
    try:
        s.wait_for(r"6 Changes")
        s.keys("6")
        s.wait_for(r"no baseline: b pins the profile so far")
        s.keys("q")
        assert s.exit_status() == 0
    finally:
        s.close()


def test_b_pins_the_live_profile_as_the_baseline(tmp_path):
    from screen import Screen
    s = Screen(f"{FLAMETOP} -- {workload('split')} 30", width=140, height=32)
    try:
        s.wait_for(r"RUNNING")
        s.wait_for(r"work_a")
        s.keys("b")
        s.wait_for(r"baseline pinned")
        s.wait_for(r"\[vs the first \d+\.\d s\]")
        s.wait_for(r"width: since the pin")
        s.keys("3")
        s.wait_for(r"Δself")
        # The changes view compares what came since the pin with before it.
        s.keys("6")
        s.wait_for(r"work_a +split")
        s.keys("b")
        s.wait_for(r"baseline dropped")
        s.wait_for(r"no baseline")
        s.wait_gone(r"\[vs the first")
        s.keys("q")
        assert s.exit_status() == 0
    finally:
        s.close()


def test_record_with_a_baseline_writes_the_comparison(sides, tmp_path):
    out = tmp_path / "after.yaml"
    r = run_flametop("record", "-q", "--baseline", sides / "base.folded", "-o", out, "--",
                     workload("split"), *ROUNDS, "--a", "2", timeout=120)
    assert r.returncode == 0, r.stderr
    c = load_yaml(out)["comparison"]
    assert c["base"]["format"] == "folded" and c["matched_by"] == "function name"
    a = fn({"comparison": c}, "work_a")
    assert a["delta_self_pct"] < -15 and a["significance"] == "**", a
    bad = run_flametop("record", "-q", "--baseline", tmp_path / "missing.yaml", "-o", out, "--",
                       "true")
    assert bad.returncode == 2 and "--baseline: cannot read" in bad.stderr
