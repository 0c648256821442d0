"""Dump code objects' line tables with CPython's own answers, as JSON on stdout.

Runs under Python 2.7 and 3.x. Compiles a few standard library modules and some
sample sources with tricky constructs, walks every nested code object and, for
each one, prints the raw line table (hex), co_firstlineno and, for every
instruction position (plus position -1, "not started"), the line that
PyCode_Addr2Line() gives (-1 = no line). On 3.11+ it also prints the
co_positions() tuples (None as -1), one per code unit.

Positions are what the sampler sees: f_lasti in bytes up to 3.9, f_lasti in
code units on 3.10, the code unit index from the start of the code on 3.11+.

Usage: python dump_line_tables.py [max_positions]
"""

from __future__ import print_function

import binascii
import ctypes
import json
import os
import sys

VERSION = sys.version_info[:2]

# Stdlib modules, relative to the directory of os.py (present in 2.7 and 3.x).
STDLIB_FILES = [
    "textwrap.py",
    "json/decoder.py",
    "contextlib.py",
    "functools.py",
    "os.py",
    "inspect.py",
]

# Valid in 2.7 and 3.x.
COMMON_SAMPLE = '''
import functools


def deco(arg):
    def wrap(f):
        @functools.wraps(f)
        def inner(*a, **k):
            return f(*a, **k)
        return inner
    return wrap


@deco(
    1,
)
def decorated(x,
              y=2):
    total = (x +
             y *
             3)
    values = [i * 2
              for i in range(x)
              if i % 3]
    mapping = {k: v for k, v in zip(values,
                                    values)}
    try:
        total += mapping[
            0]
    except (KeyError,
            IndexError) as e:
        total -= 1
    except Exception:
        raise
    else:
        total += 2
    finally:
        total *= 1
    return total


def gen(n):
    for i in range(n):
        if i % 2:
            yield (i,
                   i + 1)
        else:
            yield i
    while n:
        n -= 1
        if n < 3:
            break
    else:
        pass


squares = lambda xs: [x *
                      x for x in xs]

nested = lambda a: (lambda b:
                    a + b)


class C(object):
    attr = sum(x for x in
               range(3))

    def method(self, a, b):
        with open(__file__) as f, \\
                open(__file__) as g:
            return (f.read(),
                    g.read())

    @property
    def prop(self):
        return dict(
            a=1,
            b=2,
        )[
            "a"
        ]


def calls():
    return decorated(
        decorated(1,
                  2),
        C().method(
            1, 2)
    ).bit_length(
    )
'''

# Compiled only where the syntax exists (SyntaxError -> skipped).
EXTRA_SAMPLES = [
    '''
async def agen(xs):
    async with xs as y:
        async for z in y:
            yield (await z,
                   z)


def delegate():
    r = yield from (
        x for x in range(3))
    return r
''',
    '''
def fstr(a, b):
    return f"{a!r:>{b}}" \\
           f"{a + b}"
''',
    '''
def fstr312(a, b):
    return f"{(a +
b)}" f"{f"{a}"}"
''',
    '''
def walrus(xs):
    if (n := len(xs)) > 2:
        return [y for x in xs
                if (y := x * 2)]
    return n
''',
    '''
def matcher(cmd):
    match cmd.split():
        case [action]:
            return action
        case [action, obj] if obj:
            return (action,
                    obj)
        case {"k": v, **rest}:
            return v
        case _:
            return None
''',
    '''
def groups():
    try:
        raise ExceptionGroup("g", [ValueError(1)])
    except* ValueError as eg:
        r = (eg,
             1)
    except* TypeError:
        pass
    return r
''',
]


def generated_sample():
    """Long lines and big line gaps: address and line deltas beyond one byte."""
    parts = ["def long_line(a):"]
    parts.append("    b = [" + ", ".join("a + %d" % i for i in range(300)) + "]")
    parts.append("    return b")
    parts.append("")
    parts.append("def gap(a):")
    parts.append("    b = a")
    parts.extend([""] * 400)
    parts.append("    c = (b,")
    parts.extend([""] * 300)
    parts.append("         a)")
    parts.append("    return c")
    parts.append("")
    return "\n".join(parts) + "\n"


def sources():
    stdlib = os.path.dirname(os.path.abspath(os.__file__))
    found = []
    for name in STDLIB_FILES:
        path = os.path.join(stdlib, name)
        if os.path.exists(path):
            with open(path, "rb") as f:
                found.append((path, f.read()))
    found.append(("<common>", COMMON_SAMPLE))
    found.append(("<generated>", generated_sample()))
    for i, text in enumerate(EXTRA_SAMPLES):
        found.append(("<extra%d>" % i, text))
    return found


def code_objects(code, out):
    out.append(code)
    for const in code.co_consts:
        if isinstance(const, type(code)):
            code_objects(const, out)


def table_format():
    if VERSION < (3, 0):
        return "lnotab-unsigned"
    if VERSION < (3, 10):
        return "lnotab-signed"
    if VERSION == (3, 10):
        return "linetable310"
    return "locations"


def line_table(code):
    return code.co_lnotab if VERSION < (3, 10) else code.co_linetable


def main():
    max_positions = int(sys.argv[1]) if len(sys.argv) > 1 else 60000
    addr2line = ctypes.pythonapi.PyCode_Addr2Line
    addr2line.argtypes = [ctypes.py_object, ctypes.c_int]
    addr2line.restype = ctypes.c_int
    # Bytes per position: f_lasti is a byte offset up to 3.9, a code unit after.
    scale = 1 if VERSION < (3, 10) else 2

    codes = []
    skipped = []
    for name, text in sources():
        try:
            # dont_inherit: this file's print_function must not leak into 2.7 code.
            top = compile(text, name, "exec", 0, True)
        except SyntaxError:
            skipped.append(name)
            continue
        # Samples first so that they are never cut by the position limit.
        objs = []
        code_objects(top, objs)
        codes.append(objs)
    codes.reverse()

    records = []
    total = 0
    for objs in codes:
        for code in objs:
            count = len(code.co_code) // scale
            if total + count > max_positions:
                continue
            total += count
            record = {
                "name": code.co_name,
                "file": code.co_filename,
                "firstLine": code.co_firstlineno,
                "table": binascii.hexlify(line_table(code)).decode("ascii"),
                # lines[p + 1] is the line for position p, from -1 to count - 1.
                "lines": [addr2line(code, p * scale) for p in range(-1, count)],
            }
            if VERSION >= (3, 11):
                flat = []
                for t in code.co_positions():
                    flat.extend(-1 if x is None else x for x in t)
                record["positions"] = flat
            records.append(record)

    json.dump(
        {
            "version": list(sys.version_info[:3]),
            "format": table_format(),
            "skippedSources": skipped,
            "positions": total,
            "codes": records,
        },
        sys.stdout,
        separators=(",", ":"),
    )


if __name__ == "__main__":
    main()
