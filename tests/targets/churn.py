# Starts and ends threads all the time: about a thousand a second, a few
# alive at once, each doing a little work. Argument: the seconds to run.
import sys
import threading
import time


def work():
    sum(i for i in range(200))  # mark:work


def churn(seconds):
    end = time.time() + seconds
    started = 0
    while time.time() < end:
        batch = [threading.Thread(target=work) for _ in range(10)]
        for t in batch:
            t.start()
        for t in batch:
            t.join()  # mark:join
        started += len(batch)
        time.sleep(0.005)
    return started


started = churn(float(sys.argv[1]) if len(sys.argv) > 1 else 2.0)  # mark:module
sys.stderr.write("threads: %d\n" % started)
