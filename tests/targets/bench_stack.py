# Benchmark target for tests/bench.ts: THREADS CPU-bound threads, every one of
# them with a stack exactly 20 Python frames deep while it works:
#   main thread:  <module> -> main -> worker -> rec x16 -> leaf
#   other threads: _bootstrap -> _bootstrap_inner -> run -> worker -> rec x15 -> leaf
#
# Usage: bench_stack.py THREADS SECONDS WARMUP
# Prints "ready" once every thread runs. After WARMUP seconds it counts the
# leaf calls finished during the next SECONDS seconds and prints
# "work CALLS SECONDS" at exit. SECONDS = 0 runs until the parent process goes
# away (the benchmark kills it), so no busy orphan is ever left behind.
import os
import sys
import threading
import time


def leaf():
    total = 0
    for i in range(1000):
        total += i % 7
    return total


def rec(depth):
    if depth == 0:
        return leaf()
    return rec(depth - 1)


def worker(depth, start, end, counts, slot):
    parent = os.getppid()
    clock = time.perf_counter
    calls = 0
    checks = 0
    now = clock()
    while now < end:
        rec(depth)
        now = clock()
        if start <= now < end:
            calls += 1
        checks += 1
        if checks % 256 == 0 and os.getppid() != parent:
            os._exit(1)
    counts[slot] = calls


def main(threads, seconds, warmup):
    start = time.perf_counter() + warmup
    end = start + seconds if seconds > 0 else float("inf")
    counts = [0] * threads
    others = [
        threading.Thread(target=worker, args=(14, start, end, counts, n), daemon=True)
        for n in range(1, threads)
    ]
    for t in others:
        t.start()
    print("ready", flush=True)
    worker(15, start, end, counts, 0)
    for t in others:
        t.join()
    print("work %d %.6f" % (sum(counts), seconds), flush=True)


main(int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]))
