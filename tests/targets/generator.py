# A generator driven by a loop: its frame sits on top of the consumer's.
import sys
import time


def numbers(n):
    for i in range(n):  # mark:gen-loop
        yield i * i  # mark:yield


def consume(n):
    total = 0
    for x in numbers(n):  # mark:consume
        total += x
    return total


def main(seconds):
    end = time.time() + seconds
    while time.time() < end:
        consume(20000)  # mark:main


main(float(sys.argv[1]) if len(sys.argv) > 1 else 2.0)
