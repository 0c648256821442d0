# Forks short-lived children one after another (os.fork: each child is a
# copy of this Python), a few at a time, each busy for a few milliseconds
# before it exits. Arguments: how many children, then how long each runs (s).
import os
import sys
import time


def child(seconds):
    end = time.time() + seconds
    while time.time() < end:
        sum(i for i in range(100))  # mark:child
    os._exit(0)


def main(count, seconds):
    running = 0
    for _ in range(count):
        pid = os.fork()
        if pid == 0:
            child(seconds)
        running += 1
        if running >= 4:
            os.wait()  # mark:wait
            running -= 1
    while running > 0:
        os.wait()
        running -= 1


main(int(sys.argv[1]) if len(sys.argv) > 1 else 200, float(sys.argv[2]) if len(sys.argv) > 2 else 0.01)  # mark:module
