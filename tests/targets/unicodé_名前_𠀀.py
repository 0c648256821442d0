# Non-ASCII names: a Latin-1 function, a CJK (UCS-2) one, an astral (UCS-4)
# one, all in a file whose own name holds the three kinds (Python 3 only).
import sys
import time


def schläfrig(n):
    total = 0
    for i in range(n):
        total += i  # mark:latin1
    return total


def 睡眠(n):
    return schläfrig(n)  # mark:ucs2


def 𠀀眠(n):
    return 睡眠(n)  # mark:ucs4


def main(seconds):
    end = time.time() + seconds
    while time.time() < end:
        𠀀眠(20000)  # mark:main


main(float(sys.argv[1]) if len(sys.argv) > 1 else 2.0)
