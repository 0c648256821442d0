# Starts Python children: one directly, one behind bash (python -> bash ->
# python), then waits for them. Children run nested.py for the given time.
import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
seconds = sys.argv[1] if len(sys.argv) > 1 else "2"
nested = os.path.join(here, "nested.py")
direct = subprocess.Popen([sys.executable, nested, seconds])
chained = subprocess.Popen(["bash", "-c", '"%s" "%s" %s; true' % (sys.executable, nested, seconds)])
direct.wait()  # mark:wait
chained.wait()
