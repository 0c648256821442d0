# Methods of two classes and a nested class, for qualified names (3.11+).
import sys
import time


class Foo(object):
    def run(self, n):
        total = 0
        for i in range(n):
            total += i  # mark:foo
        return total


class Bar(object):
    class Inner(object):
        def spin(self, n):
            total = 0
            for i in range(n):
                total -= i  # mark:inner
            return total

    def run(self, n):
        return Bar.Inner().spin(n)  # mark:bar


def main(seconds):
    end = time.time() + seconds
    while time.time() < end:
        Foo().run(20000)  # mark:main-foo
        Bar().run(20000)  # mark:main-bar


main(float(sys.argv[1]) if len(sys.argv) > 1 else 2.0)
