import assert from "node:assert/strict";
import { OutputError, OutputSink, writeAllSync } from "./sink.ts";

/** A sink over an in-memory writer, and the text written so far. */
function memorySink(size: number): { sink: OutputSink; text: () => string } {
  const chunks: Uint8Array[] = [];
  const sink = new OutputSink({
    writeSync(bytes: Uint8Array): number {
      chunks.push(bytes.slice());
      return bytes.length;
    },
  }, size);
  return {
    sink,
    text: () => {
      sink.flush();
      return chunks.map((c) => new TextDecoder().decode(c)).join("");
    },
  };
}

Deno.test("putInt writes integers in decimal", () => {
  const { sink, text } = memorySink(256);
  const values = [0, 7, 9, 10, 99, 100, 123456789012, -1, -7467008, 2 ** 53 - 1, 41.6];
  for (const value of values) {
    assert.ok(sink.reserve(20));
    sink.putInt(value);
    sink.putByte(32);
  }
  assert.equal(text(), "0 7 9 10 99 100 123456789012 -1 -7467008 9007199254740991 42 ");
});

Deno.test("reserve writes the buffer out to make room, and refuses what can never fit", () => {
  const { sink, text } = memorySink(8);
  assert.ok(sink.reserve(6));
  sink.put(new TextEncoder().encode("abcdef"));
  assert.equal(sink.pending, 6);
  assert.ok(sink.reserve(4));
  assert.equal(sink.pending, 0);
  sink.put(new TextEncoder().encode("ghij"));
  assert.equal(sink.reserve(9), false);
  sink.write("klmnopqrstu");
  assert.equal(text(), "abcdefghijklmnopqrstu");
});

Deno.test("writeFrom appends a prefix of a buffer, in room or not", () => {
  const { sink, text } = memorySink(8);
  const bytes = new TextEncoder().encode("abcdefghijkl");
  sink.writeFrom(bytes, 3);
  sink.writeFrom(bytes, 6);
  sink.writeFrom(bytes, 12);
  assert.equal(text(), "abcabcdefabcdefghijkl");
});

Deno.test("written and lineEnd count what a real file took, to its last newline", () => {
  const path = Deno.makeTempFileSync();
  const file = Deno.openSync(path, { write: true, truncate: true });
  try {
    const sink = new OutputSink(file, 8);
    sink.write("ab\ncd");
    sink.flush();
    assert.deepEqual([sink.written, sink.lineEnd], [5, 3]);
    sink.write("efghij\nkl\nm");
    sink.flush();
    assert.deepEqual([sink.written, sink.lineEnd], [16, 15]);
    assert.equal(sink.failure, null);
    assert.equal(Deno.readTextFileSync(path), "ab\ncdefghij\nkl\nm");
  } finally {
    file.close();
    Deno.removeSync(path);
  }
});

Deno.test("a failed write is an OutputError with the OS's reason, and ends the output", () => {
  const full = Deno.openSync("/dev/full", { write: true });
  try {
    const sink = new OutputSink(full, 64);
    sink.write("# austin: 3.7.0\n");
    let first: unknown = null;
    try {
      sink.flush();
    } catch (e) {
      first = e;
    }
    assert.ok(first instanceof OutputError);
    assert.equal(first.message, "No space left on device");
    assert.equal(first.brokenPipe, false);
    assert.equal(sink.failure, first);
    assert.equal(sink.written, 0);
    // Nothing more is written: the same failure again.
    sink.write("P1;T0:1 10\n");
    assert.throws(() => sink.flush(), (e) => e === first);
  } finally {
    full.close();
  }
});

Deno.test("writeAllSync writes again until every byte is taken, and refuses a writer that takes none", () => {
  const taken: string[] = [];
  const writes: number[] = [];
  // A writer that takes at most 3 bytes at a time.
  const narrow = {
    writeSync(bytes: Uint8Array): number {
      writes.push(bytes.length);
      return Math.min(3, bytes.length);
    },
  };
  const text = "abcdefgh";
  writeAllSync(
    narrow,
    new TextEncoder().encode(text),
    (chunk) => taken.push(new TextDecoder().decode(chunk)),
  );
  assert.deepEqual(writes, [8, 5, 2]);
  assert.deepEqual(taken, ["abc", "def", "gh"]);
  writeAllSync(narrow, new Uint8Array(0));
  assert.equal(writes.length, 3, "nothing to write: no write");
  const stuck = { writeSync: () => 0 };
  assert.throws(() => writeAllSync(stuck, new Uint8Array(1)), Deno.errors.WriteZero);
});
