import assert from "node:assert/strict";
import { OutputSink } from "./sink.ts";

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
