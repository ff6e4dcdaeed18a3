"""The documentation says what the binary does: every option in --help is in
the man page and the user guide; the man page renders cleanly and installs."""
import re
import shutil
import subprocess

import pytest

from conftest import ROOT, run_flametop

MAN = ROOT / "docs" / "flametop.1"


def help_options():
    out = run_flametop("--help").stdout
    return sorted(set(re.findall(r"(--[a-z][a-z-]+)", out)))


def test_every_option_is_documented():
    man = MAN.read_text(encoding="utf-8").replace("\\-", "-")
    guide = (ROOT / "docs" / "user-guide.md").read_text(encoding="utf-8")
    opts = help_options()
    assert "--refresh" in opts and "--call-graph" in opts
    for opt in opts:
        assert opt in man, f"{opt} is missing from docs/flametop.1"
        if opt not in ("--help", "--version"):
            assert opt in guide or opt.replace("--", "-") in guide, f"{opt} not in the guide"


def test_every_key_of_the_contract_is_in_the_man_page():
    man = MAN.read_text(encoding="utf-8")
    for key in (".B Enter", "Backspace", ".B /", ".B f", ".B Space", ".B z", ".B H",
                ".B e", "Ctrl\\-U", "Ctrl\\-W", "F1", ".B q", "mouse"):
        assert key in man, key


@pytest.mark.skipif(shutil.which("groff") is None, reason="groff is not installed")
def test_man_page_renders_without_warnings():
    r = subprocess.run(["groff", "-man", "-ww", "-z", str(MAN)], capture_output=True, text=True)
    assert r.returncode == 0 and r.stderr == ""


def test_make_install_installs_binary_and_man_page(tmp_path):
    import os
    build = os.environ.get("FLAMETOP_BUILD", "build")
    r = subprocess.run(["make", "-s", "-C", str(ROOT), f"BUILD={build}", "install",
                        f"DESTDIR={tmp_path}", "PREFIX=/usr"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "usr/bin/flametop").stat().st_mode & 0o111
    assert (tmp_path / "usr/share/man/man1/flametop.1").read_text() == MAN.read_text()
