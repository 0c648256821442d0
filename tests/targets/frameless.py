# A thread with no Python frame at all (a C function started directly as a
# thread), next to a main thread that waits in Python code.
import sys
import time

try:
    import _thread
except ImportError:  # Python 2
    import thread as _thread


def wait(seconds):
    end = time.time() + seconds
    while time.time() < end:
        time.sleep(0.01)  # mark:wait


seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
_thread.start_new_thread(time.sleep, (seconds + 5,))
wait(seconds)  # mark:module
