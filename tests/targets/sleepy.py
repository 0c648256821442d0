# Mostly asleep at module level, with short CPU bursts: the attach target.
import sys
import time

seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
end = time.time() + seconds
while time.time() < end:
    sum(i for i in range(1000))
    time.sleep(0.05)  # mark:sleep
