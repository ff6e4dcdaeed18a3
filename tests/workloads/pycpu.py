# pycpu — a CPU-bound Python script for comparing flametop with perf report:
# recursion (fib), dict and string building, and the garbage collector.
import sys, time
def fib(n): return n if n < 2 else fib(n-1) + fib(n-2)
def work():
    d = {}
    for i in range(20000):
        d[str(i)] = [i * 2, str(i) * 3]
    return sum(len(v[1]) for v in d.values())
end = time.time() + float(sys.argv[1] if len(sys.argv) > 1 else 2)
while time.time() < end:
    fib(18); work()
