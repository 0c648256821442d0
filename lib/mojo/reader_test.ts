/**
 * Tests for the MOJO reader and `mojo2austin` (spec: austin-behaviour.md
 * 8.2, 8.3, 8.7): Austin 3.7's own MOJO files must render exactly as
 * austin-python renders them, and malformed input of every kind must raise a
 * MojoError naming the right byte, never another exception.
 */

import assert from "node:assert/strict";
import { EVENT, MAGIC, MOJO_VERSION } from "./format.ts";
import { isMojo, MojoError, type MojoEvent, mojoEvents, mojoToText } from "./reader.ts";

// ---------------------------------------------------------------------------
// Helpers

const FIXTURES = "/work/shared/fixtures/austin-3.7.0/";
const NAMES = ["wall-3.11", "full-gc-pipe-3.11", "wall-3.8"];
const CLI = new URL("../cli/mojo2austin.ts", import.meta.url).pathname;
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

/** Reading `bytes` either works or raises a MojoError with an offset inside the input. */
function parsesOrMojoError(bytes: Uint8Array, what: string): string | MojoError {
  try {
    return mojoToText(bytes);
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
    for (let cut = 0; cut <= 2048; cut++) cuts.add(cut);
    for (let cut = bytes.length - 300; cut <= bytes.length; cut++) cuts.add(cut);
    let errors = 0;
    for (const cut of cuts) {
      const result = parsesOrMojoError(bytes.subarray(0, cut), `${name} cut at ${cut}`);
      if (result instanceof MojoError) {
        errors++;
        continue;
      }
      // What was read is the beginning of the full rendering, but for the
      // sample that was being read when the input ended.
      const lines = result.split("\n").slice(0, -1);
      const complete = Math.max(0, lines.length - 1);
      assert.deepEqual(lines.slice(0, complete), full.slice(0, complete), `${name} at ${cut}`);
    }
    // Most cuts land inside an event.
    assert.ok(errors > cuts.size / 2, `${name}: ${errors} errors of ${cuts.size}`);
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

Deno.test("mojo2austin: a truncated file: exit 1, one line naming the byte", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mojo2austin_test_" });
  try {
    const bytes = fixture("wall-3.11");
    // Cut inside the first STRING's text.
    const cut = bytes.subarray(0, 0x40);
    const expected = mojoError(() => mojoToText(cut), "cut at 0x40");
    await Deno.writeFile(`${dir}/cut.mojo`, cut);
    const run = await cli([`${dir}/cut.mojo`]);
    assert.equal(run.code, 1);
    assertOneLineError(run, expected.offset);
    assert.equal(run.stderr, `mojo2austin: ${expected.message}\n`);
    // Cut inside a varint, read from stdin.
    const varint = bytes.subarray(0, 0x31);
    const error = mojoError(() => mojoToText(varint), "cut at 0x31");
    const piped = await cli(["-"], varint);
    assert.equal(piped.code, 1);
    assertOneLineError(piped, error.offset);
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
    assert.equal(help.stderr, "");
  }
  for (const flag of ["-V", "--version"]) {
    const version = await cli([flag]);
    assert.equal(version.code, 0);
    assert.match(version.stdout, /^mojo2austin \d+\.\d+\.\d+\n$/);
    assert.equal(version.stderr, "");
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
