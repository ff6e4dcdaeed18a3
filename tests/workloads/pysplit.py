# pysplit — fixed work split 5:3:2 across three Python functions of the same
# body, so their shares of the time are 50 %, 30 % and 20 %, in short turns. ROUNDS (argv[1],
# default 20) sets how long it runs; "forever" loops until killed.
import sys


def work_a(n):
    x = 0
    for i in range(n):
        x = (x * 31 + i) & 0xFFFF
    return x


def work_b(n):
    x = 0
    for i in range(n):
        x = (x * 31 + i) & 0xFFFF
    return x


def work_c(n):
    x = 0
    for i in range(n):
        x = (x * 31 + i) & 0xFFFF
    return x


def main():
    arg = sys.argv[1] if len(sys.argv) > 1 else "20"
    rounds = -1 if arg == "forever" else int(arg)
    # A round is ten short turns (a few ms each), as split.c interleaves its
    # work: any window of the run, and so any stretch of samples whose
    # Python frames came too late to be read (see the user guide, Python),
    # holds the same split.
    unit = 10000
    while rounds != 0:
        for _ in range(10):
            work_a(5 * unit)
            work_b(3 * unit)
            work_c(2 * unit)
        rounds -= 1
    print("done", flush=True)


if __name__ == "__main__":
    main()
