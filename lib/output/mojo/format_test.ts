/**
 * Tests for MOJO's integer encoding and constants (spec: austin-behaviour.md
 * 8.1 – 8.3): the sign-magnitude varints with a 6-bit first group, frame keys
 * of up to 43 bits, the 27-bit reference mask, and decoding by the reader.
 */

import assert from "node:assert/strict";
import { encodeVarint, EVENT, MAGIC, MOJO_VERSION, putVarint, ref } from "./format.ts";
import { type MojoEvent, mojoEvents } from "./reader.ts";

// ---------------------------------------------------------------------------
// Helpers

/** Bytes written as a hex string such as `b0 d2 01`. */
function hex(bytes: Uint8Array | number[]): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(" ");
}

/** Bytes from a hex string such as `b0 d2 01`. */
function unhex(text: string): Uint8Array {
  return new Uint8Array(text.split(/\s+/).filter((s) => s !== "").map((s) => parseInt(s, 16)));
}

/** A reference encoder, straight from the pseudo-code of spec 8.1, using BigInt. */
function referenceVarint(n: bigint): number[] {
  let m = n < 0n ? -n : n;
  let b = Number(m & 0x3fn);
  if (n < 0n) b |= 0x40;
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

/** A stream of METRIC_TIME / METRIC_MEMORY events carrying `values`. */
function metricStream(values: number[], event: number): Uint8Array {
  const out: number[] = [...MAGIC, MOJO_VERSION];
  for (const v of values) out.push(event, ...encodeVarint(v));
  return new Uint8Array(out);
}

/** The values of the metric events of a stream, decoded by the reader. */
function decodedValues(bytes: Uint8Array): number[] {
  const values: number[] = [];
  for (const e of mojoEvents(bytes)) {
    assert.ok(e.type === "time" || e.type === "memory", `unexpected ${e.type}`);
    values.push(e.value);
  }
  return values;
}

// ---------------------------------------------------------------------------
// The table of spec 8.1

const TABLE: Array<[number, string]> = [
  [0, "00"],
  [16, "10"],
  [4096, "80 40"],
  [13488, "b0 d2 01"],
  [-7467008, "c0 c0 8f 07"],
];

Deno.test("varint: the table of spec 8.1", () => {
  for (const [value, bytes] of TABLE) {
    assert.equal(hex(encodeVarint(value)), bytes, `${value}`);
  }
});

Deno.test("varint: putVarint writes at an offset and returns the position after", () => {
  for (const [value, bytes] of TABLE) {
    const out = new Uint8Array(16).fill(0xee);
    const end = putVarint(out, 5, value);
    const expected = unhex(bytes);
    assert.equal(end, 5 + expected.length, `${value}`);
    assert.equal(hex(out.subarray(5, end)), bytes);
    // Nothing written outside the varint.
    assert.ok(out.subarray(0, 5).every((b) => b === 0xee));
    assert.ok(out.subarray(end).every((b) => b === 0xee));
  }
});

Deno.test("varint: boundaries of the 6-bit first group and the 7-bit groups", () => {
  const cases: Array<[number, string]> = [
    [1, "01"],
    [63, "3f"],
    [64, "80 01"],
    [-1, "41"],
    [-63, "7f"],
    [-64, "c0 01"],
    [8191, "bf 7f"],
    [8192, "80 80 01"],
    [241, "b1 03"],
    [102611, "93 c3 0c"],
    [8335, "8f 82 01"],
    [50082, "a2 8e 06"],
  ];
  for (const [value, bytes] of cases) assert.equal(hex(encodeVarint(value)), bytes, `${value}`);
});

Deno.test("varint: not zigzag; the sign is bit 6 of the first byte only", () => {
  for (const n of [1, 5, 63, 64, 1000, 123456789]) {
    const pos = encodeVarint(n);
    const neg = encodeVarint(-n);
    assert.equal(pos.length, neg.length, `${n}`);
    assert.equal(neg[0], pos[0] | 0x40, `${n}`);
    assert.deepEqual(neg.subarray(1), pos.subarray(1), `${n}`);
  }
});

Deno.test("varint: 43-bit frame keys from the annotated dump of spec 8.8", () => {
  const keys: Array<[number, string]> = [
    [0x2948a800007, "87 80 80 a8 91 a5 01"],
    [0x2933140000f, "8f 80 80 94 e6 a4 01"],
    [0x1fcb2d0000f, "8f 80 80 ad 96 7f"],
  ];
  for (const [key, bytes] of keys) {
    assert.equal(hex(encodeVarint(key)), bytes, key.toString(16));
  }
  // The largest frame key: a 27-bit address part and a 16-bit position.
  const largest = 0x7ffffff * 65536 + 0xffff;
  assert.equal(largest, 2 ** 43 - 1);
  assert.equal(hex(encodeVarint(largest)), "bf ff ff ff ff ff 03");
  // 43 bits: 6 + 5 × 7 + 2, seven bytes at most.
  assert.equal(encodeVarint(largest).length, 7);
});

Deno.test("varint: agrees with the spec's pseudo-code on many values up to 2^53", () => {
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const values = [2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 32, 2 ** 32 - 1, 2 ** 31, -(2 ** 31)];
  for (let bits = 1; bits <= 53; bits++) {
    for (let k = 0; k < 20; k++) {
      const v = Math.floor(random() * 2 ** bits);
      values.push(v, -v);
    }
  }
  for (const v of values) {
    assert.equal(hex(encodeVarint(v)), hex(referenceVarint(BigInt(v))), `${v}`);
  }
  // 2^53 - 1 takes the 8 bytes putVarint promises to stay within.
  assert.equal(encodeVarint(2 ** 53 - 1).length, 8);
});

// ---------------------------------------------------------------------------
// Round trips through the reader

Deno.test("varint: round trip of the table through mojoEvents", () => {
  const values = TABLE.map(([v]) => v);
  assert.deepEqual(decodedValues(metricStream(values, EVENT.METRIC_MEMORY)), values);
});

Deno.test("varint: round trip of large and boundary values through mojoEvents", () => {
  const values: number[] = [];
  for (let bits = 0; bits <= 53; bits++) {
    const top = 2 ** bits;
    values.push(top - 1);
    if (bits > 0) values.push(-(top - 1));
    if (bits < 53) values.push(top, -top);
  }
  values.push(0x2948a800007, 0x2933140000f, 0x1fcb2d0000f, 2 ** 43 - 1);
  assert.deepEqual(decodedValues(metricStream(values, EVENT.METRIC_MEMORY)), values);
  const unsigned = values.filter((v) => v >= 0);
  assert.deepEqual(decodedValues(metricStream(unsigned, EVENT.METRIC_TIME)), unsigned);
});

Deno.test("varint: a FRAME event with a 43-bit key round-trips field by field", () => {
  const fields = [0x2948a800007, 0x294e060, 0x2948c60, 241, 241, 12, 28];
  const bytes = new Uint8Array([
    ...MAGIC,
    MOJO_VERSION,
    EVENT.FRAME,
    ...fields.flatMap((f) => [...encodeVarint(f)]),
  ]);
  // The bytes of the dump in spec 8.8.
  assert.equal(
    hex(bytes.subarray(4)),
    "03 87 80 80 a8 91 a5 01 a0 81 a7 29 a0 b1 a4 29 b1 03 b1 03 0c 1c",
  );
  const events: MojoEvent[] = [...mojoEvents(bytes)];
  assert.deepEqual(events, [{
    offset: 4,
    type: "frame",
    key: 0x2948a800007,
    filename: 0x294e060,
    scope: 0x2948c60,
    line: 241,
    lineEnd: 241,
    column: 12,
    columnEnd: 28,
  }]);
});

Deno.test("varint: the reader decodes non-minimal encodings too", () => {
  // 5 written with a needless zero continuation group: 85 00.
  const bytes = new Uint8Array([...MAGIC, MOJO_VERSION, EVENT.METRIC_TIME, 0x85, 0x00]);
  assert.deepEqual(decodedValues(bytes), [5]);
});

// ---------------------------------------------------------------------------
// References and constants

Deno.test("ref: masks to 27 bits, also for addresses above 2^32", () => {
  assert.equal(ref(0x294e060), 0x294e060);
  assert.equal(ref(0x7ffffff), 0x7ffffff);
  assert.equal(ref(0x8000000), 0);
  assert.equal(ref(0x7f5a0294e060), 0x294e060);
  assert.equal(ref(0x7f1234567890), 0x4567890);
  assert.equal(ref(0x100000005), 5);
  assert.equal(ref(0x5555_5678_9abc), 0x6789abc);
  assert.equal(ref(2 ** 47 - 1), 0x7ffffff);
  assert.equal(ref(0xffffffff), 0x7ffffff);
  for (const address of [0x7ffd_1234_5678, 0x5600_0000_0000, 0x7f00_dead_beef, 2 ** 52 + 3]) {
    const r = ref(address);
    assert.ok(Number.isInteger(r) && r >= 0 && r < 2 ** 27, `${address.toString(16)} → ${r}`);
    assert.equal(BigInt(r), BigInt(address) & 0x7ffffffn, address.toString(16));
    // A masked reference takes at most 4 bytes.
    assert.ok(encodeVarint(r).length <= 4);
  }
  assert.equal(hex(encodeVarint(ref(0x7f5a0294e060))), "a0 81 a7 29");
});

Deno.test("constants: magic, version and event ids of spec 8.2", () => {
  assert.deepEqual([...MAGIC], [0x4d, 0x4f, 0x4a]);
  assert.equal(new TextDecoder().decode(new Uint8Array(MAGIC)), "MOJ");
  assert.equal(MOJO_VERSION, 3);
  assert.deepEqual({ ...EVENT }, {
    RESERVED: 0,
    METADATA: 1,
    STACK: 2,
    FRAME: 3,
    FRAME_INVALID: 4,
    FRAME_REF: 5,
    FRAME_KERNEL: 6,
    GC: 7,
    IDLE: 8,
    METRIC_TIME: 9,
    METRIC_MEMORY: 10,
    STRING: 11,
    STRING_REF: 12,
  });
});
