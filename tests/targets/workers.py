# One busy thread and one sleeping thread, joined by the main thread.
import sys
import threading
import time


def spin(seconds):
    end = time.time() + seconds
    n = 0
    while time.time() < end:
        n += 1  # mark:spin
    return n


def doze(seconds):
    time.sleep(seconds)  # mark:doze


def main(seconds):
    spinner = threading.Thread(target=spin, args=(seconds,))
    dozer = threading.Thread(target=doze, args=(seconds,))
    spinner.start()
    dozer.start()
    spinner.join()  # mark:join
    dozer.join()


main(float(sys.argv[1]) if len(sys.argv) > 1 else 2.0)  # mark:module
