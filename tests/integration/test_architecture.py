"""The layering docs/architecture.md states, checked on the objects built:
which file calls which (nm's undefined and defined symbols), rooms in their
order with no call running back up, and no circle between files but the
few that are one module split over a private header or a registry."""
import collections
import functools
import os
import re
import subprocess

from conftest import BUILD, ROOT

# Rooms bottom up. A room may call only rooms below it; rooms of one rank
# do not call each other.
RANKS = {
    "counters": 0,
    "core/symbols": 1,
    "core/unwind": 2, "core/collect": 2, "core/profile": 2,
    "core/analysis": 3,
    "core/export": 4,
    "core": 5,
    "tui": 6,
}

# Files that call each other by design, with why.
ALLOWED_CIRCLES = [
    # one module over a private header (core/symbols/symbols_impl.h)
    {"core/symbols/symbols", "core/symbols/symfetch"},
    # one module over core/symbols/pystack_impl.h
    {"core/symbols/pystack", "core/symbols/pyfind"},
    # the unwinders' registry (unwind.c) and the helper they share
    {"core/unwind/unwind", "core/unwind/unwind_rules", "core/unwind/unwind_libdw",
     "core/unwind/unwind_libunwind"},
]
# The screen's registry: app.c lists the views and panes, each calls the app
# back. Any other tui file in a circle with them is a finding.
REGISTRY = re.compile(r"^tui/(app|app_draw|app_search|panes|view_[a-z]+)$")


def objects():
    """The objects of the sources there are now (a build directory may keep
    the object of a file since moved or removed)."""
    objs = {}
    for room in RANKS:
        for src in sorted((ROOT / room).glob("*.c")):
            o = BUILD / room / (src.stem + ".o")
            assert o.exists(), f"{o} is not built: build first"
            objs[f"{room}/{src.stem}"] = o
    return objs


@functools.lru_cache(maxsize=None)
def symbols():
    """Each object's undefined symbols, and which object defines each symbol."""
    objs = objects()
    assert len(objs) > 50, f"no objects under {BUILD}: build first"
    defined, undef = {}, {}
    for name, o in objs.items():
        out = subprocess.run(["nm", str(o)], capture_output=True, text=True,
                             check=True).stdout
        undef[name] = set()
        for line in out.splitlines():
            p = line.split()
            if len(p) == 2 and p[0] == "U":
                undef[name].add(p[1])
            elif len(p) == 3 and p[1] in "TDBRC":
                defined[p[2]] = name
    return objs, undef, defined


def calls():
    objs, undef, defined = symbols()
    g = collections.defaultdict(set)
    why = {}
    for name, us in undef.items():
        for u in us:
            d = defined.get(u)
            if d and d != name:
                g[name].add(d)
                why.setdefault((name, d), u)
    return objs, g, why


def room(f):
    return os.path.dirname(f)


def test_no_call_runs_back_up():
    _, g, why = calls()
    up = []
    for a, bs in g.items():
        for b in bs:
            ra, rb = room(a), room(b)
            if ra != rb and RANKS[rb] >= RANKS[ra]:
                up.append(f"{a} -> {b} ({why[(a, b)]})")
    assert not up, "calls against the layering:\n" + "\n".join(sorted(up))


def circles(g, nodes):
    """Strongly connected components of more than one file (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in g[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(comp)

    for v in nodes:
        if v not in index:
            visit(v)
    return out


def test_no_circle_between_files_but_the_known_ones():
    objs, g, _ = calls()
    bad = []
    for comp in circles(g, list(objs)):
        if comp in ALLOWED_CIRCLES:
            continue
        if all(REGISTRY.match(f) for f in comp):
            continue
        bad.append(" <-> ".join(sorted(comp)))
    assert not bad, "files calling each other:\n" + "\n".join(bad)


def test_only_the_screen_includes_curses():
    hits = []
    for d in ("counters", "core", "tui", "include"):
        for p in (ROOT / d).rglob("*.[ch]"):
            if re.search(r'#\s*include\s*[<"](n?cursesw?/)?n?curses(w)?\.h', p.read_text()):
                hits.append(str(p.relative_to(ROOT)))
    assert hits == ["tui/screen.c"], hits


def test_core_and_counters_never_print():
    # They pass reasons out; the faces decide what to show.
    printers = {"printf", "puts", "perror", "putchar", "vprintf"}
    objs, undef, _ = symbols()
    bad = []
    for name in objs:
        if room(name) == "tui":
            continue
        used = undef[name]
        if used & printers or "stderr" in used:
            bad.append(f"{name}: {sorted(used & (printers | {'stderr'}))}")
    assert not bad, bad
