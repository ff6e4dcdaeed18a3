# evilnames — a target whose names are terminal escapes: its comm (an OSC
# that retitles the window, then a red background) and a Python function
# whose name holds a C1 CSI (U+009B) and a right-to-left override (U+202E).
# Runs for argv[1] seconds (default 3).
import ctypes
import sys
import time

libc = ctypes.CDLL(None)
libc.prctl(15, b"\x1b]0;PWN\x07\x1b[41m", 0, 0, 0)  # PR_SET_NAME


def spin(until):
    x = 0
    while time.monotonic() < until:
        x = (x * 31 + 7) & 0xFFFF
    return x


spin.__code__ = spin.__code__.replace(co_name="\u009b41m\u202eevil",
                                      co_qualname="\u009b41m\u202eevil")
spin(time.monotonic() + float(sys.argv[1] if len(sys.argv) > 1 else 3))
