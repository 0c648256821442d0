# Starts one Python child running nested.py and waits for it (Python 2 and 3).
import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
seconds = sys.argv[1] if len(sys.argv) > 1 else "1"
subprocess.Popen([sys.executable, os.path.join(here, "nested.py"), seconds]).wait()
