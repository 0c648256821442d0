# The benchmark target: a CPU-bound thread whose stack is exactly 20 Python
# frames deep: <module> -> main -> worker -> rec x16 -> leaf.
import sys
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


def worker():
    return rec(15)


def main(seconds):
    end = time.time() + seconds
    while time.time() < end:
        worker()


main(float(sys.argv[1]) if len(sys.argv) > 1 else 5.0)
