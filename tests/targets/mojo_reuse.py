# Two functions compiled from the same source, one after the other. Once the
# first is gone, 3.11+ put the second's code object at its address, so both
# have the same MOJO frame keys; 3.8 - 3.10 put the second's file name string
# at the address of the first's, so both have the same string key. A profile
# must still name each one: alpha for the first half of the run, bravo for
# the second.
import gc
import sys
import time

SOURCE = """
def {name}(seconds):
    end = time.time() + seconds
    total = 0
    while time.time() < end:
        total += 1
    return total
"""


def run(name, seconds):
    namespace = {"time": time}
    code = compile(SOURCE.format(name=name), "/generated/%s.py" % name, "exec")
    exec(code, namespace)
    namespace[name](seconds)  # mark:call


seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
run("alpha", seconds / 2)  # mark:alpha
gc.collect()
run("bravo", seconds / 2)  # mark:bravo
