"""The live screen in a real terminal (tmux): every view, the keys of the
contract, resize down to 20x5, a target that exits, exports from the screen."""
import os
import re
import shutil
import signal
import subprocess
import time

import pytest

from conftest import BUILD, FLAMETOP, host_gpu, load_yaml, workload
from screen import Screen, colours_used

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


@pytest.fixture
def screens():
    opened = []

    def start(command, **kw):
        s = Screen(command, **kw)
        opened.append(s)
        return s

    yield start
    for s in opened:
        s.close()


def demo(screens, args="", **kw):
    s = screens(f"{FLAMETOP} -F 499 -r 0.5 {args} -- {workload('demo')}", **kw)
    s.wait_for(r"RUNNING")
    s.wait_for(r"hash_token", timeout=15)
    return s


def samples_in_view(s):
    m = re.search(r"all \((\d+) samples", s.text())
    return int(m.group(1)) if m else None


def test_screen_layout_views_and_quit(screens):
    s = demo(screens)
    text = s.text()
    first = text.split("\n")[0]
    assert re.search(r"flametop  pid \d+ demo  RUNNING  cpu-clock 499 Hz dwarf  samples", first)
    assert "lost 0" in first and "unwind" in first
    for pane in ("CPU", "Memory", "I/O", "Counters"):
        assert f"┌ {pane} " in text
    if host_gpu() is None:
        # This machine has none: no pane spent on saying so, a tag instead.
        assert "┌ GPU " not in text and "no GPU" in text, text
    else:
        assert "┌ GPU " in text
    assert "1 Flame" in text and "5 Hypotheses" in text
    for key, marker in (("2", r"self%\s+total%\s+samples"), ("3", r"function  module"),
                        ("4", r"tid\s+name\s+samples"), ("5", r"no hypotheses yet"),
                        ("1", r"all \(\d+ samples")):
        s.keys(key)
        s.wait_for(marker)
    s.keys("Tab")
    s.wait_for(r"self%\s+total%")
    s.keys("BTab")
    s.wait_for(r"all \(\d+ samples")
    s.keys("q")
    assert s.exit_status() == 0


def test_flame_moves_zooms_and_details(screens):
    s = demo(screens)
    s.keys("j")
    s.wait_for(r"__clone3  libc\.so\.6.*total 9\d\.\d%")
    for _ in range(3):
        s.keys("Down")
    s.wait_for(r"parse_input  demo  .*demo\.c:\d+  self \d+\.\d%  total \d+\.\d%")
    s.keys("Enter")  # zoom: parse_input is the top row, alone on it
    text = s.wait_for(r"\n parse_input *\n tokenize")
    assert "compressor" not in text
    s.keys("BSpace")
    s.wait_for(r"\n all \(\d+ samples")
    s.keys("Enter", "Escape")
    s.wait_for(r"\n all \(\d+ samples")
    # Paused: a live tree can grow a frame between two keys (a rare short
    # stack puts one beside parse_input), and "back" would land on it.
    s.keys("Space")
    s.wait_for(r"PAUSED")
    s.keys("l")  # the neighbour on the same row: another frame
    s.wait_gone(r"\nparse_input  demo  ")
    s.keys("h")  # and back
    s.wait_for(r"\nparse_input  demo  ")
    s.keys("Space")
    s.wait_for(r"RUNNING")
    s.keys("Up", "k")
    s.wait_for(r"\nstart_thread  libc")


def test_search_steps_through_matches_while_the_profile_changes(screens):
    # Live (not paused): a refresh between two n's must not send the next n
    # back to the second match.
    s = demo(screens)
    s.keys("/")
    s.wait_for(r"search:")
    s.type("e")
    s.keys("Enter")
    m = re.search(r"match 1 of (\d+)", s.wait_for(r"match 1 of"))
    assert int(m.group(1)) >= 6, m.group(0)
    # Matches keep their order (by name, then path) as the tree grows: each
    # n moves on. (A match that appears before the current one moves its
    # number up: the numbers rise, by one or more.)
    seen = [1]
    for _ in range(4):
        time.sleep(0.6)  # a refresh (-r 0.5) rebuilds the tree in between
        s.keys("n")
        time.sleep(0.3)
        m = re.search(r"match (\d+) of \d+ for 'e'", s.text())
        assert m, s.text()
        seen.append(int(m.group(1)))
    assert all(b > a for a, b in zip(seen, seen[1:])), seen


def test_a_hint_says_once_what_would_make_the_answer_better(screens, tmp_path):
    bare = tmp_path / "split"
    subprocess.run(["strip", "--strip-all", "-o", str(bare), workload("split")], check=True)
    s = screens(f"{FLAMETOP} -r 0.5 -- {bare} 0")
    s.wait_for(r"RUNNING")
    s.wait_for(r"hint: \[split\] takes \d+% of the samples and has no symbols here",
               timeout=15)
    s.keys("q")
    assert s.exit_status() == 0


def test_search_focus_pause_recent(screens):
    s = demo(screens)
    s.keys("/")
    s.wait_for(r"search:")
    # (matches are ordered by name, then path: "hash_t" names hash_token's
    # nodes only, where "hash" would start at ld.so's _dl_setup_hash)
    s.type("hash_t")
    s.keys("Enter")
    m = re.search(r"match 1 of (\d+) for 'hash_t' \((\d+\.\d)% of samples\)",
                  s.wait_for("match 1"))
    # The parser thread hashes most of its time; the compressor and cache
    # threads take the rest (their shares depend on the machine).
    assert 20 < float(m.group(2)) < 99.9
    s.keys("n")
    s.wait_for(r"match \d+ of")
    s.keys("N")
    s.wait_for(r"hash_token  demo")
    s.keys("f")
    s.wait_for(r"\[focus hash_token\]")
    s.keys("Escape")
    s.wait_gone(r"\[focus")
    s.keys("Escape")  # the search goes too
    s.wait_for("search cleared")
    s.keys("Space")
    s.wait_for(r"PAUSED")
    time.sleep(0.3)
    before = samples_in_view(s)
    time.sleep(1.5)
    assert samples_in_view(s) == before  # frozen display
    s.keys("Space")
    s.wait_for(r"RUNNING")
    time.sleep(1.2)
    assert samples_in_view(s) > before  # sampling went on
    s.keys("z")
    s.wait_for(r"\[recent\]")
    s.keys("z")
    s.wait_gone(r"\[recent\]")


def test_tree_hotspots_callers_threads(screens):
    s = demo(screens)
    s.keys("2")
    s.wait_for(r"▾ parse_input")
    s.keys("Home")
    s.keys("Enter")  # the top row folds
    s.wait_for(r"▸ __clone3")
    s.keys("Enter")
    s.wait_for(r"▾ __clone3")
    s.keys("3")
    s.wait_for(r"\d+\.\d%\s+\d+\.\d%\s+.* hash_token  demo")
    s.keys("Enter")
    s.wait_for(r"callers of hash_token")
    s.wait_for(r"tokenize  demo")
    s.keys("Escape")
    s.wait_gone(r"callers of")
    s.keys("4")
    text = s.wait_for(r"parser")
    assert "compressor" in text
    rows = [l for l in text.split("\n") if re.match(r"\s+\d+  (parser|compressor|cache)", l)]
    assert rows and "parser" in rows[0]  # the busiest thread first
    s.keys("Enter")
    text = s.wait_for(r"\[thread \d+\][\s\S]*\n all \(")  # the filter, then the redrawn root
    assert "compressor" not in text.split("\n", 1)[1].split("all (")[1]
    s.keys("Escape")
    s.wait_gone(r"\[thread")


def test_hypotheses_and_export(screens, tmp_path):
    s = demo(screens, cwd=tmp_path)
    s.keys("H")
    s.type("parsing dominates ünïcode")
    s.keys("BSpace", "BSpace")
    s.type("de")
    s.keys("C-w")
    s.type("CPU")
    s.keys("Home", "Right")
    s.type("X")
    s.keys("Left", "DC", "End", "Left", "Left", "Left")
    s.type("the ")
    s.keys("Enter")
    s.keys("H")
    s.type("disk bound")
    s.keys("Enter", "5")
    s.wait_for(r"#1 \[open\] parsing dominates the CPU")
    s.wait_for(r"#2 \[open\] disk bound")
    s.keys("Up", "s")
    s.wait_for(r"#1 \[supports\]")
    s.wait_for(r"evidence: .*CPU \d+%")
    s.keys("Down", "r")
    s.wait_for(r"#2 \[rejects\]")
    s.keys("o")
    s.wait_for(r"#2 \[open\]")
    s.keys("Enter", "C-u")
    s.type("no writes to speak of")
    s.keys("Enter")
    s.wait_for(r"evidence: no writes to speak of")
    s.keys("H")
    s.type("to be deleted")
    s.keys("Enter")
    s.wait_for(r"#3 \[open\]")
    s.keys("d")
    s.wait_gone(r"#3 ")
    s.keys("e")
    s.wait_for(r"export to \(YAML; \.folded or \.pb\.gz by name\): "
               r"flametop-demo-\d+-\d{8}-\d{6}\.yaml")
    out = tmp_path / "screen.yaml"
    s.keys("C-u")
    s.type(str(out))
    s.keys("Enter")
    s.wait_for("wrote " + re.escape(str(out)))
    doc = load_yaml(out)
    hyps = {h["id"]: h for h in doc["hypotheses"]}
    assert hyps[1]["name"] == "parsing dominates the CPU"
    assert hyps[1]["verdict"] == "supports"
    assert hyps[1]["snapshot"]["cpu_pct"] > 50
    assert hyps[2]["verdict"] == "open" and hyps[2]["evidence"] == "no writes to speak of"
    assert 3 not in hyps
    assert doc["timeline"] and doc["timeline"][-1]["rss_mib"] > 0
    assert any(h["function"] == "hash_token" for h in doc["hotspots"])
    s.keys("q")
    assert s.exit_status() == 0


LEDGER = """flametop: {version: 0.1.0, format: 1, kind: ledger}
hypotheses:
  - id: 7
    name: "the parser is the cost"
    verdict: supports
    evidence: "parse_input 87% total"
    created_at: 2026-11-20T10:00:00Z
    marked_at: 2026-11-20T10:05:00Z
    snapshot: null
"""


def test_ledger_file_is_loaded_and_kept_saved(screens, tmp_path):
    ledger = tmp_path / "ledger.yaml"
    ledger.write_text(LEDGER, encoding="utf-8")
    s = demo(screens, f"--ledger {ledger}")
    s.keys("5")
    s.wait_for(r"#7 \[supports\] the parser is the cost")
    s.keys("H")
    s.type("writes are throttled")
    s.keys("Enter")
    s.wait_for(r"#8 \[open\] writes are throttled")
    # Saved at once, before quitting: another run could read it now.
    deadline = time.time() + 5
    while "writes are throttled" not in ledger.read_text(encoding="utf-8"):
        assert time.time() < deadline, "the ledger file was not saved"
        time.sleep(0.1)
    # Marked while the target is busy: the snapshot's CPU is what the pane shows.
    s.wait_for(r"(?:[5-9]\d|\d{3})\.\d% of a core", timeout=10)
    s.keys("r")
    s.wait_for(r"#8 \[rejects\]")
    s.keys("q")
    assert s.exit_status() == 0
    hyps = load_yaml(ledger)["hypotheses"]
    assert [(h["id"], h["verdict"]) for h in hyps] == [(7, "supports"), (8, "rejects")]
    assert hyps[0]["evidence"] == "parse_input 87% total"
    assert hyps[1]["snapshot"]["cpu_pct"] > 50  # the evidence seen when marked


def test_export_failure_keeps_the_profile(screens, tmp_path):
    s = demo(screens, env={"TMPDIR": str(tmp_path)})
    s.keys("e", "C-u")
    s.type("/proc/no-such-dir/x.yaml")
    s.keys("Enter")
    s.wait_for(r"cannot write '/proc/no-such-dir/x\.yaml': No such file or directory; saved to")
    s.keys("q")
    assert s.exit_status() == 0
    assert list(tmp_path.glob("*.yaml"))


def test_help_overlay(screens):
    s = demo(screens)
    s.keys("?")
    text = s.wait_for(r"flametop keys")
    for key in ("Space", "/  n  N", "Backspace/Esc", "Ctrl-U", "mouse"):
        assert key in text
    s.keys("x")  # any key closes it, and does nothing else
    s.wait_gone(r"flametop keys")
    s.keys("F1")
    s.wait_for(r"flametop keys")
    s.keys("q")  # closes the help only
    s.wait_gone(r"flametop keys")
    s.wait_for(r"RUNNING")


def test_mouse_click_selects_and_wheel_scrolls(screens):
    s = demo(screens)
    lines = s.lines()
    y = next(i for i, l in enumerate(lines) if l.startswith(" parse_input"))
    s.click(3, y)
    s.wait_for(r"parse_input  demo  .*self")
    tabs = next(i for i, l in enumerate(lines) if "1 Flame" in l)
    s.click(lines[tabs].index("3 Hotspots") + 2, tabs)
    s.wait_for(r"function  module")
    s.keys("Space")  # paused: the ranking holds still while the wheel moves
    s.wait_for(r"PAUSED")
    rows = s.lines()
    head = next(i for i, l in enumerate(rows) if "function  module" in l)
    top = re.search(r"(\S+)\s+demo\b", rows[head + 1]).group(1)  # the heaviest by self
    s.wheel(10, tabs + 3)  # a page down: the selection leaves the top row
    s.keys("Enter")
    text = s.wait_for(r"callers of (\S+)")
    assert f"callers of {top} " not in text
    s.keys("Escape")
    s.wheel(10, tabs + 3, down=False)
    s.keys("Enter")
    s.wait_for(r"callers of " + re.escape(top) + " ")


def test_resize_storm_down_to_20x5(screens):
    s = demo(screens)
    for w, h in [(80, 24), (20, 5), (200, 60), (33, 9), (20, 5), (19, 4), (5, 2), (21, 6),
                 (120, 40), (20, 5)] * 2:
        s.resize(w, h)
        time.sleep(0.05)
    s.resize(20, 5)
    # tmux shows the new size at once; flametop's redraw follows (slower under
    # the sanitizers): wait for a frame drawn at 20 columns.
    deadline = time.time() + 10
    while True:
        text = s.wait_for(r"flametop")
        if len(text.split("\n")[0].rstrip()) <= 20 or time.time() > deadline:
            break
        time.sleep(0.1)
    assert len(text.split("\n")[0].rstrip()) <= 20
    s.resize(19, 4)
    s.wait_for(r"flametop: terminal")  # "too small", cut at 19 columns
    s.resize(100, 30)
    s.wait_for(r"1 Flame")
    s.wait_for(r"RUNNING")
    s.keys("q")
    assert s.exit_status() == 0


def test_target_exits_mid_session(screens, tmp_path):
    s = screens(f"{FLAMETOP} -F 499 -r 0.5 -- {workload('demo')} 2", cwd=tmp_path)
    s.wait_for(r"EXITED", timeout=20)
    s.wait_for(r"target exited with status 0")
    s.keys("3")
    s.wait_for(r"hash_token  demo")  # still browsable
    s.keys("e", "C-u")
    s.type(str(tmp_path / "after.yaml"))
    s.keys("Enter")
    s.wait_for("wrote ")
    doc = load_yaml(tmp_path / "after.yaml")
    assert doc["target"]["state"] == "exited" and doc["target"]["exit_status"] == 0
    assert any(h["function"] == "hash_token" for h in doc["hotspots"])
    s.keys("q")
    assert s.exit_status() == 0


def test_attach_leaves_the_target_running(screens, background):
    target = background(workload("demo"))
    s = screens(f"{FLAMETOP} -F 499 -p {target.pid}")
    s.wait_for(rf"pid {target.pid} demo  RUNNING")
    s.wait_for(r"hash_token", timeout=15)
    s.keys("q")
    assert s.exit_status() == 0
    time.sleep(0.3)
    assert target.poll() is None


def test_process_panes_gpu_and_a_stopped_target(screens, background):
    target = background("sleep", "60")
    env = {"LD_LIBRARY_PATH": str(BUILD / "tests" / "doubles"), "FAKE_NVML_PIDS": str(target.pid)}
    s = screens(f"{FLAMETOP} -p {target.pid} -r 0.5", env=env)
    s.wait_for(r"Fake H100 80GB")
    s.wait_for(r"busy 73%")
    s.wait_for(r"mem 11\.0 GiB/160\.0 GiB")
    s.wait_for(r"target 1\.8 GiB sm 50%")
    s.wait_for(r"PSS .* swap 0 B")
    s.wait_for(r"off-CPU 100% of wall")  # the readings line under the panes
    os.kill(target.pid, signal.SIGSTOP)
    try:
        s.wait_for(rf"pid {target.pid} sleep  STOPPED")
    finally:
        os.kill(target.pid, signal.SIGCONT)
    s.wait_for(rf"pid {target.pid} sleep  RUNNING")
    s.keys("4")  # threads: /proc's user and system time per thread
    s.wait_for(r"usr%\s+sys%\s+state")
    s.keys("q")
    assert s.exit_status() == 0


def test_ascii_fallback_and_no_color(screens):
    s = demo(screens, env={"LANG": "C", "LC_ALL": "C", "NO_COLOR": "1"})
    text = s.text()
    assert "+ CPU " in text and "┌" not in text and "│" not in text
    assert not colours_used(s.text(escapes=True))  # attributes only


def test_panes_chosen_and_hidden(screens):
    s = demo(screens, args="--panes gpu,cpu")
    text = s.text()
    assert "┌ CPU " in text and "Memory" not in text
    assert ("┌ GPU " in text) == (host_gpu() is not None), text
    s.keys("P")
    s.wait_gone(r"┌ CPU ")
    s.keys("P")
    s.wait_for(r"┌ CPU ")


def test_colour_when_allowed(screens):
    s = demo(screens)
    assert colours_used(s.text(escapes=True))


def test_write_on_quit_and_command_output_kept_off_screen(screens, tmp_path):
    out = tmp_path / "quit.yaml"
    s = screens(f"{FLAMETOP} -F 499 -r 0.5 -o {out} --keep-output -- sh -c 'echo hello-from-target; "
                f"exec {workload('demo')}'", cwd=tmp_path, env={"TMPDIR": str(tmp_path)})
    s.wait_for(r"hash_token", timeout=15)
    assert "hello-from-target" not in s.text()
    s.keys("q")
    assert s.exit_status() == 0
    text = s.text()
    assert f"wrote {out}" in text
    m = re.search(r"the command's output is in (\S+)", text)
    assert m and "hello-from-target" in open(m.group(1), encoding="utf-8").read()
    assert load_yaml(out)["hotspots"]


def test_a_command_that_prints_without_end_fills_no_disk(screens, tmp_path):
    # `yes` writes as fast as it can: the file keeps its last 8 MiB, and is
    # removed at exit unless asked to keep it.
    s = screens(f"{FLAMETOP} -F 99 -r 0.5 -- yes flametop-yes", cwd=tmp_path,
                env={"TMPDIR": str(tmp_path)})
    s.wait_for(r"RUNNING")
    logs = list(tmp_path.glob("flametop-output-*"))
    assert len(logs) == 1
    peak = 0
    for _ in range(8):
        time.sleep(0.5)
        peak = max(peak, os.path.getsize(logs[0]))
    assert peak <= (16 << 20) + 65536, peak  # twice the bound at most, and one read
    s.keys("q")
    assert s.exit_status() == 0
    assert not list(tmp_path.glob("flametop-output-*"))
    m = re.search(r"the command wrote (\d+) bytes, not kept", s.text())
    assert m and int(m.group(1)) > 2 * 8 << 20, s.text()
    # Kept when asked: the last lines are whole.
    s2 = screens(f"{FLAMETOP} -F 99 -r 0.5 --keep-output -- yes flametop-yes", cwd=tmp_path,
                 env={"TMPDIR": str(tmp_path)})
    s2.wait_for(r"RUNNING")
    time.sleep(3)
    s2.keys("q")
    assert s2.exit_status() == 0
    m = re.search(r"the command's output is in (\S+) \(its last (\d+) bytes", s2.text())
    assert m, s2.text()
    assert os.path.getsize(m.group(1)) == int(m.group(2)) <= (16 << 20) + 65536
    with open(m.group(1), "rb") as f:
        f.seek(-4096, 2)
        assert f.read().endswith(b"flametop-yes\n")


def test_sigterm_closes_cleanly(screens, tmp_path):
    out = tmp_path / "term.yaml"
    s = demo(screens, args=f"-o {out}")
    subprocess.run(["pkill", "-TERM", "-P", str(s.pane_pid()), "-f", f"^{FLAMETOP} -F 499"])
    assert s.exit_status() == 0  # stopped by a signal, the export written
    assert load_yaml(out)["hotspots"]


def without_export_time(text):
    return "\n".join(l for l in text.splitlines() if not l.strip().startswith("exported_at:"))


def test_report_reopens_an_export_and_exports_it_unchanged(screens, tmp_path):
    saved, again, pb = tmp_path / "run.yaml", tmp_path / "again.yaml", tmp_path / "again.pb.gz"
    r = subprocess.run([str(FLAMETOP), "record", "-q", "-o", str(saved), "--", workload("split"),
                        "1"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    s = screens(f"{FLAMETOP} report {saved} -o {again}")
    s.wait_for(r"SAVED")
    s.wait_for(r"work_a")
    s.keys("3")
    s.wait_for(r"work_b")
    s.keys("4")  # threads: cpu% over the whole run, not the last (absent) interval
    m = re.search(r"\n\s+\d+  split\s+\S+\s+[\d.]+%\s+([\d.]+)",
                  s.wait_for(r"\n\s+\d+  split\s"))
    # (the thread's sampled CPU time over the run's duration, as saved:
    # however much of a CPU a busy machine left it)
    doc = load_yaml(saved)
    thread = [t for t in doc["threads"] if t["comm"] == "split"][0]
    want = (100 * doc["profile"]["weight"] * thread["share_pct"] / 100
            / (doc["scenario"]["duration_s"] * 1e9))
    assert m and want > 5 and abs(float(m.group(1)) - want) <= 1, (want, s.text())
    s.keys("q")
    assert s.exit_status() == 0
    # Every section as saved, the tree's and the ledger's rebuilt: the same.
    assert without_export_time(saved.read_text()) == without_export_time(again.read_text())

    s = screens(f"{FLAMETOP} report {again}")
    s.wait_for(r"SAVED")
    s.keys("5")
    s.wait_for(r"\[suggested\] The target is CPU-bound")
    s.wait_for(r"numbers: +on-CPU \d+% of the threads' wall time")
    s.keys("a")
    s.wait_for(r"#1 \[supports\] The target is CPU-bound")
    s.wait_gone(r"\[suggested\] The target is CPU-bound")
    s.keys("e", "C-u")
    s.type(str(pb))
    s.keys("Enter")
    s.wait_for("wrote " + re.escape(str(pb)) + r" \(pprof\)")
    s.keys("e", "C-u")
    s.type(str(again))
    s.keys("Enter")
    s.wait_for("wrote " + re.escape(str(again)) + r" \(yaml\)")
    s.keys("q")
    assert s.exit_status() == 0
    assert pb.read_bytes()[:2] == b"\x1f\x8b"  # gzip
    doc = load_yaml(again)
    assert doc["hypotheses"][0]["name"] == "The target is CPU-bound"
    assert doc["hypotheses"][0]["verdict"] == "supports"
    first = load_yaml(saved)
    assert doc["hotspots"] == first["hotspots"]
    assert doc["profile"] == first["profile"]


def test_report_reopens_folded_stacks(screens, tmp_path):
    """Folded stacks (flametop's --folded, flamegraph.pl's stackcollapse
    output) open on the screen too; written again, the same stacks."""
    folded, again = tmp_path / "run.folded", tmp_path / "again.folded"
    r = subprocess.run([str(FLAMETOP), "record", "-q", "--folded", str(folded), "--",
                        workload("split"), "0.5"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    s = screens(f"{FLAMETOP} report {folded} --folded {again}")
    s.wait_for(r"SAVED")
    text = s.wait_for(r"work_a")
    # What the file has, and what it lacks: no pid, no readings that will
    # never come, no facts of this machine, no made-up thread.
    assert "run.folded (folded stacks)" in text and "pid 0" not in text, text
    assert "waiting for" not in text and "no CPU PMU" not in text, text
    assert "none in folded stacks: no CPU, memory" in text and "┌ CPU" not in text, text
    s.keys("4")
    s.wait_for(r"folded stacks has no threads")
    s.keys("3")
    s.wait_for(r"work_c")
    s.keys("q")
    assert s.exit_status() == 0
    assert sorted(folded.read_text().splitlines()) == sorted(again.read_text().splitlines())


def test_help_fits_80_by_24_whole(screens):
    # Every line of the help, uncut, on the smallest common terminal.
    s = screens(f"{FLAMETOP} -- {workload('split')} 30", width=80, height=24)
    s.wait_for(r"RUNNING")
    s.keys("?")
    # (the help's last line: a capture taken while the terminal is still
    # drawing it would see half of it)
    text = s.wait_for(r"(?s)flametop keys.*q  quit")
    for line in ("(any key closes this help)", "or on-CPU", "delete", "q  quit",
                 "Home End PgUp PgDn", "b drops it"):
        assert line in text, text
    s.keys("x")
    s.keys("q")
    assert s.exit_status() == 0


@pytest.mark.parametrize("term", ["xterm-256color", "tmux-256color"])
def test_home_end_pages_and_f1_under_each_term(screens, tmp_path, term):
    # Inside tmux, TERM=xterm-256color: Home arrives as ESC [ 1 ~ where the
    # terminfo entry says ESC O H; it used to read as Esc, '[', '1' (view 1).
    saved = tmp_path / "run.yaml"
    r = subprocess.run([str(FLAMETOP), "record", "-q", "-o", str(saved), "--", workload("split"),
                        "--rounds", "300"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    first = load_yaml(saved)["hotspots"][0]["function"]
    s = screens(f"{FLAMETOP} report {saved}", env={"TERM": term})
    s.wait_for(r"SAVED")
    s.keys("3")
    s.wait_for(r"self%")
    for key in ("End", "PageUp", "PageDown", "End"):
        s.keys(key)
    time.sleep(0.3)
    text = s.wait_for(r"self%")
    assert "tid  name" not in text, text  # not the threads view (4)
    s.keys("Enter")
    text = s.wait_for(r"callers of ")
    assert f"callers of {first} " not in text, text  # End went to the last row
    s.keys("Escape", "Home", "Enter")
    s.wait_for(rf"callers of {re.escape(first)} ")
    s.keys("Escape", "F1")
    s.wait_for(r"flametop keys")
    s.keys("q")
    s.wait_gone(r"flametop keys")
    s.keys("q")
    assert s.exit_status() == 0


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
def test_small_terminals_keep_state_tags_and_keys(screens, size):
    # The state, the clock, a filter tag and '? help  q quit' fit in every
    # view; the hotspots keep a function name whole.
    w, h = size
    s = screens(f"{FLAMETOP} -F 499 -- {workload('demo')}", width=w, height=h)
    s.wait_for(r"RUNNING")
    s.keys("z")
    s.wait_for(r"\? help  q quit", timeout=15)  # the 'recent' message has gone
    for key, marker in (("1", r"all \("), ("2", r"self%"), ("3", r"function"),
                        ("4", r"tid"), ("5", r"hypothes")):
        s.keys(key)
        text = s.wait_for(marker)
        first, last = text.split("\n")[0], text.rstrip("\n").split("\n")[-1]
        assert "RUNNING" in first and "[recent]" in first, first
        assert re.search(r"\d\d:\d\d", first), first
        assert last.rstrip().endswith("? help  q quit"), last
        if key == "3":
            assert re.search(r"hash_token +demo", text), text
    s.keys("q")
    assert s.exit_status() == 0
