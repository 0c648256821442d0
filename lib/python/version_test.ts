/**
 * Tests for version decoding: PY_VERSION_HEX, `sys.version` text, library
 * file names, and the printed form (spec: cpython-layouts.md, section 1.5).
 */

import assert from "node:assert/strict";
import { compareMinor, formatVersion, fromFileName, fromHex, fromText } from "./version.ts";

function v(major: number, minor: number, micro: number) {
  return { major, minor, micro };
}

Deno.test("fromHex decodes major, minor and micro and ignores level and serial", () => {
  assert.deepEqual(fromHex(0x030b07f0), v(3, 11, 7));
  assert.deepEqual(fromHex(0x030d00f0), v(3, 13, 0));
  assert.deepEqual(fromHex(0x030c01f0), v(3, 12, 1));
  assert.deepEqual(fromHex(0x030e00a1), v(3, 14, 0));
  assert.deepEqual(fromHex(0x030d00c1), v(3, 13, 0));
  assert.deepEqual(fromHex(0x020712f0), v(2, 7, 18));
  assert.deepEqual(fromHex(0x030a0df0), v(3, 10, 13));
  assert.deepEqual(fromHex(0), v(0, 0, 0));
  assert.deepEqual(fromHex(0xffffffff), v(255, 255, 255));
});

Deno.test("fromText reads sys.version strings", () => {
  assert.deepEqual(fromText("3.9.18 (main, Jan  1 2024, 00:00:00) \n[GCC 12.2.0]"), v(3, 9, 18));
  assert.deepEqual(fromText("2.7.18 (default, Jan  1 2024, 00:00:00) \n[GCC 12.2.0]"), v(2, 7, 18));
  assert.deepEqual(fromText("3.13.0rc1 (main, Sep  1 2024, 00:00:00) [GCC 12.2.0]"), v(3, 13, 0));
  assert.deepEqual(fromText("3.10.0+ (heads/3.10:abcdef, Oct  4 2021)"), v(3, 10, 0));
  assert.deepEqual(fromText("3.12.0a7 (main, ...)"), v(3, 12, 0));
  assert.deepEqual(fromText("3.11.0b1 (main, ...)"), v(3, 11, 0));
  assert.deepEqual(fromText("3.6.15 (default, ...)"), v(3, 6, 15));
});

Deno.test("fromText finds the version inside surrounding bytes", () => {
  assert.deepEqual(fromText("\0\0\0garbage 3.8.18 (default, Mar  1 2024)\0\0"), v(3, 8, 18));
  assert.deepEqual(fromText("/usr/lib/python3.9/ then 3.9.18 (main"), v(3, 9, 18));
});

Deno.test("fromText wants X.Y.Z followed by ' ('", () => {
  assert.equal(fromText(""), null);
  assert.equal(fromText("3.9.18"), null);
  assert.equal(fromText("3.9.18(main"), null);
  assert.equal(fromText("3.9 (main, ...)"), null);
  assert.equal(fromText("/root/.pyenv/versions/3.9.18/lib"), null);
  assert.equal(fromText("4.0.1 (main, ...)"), null);
});

Deno.test("fromFileName reads major.minor from library and executable names", () => {
  assert.deepEqual(fromFileName("libpython3.10.so.1.0"), v(3, 10, -1));
  assert.deepEqual(fromFileName("python3.11"), v(3, 11, -1));
  assert.deepEqual(fromFileName("libpython2.7.so.1.0"), v(2, 7, -1));
  assert.deepEqual(fromFileName("/root/.pyenv/versions/3.13.0/lib/libpython3.13.so.1.0"), {
    major: 3,
    minor: 13,
    micro: -1,
  });
  assert.deepEqual(fromFileName("/usr/lib/x86_64-linux-gnu/libpython3.6m.so.1.0"), v(3, 6, -1));
  assert.deepEqual(fromFileName("/usr/bin/python3.11"), v(3, 11, -1));
});

Deno.test("fromFileName looks at the file name only", () => {
  assert.equal(fromFileName("/usr/lib/python3.11/lib-dynload/_ssl.so"), null);
  assert.equal(fromFileName("/usr/bin/python3"), null);
  assert.equal(fromFileName("/usr/lib/x86_64-linux-gnu/libc.so.6"), null);
  assert.equal(fromFileName(""), null);
});

Deno.test("formatVersion prints X.Y.Z, with ? for an unknown micro", () => {
  assert.equal(formatVersion(v(3, 8, -1)), "3.8.?");
  assert.equal(formatVersion(v(3, 11, 7)), "3.11.7");
  assert.equal(formatVersion(v(3, 13, 0)), "3.13.0");
  assert.equal(formatVersion(v(2, 7, 18)), "2.7.18");
  assert.equal(formatVersion(fromFileName("libpython3.10.so.1.0")!), "3.10.?");
});

Deno.test("compareMinor orders by major then minor", () => {
  assert.equal(compareMinor(v(3, 11, 7), 3, 11), 0);
  assert.ok(compareMinor(v(3, 11, 7), 3, 12) < 0);
  assert.ok(compareMinor(v(3, 11, 7), 3, 10) > 0);
  assert.ok(compareMinor(v(2, 7, 18), 3, 6) < 0);
  assert.ok(compareMinor(v(3, 6, 0), 2, 7) > 0);
  assert.equal(compareMinor(v(3, 8, -1), 3, 8), 0);
});
