# After a delay (first argument, so that the sampler is already attached or
# has already launched it), a thread of the main interpreter creates a
# sub-interpreter that runs subinterp_body.py for the given time (second
# argument); the main thread meanwhile spins in main_spin. Python 3.12+:
# through concurrent.interpreters from 3.14, the private modules before.
import os
import sys
import threading
import time

try:
    from concurrent import interpreters  # 3.14+

    def create():
        return interpreters.create()

    def run(interp, code):
        interp.exec(code)

    def destroy(interp):
        interp.close()

except ImportError:
    try:
        import _interpreters  # 3.13
    except ImportError:
        import _xxsubinterpreters as _interpreters  # 3.12

    create = _interpreters.create
    run = _interpreters.run_string
    destroy = _interpreters.destroy

BODY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "subinterp_body.py")


def in_sub(seconds):
    interp = create()
    code = "import sys\nsys.argv = [%r, %r]\nexec(compile(open(%r).read(), %r, 'exec'))\n" % (
        BODY,
        str(seconds),
        BODY,
        BODY,
    )
    run(interp, code)  # mark:run-string
    destroy(interp)


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
