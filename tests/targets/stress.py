# The robustness target: everything that changes under a sampler at once.
# - the main thread recurses to a random depth between 1 and ~300 and comes
#   back (sometimes by an exception that unwinds the whole stack at once, and
#   sometimes through a chain of nested generators);
# - a spawner thread starts and joins short-lived threads hundreds of times a
#   second, each doing a little work, some of it in generators;
# - everyone allocates reference cycles, so the cyclic collector runs all the
#   time.
# Works on Python 2.7 and 3.x. Usage: stress.py SECONDS. Ends on its own after
# SECONDS and exits 0, printing one line of counts on stdout.
from __future__ import print_function

import gc
import random
import sys
import threading
import time

MAX_DEPTH = 300

if hasattr(sys, "setswitchinterval"):
    # Hand the GIL around often, so that the spawner keeps up its pace.
    sys.setswitchinterval(0.0005)
if sys.getrecursionlimit() < MAX_DEPTH + 200:
    sys.setrecursionlimit(MAX_DEPTH + 200)
# A low threshold: the young generation is collected every few hundred
# allocations, and the older ones often too.
gc.set_threshold(200, 5, 5)


class Node(object):
    def __init__(self, value):
        self.value = value
        self.other = None
        self.cycle = [self]  # a reference cycle the collector has to find


def cycles(count):
    # Allocate `count` pairs of nodes that point at each other and drop them.
    last = None
    for i in range(count):
        a = Node(i)
        b = Node(a)
        a.other = b
        b.other = a
        last = a
    return last.value


def leaf(depth):
    # Generator expressions and a little garbage at the bottom of the stack.
    total = sum(x * x for x in range(depth % 17 + 3))
    return total + cycles(3)


class Unwind(Exception):
    pass


def recurse(depth, throw):
    if depth <= 1:
        value = leaf(depth)
        if throw:
            raise Unwind(value)
        return value
    return recurse(depth - 1, throw) + 1


def chain(depth):
    # A generator that yields from a chain of `depth` nested generators.
    if depth <= 1:
        for x in range(3):
            yield x
        return
    for x in chain(depth - 1):
        yield x + 1


def worker(n):
    # A short-lived thread: a few calls, a generator, some cycles.
    if n % 3 == 0:
        total = sum(chain(n % 20 + 1))
    elif n % 3 == 1:
        total = recurse(n % 40 + 1, False)
    else:
        total = len([x for x in (y * 2 for y in range(50)) if x % 3])
    return total + cycles(5)


class Counts(object):
    threads = 0
    recursions = 0
    unwinds = 0
    chains = 0


def spawner(end, counts):
    n = 0
    while time.time() < end:
        batch = [threading.Thread(target=worker, args=(n + i,)) for i in range(4)]
        for t in batch:
            t.start()
        for t in batch:
            t.join()
        n += len(batch)
    counts.threads = n


def main(seconds):
    end = time.time() + seconds
    counts = Counts()
    spawning = threading.Thread(target=spawner, args=(end, counts))
    spawning.start()
    rnd = random.Random(42)
    while time.time() < end:
        depth = rnd.randint(1, MAX_DEPTH)
        kind = rnd.randint(0, 9)
        if kind == 0:
            try:
                recurse(depth, True)
            except Unwind:
                counts.unwinds += 1
        elif kind == 1:
            for _ in chain(depth):
                pass
            counts.chains += 1
        else:
            recurse(depth, False)
            counts.recursions += 1
    spawning.join()
    collections = "?"
    if hasattr(gc, "get_stats"):
        collections = sum(s["collections"] for s in gc.get_stats())
    print(
        "stress: threads=%d recursions=%d unwinds=%d chains=%d gc=%s"
        % (counts.threads, counts.recursions, counts.unwinds, counts.chains, collections)
    )
    sys.stdout.flush()


main(float(sys.argv[1]) if len(sys.argv) > 1 else 3.0)
