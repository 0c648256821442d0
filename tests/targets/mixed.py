# One thread that alternates CPU work and sleep: busy() for 0.1 s, then nap()
# for 0.1 s, until the given time is up. Writes one line to stdout at the
# start and one to stderr at the end.
import sys
import time


def busy(seconds):
    end = time.time() + seconds
    n = 0
    while time.time() < end:
        n += 1  # mark:busy
    return n


def nap(seconds):
    time.sleep(seconds)  # mark:nap


def main(seconds):
    sys.stdout.write("mixed.py: started\n")
    sys.stdout.flush()
    end = time.time() + seconds
    while time.time() < end:
        busy(0.1)  # mark:main-busy
        nap(0.1)  # mark:main-nap


main(float(sys.argv[1]) if len(sys.argv) > 1 else 2.0)  # mark:module
sys.stderr.write("mixed.py: done\n")
