# A CPU-bound single thread with a known, fixed stack:
# <module> -> main -> top -> middle -> leaf. Lines are found by their markers.
import sys
import time


def leaf(n):
    total = 0
    for i in range(n):  # mark:leaf-loop
        total += i * i  # mark:leaf-body
    return total


def middle(n):
    return leaf(n)  # mark:middle


def top(n):
    return middle(n)  # mark:top


def main(seconds):
    end = time.time() + seconds
    while time.time() < end:
        top(20000)  # mark:main


main(float(sys.argv[1]) if len(sys.argv) > 1 else 2.0)  # mark:module
