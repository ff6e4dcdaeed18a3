"""Shared helpers: where the binaries are, and running flametop record."""
import os
import pathlib
import subprocess
import time

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = ROOT / os.environ.get("FLAMETOP_BUILD", "build")
FLAMETOP = BUILD / "flametop"
WORKLOADS = BUILD / "workloads"


def workload(name):
    return str(WORKLOADS / name)


def run_flametop(*args, timeout=60, env=None, cwd=None):
    return subprocess.run([str(FLAMETOP), *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=cwd)


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
