/**
 * Tests for the MOJO writer (spec: austin-behaviour.md 8.2 – 8.6, 8.8):
 * thread samples built by hand, with code objects whose line tables are
 * CPython's own (so the test spans lib/python's code objects and the
 * writer), must give, byte for byte, the events of the annotated dump of
 * spec 8.8, in the order of spec 8.4, with strings and
 * frames defined once per process.
 */

import assert from "node:assert/strict";
import { CodeInfo } from "../lib/python/code_cache.ts";
import type { Layout } from "../lib/python/layout.ts";
import { tableLayout } from "../lib/python/layouts.ts";
import { type Mode, Stack } from "../lib/sample.ts";
import { OutputSink } from "../lib/output/sink.ts";
import { encodeVarint } from "../lib/output/mojo/format.ts";
import { type MojoEvent, mojoEvents, mojoToText } from "../lib/output/mojo/reader.ts";
import { MojoWriter } from "../lib/output/mojo/writer.ts";

// ---------------------------------------------------------------------------
// Helpers

function layout(minor: number): Layout {
  const found = tableLayout({ major: 3, minor, micro: 0 });
  assert.ok(found !== null, `no layout for 3.${minor}`);
  return found;
}

const L311 = layout(11);
const L38 = layout(8);
const L310 = layout(10);

/** Bytes from a hex string such as `b0 d2 01`. */
function unhex(text: string): number[] {
  return text.split(/\s+/).filter((s) => s !== "").map((s) => parseInt(s, 16));
}

/** A C string's bytes: UTF-8 plus NUL. */
function cstr(text: string): number[] {
  return [...new TextEncoder().encode(text), 0];
}

function hex(bytes: Uint8Array | number[]): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(" ");
}

/** A writer of MOJO into memory: `take()` returns what was written since the last call. */
class Capture {
  readonly #chunks: Uint8Array[] = [];
  readonly sink = new OutputSink({
    writeSync: (bytes: Uint8Array) => {
      this.#chunks.push(bytes.slice());
      return bytes.length;
    },
  }, 1 << 12);
  readonly all: number[] = [];

  take(): number[] {
    this.sink.flush();
    const out = this.#chunks.splice(0).flatMap((c) => [...c]);
    this.all.push(...out);
    return out;
  }
}

/** A FRAME event. */
type FrameEvent = MojoEvent & { type: "frame" };

/** Every event written so far, decoded. */
function eventsOf(capture: Capture): MojoEvent[] {
  return [...mojoEvents(new Uint8Array(capture.all))];
}

/** A writer in `mode` and its capture, with the `MOJ\x03` header already taken. */
function setup(mode: Mode): { writer: MojoWriter; capture: Capture } {
  const capture = new Capture();
  const writer = new MojoWriter(capture.sink, mode);
  assert.equal(hex(capture.take()), "4d 4f 4a 03");
  return { writer, capture };
}

/** One frame of a hand-made sample: its code, the code object's address and position. */
interface Frame {
  code: CodeInfo;
  address: number;
  position: number;
}

/** A thread sample with `frames` given innermost first. */
function threadSample(tid: number, frames: Frame[], iid = 0, invalid = false): Stack {
  const s = new Stack();
  s.interpreterId = iid;
  s.threadId = tid;
  s.invalid = invalid;
  s.depth = frames.length;
  frames.forEach((f, i) => {
    s.codes[i] = f.code;
    s.codeAddresses[i] = f.address;
    s.positions[i] = f.position;
    s.lines[i] = f.code.line(f.position);
  });
  return s;
}

// 3.11 location table entries (cpython's Objects/locations.md).
/** First byte of an entry: code and length in code units. */
function head(code: number, units: number): number {
  return 0x80 | (code << 3) | (units - 1);
}
/** A 3.11 signed varint of a small value (< 32 in magnitude). */
function svarint(n: number): number {
  return n < 0 ? (-n << 1) | 1 : n << 1;
}

// ---------------------------------------------------------------------------
// The frames of the annotated dump (spec 8.8)

/**
 * `<frozen importlib._bootstrap>:_call_with_frames_removed`: defined on line
 * 233, the call `f(*args, **kwds)` at line 241, 0-based columns 11 to 27, in
 * a long-form entry (code 14) that covers code units 1 – 8.
 */
const CALL_WITH_FRAMES_REMOVED = new CodeInfo(
  "<frozen importlib._bootstrap>",
  "_call_with_frames_removed",
  233,
  new Uint8Array([head(13, 1), svarint(0), head(14, 8), svarint(8), 0, 12, 28]),
  L311,
  false,
  false,
  [0x7f5a0294e060, 0x7f5a02948c60, 0x7f5a029a1230],
);
/** Its frame: the code object at an address above 2^32, position 7 (key 0x2948a800007). */
const FRAME_241: Frame = { code: CALL_WITH_FRAMES_REMOVED, address: 0x7f5a02948a80, position: 7 };

const TINY = "/home/u/tiny.py";
/** tiny.py's `b`: line 2, then the one-line entries (codes 11, 10) of line 3, columns 4 – 20. */
const TINY_B = new CodeInfo(
  TINY,
  "b",
  2,
  new Uint8Array([head(13, 1), svarint(0), head(11, 8), 4, 20, head(10, 8), 4, 20]),
  L311,
  false,
  false,
  [0x7f0a02212bf0, 0x7f0a028eade0, 0x7f0a02300010],
);
/** tiny.py's `a`: line 4, line 5 without columns (code 13), then a short form (code 0), columns 4 – 7. */
const TINY_A = new CodeInfo(
  TINY,
  "a",
  4,
  new Uint8Array([head(13, 1), svarint(0), head(13, 12), svarint(1), head(0, 4), 0x43]),
  L311,
  false,
  false,
  [0x7f0a02212bf0, 0x7f0a028ead90, 0x7f0a02300090],
);
/** tiny.py's `<module>`: a long form (line 6, columns 0 – 3), then no-location entries (code 15). */
const TINY_MODULE = new CodeInfo(
  TINY,
  "<module>",
  1,
  new Uint8Array([head(14, 8), svarint(5), 0, 1, 4, head(15, 8), head(15, 4)]),
  L311,
  false,
  false,
  [0x7f0a02212bf0, 0x7f0a028a0c30, 0x7f0a02300110],
);
/** The sample of dump offset 0x1ce: `<module>:6;a:5;b:3`, innermost first. */
const TINY_FRAMES: Frame[] = [
  { code: TINY_B, address: 0x7f0a01fcb2d0, position: 15 },
  { code: TINY_A, address: 0x7f0a020088f0, position: 13 },
  { code: TINY_MODULE, address: 0x7f0a01fcbc30, position: 19 },
];

const STACK_13488 = "02 b0 d2 01 00 33 34 62 30 00";
const FRAME_REF_241 = "05 87 80 80 a8 91 a5 01";
const DEFINE_241 = [
  "0b a0 81 a7 29",
  hex(cstr("<frozen importlib._bootstrap>")),
  "0b a0 b1 a4 29",
  hex(cstr("_call_with_frames_removed")),
  "03 87 80 80 a8 91 a5 01 a0 81 a7 29 a0 b1 a4 29 b1 03 b1 03 0c 1c",
].join(" ");

// ---------------------------------------------------------------------------
// Header, metadata, the first sample

Deno.test("writer: MOJ and version 3 are written on construction", () => {
  const capture = new Capture();
  new MojoWriter(capture.sink, "wall");
  assert.equal(hex(capture.take()), "4d 4f 4a 03");
});

Deno.test("writer: METADATA is key NUL value NUL (dump 0x04 – 0x2e and the footer)", () => {
  const { writer, capture } = setup("wall");
  writer.header([["austin", "3.7.0"], ["interval", "100000"], ["mode", "wall"]]);
  assert.deepEqual(capture.take(), [
    0x01,
    ...cstr("austin"),
    ...cstr("3.7.0"),
    0x01,
    ...cstr("interval"),
    ...cstr("100000"),
    0x01,
    ...cstr("mode"),
    ...cstr("wall"),
  ]);
  assert.equal(
    hex(capture.all.slice(4, 0x2e)),
    "01 61 75 73 74 69 6e 00 33 2e 37 2e 30 00 01 69 6e 74 65 72 76 61 6c 00 31 30 30 " +
      "30 30 30 00 01 6d 6f 64 65 00 77 61 6c 6c 00",
  );
  writer.footer([["duration", "403673"]]);
  assert.equal(
    hex(capture.take()),
    "01 64 75 72 61 74 69 6f 6e 00 34 30 33 36 37 33 00",
  );
  // No newline and no empty line anywhere.
  assert.ok(!capture.all.includes(0x0a));
});

Deno.test("writer: the first sample of the dump: STACK, STRING, STRING, FRAME, FRAME_REF, TIME", () => {
  const { writer, capture } = setup("wall");
  writer.sample(13488, threadSample(13488, [FRAME_241]), false, 16, false, 0);
  assert.equal(hex(capture.take()), `${STACK_13488} ${DEFINE_241} ${FRAME_REF_241} 09 10`);
});

Deno.test("writer: STACK is pid, iid and the tid in lowercase hex without padding", () => {
  const { writer, capture } = setup("wall");
  writer.sample(13488, threadSample(13488, []), false, 16, false, 0);
  assert.equal(hex(capture.take()), `${STACK_13488} 09 10`);
  writer.sample(7, threadSample(0xabcdef, [], 3), false, 1, false, 0);
  assert.equal(hex(capture.take()), `02 07 03 ${hex(cstr("abcdef"))} 09 01`);
  writer.sample(4096, threadSample(0x10, [], 0), false, 0, false, 0);
  assert.equal(hex(capture.take()), `02 80 40 00 ${hex(cstr("10"))} 09 00`);
});

Deno.test("writer: a frame seen again in the same process is only referenced", () => {
  const { writer, capture } = setup("wall");
  const sample = threadSample(13488, [FRAME_241]);
  writer.sample(13488, sample, false, 16, false, 0);
  capture.take();
  writer.sample(13488, sample, false, 102611, false, 0);
  assert.equal(hex(capture.take()), `${STACK_13488} ${FRAME_REF_241} 09 93 c3 0c`);
  // Another thread of the same process shares the definitions.
  writer.sample(13488, threadSample(13489, [FRAME_241]), false, 5, false, 0);
  assert.equal(
    hex(capture.take()),
    `02 b0 d2 01 00 ${hex(cstr("34b1"))} ${FRAME_REF_241} 09 05`,
  );
});

// ---------------------------------------------------------------------------
// Order within a sample (spec 8.4)

Deno.test("writer: the tiny.py sample of the dump, definitions innermost first, refs outermost first", () => {
  const { writer, capture } = setup("wall");
  writer.sample(13488, threadSample(13488, TINY_FRAMES), false, 102611, false, 0);
  const bytes = capture.take();
  const expected = [
    STACK_13488,
    // dump 0x1d8, 0x1ed, 0x1f4: the file name once for the three frames.
    "0b b0 af 89 22",
    hex(cstr(TINY)),
    "0b a0 b7 f5 28 62 00",
    "03 8f 80 80 ad 96 7f b0 af 89 22 a0 b7 f5 28 03 03 05 15",
    // a: line 5, columns 5 – 8 (short form, 1-based).
    "0b 90 b6 f5 28 61 00",
    "03 8d 80 80 8f 91 80 01 b0 af 89 22 90 b6 f5 28 05 05 05 08",
    // <module>: line 6, columns 1 – 4, kept through the code-15 entries.
    "0b b0 b0 d0 28",
    hex(cstr("<module>")),
    "03 93 80 80 c3 97 7f b0 af 89 22 b0 b0 d0 28 06 06 01 04",
    // dump 0x243 – 0x259.
    "05 93 80 80 c3 97 7f",
    "05 8d 80 80 8f 91 80 01",
    "05 8f 80 80 ad 96 7f",
    "09 93 c3 0c",
  ].join(" ");
  assert.equal(hex(bytes), expected);
  // As long as the dump's sample (0x1ce – 0x25d).
  assert.equal(bytes.length, 0x25d - 0x1ce);
  assert.equal(
    mojoToText(new Uint8Array(capture.all)),
    `P13488;T0:13488;${TINY}:<module>:6;${TINY}:a:5;${TINY}:b:3 102611\n`,
  );
});

Deno.test("writer: a new frame of a known file defines only its scope", () => {
  const { writer, capture } = setup("wall");
  writer.sample(13488, threadSample(13488, TINY_FRAMES.slice(1)), false, 1, false, 0);
  capture.take();
  writer.sample(13488, threadSample(13488, TINY_FRAMES), false, 2, false, 0);
  assert.equal(
    hex(capture.take()),
    [
      STACK_13488,
      "0b a0 b7 f5 28 62 00",
      "03 8f 80 80 ad 96 7f b0 af 89 22 a0 b7 f5 28 03 03 05 15",
      "05 93 80 80 c3 97 7f 05 8d 80 80 8f 91 80 01 05 8f 80 80 ad 96 7f 09 02",
    ].join(" "),
  );
});

Deno.test("writer: a recursive frame is defined once and referenced at each level", () => {
  const { writer, capture } = setup("wall");
  writer.sample(13488, threadSample(13488, [FRAME_241, FRAME_241, FRAME_241]), false, 1, false, 0);
  assert.equal(
    hex(capture.take()),
    `${STACK_13488} ${DEFINE_241} ${FRAME_REF_241} ${FRAME_REF_241} ${FRAME_REF_241} 09 01`,
  );
});

Deno.test("writer: the same line at another instruction is another frame key", () => {
  const { writer, capture } = setup("wall");
  writer.sample(13488, threadSample(13488, [FRAME_241]), false, 1, false, 0);
  capture.take();
  writer.sample(13488, threadSample(13488, [{ ...FRAME_241, position: 8 }]), false, 1, false, 0);
  assert.equal(
    hex(capture.take()),
    [
      STACK_13488,
      "03 88 80 80 a8 91 a5 01 a0 81 a7 29 a0 b1 a4 29 b1 03 b1 03 0c 1c",
      "05 88 80 80 a8 91 a5 01 09 01",
    ].join(" "),
  );
});

Deno.test("writer: FRAME_INVALID after the definitions, before the FRAME_REFs", () => {
  const { writer, capture } = setup("wall");
  // The invalid sample of spec 8.8 (a 3.7 target), without its stray STRING.
  writer.sample(14220, threadSample(0x378c, [], 0, true), false, 22, false, 0);
  assert.equal(hex(capture.take()), `02 8c de 01 00 ${hex(cstr("378c"))} 04 09 16`);
  // With frames: STACK, definitions, FRAME_INVALID, FRAME_REFs, metric.
  writer.sample(13488, threadSample(13488, [FRAME_241], 0, true), false, 16, false, 0);
  assert.equal(hex(capture.take()), `${STACK_13488} ${DEFINE_241} 04 ${FRAME_REF_241} 09 10`);
  assert.equal(
    mojoToText(new Uint8Array(capture.all)),
    "P14220;T0:14220;:INVALID: 22\n" +
      "P13488;T0:13488;:INVALID:;<frozen importlib._bootstrap>:_call_with_frames_removed:241 16\n",
  );
});

Deno.test("writer: GC after the FRAME_REFs, before the metrics", () => {
  const { writer, capture } = setup("wall");
  writer.sample(13488, threadSample(13488, [FRAME_241]), true, 5087, false, 0);
  assert.equal(hex(capture.take()), `${STACK_13488} ${DEFINE_241} ${FRAME_REF_241} 07 09 9f 4f`);
  writer.sample(13488, threadSample(13488, [FRAME_241], 0, true), true, 1, false, 0);
  assert.equal(hex(capture.take()), `${STACK_13488} 04 ${FRAME_REF_241} 07 09 01`);
});

// ---------------------------------------------------------------------------
// Metrics per mode

Deno.test("writer: full mode tails of spec 8.8 (TIME, [IDLE], MEMORY)", () => {
  const { writer, capture } = setup("full");
  const sample = threadSample(13488, [FRAME_241]);
  writer.sample(13488, sample, false, 16, false, 0);
  capture.take();
  writer.sample(13488, sample, true, 8335, false, -7467008);
  assert.equal(
    hex(capture.take()),
    `${STACK_13488} ${FRAME_REF_241} 07 09 8f 82 01 0a c0 c0 8f 07`,
  );
  writer.sample(13488, sample, false, 50082, true, 0);
  assert.equal(hex(capture.take()), `${STACK_13488} ${FRAME_REF_241} 09 a2 8e 06 08 0a 00`);
  writer.sample(13488, sample, false, 30, true, 69632);
  assert.equal(hex(capture.take()), `${STACK_13488} ${FRAME_REF_241} 09 1e 08 0a 80 c0 08`);
  const text = mojoToText(
    new Uint8Array([
      ...unhex("4d 4f 4a 03 01"),
      ...cstr("mode"),
      ...cstr("full"),
      ...capture.all.slice(4),
    ]),
  );
  assert.deepEqual(
    text.split("\n").map((l) => l.slice(l.lastIndexOf(" ") + 1)),
    ["full", "16,0,0", "8335,0,-7467008", "50082,1,0", "30,1,69632", ""],
  );
});

Deno.test("writer: memory mode writes only METRIC_MEMORY, signed", () => {
  const { writer, capture } = setup("memory");
  const sample = threadSample(13488, [FRAME_241]);
  writer.sample(13488, sample, false, 1234, true, 192512);
  assert.equal(hex(capture.take()), `${STACK_13488} ${DEFINE_241} ${FRAME_REF_241} 0a 80 c0 17`);
  writer.sample(13488, sample, false, 1234, false, -14155776);
  assert.equal(hex(capture.take()), `${STACK_13488} ${FRAME_REF_241} 0a c0 80 c0 0d`);
  writer.sample(13488, sample, true, 1234, true, 4096);
  assert.equal(hex(capture.take()), `${STACK_13488} ${FRAME_REF_241} 07 0a 80 40`);
});

Deno.test("writer: wall and cpu modes write only METRIC_TIME, whatever idle and memory", () => {
  for (const mode of ["wall", "cpu"] as const) {
    const { writer, capture } = setup(mode);
    const sample = threadSample(13488, [FRAME_241]);
    writer.sample(13488, sample, false, 16, false, 0);
    capture.take();
    writer.sample(13488, sample, false, 50101, true, -4096);
    assert.equal(hex(capture.take()), `${STACK_13488} ${FRAME_REF_241} 09 b5 8e 06`, mode);
    writer.sample(13488, sample, false, 0, false, 123);
    assert.equal(hex(capture.take()), `${STACK_13488} ${FRAME_REF_241} 09 00`, mode);
  }
});

// ---------------------------------------------------------------------------
// Keys (spec 8.3)

Deno.test("writer: keys are scoped per pid: the same frame in two pids is defined twice", () => {
  const { writer, capture } = setup("wall");
  const sample = threadSample(13488, [FRAME_241]);
  writer.sample(13488, sample, false, 1, false, 0);
  assert.equal(hex(capture.take()), `${STACK_13488} ${DEFINE_241} ${FRAME_REF_241} 09 01`);
  writer.sample(14220, threadSample(14220, [FRAME_241]), false, 2, false, 0);
  assert.equal(
    hex(capture.take()),
    `02 8c de 01 00 ${hex(cstr("378c"))} ${DEFINE_241} ${FRAME_REF_241} 09 02`,
  );
  writer.sample(13488, sample, false, 3, false, 0);
  assert.equal(hex(capture.take()), `${STACK_13488} ${FRAME_REF_241} 09 03`);
  writer.sample(14220, threadSample(14220, [FRAME_241]), false, 4, false, 0);
  assert.equal(hex(capture.take()), `02 8c de 01 00 ${hex(cstr("378c"))} ${FRAME_REF_241} 09 04`);
});

Deno.test("writer: a frame key whose code object changed hands is defined again", () => {
  // A new code object at the freed one's address, sampled at the same position.
  const other = new CodeInfo(
    "/home/u/other.py",
    "other",
    233,
    CALL_WITH_FRAMES_REMOVED.lineTable,
    L311,
    false,
    false,
    [0x7f5a03000010, 0x7f5a03000020, 0x7f5a03000030],
  );
  const { writer, capture } = setup("wall");
  writer.sample(13488, threadSample(13488, [FRAME_241]), false, 1, false, 0);
  capture.take();
  const sample = threadSample(13488, [{ ...FRAME_241, code: other }]);
  writer.sample(13488, sample, false, 2, false, 0);
  assert.equal(
    hex(capture.take()),
    [
      STACK_13488,
      `0b 90 80 80 30 ${hex(cstr("/home/u/other.py"))}`,
      `0b a0 80 80 30 ${hex(cstr("other"))}`,
      "03 87 80 80 a8 91 a5 01 90 80 80 30 a0 80 80 30 b1 03 b1 03 0c 1c",
      `${FRAME_REF_241} 09 02`,
    ].join(" "),
  );
  writer.sample(13488, sample, false, 3, false, 0);
  assert.equal(hex(capture.take()), `${STACK_13488} ${FRAME_REF_241} 09 03`);
  assert.equal(
    mojoToText(new Uint8Array(capture.all)),
    "P13488;T0:13488;<frozen importlib._bootstrap>:_call_with_frames_removed:241 1\n" +
      "P13488;T0:13488;/home/u/other.py:other:241 2\n" +
      "P13488;T0:13488;/home/u/other.py:other:241 3\n",
  );
});

Deno.test("writer: a string key whose object changed hands is defined again", () => {
  // A new code object whose file name string is at the address of tiny.py's.
  const tidy = new CodeInfo(
    "/home/u/tidy.py",
    "c",
    2,
    TINY_B.lineTable,
    L311,
    false,
    false,
    [0x7f0a02212bf0, 0x7f0a03000040, 0x7f0a03000050],
  );
  const { writer, capture } = setup("wall");
  writer.sample(13488, threadSample(13488, TINY_FRAMES), false, 1, false, 0);
  capture.take();
  writer.sample(
    13488,
    threadSample(13488, [{ code: tidy, address: 0x7f0a03100000, position: 15 }]),
    false,
    2,
    false,
    0,
  );
  assert.equal(
    hex(capture.take()),
    [
      STACK_13488,
      `0b b0 af 89 22 ${hex(cstr("/home/u/tidy.py"))}`,
      `0b 80 81 80 30 ${hex(cstr("c"))}`,
      "03 8f 80 80 80 80 c4 01 b0 af 89 22 80 81 80 30 03 03 05 15",
      "05 8f 80 80 80 80 c4 01 09 02",
    ].join(" "),
  );
  // tiny.py's frames again: their lines still name tiny.py.
  writer.sample(13488, threadSample(13488, TINY_FRAMES), false, 3, false, 0);
  capture.take();
  const lines = mojoToText(new Uint8Array(capture.all)).split("\n");
  assert.deepEqual(lines, [
    `P13488;T0:13488;${TINY}:<module>:6;${TINY}:a:5;${TINY}:b:3 1`,
    "P13488;T0:13488;/home/u/tidy.py:c:3 2",
    `P13488;T0:13488;${TINY}:<module>:6;${TINY}:a:5;${TINY}:b:3 3`,
    "",
  ]);
});

Deno.test("writer: frame keys are the masked code address times 2^16 plus the position", () => {
  const { writer, capture } = setup("wall");
  // The largest key: address bits 0 – 26 all set, position 0xffff (43 bits, 7 bytes).
  const code = new CodeInfo("/x.py", "f", 1, new Uint8Array([head(13, 1), 0]), L311, false, false, [
    0x7fff_ffff_f000,
    0x7fff_ffff_f100,
    0x7fff_ffff_f200,
  ]);
  writer.sample(
    1,
    threadSample(1, [{ code, address: 0x7fff_ffff_ffff, position: 0xffff }]),
    false,
    0,
    false,
    0,
  );
  capture.take();
  const events = eventsOf(capture);
  const frame = events.find((e) => e.type === "frame") as FrameEvent;
  assert.equal(frame.key, 2 ** 43 - 1);
  assert.equal(frame.filename, 0x7fff000);
  assert.equal(frame.scope, 0x7fff100);
  const refs = events.filter((e) => e.type === "frame-ref");
  assert.deepEqual(refs.map((e) => (e as { key: number }).key), [2 ** 43 - 1]);
  assert.ok(capture.all.join(" ").includes(unhex("05 bf ff ff ff ff ff 03").join(" ")));
});

// ---------------------------------------------------------------------------
// Columns (spec 8.5)

Deno.test("writer: before 3.11 line_end, column and column_end are 0", () => {
  // 3.8 co_lnotab: bytes 0 – 3 on line 10, 4 – 7 on line 11, then line 13.
  const lnotab = new CodeInfo("/old.py", "f", 10, new Uint8Array([4, 1, 4, 2]), L38, false, false, [
    0x7f0000100000,
    0x7f0000100100,
    0x7f0000100200,
  ]);
  // 3.10 co_linetable.
  const linetable = new CodeInfo(
    "/old.py",
    "g",
    20,
    new Uint8Array([8, 1, 8, 2]),
    L310,
    false,
    false,
    [
      0x7f0000100000,
      0x7f0000100300,
      0x7f0000100400,
    ],
  );
  const { writer, capture } = setup("wall");
  writer.sample(
    1,
    threadSample(1, [
      { code: lnotab, address: 0x7f0000200000, position: 6 },
      { code: linetable, address: 0x7f0000200100, position: 5 },
    ]),
    false,
    0,
    false,
    0,
  );
  capture.take();
  const frames = eventsOf(capture).filter((e) => e.type === "frame");
  assert.equal(frames.length, 2);
  const [f, g] = frames as FrameEvent[];
  assert.deepEqual([f.line, f.lineEnd, f.column, f.columnEnd], [11, 0, 0, 0]);
  assert.deepEqual([g.line, g.lineEnd, g.column, g.columnEnd], [linetable.line(5), 0, 0, 0]);
  assert.ok(g.line >= 20);
});

Deno.test("writer: 3.11 columns are 1-based with an exclusive end; code 13 has none", () => {
  const cases: Array<[number[], number, number, number[]]> = [
    // [table, first line, position, (line, line_end, column, column_end)]
    [[head(10, 2), 8, 18], 6, 1, [6, 6, 9, 19]], // one-line form, 0-based 8 – 18
    [[head(12, 1), 4, 16], 15, 0, [17, 17, 5, 17]], // one-line form, line + 2
    [[head(1, 3), 0x25], 5, 2, [5, 5, 11, 16]], // short form: column 8 + 2, length 5
    [[head(14, 4), svarint(15), 3, 5, 2], 1, 3, [16, 19, 5, 2]], // long form, stored 1-based
    [[head(13, 2), svarint(-2)], 9, 1, [7, 7, 0, 0]], // no columns
    [[head(10, 1), 0, 3, head(15, 4)], 3, 4, [3, 3, 1, 4]], // no location: the previous entry
  ];
  for (const [table, first, position, expected] of cases) {
    const code = new CodeInfo("/new.py", "f", first, new Uint8Array(table), L311, false, false, [
      0x7f0000300000,
      0x7f0000300100,
      0x7f0000300200,
    ]);
    const { writer, capture } = setup("wall");
    writer.sample(
      1,
      threadSample(1, [{ code, address: 0x7f0000400000, position }]),
      false,
      0,
      false,
      0,
    );
    capture.take();
    const frame = eventsOf(capture).find((e) => e.type === "frame") as FrameEvent;
    assert.deepEqual(
      [frame.line, frame.lineEnd, frame.column, frame.columnEnd],
      expected,
      hex(table),
    );
  }
});

// ---------------------------------------------------------------------------
// Strings and size

Deno.test("writer: strings are UTF-8, whatever their characters", () => {
  const file = "/home/u/unicodé_名前_𠀀.py";
  const code = new CodeInfo(file, "𠀀眠", 1, new Uint8Array([head(13, 1), 0]), L311, false, false, [
    0x7f0000500000,
    0x7f0000500100,
    0x7f0000500200,
  ]);
  const { writer, capture } = setup("wall");
  writer.header([["mode", "wall"]]);
  writer.sample(
    1,
    threadSample(1, [{ code, address: 0x7f0000600000, position: 0 }]),
    false,
    9,
    false,
    0,
  );
  const bytes = capture.take();
  const strings = eventsOf(capture).filter((e) => e.type === "string");
  assert.deepEqual(strings.map((e) => (e as { text: string }).text), [file, "𠀀眠"]);
  assert.ok(hex(bytes).includes(hex(cstr(file))));
  assert.equal(mojoToText(new Uint8Array(capture.all)), `# mode: wall\nP1;T0:1;${file}:𠀀眠:1 9\n`);
});

Deno.test("writer: a deep stack with long names (well over 64 KiB) round-trips", () => {
  const { writer, capture } = setup("wall");
  writer.header([["mode", "wall"]]);
  capture.take();
  const frames: Frame[] = [];
  for (let i = 0; i < 2048; i++) {
    const file = `/very/long/path/${"d".repeat(200)}/module_${i % 7}.py`;
    const base = 0x7f0001000000 + (i % 7) * 0x1000;
    const code = new CodeInfo(
      file,
      `function_${i}`,
      i + 1,
      new Uint8Array([head(10, 1), 0, 5]),
      L311,
      false,
      false,
      [base, 0x7f0002000000 + i * 0x100, 0x7f0003000000 + i * 0x100],
    );
    frames.push({ code, address: 0x7f0004000000 + i * 0x200, position: 0 });
  }
  writer.sample(4242, threadSample(4242, frames), false, 77, false, 0);
  const bytes = capture.take();
  assert.ok(bytes.length > 65536, `${bytes.length} bytes`);
  const stack = frames.toReversed().map((f) =>
    `${f.code.filename}:${f.code.scope}:${f.code.firstLineNo}`
  );
  assert.equal(
    mojoToText(new Uint8Array(capture.all)),
    `# mode: wall\nP4242;T0:4242;${stack.join(";")} 77\n`,
  );
  // Seven file names, each defined once; 2048 scopes and frames.
  const events = eventsOf(capture);
  assert.equal(events.filter((e) => e.type === "string").length, 7 + 2048);
  assert.equal(events.filter((e) => e.type === "frame").length, 2048);
  assert.deepEqual(bytes.slice(0, 3), [0x02, ...encodeVarint(4242)]);
});
