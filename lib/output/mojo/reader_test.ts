/**
 * Tests for the MOJO reader and `mojo2austin` (spec: austin-behaviour.md
 * 8.2, 8.3, 8.7): Austin 3.7's own MOJO files must render exactly as
 * austin-python renders them, and malformed input of every kind must raise a
 * MojoError naming the right byte, never another exception.
 */

import assert from "node:assert/strict";
import { describeTruncation } from "../truncation.ts";
import { EVENT, MAGIC, MOJO_VERSION } from "./format.ts";
import {
  exactKey,
  isMojo,
  MojoError,
  type MojoEvent,
  mojoEvents,
  mojoToText,
  MojoTruncatedError,
  readMojo,
} from "./reader.ts";

// ---------------------------------------------------------------------------
// Helpers

const FIXTURES = "/work/shared/fixtures/austin-3.7.0/";
const NAMES = ["wall-3.11", "full-gc-pipe-3.11", "wall-3.8"];
const CLI = new URL("../../cli/mojo2austin.ts", import.meta.url).pathname;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function fixture(name: string): Uint8Array {
  return Deno.readFileSync(`${FIXTURES}${name}.mojo`);
}

function rendering(name: string): Uint8Array {
  return Deno.readFileSync(`${FIXTURES}${name}.mojo.txt`);
}

/** A C string's bytes: UTF-8 plus NUL. */
function cstr(text: string): number[] {
  return [...encoder.encode(text), 0];
}

/** A stream: the header, then `parts` (bytes, or strings written as C strings). */
function stream(...parts: Array<number | string | number[]>): Uint8Array {
  const out: number[] = [...MAGIC, MOJO_VERSION];
  for (const p of parts) {
    if (typeof p === "string") out.push(...cstr(p));
    else if (typeof p === "number") out.push(p);
    else out.push(...p);
  }
  return new Uint8Array(out);
}

/** STACK pid 13488, iid 0, tid 13488 (`34b0`): 10 bytes. */
const STACK = [EVENT.STACK, 0xb0, 0xd2, 0x01, 0x00, ...cstr("34b0")];
/** STACK pid 14220, iid 0, tid 14220 (`378c`): 10 bytes. */
const STACK_2 = [EVENT.STACK, 0x8c, 0xde, 0x01, 0x00, ...cstr("378c")];
/** STRING key 0x2212bf0 `/home/u/tiny.py`. */
const STRING_FILE = [EVENT.STRING, 0xb0, 0xaf, 0x89, 0x22, ...cstr("/home/u/tiny.py")];
/** STRING key 0x28eade0 `b`. */
const STRING_B = [EVENT.STRING, 0xa0, 0xb7, 0xf5, 0x28, ...cstr("b")];
/** FRAME key 0x1fcb2d0000f, tiny.py, b, line 3, 3, 5, 21. */
const FRAME_B = [
  EVENT.FRAME,
  ...[0x8f, 0x80, 0x80, 0xad, 0x96, 0x7f],
  ...[0xb0, 0xaf, 0x89, 0x22],
  ...[0xa0, 0xb7, 0xf5, 0x28],
  ...[0x03, 0x03, 0x05, 0x15],
];
/** FRAME_REF to FRAME_B. */
const REF_B = [EVENT.FRAME_REF, 0x8f, 0x80, 0x80, 0xad, 0x96, 0x7f];

/** Runs `fn`, which must throw a MojoError; returns it. */
function mojoError(fn: () => unknown, what: string): MojoError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof MojoError, `${what}: ${e instanceof Error ? e.stack : e}`);
    assert.ok(e.message.endsWith(` at byte ${e.offset}`), e.message);
    return e;
  }
  assert.fail(`${what}: no error`);
}

/** Asserts that reading `bytes` fails at `offset`, both as events and as text. */
function failsAt(bytes: Uint8Array, offset: number, what: string): void {
  const error = mojoError(() => mojoToText(bytes), what);
  assert.equal(error.offset, offset, `${what}: ${error.message}`);
}

/**
 * Reading `bytes` with {@link readMojo} either works (perhaps cut) or raises
 * a MojoError with an offset inside the input.
 */
function parsesOrMojoError(
  bytes: Uint8Array,
  what: string,
): ReturnType<typeof readMojo> | MojoError {
  try {
    return readMojo(bytes);
  } catch (e) {
    assert.ok(e instanceof MojoError, `${what}: ${e instanceof Error ? e.stack : e}`);
    assert.ok(Number.isInteger(e.offset) && e.offset >= 0 && e.offset <= bytes.length, what);
    assert.ok(e.message.endsWith(` at byte ${e.offset}`), e.message);
    return e;
  }
}

// ---------------------------------------------------------------------------
// Austin 3.7's files

for (const name of NAMES) {
  Deno.test(`reader: ${name}.mojo renders as its .mojo.txt byte for byte`, () => {
    const text = mojoToText(fixture(name));
    assert.deepEqual(encoder.encode(text), rendering(name));
  });
}

Deno.test("reader: events of a fixture start at their offsets, tids are hex", () => {
  for (const name of NAMES) {
    const bytes = fixture(name);
    const events = [...mojoEvents(bytes)];
    assert.ok(events.length > 100, name);
    let last = 3;
    const ids: Record<MojoEvent["type"], number> = {
      metadata: EVENT.METADATA,
      stack: EVENT.STACK,
      frame: EVENT.FRAME,
      invalid: EVENT.FRAME_INVALID,
      "frame-ref": EVENT.FRAME_REF,
      kernel: EVENT.FRAME_KERNEL,
      gc: EVENT.GC,
      idle: EVENT.IDLE,
      time: EVENT.METRIC_TIME,
      memory: EVENT.METRIC_MEMORY,
      string: EVENT.STRING,
      "string-ref": EVENT.STRING_REF,
    };
    for (const e of events) {
      assert.ok(e.offset > last, `${name}: offset ${e.offset}`);
      last = e.offset;
      assert.equal(bytes[e.offset], ids[e.type], `${name} at ${e.offset}`);
      if (e.type === "stack") assert.match(e.tid, /^[0-9a-f]+$/);
    }
    assert.deepEqual(
      events.slice(0, 3).map((e) => e.type === "metadata" ? e.key : e.type),
      ["austin", "interval", "mode"],
    );
  }
});

Deno.test("reader: isMojo looks at the magic only", () => {
  assert.equal(isMojo(fixture("wall-3.8")), true);
  assert.equal(isMojo(new Uint8Array([0x4d, 0x4f, 0x4a])), true);
  assert.equal(isMojo(new Uint8Array([0x4d, 0x4f])), false);
  assert.equal(isMojo(new Uint8Array(0)), false);
  assert.equal(isMojo(encoder.encode("# austin: 3.7.0\n")), false);
});

// ---------------------------------------------------------------------------
// Rendering (spec 8.7)

Deno.test("reader: a sample line per STACK, frames outermost first, decimal tid", () => {
  const bytes = stream(
    EVENT.METADATA,
    "mode",
    "wall",
    STACK,
    STRING_FILE,
    STRING_B,
    FRAME_B,
    REF_B,
    REF_B,
    [EVENT.METRIC_TIME, 0x93, 0xc3, 0x0c],
    STACK,
    EVENT.FRAME_INVALID,
    REF_B,
    EVENT.GC,
    [EVENT.METRIC_TIME, 0x10],
    EVENT.METADATA,
    "duration",
    "403673",
  );
  assert.equal(
    mojoToText(bytes),
    "# mode: wall\n" +
      "P13488;T0:13488;/home/u/tiny.py:b:3;/home/u/tiny.py:b:3 102611\n" +
      "P13488;T0:13488;:INVALID:;/home/u/tiny.py:b:3;:GC: 16\n" +
      "# duration: 403673\n",
  );
});

Deno.test("reader: full and memory metrics", () => {
  const full = stream(
    EVENT.METADATA,
    "mode",
    "full",
    STACK,
    EVENT.GC,
    [EVENT.METRIC_TIME, 0x8f, 0x82, 0x01, EVENT.METRIC_MEMORY, 0xc0, 0xc0, 0x8f, 0x07],
    STACK,
    [EVENT.METRIC_TIME, 0xa2, 0x8e, 0x06, EVENT.IDLE, EVENT.METRIC_MEMORY, 0x00],
  );
  assert.equal(
    mojoToText(full),
    "# mode: full\nP13488;T0:13488;:GC: 8335,0,-7467008\nP13488;T0:13488 50082,1,0\n",
  );
  const memory = stream(
    EVENT.METADATA,
    "mode",
    "memory",
    STACK,
    [EVENT.METRIC_MEMORY, 0x80, 0xc0, 0x17],
    STACK_2,
    [EVENT.METRIC_MEMORY, 0xc0, 0x80, 0xc0, 0x0d],
  );
  assert.equal(
    mojoToText(memory),
    "# mode: memory\nP13488;T0:13488 192512\nP14220;T0:14220 -14155776\n",
  );
});

Deno.test("reader: key 1 is <unknown> without a definition; STRING_REF is skipped", () => {
  const bytes = stream(
    STACK,
    [EVENT.FRAME, 0x05, 0x01, 0x01, 0x07, 0x07, 0x00, 0x00],
    [EVENT.STRING_REF, 0x01],
    [EVENT.FRAME_REF, 0x05],
    [EVENT.METRIC_TIME, 0x01],
  );
  assert.equal(mojoToText(bytes), "P13488;T0:13488;<unknown>:<unknown>:7 1\n");
});

Deno.test("reader: interpreter ids and thread ids", () => {
  const bytes = stream(
    [EVENT.STACK, 0x07, 0x03],
    "abcdef",
    [EVENT.METRIC_TIME, 0x01],
    [EVENT.STACK, 0x07, 0x00],
    "10",
    [EVENT.METRIC_TIME, 0x02],
  );
  assert.equal(mojoToText(bytes), "P7;T3:11259375 1\nP7;T0:16 2\n");
});

// ---------------------------------------------------------------------------
// Austin's 64-bit frame keys (spec 8.1, 8.3)

/** Austin 3.7's `mojo_integer` for an unsigned 64-bit C value, in BigInt arithmetic. */
function austinInteger(n: bigint): number[] {
  let m = BigInt.asUintN(64, n);
  let b = Number(m & 0x3fn);
  m >>= 6n;
  if (m !== 0n) b |= 0x80;
  const out = [b];
  while (m !== 0n) {
    b = Number(m & 0x7fn);
    m >>= 7n;
    if (m !== 0n) b |= 0x80;
    out.push(b);
  }
  return out;
}

/** Austin 3.7's frame key `((code & 0x7FFFFFF) << 16) | lasti`, with C's 64-bit wrap-around. */
function austinFrameKey(code: bigint, lasti: bigint): bigint {
  return BigInt.asUintN(64, ((code & 0x7ffffffn) << 16n) | BigInt.asUintN(64, lasti));
}

/** A FRAME event of tiny.py's `b` (STRING_FILE, STRING_B) at `line`, under `key`. */
function frameAt(key: bigint, line: number): number[] {
  return [
    EVENT.FRAME,
    ...austinInteger(key),
    ...[0xb0, 0xaf, 0x89, 0x22],
    ...[0xa0, 0xb7, 0xf5, 0x28],
    ...[line, line, 0x00, 0x00],
  ];
}

Deno.test("reader: a frame sampled with lasti == -1 (a 10-byte key) is kept", () => {
  const key = austinFrameKey(0x7f5a01fcb2d0n, -1n);
  assert.equal(key, 0xffffffffffffffffn);
  assert.deepEqual(austinInteger(key), [0xbf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 3]);
  const bytes = stream(
    STACK,
    STRING_FILE,
    STRING_B,
    frameAt(key, 9),
    FRAME_B,
    [EVENT.FRAME_REF, ...austinInteger(key)],
    REF_B,
    [EVENT.METRIC_TIME, 0x01],
    STACK,
    [EVENT.FRAME_REF, ...austinInteger(key)],
    [EVENT.METRIC_TIME, 0x02],
  );
  assert.equal(
    mojoToText(bytes),
    "P13488;T0:13488;/home/u/tiny.py:b:9;/home/u/tiny.py:b:3 1\n" +
      "P13488;T0:13488;/home/u/tiny.py:b:9 2\n",
  );
  const frame = [...mojoEvents(bytes)].find((e) => e.type === "frame");
  assert.ok(frame?.type === "frame");
  assert.equal(exactKey(frame), key);
});

Deno.test("reader: keys above 2^53 are exact: neighbours never collide", () => {
  const keys = [
    2n ** 53n - 1n,
    2n ** 53n,
    2n ** 53n + 1n,
    2n ** 63n,
    2n ** 63n + 1n,
    2n ** 64n - 2n,
    2n ** 64n - 1n,
    austinFrameKey(0x7f5a01fcb2d0n, 0x0fn),
  ];
  const definitions = keys.flatMap((key, i) => frameAt(key, i + 1));
  const refs = [...keys].reverse().flatMap((key) => [EVENT.FRAME_REF, ...austinInteger(key)]);
  const bytes = stream(STACK, STRING_FILE, STRING_B, definitions, refs, [EVENT.METRIC_TIME, 0x05]);
  const lines = keys.map((_, i) => `;/home/u/tiny.py:b:${keys.length - i}`).join("");
  assert.equal(mojoToText(bytes), `P13488;T0:13488${lines} 5\n`);
  const read = [...mojoEvents(bytes)].flatMap((e) => e.type === "frame" ? [exactKey(e)] : []);
  assert.deepEqual(read, [2 ** 53 - 1, ...keys.slice(1, -1), Number(keys.at(-1))]);
  // Keys a number holds exactly stay numbers, without a bigKey.
  const small = [...mojoEvents(stream(STACK, FRAME_B))].find((e) => e.type === "frame");
  assert.ok(small?.type === "frame");
  assert.equal(exactKey(small), 0x1fcb2d0000f);
  assert.equal("bigKey" in small, false);
});

Deno.test("reader: a varint beyond 64 bits is a MojoError", () => {
  // 2^64 needs a fourth bit in the tenth byte; eleven bytes are never written.
  const over = stream([EVENT.FRAME_REF, 0x80, ...new Array(8).fill(0x80), 0x04]);
  assert.match(mojoError(() => mojoToText(over), "2^64").message, /varint/);
  const eleven = stream([EVENT.FRAME_REF, ...new Array(10).fill(0x80), 0x00]);
  assert.match(mojoError(() => mojoToText(eleven), "11 bytes").message, /varint/);
});

// ---------------------------------------------------------------------------
// Malformed input

Deno.test("reader: empty input, wrong magic, missing or wrong version", () => {
  failsAt(new Uint8Array(0), 0, "empty");
  failsAt(new Uint8Array([0x4d, 0x4f]), 0, "MO");
  failsAt(new Uint8Array([0x4d, 0x4f, 0x58, 0x03]), 0, "MOX");
  failsAt(encoder.encode("# austin: 3.7.0\n"), 0, "text");
  failsAt(new Uint8Array([0x4d, 0x4f, 0x4a]), 3, "no version");
  failsAt(new Uint8Array([0x4d, 0x4f, 0x4a, 0x02]), 3, "version 2");
  failsAt(new Uint8Array([0x4d, 0x4f, 0x4a, 0x04, EVENT.GC]), 3, "version 4");
  failsAt(new Uint8Array([0x4d, 0x4f, 0x4a, 0x83, 0x01]), 3, "version 3 + 64 × 1");
  failsAt(new Uint8Array([0x4d, 0x4f, 0x4a, 0x43]), 3, "version -3");
  // The header alone is an empty stream.
  assert.equal(mojoToText(stream()), "");
  assert.deepEqual([...mojoEvents(stream())], []);
});

Deno.test("reader: truncated inside a varint, a string or an event", () => {
  // STACK: 02 b0 d2 01 00 "34b0\0" at offset 4.
  failsAt(stream(STACK.slice(0, 1)), 5, "STACK without its pid");
  failsAt(stream(STACK.slice(0, 2)), 6, "pid cut after its first byte");
  failsAt(stream(STACK.slice(0, 3)), 7, "pid cut after its second byte");
  failsAt(stream(STACK.slice(0, 4)), 8, "STACK without iid");
  failsAt(stream(STACK.slice(0, 5)), 9, "STACK without tid");
  failsAt(stream(STACK.slice(0, 8)), 9, "tid without its NUL");
  failsAt(stream(STACK, STRING_FILE.slice(0, 3)), 17, "STRING key cut");
  failsAt(stream(STACK, STRING_FILE.slice(0, 10)), 19, "STRING text cut");
  failsAt(stream(STACK, STRING_FILE, STRING_B, FRAME_B.slice(0, 12)), 54, "FRAME cut");
  failsAt(stream(STACK, [EVENT.METRIC_TIME]), 15, "METRIC_TIME without value");
  failsAt(stream(STACK, [EVENT.METRIC_MEMORY, 0xc0]), 16, "METRIC_MEMORY cut");
  failsAt(stream(EVENT.METADATA, "mode"), 10, "METADATA without value");
  failsAt(stream(EVENT.METADATA, [0x6d, 0x6f]), 5, "METADATA key cut");
  failsAt(stream(STACK, [EVENT.FRAME_REF]), 15, "FRAME_REF without key");
  failsAt(stream(STACK, [EVENT.FRAME_KERNEL, 0x61]), 15, "FRAME_KERNEL cut");
});

Deno.test("readMojo: a cut stream keeps its whole samples and names the event cut", () => {
  // Offsets: METADATA 4, STACK 15, STRING 25, STRING 46, FRAME 53, FRAME_REF 72, TIME 79, end 81.
  const whole = stream(
    EVENT.METADATA,
    "mode",
    "wall",
    STACK,
    STRING_FILE,
    STRING_B,
    FRAME_B,
    REF_B,
    [EVENT.METRIC_TIME, 0x05],
  );
  assert.equal(whole.length, 81);
  const line = "P13488;T0:13488;/home/u/tiny.py:b:3 5\n";
  assert.deepEqual(readMojo(whole), {
    text: `# mode: wall\n${line}`,
    samples: 1,
    truncation: null,
  });
  const cases: Array<[number, number, string]> = [
    [80, 79, "inside a time metric event"],
    [79, 15, "inside a sample, before its metrics"],
    [75, 72, "inside a frame reference event"],
    [60, 53, "inside a frame event"],
    [30, 25, "inside a string event"],
    [17, 15, "inside a stack event"],
    [10, 4, "inside a metadata event"],
    [3, 0, "inside the header"],
  ];
  for (const [cut, offset, inside] of cases) {
    const read = readMojo(whole.subarray(0, cut));
    const text = cut > 15 ? "# mode: wall\n" : "";
    assert.deepEqual(
      read,
      { text, samples: 0, truncation: { offset, inside, samples: 0 } },
      `${cut}`,
    );
    assert.throws(() => mojoToText(whole.subarray(0, cut)), MojoTruncatedError, `${cut}`);
  }
  const next = readMojo(new Uint8Array([...whole, ...STACK_2.slice(0, 3)]));
  assert.deepEqual(next, {
    text: `# mode: wall\n${line}`,
    samples: 1,
    truncation: { offset: 81, inside: "inside a stack event", samples: 1 },
  });
  // Full mode: a time metric without the memory metric is not a whole sample.
  const full = stream(EVENT.METADATA, "mode", "full", STACK, [EVENT.METRIC_TIME, 0x05]);
  assert.deepEqual(readMojo(full), {
    text: "# mode: full\n",
    samples: 0,
    truncation: { offset: 15, inside: "inside a sample, before its memory metric", samples: 0 },
  });
  assert.equal(
    describeTruncation(next.truncation!),
    "truncated at byte 81 (inside a stack event); kept the 1 sample before it",
  );
});

Deno.test("reader: unknown event ids", () => {
  for (const id of [EVENT.RESERVED, 13, 0x20, 0x7f, 0xff]) {
    failsAt(stream(id), 4, `event ${id}`);
    failsAt(stream(STACK, [EVENT.METRIC_TIME, 0x01], id, STACK), 16, `event ${id} after a sample`);
  }
});

Deno.test("reader: FRAME_REF to an undefined key", () => {
  failsAt(stream(STACK, REF_B, [EVENT.METRIC_TIME, 0x01]), 14, "no frame at all");
  failsAt(
    stream(STACK, STRING_FILE, STRING_B, FRAME_B, REF_B, [EVENT.FRAME_REF, 0x07]),
    68,
    "another key",
  );
  // Keys are scoped by pid: pid 14220 cannot use pid 13488's frame.
  failsAt(
    stream(STACK, STRING_FILE, STRING_B, FRAME_B, REF_B, [EVENT.METRIC_TIME, 0x01], STACK_2, REF_B),
    80,
    "a frame of another process",
  );
});

Deno.test("reader: FRAME referring to undefined strings", () => {
  failsAt(stream(STACK, STRING_FILE, FRAME_B), 35, "undefined scope");
  failsAt(stream(STACK, STRING_B, FRAME_B), 21, "undefined file name");
  failsAt(stream(STACK, FRAME_B), 14, "both undefined");
  // Strings are scoped by pid too.
  failsAt(
    stream(STACK, STRING_FILE, STRING_B, [EVENT.METRIC_TIME, 0x01], STACK_2, FRAME_B),
    54,
    "strings of another process",
  );
});

Deno.test("reader: other malformed streams", () => {
  failsAt(stream([EVENT.STACK, 0x01, 0x00], "34G0"), 7, "tid not hexadecimal");
  failsAt(stream([EVENT.STACK, 0x01, 0x00], ""), 7, "empty tid");
  failsAt(stream(STRING_B), 4, "STRING before any STACK");
  failsAt(stream([EVENT.METRIC_TIME, 0x01]), 4, "metric outside a sample");
  failsAt(stream(EVENT.FRAME_INVALID), 4, "FRAME_INVALID outside a sample");
  const long = stream([EVENT.METRIC_TIME, ...new Array(12).fill(0xff), 0x01]);
  mojoError(() => mojoToText(long), "varint longer than 53 bits");
});

Deno.test("reader: a fixture cut at every offset of its first 2 KiB and last 300 bytes", () => {
  for (const name of NAMES) {
    const bytes = fixture(name);
    const full = decoder.decode(rendering(name)).split("\n");
    const cuts = new Set<number>();
    for (let cut = 4; cut <= 2048; cut++) cuts.add(cut);
    for (let cut = bytes.length - 300; cut <= bytes.length; cut++) cuts.add(cut);
    let truncated = 0;
    for (const cut of cuts) {
      const what = `${name} cut at ${cut}`;
      const result = parsesOrMojoError(bytes.subarray(0, cut), what);
      assert.ok(!(result instanceof MojoError), `${what}: ${result}`);
      // What was read is the beginning of the full rendering, whole lines only.
      const lines = result.text.split("\n").slice(0, -1);
      assert.deepEqual(lines, full.slice(0, lines.length), what);
      assert.equal(result.samples, lines.filter((l) => l.startsWith("P")).length, what);
      if (result.truncation === null) continue;
      truncated++;
      assert.ok(result.truncation.offset < cut, what);
      assert.equal(result.truncation.samples, result.samples, what);
      // The strict reader fails on the same cut.
      assert.throws(() => mojoToText(bytes.subarray(0, cut)), MojoTruncatedError, what);
    }
    // Most cuts land inside an event; the whole file is not cut.
    assert.ok(truncated > cuts.size / 2, `${name}: ${truncated} cuts of ${cuts.size}`);
    assert.equal(readMojo(bytes).truncation, null);
  }
});

Deno.test("reader: a fixture with single bytes changed never raises anything but MojoError", () => {
  // The first 3 KiB: header, metadata and the first samples' definitions.
  const bytes = fixture("wall-3.11").slice(0, 3072);
  let errors = 0;
  let runs = 0;
  for (let at = 0; at < 1536; at++) {
    for (const value of [0x00, 0x05, 0x0d, 0x80, 0xff, bytes[at] ^ 0x40]) {
      const copy = bytes.slice();
      copy[at] = value;
      runs++;
      if (parsesOrMojoError(copy, `byte ${at} set to ${value}`) instanceof MojoError) errors++;
    }
  }
  assert.ok(errors > 0 && errors < runs, `${errors} of ${runs}`);
});

// ---------------------------------------------------------------------------
// mojo2austin

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], input?: Uint8Array): Promise<CliRun> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    stdin: input === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (input !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(input);
    await writer.close();
  }
  const out = await child.output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** A one-line error message naming a byte, without a stack trace. */
function assertOneLineError(run: CliRun, offset?: number): void {
  assert.notEqual(run.code, 0);
  assert.match(run.stderr, /^mojo2austin: [^\n]* at byte \d+\n$/, run.stderr);
  assert.ok(!/\n\s+at /.test(run.stderr), run.stderr);
  if (offset !== undefined) assert.ok(run.stderr.endsWith(` at byte ${offset}\n`), run.stderr);
}

Deno.test("mojo2austin: a truncated file: its whole samples, one line on stderr, exit 1", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mojo2austin_test_" });
  try {
    const bytes = fixture("wall-3.11");
    // Cut inside the second STACK's thread id.
    const cut = bytes.subarray(0, 0x40);
    const read = readMojo(cut);
    assert.equal(read.samples, 1);
    assert.ok(read.truncation !== null);
    await Deno.writeFile(`${dir}/cut.mojo`, cut);
    const run = await cli([`${dir}/cut.mojo`]);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, read.text);
    assert.equal(
      run.stderr,
      `mojo2austin: ${dir}/cut.mojo: truncated at byte ${read.truncation.offset} ` +
        "(inside a stack event); kept the 1 sample before it\n",
    );
    // Cut inside a varint, read from stdin, written to a file.
    const varint = bytes.subarray(0, 0x31);
    assert.throws(() => mojoToText(varint), MojoTruncatedError);
    const piped = await cli(["-", `${dir}/out.austin`], varint);
    assert.equal(piped.code, 1);
    assert.match(
      piped.stderr,
      /^mojo2austin: <stdin>: truncated at byte \d+ \(inside a [a-z ]+ event\); kept no samples before it\n$/,
    );
    assert.equal(await Deno.readTextFile(`${dir}/out.austin`), readMojo(varint).text);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("mojo2austin: not a MOJO file, and a missing file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mojo2austin_test_" });
  try {
    await Deno.writeFile(`${dir}/text.austin`, rendering("wall-3.8"));
    assertOneLineError(await cli([`${dir}/text.austin`]), 0);
    const missing = await cli([`${dir}/missing.mojo`]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^mojo2austin: [^\n]+\n$/, missing.stderr);
    assert.ok(!/\n\s+at /.test(missing.stderr), missing.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("mojo2austin: -h and -V", async () => {
  for (const flag of ["-h", "--help"]) {
    const help = await cli([flag]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^usage: mojo2austin \[-h\] \[-V\] input \[output\]\n/);
    assert.match(help.stdout, /\nexit status:\n {2}0 converted; 1 [^]*cut short[^]*\n$/);
    assert.equal(help.stderr, "");
  }
  for (const flag of ["-V", "--version"]) {
    const version = await cli([flag]);
    assert.equal(version.code, 0);
    assert.match(version.stdout, /^mojo2austin \d+\.\d+\.\d+\n$/);
    assert.equal(version.stderr, "");
  }
});

Deno.test("mojo2austin: usage errors as the other converters: the usage, one error line, exit 2", async () => {
  const usage = "usage: mojo2austin [-h] [-V] input [output]\n";
  for (
    const [args, error] of [
      [[], "the following arguments are required: input"],
      [["a", "b", "c"], "unrecognized arguments: c"],
      [["--bogus", "a"], "unrecognized arguments: --bogus"],
    ] as const
  ) {
    const run = await cli([...args]);
    assert.equal(run.code, 2, args.join(" "));
    assert.equal(run.stderr, `${usage}mojo2austin: error: ${error}\n`);
    assert.equal(run.stdout, "");
  }
});

Deno.test("mojo2austin: converts to stdout, to an output file and from stdin", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mojo2austin_test_" });
  try {
    const expected = decoder.decode(rendering("full-gc-pipe-3.11"));
    const input = `${FIXTURES}full-gc-pipe-3.11.mojo`;
    const toStdout = await cli([input]);
    assert.equal(toStdout.code, 0, toStdout.stderr);
    assert.equal(toStdout.stdout, expected);
    assert.equal(toStdout.stderr, "");
    const toFile = await cli([input, `${dir}/out.austin`]);
    assert.equal(toFile.code, 0, toFile.stderr);
    assert.equal(toFile.stdout, "");
    assert.deepEqual(await Deno.readFile(`${dir}/out.austin`), rendering("full-gc-pipe-3.11"));
    const fromStdin = await cli(["-"], fixture("wall-3.8"));
    assert.equal(fromStdin.code, 0, fromStdin.stderr);
    assert.equal(fromStdin.stdout, decoder.decode(rendering("wall-3.8")));
    const stdinToFile = await cli(["-", `${dir}/stdin.austin`], fixture("wall-3.11"));
    assert.equal(stdinToFile.code, 0, stdinToFile.stderr);
    assert.deepEqual(await Deno.readFile(`${dir}/stdin.austin`), rendering("wall-3.11"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
