# Several threads: two busy ones and a sleeping one, joined by the main thread.
import sys
import threading
import time


def busy(seconds):
    end = time.time() + seconds
    n = 0
    while time.time() < end:
        n += 1  # mark:busy
    return n


def sleeper(seconds):
    time.sleep(seconds)  # mark:sleeper


def main(seconds):
    threads = [
        threading.Thread(target=busy, args=(seconds,)),
        threading.Thread(target=busy, args=(seconds,)),
        threading.Thread(target=sleeper, args=(seconds,)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()  # mark:join


main(float(sys.argv[1]) if len(sys.argv) > 1 else 2.0)  # mark:module
