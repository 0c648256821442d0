# The soak target: runs for SECONDS (first argument) and keeps giving a
# sampler new things to remember, so that any cache without a bound grows:
# - new code objects all the time (functions compiled from fresh source, each
#   with a name and a file name of its own), called a few times and dropped;
# - short-lived threads, started and joined about a hundred times a second;
# - a recursion of changing depth on the main thread.
# Works on Python 2.7 and 3.x; prints one line of counts at the end.
from __future__ import print_function

import sys
import threading
import time


def fresh_function(n):
    # A new code object with a new name, file name and line table each time.
    source = "def f_%d(x):\n    return sum(i * x for i in range(50))\n" % n
    scope = {}
    exec(compile(source, "<soak %d>" % n, "exec"), scope)
    return scope["f_%d" % n]


def recurse(depth):
    if depth > 0:
        return recurse(depth - 1)  # mark:recurse
    return sum(range(100))


def worker():
    total = 0
    for i in range(200):
        total += i
    return total


def spawner(end):
    started = 0
    while time.time() < end:
        t = threading.Thread(target=worker)
        t.start()
        t.join()
        started += 1
        time.sleep(0.01)
    return started


def main(seconds):
    end = time.time() + seconds
    box = []
    thread = threading.Thread(target=lambda: box.append(spawner(end)))
    thread.start()
    compiled = 0
    depth = 0
    while time.time() < end:
        function = fresh_function(compiled)
        for _ in range(3):
            function(compiled)
        compiled += 1
        depth = (depth + 7) % 60
        recurse(depth)
    thread.join()
    print("soak: compiled=%d threads=%d" % (compiled, box[0] if box else 0))


main(float(sys.argv[1]))  # mark:module
