"""Drives the real flametop binary in a tmux pane: send keys, read the pane."""
import os
import re
import shlex
import subprocess
import time
import uuid


class Screen:
    """One private tmux server running COMMAND in a W x H window."""

    def __init__(self, command, width=120, height=40, env=None, cwd=None):
        self.sock = "flametop-test-" + uuid.uuid4().hex[:8]
        environ = {"LANG": "C.UTF-8", "TERM": "tmux-256color"}
        environ.update(env or {})
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in environ.items())
        unset = "unset NO_COLOR;" if "NO_COLOR" not in environ else ""
        # The exit status is kept on screen (and in a file) after flametop ends.
        self.status_file = f"/tmp/{self.sock}.rc"
        inner = (f"{unset} cd {shlex.quote(str(cwd or os.getcwd()))} && env {exports} "
                 f"{command}; echo $? > {self.status_file}; echo FLAMETOP-ENDED; sleep 600")
        self.tmux("new-session", "-d", "-s", "t", "-x", str(width), "-y", str(height),
                  "bash", "-c", inner)
        self.tmux("set-option", "-t", "t", "status", "off")

    def tmux(self, *args, check=True):
        return subprocess.run(["tmux", "-L", self.sock, *args], capture_output=True,
                              text=True, check=check)

    def text(self, escapes=False):
        # -J: a line the terminal wrapped comes back whole.
        args = ["capture-pane", "-p", "-J", "-t", "t"] + (["-e"] if escapes else [])
        return self.tmux(*args).stdout

    def lines(self):
        return self.text().split("\n")

    def keys(self, *keys):
        for k in keys:
            self.tmux("send-keys", "-t", "t", k)
            time.sleep(0.05)

    def type(self, text):
        self.tmux("send-keys", "-t", "t", "-l", text)
        time.sleep(0.05)

    def click(self, x, y):
        """A left click at column X, row Y (0-based), as an xterm sends it."""
        for b in (0, 3):  # press, release
            self.tmux("send-keys", "-t", "t", "-l",
                      "\x1b[M" + chr(32 + b) + chr(33 + x) + chr(33 + y))
        time.sleep(0.05)

    def wheel(self, x, y, down=True):
        """A wheel step at column X, row Y."""
        self.tmux("send-keys", "-t", "t", "-l",
                  "\x1b[M" + chr(32 + (65 if down else 64)) + chr(33 + x) + chr(33 + y))
        time.sleep(0.05)

    def resize(self, w, h):
        self.tmux("resize-window", "-t", "t", "-x", str(w), "-y", str(h))

    def wait_for(self, pattern, timeout=10.0):
        """Waits until the pane matches PATTERN (a regex); returns the text."""
        end = time.time() + timeout
        while True:
            text = self.text()
            if re.search(pattern, text):
                return text
            if time.time() > end:
                raise AssertionError(f"timed out waiting for {pattern!r}; screen:\n{text}")
            time.sleep(0.1)

    def wait_gone(self, pattern, timeout=10.0):
        end = time.time() + timeout
        while True:
            text = self.text()
            if not re.search(pattern, text):
                return text
            if time.time() > end:
                raise AssertionError(f"{pattern!r} stayed on screen:\n{text}")
            time.sleep(0.1)

    def exit_status(self, timeout=15.0):
        self.wait_for("FLAMETOP-ENDED", timeout)
        with open(self.status_file, encoding="ascii") as f:
            return int(f.read().strip())

    def pane_pid(self):
        return int(self.tmux("list-panes", "-t", "t", "-F", "#{pane_pid}").stdout.split()[0])

    def descendants(self):
        """The pids under the pane's shell: flametop and what it launched.
        (Tests run side by side: a signal goes to these, never by name.)"""
        children = {}
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    with open(f"/proc/{d}/stat", encoding="ascii", errors="replace") as f:
                        ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    continue
                children.setdefault(ppid, []).append(int(d))
        out, todo = [], [self.pane_pid()]
        while todo:
            for c in children.get(todo.pop(), []):
                out.append(c)
                todo.append(c)
        return out

    def close(self):
        self.tmux("kill-server", check=False)
        try:
            os.unlink(self.status_file)
        except FileNotFoundError:
            pass


def kill_all(pids):
    """Ends what a test's screen left running (by pid: tests run side by side)."""
    import signal
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def colours_used(text):
    """The colour parameters of every SGR sequence in TEXT (39/49, the
    terminal's default colours, are not colours)."""
    used = []
    for params in re.findall(r"\x1b\[([0-9;]*)m", text):
        p = [int(x) for x in params.split(";") if x]
        i = 0
        while i < len(p):
            if p[i] in (38, 48):
                used.append(p[i])
                i += 3 if i + 1 < len(p) and p[i + 1] == 5 else 5
                continue
            if 30 <= p[i] <= 37 or 40 <= p[i] <= 47 or 90 <= p[i] <= 107:
                used.append(p[i])
            i += 1
    return used
