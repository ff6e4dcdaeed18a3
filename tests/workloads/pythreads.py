# pythreads — three named Python threads and the main thread spinning for
# SECONDS (argv[1], default 2): "ingest-0", "ingest-1", an unnamed one
# ("Thread-1 (worker)" on 3.10+, "Thread-1" before) and MainThread.
import sys
import threading
import time


def spin(n):
    x = 0
    for i in range(n):
        x = (x * 31 + i) & 0xFFFF
    return x


def worker():
    end = time.time() + float(sys.argv[1] if len(sys.argv) > 1 else 2)
    while time.time() < end:
        spin(20000)


threads = [threading.Thread(target=worker, name=f"ingest-{i}") for i in range(2)]
threads.append(threading.Thread(target=worker))
for t in threads:
    t.start()
worker()
for t in threads:
    t.join()
