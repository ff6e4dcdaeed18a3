# pypool — a ThreadPoolExecutor of three workers doing fixed work split
# 5:3:2 across three Python functions (50 %, 30 %, 20 % of the time), in
# short tasks; between rounds the workers hash and compress a buffer
# (hashlib and zlib release the GIL), and the main thread waits on the
# futures. ROUNDS (argv[1], default 20) sets how long it runs; "forever"
# loops until killed.
import hashlib
import sys
import zlib
from concurrent.futures import ThreadPoolExecutor

BLOB = bytes(range(256)) * 256


def pool_a(n):
    x = 0
    for i in range(n):
        x = (x * 31 + i) & 0xFFFF
    return x


def pool_b(n):
    x = 0
    for i in range(n):
        x = (x * 31 + i) & 0xFFFF
    return x


def pool_c(n):
    x = 0
    for i in range(n):
        x = (x * 31 + i) & 0xFFFF
    return x


def released(_):
    return hashlib.sha256(zlib.compress(BLOB, 1)).digest()


def main():
    arg = sys.argv[1] if len(sys.argv) > 1 else "20"
    rounds = -1 if arg == "forever" else int(arg)
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="pool") as ex:
        while rounds != 0:
            for _ in range(10):
                jobs = [ex.submit(pool_a, 25000), ex.submit(pool_b, 15000),
                        ex.submit(pool_c, 10000)]
                for j in jobs:
                    j.result()
            list(ex.map(released, range(3)))
            rounds -= 1


main()
