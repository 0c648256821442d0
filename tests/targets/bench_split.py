# Attribution-accuracy target for tests/bench.ts: two functions, f doing three
# times the work of g, called in turn for SECONDS seconds. The target measures
# the truth itself: the wall time (perf_counter) and the CPU time (thread_time)
# spent inside each call of f and of g. At exit it prints
#   "truth wall F_PERCENT G_PERCENT cpu F_PERCENT G_PERCENT"
# with each function's share of the time spent in f and g together.
#
# The wall windows hold nothing but the call (thread_time is a system call,
# several microseconds on a busy VM, so it stays outside them); the calls last
# milliseconds so what the clocks themselves cost stays far below 0.01 point.
#
# Usage: bench_split.py SECONDS
import sys
import time


def f():
    total = 0
    for i in range(300000):
        total += i % 7
    return total


def g():
    total = 0
    for i in range(100000):
        total += i % 7
    return total


def main(seconds):
    clock = time.perf_counter
    cpu = time.thread_time
    wall_f = wall_g = cpu_f = cpu_g = 0.0
    end = clock() + seconds
    while clock() < end:
        c0 = cpu()
        t0 = clock()
        f()
        t1 = clock()
        c1 = cpu()
        t2 = clock()
        g()
        t3 = clock()
        c2 = cpu()
        wall_f += t1 - t0
        wall_g += t3 - t2
        cpu_f += c1 - c0
        cpu_g += c2 - c1
    wall = wall_f + wall_g
    used = cpu_f + cpu_g
    print(
        "truth wall %.4f %.4f cpu %.4f %.4f"
        % (100 * wall_f / wall, 100 * wall_g / wall, 100 * cpu_f / used, 100 * cpu_g / used),
        flush=True,
    )


main(float(sys.argv[1]) if len(sys.argv) > 1 else 3.0)
