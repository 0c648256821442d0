# Keeps a large, constantly renewed set of container objects alive, so that
# the cyclic garbage collector runs for a good part of the time. With the
# environment variable GC_DISABLED=1 the collector is disabled (no reference
# cycles are made, so memory stays bounded either way).
import gc
import os
import sys
import time

if os.environ.get("GC_DISABLED") == "1":
    gc.disable()


class Node(object):
    def __init__(self, i):
        self.values = [i, i + 1]  # mark:init
        self.tags = {"i": i}


def churn(live, count):
    for i in range(count):
        live.append(Node(i))  # mark:churn
    if len(live) > 100000:
        del live[:count]


def main(seconds):
    end = time.time() + seconds
    live = []
    while time.time() < end:
        churn(live, 10000)  # mark:main


main(float(sys.argv[1]) if len(sys.argv) > 1 else 2.0)  # mark:module
if not gc.isenabled():
    # Python 2.7 runs a full collection at exit even when the collector is
    # disabled; leave without finalising so that "disabled" means no collection.
    os._exit(0)
