# The main thread allocates a big list, fills it, and frees it, over and over,
# so that the resident set size goes up and down; a second thread only sleeps.
# 48 MB per list: above glibc's largest dynamic mmap threshold (32 MB), so every
# list is its own mapping and freeing it gives the memory back at once.
import sys
import threading
import time

SIZE = 6 * 1000 * 1000


def grow():
    return [0] * SIZE  # mark:grow


def churn(seconds):
    end = time.time() + seconds
    while time.time() < end:
        data = grow()  # mark:churn
        del data  # mark:free


def main(seconds):
    sleeper = threading.Thread(target=time.sleep, args=(seconds,))
    sleeper.start()
    churn(seconds)  # mark:main
    sleeper.join()


main(float(sys.argv[1]) if len(sys.argv) > 1 else 2.0)  # mark:module
