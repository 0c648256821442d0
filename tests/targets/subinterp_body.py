# Runs inside a sub-interpreter started by subinterp.py: busy for half of the
# time given as the first argument, then asleep for the other half.
import sys
import time


def sub_busy(seconds):
    end = time.time() + seconds
    n = 0
    while time.time() < end:
        n += 1  # mark:sub-busy
    return n


def sub_sleep(seconds):
    time.sleep(seconds)  # mark:sub-sleep


def sub_main(seconds):
    sub_busy(seconds / 2)  # mark:sub-main-busy
    sub_sleep(seconds / 2)  # mark:sub-main-sleep


sub_main(float(sys.argv[1]))  # mark:sub-module
