# After a delay (first argument, so that the sampler is already attached or
# has already launched it), a thread of the main interpreter creates a
# sub-interpreter that runs subinterp_body.py for the given time (second
# argument); the main thread meanwhile spins in main_spin. Python 3.12+.
import os
import sys
import threading
import time

try:
    import _interpreters as interpreters  # 3.13
except ImportError:
    import _xxsubinterpreters as interpreters  # 3.12

BODY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "subinterp_body.py")


def in_sub(seconds):
    iid = interpreters.create()
    code = "import sys\nsys.argv = [%r, %r]\nexec(compile(open(%r).read(), %r, 'exec'))\n" % (
        BODY,
        str(seconds),
        BODY,
        BODY,
    )
    interpreters.run_string(iid, code)  # mark:run-string
    interpreters.destroy(iid)


def main_spin(seconds):
    end = time.time() + seconds
    while time.time() < end:
        pass  # mark:main-spin


def main(delay, seconds):
    time.sleep(delay)  # mark:delay
    thread = threading.Thread(target=in_sub, args=(seconds,))
    thread.start()
    main_spin(seconds)  # mark:main-spin-call
    thread.join()  # mark:join


main(float(sys.argv[1]), float(sys.argv[2]))  # mark:module
