"""Shared helpers: where the binaries are, and running flametop record."""
import math
import os
import pathlib
import shutil
import subprocess
import time

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = ROOT / os.environ.get("FLAMETOP_BUILD", "build")
FLAMETOP = BUILD / "flametop"
WORKLOADS = BUILD / "workloads"

# A machine may set DEBUGINFOD_URLS for every login (Debian's
# /etc/profile.d/debuginfod.sh): a test that wants a server names its own.
os.environ.pop("DEBUGINFOD_URLS", None)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "serial: measures what the machine's load changes (losses and lateness under a "
        "load the test makes itself, wall-clock timings), looks at the whole machine (-a, "
        "the process list: tests beside it would be on it) or changes the machine (mounts): "
        "make check runs these one at a time after the others, which run in parallel")


def workload(name):
    return str(WORKLOADS / name)


def run_flametop(*args, timeout=60, env=None, cwd=None):
    return subprocess.run([str(FLAMETOP), *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=cwd)


GO = shutil.which("go") or ("/usr/lib/go/bin/go" if os.path.exists("/usr/lib/go/bin/go") else None)


def free_port():
    """A TCP port of 127.0.0.1 that nothing listens on (now)."""
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def go_pprof_top(path, tmp_path):
    """go tool pprof -top on PATH: (its output, flat samples per function)."""
    env = dict(os.environ, HOME=str(tmp_path), PPROF_TMPDIR=str(tmp_path))
    top = subprocess.run([GO, "tool", "pprof", "-top", "-nodecount=100", str(path)],
                         capture_output=True, text=True, timeout=120, env=env)
    assert top.returncode == 0, top.stderr
    flat = {}
    for line in top.stdout.splitlines():
        f = line.split()
        if len(f) == 6 and f[1].endswith("%"):
            flat[f[5]] = int(f[0])
    return top.stdout, flat


def host_gpu():
    """What GPU driver this host has for flametop's readers, or None: an
    NVIDIA driver (libnvidia-ml loads) or a DRM render node. Tests that say
    'no GPU here' skip on such a host instead of failing."""
    import ctypes
    import glob
    try:
        ctypes.CDLL("libnvidia-ml.so.1")
        return "NVIDIA driver (libnvidia-ml.so.1)"
    except OSError:
        pass
    nodes = glob.glob("/dev/dri/renderD*")
    return f"DRM render node {nodes[0]}" if nodes else None


def share_tolerance(pct, samples, sd=4.0):
    """How far a share measured from SAMPLES samples may fall from a true
    PCT by chance: SD binomial standard deviations, in percentage points.
    Sampling is the only noise a known split of fixed work leaves; a fixed
    number of points would be too strict on a short or loaded run (fewer
    samples) and too loose on a long one."""
    p = min(max(pct / 100.0, 0.0), 1.0)
    return sd * 100.0 * math.sqrt(p * (1.0 - p) / max(samples, 1))


def diff_tolerance(pct, n1, n2, sd=4.0):
    """The same for the difference of two independent measurements of PCT
    (two profilers, or two runs) from N1 and N2 samples."""
    p = min(max(pct / 100.0, 0.0), 1.0)
    return sd * 100.0 * math.sqrt(p * (1.0 - p) * (1.0 / max(n1, 1) + 1.0 / max(n2, 1)))


def load_yaml(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def hotspot(doc, function):
    for h in doc["hotspots"]:
        if h["function"] == function:
            return h
    return None


def find_step(steps, path):
    """The step reached by following function names PATH from the top level."""
    for s in steps:
        if s["function"] == path[0]:
            return s if len(path) == 1 else find_step(s["children"], path[1:])
    return None


def step_anywhere(steps, path):
    """PATH as a contiguous chain starting at any depth."""
    for s in steps:
        hit = find_step([s], path)
        if hit:
            return hit
        hit = step_anywhere(s["children"], path)
        if hit:
            return hit
    return None


@pytest.fixture
def background():
    """Starts workloads in the background and always kills them afterwards."""
    procs = []

    def start(*argv):
        p = subprocess.Popen([str(a) for a in argv], stdout=subprocess.DEVNULL)
        procs.append(p)
        time.sleep(0.2)
        return p

    yield start
    for p in procs:
        if p.poll() is None:
            p.kill()
        p.wait()
