"""Symbols from a debuginfod server (elfutils' own, Debian's debuginfod).

The server is started on a scratch directory holding the unstripped build of
the split workload; flametop profiles a stripped copy of it (no .symtab: its
functions are named by nothing on this machine). The known split must come
out named, from the server; with the server stopped, or silent, the run goes
on at full rate and says so in one line, the code named module+offset."""
import http.server
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.request

import pytest

from conftest import (FLAMETOP, free_port, hotspot, load_yaml, run_flametop, share_tolerance,
                      workload)
from screen import Screen

DEBUGINFOD = shutil.which("debuginfod")
pytestmark = pytest.mark.skipif(DEBUGINFOD is None,
                                reason="debuginfod is absent (Debian package debuginfod)")


def build_id(path):
    note = subprocess.run(["readelf", "-n", path], capture_output=True, text=True).stdout
    return note.split("Build ID:")[1].split()[0]


@pytest.fixture
def stripped(tmp_path):
    """(the stripped binary, the unstripped one's directory, its build id)."""
    srv, bin_ = tmp_path / "srv", tmp_path / "bin"
    srv.mkdir()
    bin_.mkdir()
    shutil.copy(workload("split"), srv / "split")
    subprocess.run(["strip", "--strip-all", "-o", str(bin_ / "split"), str(srv / "split")],
                   check=True)
    syms = subprocess.run(["readelf", "-s", str(bin_ / "split")], capture_output=True,
                          text=True).stdout
    assert "work_a" not in syms  # nothing here names it
    return bin_ / "split", srv, build_id(str(bin_ / "split"))


@pytest.fixture
def server(tmp_path, stripped):
    """A real debuginfod over the scratch directory: its URL, once it serves the file."""
    _, srv, bid = stripped
    port = free_port()
    log = open(tmp_path / "debuginfod.log", "w")
    p = subprocess.Popen([DEBUGINFOD, "-F", str(srv), "-p", str(port), "-d",
                          str(tmp_path / "db.sqlite"), "-t", "1", "-g", "0"],
                         stdout=log, stderr=subprocess.STDOUT)
    url = "http://127.0.0.1:%d" % port
    deadline = time.time() + 60
    while True:
        try:
            with urllib.request.urlopen("%s/buildid/%s/debuginfo" % (url, bid), timeout=5) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        assert time.time() < deadline, open(tmp_path / "debuginfod.log").read()
        assert p.poll() is None, open(tmp_path / "debuginfod.log").read()
        time.sleep(0.2)
    yield url, p
    p.terminate()
    p.wait(timeout=10)
    log.close()


def env_for(tmp_path, url):
    # A fresh cache: the file comes over the network in each test.
    return dict(os.environ, DEBUGINFOD_URLS=url, DEBUGINFOD_CACHE_PATH=str(tmp_path / "cache"))


def check_named_split(doc):
    total = doc["scenario"]["samples"]
    shares = {fn: 100.0 * hotspot(doc, fn)["samples"] / total for fn in ("work_a", "work_b", "work_c")}
    for fn, want in (("work_a", 60.0), ("work_b", 30.0), ("work_c", 10.0)):
        assert abs(shares[fn] - want) <= share_tolerance(want, total) + 3.0, shares
    # Samples before the file came are named by address: a few at most.
    early = sum(h["samples"] for h in doc["hotspots"] if h["function"].startswith("split+0x"))
    assert early <= 0.05 * total, (early, total)
    mod = [m for m in doc["profile"]["modules"] if m["name"] == "split"][0]
    assert mod["symbols"] == "debuginfod", mod
    assert mod["debuginfod"].startswith("fetched from http://127.0.0.1:"), mod
    assert mod["debuginfo"].endswith("/debuginfo"), mod
    d = doc["scenario"]["symbols"]["debuginfod"]
    assert d["fetched"] >= 1 and d["urls"].startswith("http://127.0.0.1:"), d


def test_stripped_launched_binary_is_named_from_the_server(tmp_path, stripped, server):
    binary, _, _ = stripped
    out = tmp_path / "l.yaml"
    r = run_flametop("record", "-q", "-o", out, "--", str(binary), "2",
                     env=env_for(tmp_path, server[0]), timeout=90)
    assert r.returncode == 0, r.stderr
    check_named_split(load_yaml(out))
    assert "debuginfod" not in r.stderr  # nothing went wrong: nothing to say


def test_stripped_attached_process_is_named_from_the_server(tmp_path, stripped, server):
    binary, _, _ = stripped
    target = subprocess.Popen([str(binary), "0"])
    try:
        time.sleep(0.3)
        out = tmp_path / "a.yaml"
        r = run_flametop("record", "-q", "-o", out, "-p", str(target.pid), "-d", "2",
                         env=env_for(tmp_path, server[0]), timeout=90)
        assert r.returncode == 0, r.stderr
        check_named_split(load_yaml(out))
    finally:
        target.kill()
        target.wait()


def test_server_stopped_degrades_to_module_offset_in_one_line(tmp_path, stripped, server):
    binary, _, _ = stripped
    url, proc = server
    proc.terminate()
    proc.wait(timeout=10)
    out = tmp_path / "s.yaml"
    r = run_flametop("record", "-q", "-o", out, "--", str(binary), "2",
                     env=env_for(tmp_path, url), timeout=90)
    assert r.returncode == 0, r.stderr
    said = [l for l in r.stderr.splitlines() if "debuginfod" in l]
    assert len(said) == 1, r.stderr
    assert url in said[0] and "module+offset" in said[0] and "refused" in said[0], said
    doc = load_yaml(out)
    names = [h["function"] for h in doc["hotspots"]]
    assert not {"work_a", "work_b", "work_c"} & set(names), names
    top = sorted(doc["hotspots"], key=lambda h: -h["samples"])[:3]
    assert all(h["function"].startswith("split+0x") for h in top), top
    mod = [m for m in doc["profile"]["modules"] if m["name"] == "split"][0]
    assert mod["symbols"] == "dynsym" and mod["debuginfod"].startswith("failed:"), mod


def test_silent_server_never_holds_up_sampling(tmp_path, stripped):
    """A server that accepts and never answers: the download waits in the
    helper; sampling and symbols go on; the run ends on time."""
    binary, _, _ = stripped
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    url = "http://127.0.0.1:%d" % s.getsockname()[1]
    try:
        out = tmp_path / "h.yaml"
        t0 = time.time()
        r = run_flametop("record", "-q", "-o", out, "-d", "2", "--", str(binary), "0",
                         env=env_for(tmp_path, url), timeout=90)
        took = time.time() - t0
    finally:
        s.close()
    assert r.returncode == 0, r.stderr
    assert took < 10, took
    doc = load_yaml(out)
    assert doc["scenario"]["samples"] >= 0.8 * 2 * 999 * 0.9, doc["scenario"]["samples"]
    assert doc["scenario"]["lost_samples"] == 0
    said = [l for l in r.stderr.splitlines() if "debuginfod" in l]
    assert len(said) == 1 and "no answer before the run ended" in said[0], r.stderr


def test_no_debuginfod_and_the_commands_environment(tmp_path, stripped, server):
    binary, _, _ = stripped
    out, seen = tmp_path / "n.yaml", tmp_path / "env.txt"
    env = env_for(tmp_path, server[0])
    r = run_flametop("record", "-q", "-o", out, "--no-debuginfod", "--", str(binary), "1",
                     env=env, timeout=90)
    assert r.returncode == 0, r.stderr
    doc = load_yaml(out)
    assert doc["scenario"]["symbols"]["debuginfod"] is None
    assert not os.path.exists(tmp_path / "cache" / stripped[2])
    assert hotspot(doc, "[split]")["samples"] > 0
    # The launched command gets DEBUGINFOD_URLS as it was given.
    r = run_flametop("record", "-q", "-o", tmp_path / "e.yaml", "--", "sh", "-c",
                     'printf %s "$DEBUGINFOD_URLS" > ' + str(seen), env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    assert seen.read_text() == server[0]


class Trickle(http.server.BaseHTTPRequestHandler):
    """Serves one debug file slowly: the screen's progress line has time to show."""
    protocol_version = "HTTP/1.1"
    data = b""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.data)))
        self.end_headers()
        for i in range(0, len(self.data), 1024):
            self.wfile.write(self.data[i:i + 1024])
            self.wfile.flush()
            time.sleep(0.25)

    def log_message(self, *a):
        pass


def test_screen_shows_the_download_then_the_names(tmp_path, stripped):
    binary, srv, _ = stripped
    Trickle.data = (srv / "split").read_bytes()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = "http://127.0.0.1:%d" % httpd.server_address[1]
    s = Screen(f"{FLAMETOP} -r 0.5 -- {binary} 0", width=120, height=30,
               env={"DEBUGINFOD_URLS": url, "DEBUGINFOD_CACHE_PATH": str(tmp_path / "cache")})
    try:
        s.wait_for(r"debuginfod: fetching the debug file of split: \d+ KB of \d+ KB", timeout=20)
        s.keys("3")  # hotspots
        s.wait_for(r"work_a", timeout=40)
        assert "debuginfod: fetching" not in s.text()
        s.keys("q")
        assert s.exit_status() == 0
    finally:
        s.close()
        httpd.shutdown()
        httpd.server_close()


class Hostile(http.server.BaseHTTPRequestHandler):
    """A debuginfod that lies: BODY for every build id, or ENDLESS bytes."""
    protocol_version = "HTTP/1.1"
    body = b""
    endless = False

    def do_GET(self):
        self.send_response(200)
        if self.endless:
            self.send_header("Content-Type", "application/octet-stream")
            self.end_headers()  # no length: the body runs until the connection ends
            chunk = b"\0" * 65536
            try:
                while True:
                    self.wfile.write(chunk)
            except OSError:
                return
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *a):
        pass


def hostile_run(tmp_path, binary, env_extra=None):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = "http://127.0.0.1:%d" % httpd.server_address[1]
    out = tmp_path / "x.yaml"
    try:
        env = dict(env_for(tmp_path, url), **(env_extra or {}))
        r = run_flametop("record", "-q", "-o", out, "-d", "2", "--", str(binary), "0",
                         env=env, timeout=90)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert r.returncode == 0, r.stderr
    doc = load_yaml(out)
    mod = [m for m in doc["profile"]["modules"] if m["name"] == "split"][0]
    return doc, mod, r


@pytest.mark.parametrize("body,why", [
    ("other", "another build id"),  # an unstripped program, but not this one
    ("garbage", "not an ELF file"),  # 200 bytes of anything
])
def test_a_debug_file_that_is_not_the_one_asked_for_is_refused(tmp_path, stripped, body, why):
    binary, _, bid = stripped
    Hostile.endless = False
    Hostile.body = (open(workload("demo"), "rb").read() if body == "other"
                    else bytes(range(200)))
    doc, mod, r = hostile_run(tmp_path, binary)
    assert mod["symbols"] != "debuginfod" and why in mod["debuginfod"], mod
    names = {h["function"] for h in doc["hotspots"]}
    assert not names & {"hash_token", "parse_input", "tokenize", "main"}, names
    top = sorted(doc["hotspots"], key=lambda h: -h["samples"])[:3]
    assert all(h["function"].startswith("split+0x") for h in top), top
    said = [l for l in r.stderr.splitlines() if "debuginfod" in l]
    assert len(said) == 1 and why in said[0], r.stderr
    # Not left in the cache to be believed next time.
    assert not os.path.exists(tmp_path / "cache" / bid / "debuginfo")


def test_an_endless_body_is_cut_at_the_size_limit_and_leaves_nothing(tmp_path, stripped):
    binary, _, bid = stripped
    Hostile.endless = True
    t0 = time.time()
    doc, mod, r = hostile_run(tmp_path, binary, {"DEBUGINFOD_MAXSIZE": str(4 << 20)})
    assert time.time() - t0 < 15
    assert "DEBUGINFOD_MAXSIZE" in mod["debuginfod"], mod
    left = [os.path.join(d, f) for d, _, fs in os.walk(tmp_path / "cache") for f in fs]
    # No partial download; an empty "debuginfo" is libdebuginfod's own
    # negative-cache mark (not asked again for cache_miss_s).
    assert not [f for f in left if os.path.basename(f).startswith("debuginfo.")], left
    assert sum(os.path.getsize(f) for f in left) < 4096, left
    assert doc["scenario"]["lost_samples"] == 0
