/**
 * Tests for the where-mode text (spec: austin-behaviour.md, section 7): the
 * thread header with and without colour, byte for byte, the frame lines in
 * outermost-first order, empty and invalid stacks, and non-ASCII names.
 */

import assert from "node:assert/strict";
import { NamedCode, Stack } from "../sample.ts";
import { plain, withColour } from "./terminal.ts";
import { INVALID_LINE, whereThread } from "./where.ts";

// ---------------------------------------------------------------------------
// Helpers

const encoder = new TextEncoder();

/** A frame as printed: scope, file name, line. */
type Frame = [scope: string, filename: string, line: number];

function codeOf(scope: string, filename: string): NamedCode {
  return new NamedCode(filename, scope);
}

/** A thread sample from frames given outermost first, stored innermost first. */
function threadOf(
  iid: number,
  tid: number,
  outermostFirst: Frame[],
  invalid = false,
  into = new Stack(),
): Stack {
  into.interpreterId = iid;
  into.threadId = tid;
  into.invalid = invalid;
  into.depth = outermostFirst.length;
  for (let i = 0; i < outermostFirst.length; i++) {
    const [scope, filename, line] = outermostFirst[outermostFirst.length - 1 - i];
    into.codes[i] = codeOf(scope, filename);
    into.lines[i] = line;
  }
  return into;
}

/** The bytes of an `xxd` dump (offset column and ASCII column ignored). */
function fromHexDump(dump: string): Uint8Array {
  const hex = dump.trim().split("\n").map((row) => row.slice(10, 49).replaceAll(" ", "")).join(
    "",
  );
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** `text` with its SGR escapes (`ESC [ ... m`) removed. */
function withoutEscapes(text: string): string {
  return text.split("\x1b[").map((part, i) => i === 0 ? part : part.slice(part.indexOf("m") + 1))
    .join("");
}

// ---------------------------------------------------------------------------
// The spec's examples

Deno.test("where: a child's coloured thread header matches the spec's hex dump byte for byte", () => {
  const dump = `
00000000: 0a0a f09f 9a80 f09f a792 2050 726f 6365  .......... Proce
00000010: 7373 201b 5b33 353b 316d 3738 3931 1b5b  ss .[35;1m7891.[
00000020: 306d 20f0 9fa7 b520 5468 7265 6164 201b  0m .... Thread .
00000030: 5b33 343b 316d 303a 3738 3931 1b5b 306d  [34;1m0:7891.[0m
00000040: 0a0a 2020 2020 1b5b 3333 3b31 6d3c 6d6f  ..    .[33;1m<mo
`;
  const expected = fromHexDump(dump);
  assert.equal(expected.length, 0x50);
  const sample = threadOf(0, 7891, [["<module>", "/home/user/app/multi.py", 21]]);
  const text = whereThread(7891, sample, false, true, withColour);
  const bytes = encoder.encode(text);
  assert.deepEqual(bytes.subarray(0, expected.length), expected);
  assert.equal(
    text,
    "\n\n🚀🧒 Process \x1b[35;1m7891\x1b[0m 🧵 Thread \x1b[34;1m0:7891\x1b[0m\n\n" +
      "    \x1b[33;1m<module>\x1b[0m (\x1b[36;1m/home/user/app/multi.py\x1b[0m:" +
      "\x1b[32;1m21\x1b[0m)\n",
  );
});

Deno.test("where: the emojis are the spec's bytes", () => {
  const empty = threadOf(0, 1, []);
  const hex = (text: string) =>
    [...encoder.encode(text)].map((b) => b.toString(16).padStart(2, "0")).join("");
  // 💤 F0 9F 92 A4, 🚀 F0 9F 9A 80, 🧒 F0 9F A7 92, 🧵 F0 9F A7 B5.
  assert.equal(
    hex(whereThread(1, empty, true, true, plain)),
    "0a0a" + "f09f92a4" + "f09fa792" + hex(" Process 1 ") + "f09fa7b5" + hex(" Thread 0:1") +
      "0a0a",
  );
  assert.ok(hex(whereThread(1, empty, false, false, plain)).startsWith("0a0af09f9a8020"));
});

Deno.test("where: the spec's multi-threaded example, escapes removed", () => {
  const threading = "/home/user/.pyenv/versions/3.13.0/lib/python3.13/threading.py";
  const app = "/home/user/app/wthreads.py";
  const bootstrap: Frame[] = [
    ["Thread._bootstrap", threading, 1012],
    ["Thread._bootstrap_inner", threading, 1041],
    ["Thread.run", threading, 992],
  ];
  // The spec elides the second thread's outer frames as `...`: here they are
  // the same three threading frames as the first thread's.
  const output =
    whereThread(7800, threadOf(0, 7803, [...bootstrap, ["sleeper", app, 9]]), true, false, plain) +
    whereThread(7800, threadOf(0, 7802, [...bootstrap, ["busy", app, 6]]), false, false, plain) +
    whereThread(7800, threadOf(0, 7800, [["<module>", app, 14]]), true, false, plain);
  const expected = `

💤 Process 7800 🧵 Thread 0:7803

    Thread._bootstrap (/home/user/.pyenv/versions/3.13.0/lib/python3.13/threading.py:1012)
    Thread._bootstrap_inner (/home/user/.pyenv/versions/3.13.0/lib/python3.13/threading.py:1041)
    Thread.run (/home/user/.pyenv/versions/3.13.0/lib/python3.13/threading.py:992)
    sleeper (/home/user/app/wthreads.py:9)


🚀 Process 7800 🧵 Thread 0:7802

    Thread._bootstrap (/home/user/.pyenv/versions/3.13.0/lib/python3.13/threading.py:1012)
    Thread._bootstrap_inner (/home/user/.pyenv/versions/3.13.0/lib/python3.13/threading.py:1041)
    Thread.run (/home/user/.pyenv/versions/3.13.0/lib/python3.13/threading.py:992)
    busy (/home/user/app/wthreads.py:6)


💤 Process 7800 🧵 Thread 0:7800

    <module> (/home/user/app/wthreads.py:14)
`;
  assert.equal(output, expected);
  assert.ok(!output.includes("\x1b"));
});

Deno.test("where: plain text is the coloured text with the escapes removed", () => {
  const sample = threadOf(2, 31337, [
    ["<module>", "/app/main.py", 30],
    ["Worker.run", "/app/worker.py", 12],
  ]);
  const coloured = whereThread(99, sample, false, true, withColour);
  assert.equal(
    withoutEscapes(coloured),
    whereThread(99, sample, false, true, plain),
  );
  assert.equal(
    coloured,
    "\n\n🚀🧒 Process \x1b[35;1m99\x1b[0m 🧵 Thread \x1b[34;1m2:31337\x1b[0m\n\n" +
      "    \x1b[33;1m<module>\x1b[0m (\x1b[36;1m/app/main.py\x1b[0m:\x1b[32;1m30\x1b[0m)\n" +
      "    \x1b[33;1mWorker.run\x1b[0m (\x1b[36;1m/app/worker.py\x1b[0m:\x1b[32;1m12\x1b[0m)\n",
  );
});

// ---------------------------------------------------------------------------
// Edge cases

Deno.test("where: a thread with no frames is its header alone", () => {
  const sample = threadOf(0, 4242, []);
  assert.equal(
    whereThread(4242, sample, true, false, plain),
    "\n\n💤 Process 4242 🧵 Thread 0:4242\n\n",
  );
  assert.equal(
    whereThread(4242, sample, true, false, withColour),
    "\n\n💤 Process \x1b[35;1m4242\x1b[0m 🧵 Thread \x1b[34;1m0:4242\x1b[0m\n\n",
  );
});

Deno.test("where: non-ASCII names are written as UTF-8", () => {
  const sample = threadOf(0, 5, [
    ["<module>", "/home/user/app/ünï.py", 8],
    ["añb", "/home/user/app/ünï.py", 3],
    ["函数", "/home/user/app/ünï.py", 5],
    ["🐍.fn", "/tmp/𝔭𝔶.py", 70000],
  ]);
  const text = whereThread(5, sample, false, false, plain);
  const expected = "\n\n🚀 Process 5 🧵 Thread 0:5\n\n" +
    "    <module> (/home/user/app/ünï.py:8)\n" +
    "    añb (/home/user/app/ünï.py:3)\n" +
    "    函数 (/home/user/app/ünï.py:5)\n" +
    "    🐍.fn (/tmp/𝔭𝔶.py:70000)\n";
  assert.equal(text, expected);
  const bytes = encoder.encode(text);
  // ñ is C3 B1, 函 E5 87 BD, 数 E6 95 B0.
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  assert.ok(hex.includes("2020202061c3b1622028"));
  assert.ok(hex.includes("20202020e587bde695b02028"));
  assert.equal(
    whereThread(5, sample, false, false, withColour).split("\n")[6],
    "    \x1b[33;1m函数\x1b[0m (\x1b[36;1m/home/user/app/ünï.py\x1b[0m:\x1b[32;1m5\x1b[0m)",
  );
});

Deno.test("where: an invalid sample marks the missing outer frames, then prints what it has", () => {
  const sample = threadOf(0, 8625, [
    ["PathFinder._get_spec", "<frozen importlib._bootstrap_external>", 1482],
    ["FileFinder.find_spec", "<frozen importlib._bootstrap_external>", 1646],
  ], true);
  assert.equal(INVALID_LINE, "    :INVALID:\n");
  assert.equal(
    whereThread(8625, sample, false, false, plain),
    "\n\n🚀 Process 8625 🧵 Thread 0:8625\n\n" +
      "    :INVALID:\n" +
      "    PathFinder._get_spec (<frozen importlib._bootstrap_external>:1482)\n" +
      "    FileFinder.find_spec (<frozen importlib._bootstrap_external>:1646)\n",
  );
  // The marker is not painted, and ends with a newline so the next block is intact.
  const empty = threadOf(0, 8625, [], true);
  assert.equal(
    whereThread(8625, empty, false, false, withColour),
    "\n\n🚀 Process \x1b[35;1m8625\x1b[0m 🧵 Thread \x1b[34;1m0:8625\x1b[0m\n\n    :INVALID:\n",
  );
});

Deno.test("where: a reused sample prints only its first `depth` frames", () => {
  const reused = threadOf(0, 1, [
    ["<module>", "/app/deep.py", 1],
    ["a", "/app/deep.py", 2],
    ["b", "/app/deep.py", 3],
  ]);
  threadOf(1, 2, [["<module>", "/app/shallow.py", 9]], false, reused);
  assert.equal(
    whereThread(3, reused, true, false, plain),
    "\n\n💤 Process 3 🧵 Thread 1:2\n\n    <module> (/app/shallow.py:9)\n",
  );
});

Deno.test("where: the output does not depend on the paint beyond its escapes", () => {
  const seen: [string, string][] = [];
  const recorder = (sgr: string, text: string) => {
    seen.push([sgr, text]);
    return `<${text}>`;
  };
  const sample = threadOf(0, 77, [["main", "/m.py", 4]]);
  assert.equal(
    whereThread(76, sample, true, true, recorder),
    "\n\n💤🧒 Process <76> 🧵 Thread <0:77>\n\n    <main> (</m.py>:<4>)\n",
  );
  assert.deepEqual(seen, [
    ["35;1", "76"],
    ["34;1", "0:77"],
    ["33;1", "main"],
    ["36;1", "/m.py"],
    ["32;1", "4"],
  ]);
});
