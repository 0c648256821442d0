# Runs for a while, then replaces itself with a new interpreter running this
# script again (os.execv: same PID, new memory), which runs for a while more.
# Arguments: the seconds before the exec, the seconds after it.
import os
import sys
import time


def before_exec(seconds):
    end = time.time() + seconds
    while time.time() < end:
        sum(i * i for i in range(1000))  # mark:before


def after_exec(seconds):
    end = time.time() + seconds
    while time.time() < end:
        sum(i * i for i in range(1000))  # mark:after


def main(before, after, phase):
    if phase == "before":
        before_exec(before)
        sys.stdout.flush()
        os.execv(sys.executable, [sys.executable, __file__, "0", str(after), "after"])  # mark:exec
    else:
        after_exec(after)


main(
    float(sys.argv[1]) if len(sys.argv) > 1 else 1.0,
    float(sys.argv[2]) if len(sys.argv) > 2 else 1.0,
    sys.argv[3] if len(sys.argv) > 3 else "before",
)  # mark:module
