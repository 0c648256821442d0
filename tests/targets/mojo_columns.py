# MOJO column target (austin-behaviour.md 8.5, 12.3): the call in lazy and
# the list comprehension must stay at these lines and columns.
from time import sleep, time

def lazy(n):
    x = sleep(n/2)
    return x


import sys

seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
end = time() + seconds
while time() < end:
    # Lines 16-19, columns 4-1 (0-based); the call to lazy on line 17, columns 4-16.
    [
    lazy(i/99.0)
    for i in range(3)
]
