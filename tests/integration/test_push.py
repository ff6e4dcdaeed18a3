"""record --push: profiles sent to a Grafana Pyroscope server.

Pyroscope is not installable here, so each test runs a loopback receiver
that checks what Pyroscope's ingest API reference asks of a request
(grafana.com/docs/pyroscope/latest/configure-server/about-server-api/):
POST /ingest with name, from, until and format=pprof in the query, the
profile as the "profile" field of a multipart/form-data body, X-Scope-OrgID
when a tenant is given. Every profile received is handed to go tool pprof
to prove that it decodes, and the pushes of one run add up to its profile."""
import email.parser
import email.policy
import gzip
import http.server
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.parse

import pytest

from conftest import (FLAMETOP, GO, free_port, go_pprof_top, hotspot, load_yaml, run_flametop,
                      share_tolerance, workload)


class Receiver:
    """An HTTP server on 127.0.0.1 answering each POST with the next status
    of STATUSES (then 200), keeping every request it got."""

    def __init__(self, statuses=()):
        self.requests = []
        self.statuses = list(statuses)
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                outer.requests.append({"method": self.command, "path": self.path,
                                       "headers": dict(self.headers.items()), "body": body,
                                       "at": time.time()})
                code = outer.statuses.pop(0) if outer.statuses else 200
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(statuses=()):
        r = Receiver(statuses)
        made.append(r)
        return r
    yield make
    for r in made:
        r.close()


def profile_part(req):
    """The request's multipart body, checked, and its "profile" bytes."""
    ctype = req["headers"].get("Content-Type", "")
    assert ctype.startswith("multipart/form-data; boundary="), ctype
    msg = email.parser.BytesParser(policy=email.policy.default).parsebytes(
        b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + req["body"])
    assert msg.is_multipart()
    parts = {p.get_param("name", header="content-disposition"): p for p in msg.iter_parts()}
    assert "profile" in parts, list(parts)
    data = parts["profile"].get_payload(decode=True)
    assert data[:2] == b"\x1f\x8b", data[:8]  # gzip'd profile.proto
    gzip.decompress(data)
    return data


def check_ingest(req, app):
    assert req["method"] == "POST"
    url = urllib.parse.urlsplit(req["path"])
    assert url.path == "/ingest", req["path"]
    q = urllib.parse.parse_qs(url.query, strict_parsing=True)
    assert q["format"] == ["pprof"]
    name = q["name"][0]
    assert name.startswith(app + "{") and name.endswith("}"), name
    labels = dict(kv.split("=", 1) for kv in name[len(app) + 1:-1].split(","))
    assert int(q["until"][0]) > int(q["from"][0]), q
    assert abs(int(q["until"][0]) - time.time()) < 120
    return q, labels


def pprof_top(tmp_path, data, n):
    path = tmp_path / ("push%d.pb.gz" % n)
    path.write_bytes(data)
    out, flat = go_pprof_top(path, tmp_path)
    total = int(out.split("Total samples = ")[1].split()[0]) if "Total samples" in out else 0
    return flat, total


@pytest.mark.skipif(GO is None, reason="go is absent (Debian's golang-go provides go tool pprof)")
def test_pushes_add_up_to_the_run(tmp_path, receiver):
    rx = receiver()
    out = tmp_path / "p.yaml"
    r = run_flametop("record", "-o", out, "--push", rx.url, "--push-every", "1",
                     "--push-label", "env=ci", "--push-label", "team.name=perf",
                     "--push-tenant", "tenant-7", "--", workload("split"), "3.5", timeout=90)
    assert r.returncode == 0, r.stderr
    doc = load_yaml(out)  # the local export is written as well
    assert len(rx.requests) >= 3, [q["path"] for q in rx.requests]
    host = socket.gethostname()
    note = subprocess.run(["readelf", "-n", workload("split")], capture_output=True, text=True).stdout
    build_id = note.split("Build ID:")[1].split()[0]
    sums, total, last_until = {}, 0, None
    for n, req in enumerate(rx.requests):
        q, labels = check_ingest(req, "split")
        assert labels == {"hostname": host, "build_id": build_id, "env": "ci", "team.name": "perf"}
        assert req["headers"].get("X-Scope-OrgID") == "tenant-7"
        # Windows follow each other: each push is what came since the last.
        if last_until is not None:
            assert int(q["from"][0]) == last_until
        last_until = int(q["until"][0])
        flat, t = pprof_top(tmp_path, profile_part(req), n)
        total += t
        for fn, c in flat.items():
            sums[fn] = sums.get(fn, 0) + c
    assert total == doc["scenario"]["samples"], (total, doc["scenario"]["samples"])
    for fn in ("work_a", "work_b", "work_c"):
        assert sums[fn] == hotspot(doc, fn)["samples"], (fn, sums)
    assert abs(100.0 * sums["work_a"] / total - 60.0) <= share_tolerance(60.0, total)
    p = doc["scenario"]["push"]
    assert p["sent"] == p["pushes"] == len(rx.requests) and p["failed"] == 0, p
    assert "pushed %d of %d profiles" % (len(rx.requests), len(rx.requests)) in r.stderr


def test_thread_names_ride_as_sample_labels(tmp_path, receiver):
    rx = receiver()
    r = run_flametop("record", "-q", "-o", tmp_path / "t.yaml", "--push", rx.url, "--",
                     workload("threads"), "1", timeout=90)
    assert r.returncode == 0, r.stderr
    assert rx.requests
    raw = gzip.decompress(profile_part(rx.requests[-1]))
    # The string table holds the label key and the threads' names.
    assert b"thread" in raw and b"threads" in raw


def test_server_errors_are_retried_with_backoff(tmp_path, receiver):
    rx = receiver(statuses=[503, 503])
    out = tmp_path / "r.yaml"
    r = run_flametop("record", "-q", "-o", out, "--push", rx.url, "--",
                     workload("split"), "1", timeout=90)
    assert r.returncode == 0, r.stderr
    assert len(rx.requests) == 3, [q["path"] for q in rx.requests]
    gaps = [b["at"] - a["at"] for a, b in zip(rx.requests, rx.requests[1:])]
    assert gaps[0] >= 0.9 and gaps[1] >= 1.8, gaps  # 1 s, then 2 s
    assert profile_part(rx.requests[0]) == profile_part(rx.requests[2])  # the same profile again
    p = load_yaml(out)["scenario"]["push"]
    assert p["retries"] == 2 and p["sent"] == 1 and p["failed"] == 0, p


def test_client_errors_are_not_retried(tmp_path, receiver):
    rx = receiver(statuses=[400])
    out = tmp_path / "c.yaml"
    r = run_flametop("record", "-q", "-o", out, "--push", rx.url, "--",
                     workload("split"), "1", timeout=90)
    assert r.returncode == 1, r.stderr
    assert len(rx.requests) == 1
    assert "HTTP 400" in r.stderr
    p = load_yaml(out)["scenario"]["push"]
    assert p["failed"] == 1 and p["retries"] == 0 and p["last_status"] == 400, p


def test_server_down_never_slows_sampling_and_the_export_is_written(tmp_path):
    port = free_port()  # nothing listens there now
    out = tmp_path / "d.yaml"
    t0 = time.time()
    r = run_flametop("record", "-q", "-o", out, "--push", "http://127.0.0.1:%d" % port,
                     "--push-every", "1", "-d", "3", "--", workload("split"), "0", timeout=120)
    took = time.time() - t0
    assert r.returncode == 1, r.stderr
    doc = load_yaml(out)
    p = doc["scenario"]["push"]
    assert p["sent"] == 0 and p["failed"] == p["pushes"] >= 3 and p["retries"] >= 1, p
    assert "Connection refused" in (p["last_error"] or "") or "connect" in (p["last_error"] or ""), p
    assert "pushed 0 of" in r.stderr
    # Sampling went on at its rate while the pushes failed and waited: a
    # sample each 1/999 s of the target's CPU time (cpu-clock), whatever
    # share of a CPU a busy machine left it.
    cpu_s = doc["baseline"]["cpu_time_ms"] / 1000
    assert cpu_s > 0.3, doc["baseline"]
    assert doc["scenario"]["samples"] >= 0.9 * cpu_s * 999, (doc["scenario"]["samples"], cpu_s)
    assert doc["scenario"]["lost_samples"] == 0
    # The end waits at most the drain time (15 s), not every backoff.
    assert took < 3 + 15 + 10, took


def test_a_receiver_that_never_answers_costs_the_export_nothing(tmp_path):
    # A server that takes the connection and never answers: the exports are
    # written before the wait, the wait is said, and one more signal ends it.
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    port = srv.getsockname()[1]
    out = tmp_path / "h.yaml"
    p = subprocess.Popen([str(FLAMETOP), "record", "-q", "-o", str(out), "--push",
                          "http://127.0.0.1:%d" % port, "-d", "2", "--", workload("split"), "0"],
                         stderr=subprocess.PIPE, text=True)
    try:
        err = ""
        deadline = time.time() + 30
        while "waiting up to" not in err:
            line = p.stderr.readline()
            assert line and time.time() < deadline, err
            err += line
        assert "Ctrl-C stops waiting" in err, err
        first = load_yaml(out)  # already there, whole, before the wait ends
        assert first["hotspots"] and first["scenario"]["push"]["pushes"] >= 1
        t0 = time.time()
        p.send_signal(signal.SIGINT)
        rest = p.stderr.read()
        p.wait(timeout=10)
        assert time.time() - t0 < 8, rest
    finally:
        if p.poll() is None:
            p.kill()
        srv.close()
    assert p.returncode == 1, err + rest
    assert "stopped waiting for the push" in rest and "pushed 0 of" in rest, rest
    pushed = load_yaml(out)["scenario"]["push"]  # written again: the outcome
    assert pushed["sent"] == 0 and pushed["failed"] == pushed["pushes"] >= 1, pushed


@pytest.mark.parametrize("args,msg", [
    (["--push", "ftp://x"], "http:// or https://"),
    (["--push", "http://x", "--push-label", "no-equals"], "--push-label 'no-equals'"),
    (["--push", "http://x", "--push-label", "k={x}"], "--push-label 'k={x}'"),
    (["--push", "http://x", "--push-label", "1k=v"], "--push-label '1k=v'"),
    (["--push", "http://x", "--push-every", "0.5"], "--push-every"),
    (["--push-label", "a=b"], "need --push URL"),
])
def test_bad_push_options(args, msg):
    r = run_flametop("record", *args, "--", "true")
    assert r.returncode == 2, r.stderr
    assert msg in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_push_is_for_record_only():
    r = run_flametop("--push", "http://127.0.0.1:1", "--", "true")
    assert r.returncode == 2 and "for flametop record" in r.stderr, r.stderr
