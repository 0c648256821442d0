# Ends in a chosen way, to test how the sampler ends a run. Arguments: the
# seconds to spin, then how to end: "normal" (return), "exit3" (sys.exit(3))
# or "kill9" (SIGKILL to itself). SIGINT and SIGTERM are reported on stderr.
import os
import signal
import sys
import time


def on_sigterm(signum, frame):
    sys.stderr.write("child got SIGTERM\n")
    sys.stderr.flush()
    os._exit(6)


def spin(seconds):
    end = time.time() + seconds
    while time.time() < end:
        pass  # mark:spin


def main(seconds, how):
    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        spin(seconds)  # mark:main
    except KeyboardInterrupt:
        sys.stderr.write("child got KeyboardInterrupt\n")
        sys.stderr.flush()
        sys.exit(5)
    if how == "exit3":
        sys.exit(3)
    if how == "kill9":
        os.kill(os.getpid(), signal.SIGKILL)


main(float(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "normal")  # mark:module
