# Worker processes started by multiprocessing (the start method is the first
# argument: fork, spawn or forkserver) compute factorials in fact, called from do.
import multiprocessing
import sys
import time


def fact(n):
    f = 1
    for i in range(1, n + 1):
        f *= i  # mark:fact
    return f


def do(seconds):
    end = time.time() + seconds
    while time.time() < end:
        fact(2000)  # mark:do
    return 0


def main(method, seconds, workers):
    ctx = multiprocessing.get_context(method)
    processes = [ctx.Process(target=do, args=(seconds,)) for _ in range(workers)]
    for p in processes:
        p.start()
    for p in processes:
        p.join()  # mark:join


if __name__ == "__main__":
    main(
        sys.argv[1] if len(sys.argv) > 1 else "fork",
        float(sys.argv[2]) if len(sys.argv) > 2 else 1.5,
        int(sys.argv[3]) if len(sys.argv) > 3 else 2,
    )  # mark:module
