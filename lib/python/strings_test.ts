/**
 * Tests for the string decoders and for reading `str` / `bytes` objects out
 * of memory laid out as CPython lays them out (spec: cpython-layouts.md,
 * section 5). Reading them out of real processes is `tests/strings_test.ts`.
 */

import assert from "node:assert/strict";
import type { ReadBuffer, RemoteMemory } from "../process.ts";
import { tableLayout } from "./layouts.ts";
import {
  decodeBytesName,
  decodeKind,
  decodeLatin1,
  decodeUcs2,
  decodeUcs4,
  isWholeName,
  MAX_STRING_LENGTH,
  readBytesObject,
  readString,
} from "./strings.ts";

// ---------------------------------------------------------------------------
// Helpers

function ucs2(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < text.length; i++) view.setUint16(i * 2, text.charCodeAt(i), true);
  return out;
}

function ucs4(codePoints: number[]): Uint8Array {
  const out = new Uint8Array(codePoints.length * 4);
  const view = new DataView(out.buffer);
  codePoints.forEach((cp, i) => view.setUint32(i * 4, cp, true));
  return out;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

// ---------------------------------------------------------------------------
// Pure decoders

Deno.test("decodeLatin1 maps every byte to the code point of the same value", () => {
  const all = new Uint8Array(range(0, 256));
  const text = decodeLatin1(all, 256);
  assert.equal(text.length, 256);
  for (let i = 0; i < 256; i++) assert.equal(text.charCodeAt(i), i);
});

Deno.test("decodeLatin1 does not apply windows-1252 to 0x80-0x9F", () => {
  const c1 = new Uint8Array(range(0x80, 0xa0));
  const text = decodeLatin1(c1, c1.length);
  assert.equal(text, String.fromCharCode(...range(0x80, 0xa0)));
  // windows-1252 would give U+20AC for 0x80 and U+0178 for 0x9F.
  assert.notEqual(text[0], "\u20ac");
  assert.equal(text.codePointAt(0), 0x80);
  assert.equal(text.codePointAt(31), 0x9f);
});

Deno.test("decodeLatin1 decodes schläfrig and honours the length", () => {
  const bytes = new Uint8Array([0x73, 0x63, 0x68, 0x6c, 0xe4, 0x66, 0x72, 0x69, 0x67, 0x21, 0x21]);
  assert.equal(decodeLatin1(bytes, 9), "schläfrig");
  assert.equal(decodeLatin1(bytes, 0), "");
});

Deno.test("decodeLatin1 handles strings longer than one chunk", () => {
  const bytes = new Uint8Array(10000);
  for (let i = 0; i < bytes.length; i++) bytes[i] = 0x41 + (i % 26);
  const text = decodeLatin1(bytes, 9999);
  assert.equal(text.length, 9999);
  assert.equal(text.slice(0, 3), "ABC");
  assert.equal(text.slice(4096, 4098), String.fromCharCode(0x41 + (4096 % 26), 0x41 + (4097 % 26)));
  assert.equal(text[9998], String.fromCharCode(0x41 + (9998 % 26)));
});

Deno.test("decodeUcs2 decodes little-endian code units", () => {
  assert.equal(decodeUcs2(ucs2("睡眠"), 2), "睡眠");
  assert.equal(decodeUcs2(new Uint8Array([0x61, 0x00, 0xe4, 0x00, 0x61, 0x77]), 3), "aä睡");
  assert.equal(decodeUcs2(ucs2("睡眠xyz"), 2), "睡眠");
  assert.equal(decodeUcs2(new Uint8Array(0), 0), "");
});

Deno.test("decodeUcs4 decodes astral code points such as U+20000", () => {
  assert.equal(decodeUcs4(ucs4([0x20000, 0x7720]), 2), "𠀀眠");
  assert.equal(decodeUcs4(ucs4([0x20000, 0x7720]), 2).codePointAt(0), 0x20000);
  assert.equal(decodeUcs4(ucs4([0x41, 0xe4, 0x7761, 0x10ffff]), 4), "Aä睡\u{10ffff}");
  assert.equal(decodeUcs4(ucs4([0x41, 0x42, 0x43]), 2), "AB");
  assert.equal(decodeUcs4(new Uint8Array(0), 0), "");
});

Deno.test("decodeUcs4 replaces values above U+10FFFF with U+FFFD", () => {
  assert.equal(decodeUcs4(ucs4([0x41, 0x110000, 0xffffffff]), 3), "A\ufffd\ufffd");
});

Deno.test("decodeUcs4 works on a subarray with a byte offset", () => {
  const backing = new Uint8Array(12);
  backing.set(ucs4([0x20000, 0x61]), 4);
  assert.equal(decodeUcs4(backing.subarray(4), 2), "𠀀a");
});

Deno.test("decodeBytesName decodes valid UTF-8", () => {
  const utf8 = new TextEncoder().encode("schläfrig 睡眠 𠀀");
  assert.equal(decodeBytesName(utf8, utf8.length), "schläfrig 睡眠 𠀀");
  assert.equal(decodeBytesName(new TextEncoder().encode("plain.py"), 8), "plain.py");
  assert.equal(decodeBytesName(new Uint8Array(0), 0), "");
});

Deno.test("decodeBytesName falls back to Latin-1 for invalid UTF-8", () => {
  const latin1 = new Uint8Array([0x73, 0x63, 0x68, 0x6c, 0xe4, 0x66, 0x72, 0x69, 0x67]);
  assert.equal(decodeBytesName(latin1, latin1.length), "schläfrig");
  const c1 = new Uint8Array([0x80, 0x9f]);
  assert.equal(decodeBytesName(c1, 2), "\u0080\u009f");
  // A UTF-8 sequence cut in the middle is not valid UTF-8 either.
  const cut = new TextEncoder().encode("ä");
  assert.equal(decodeBytesName(cut, 1), "\u00c3");
});

Deno.test("decodeBytesName only looks at the first length bytes", () => {
  const bytes = new Uint8Array([0x61, 0x62, 0xff, 0xfe]);
  assert.equal(decodeBytesName(bytes, 2), "ab");
});

Deno.test("decodeKind dispatches on 1, 2 and 4 and rejects other kinds", () => {
  assert.equal(decodeKind(1, new Uint8Array([0x61, 0xe4, 0x85]), 3), "a\u00e4\u0085");
  assert.equal(decodeKind(2, ucs2("睡眠"), 2), "睡眠");
  assert.equal(decodeKind(4, ucs4([0x20000, 0x7720]), 2), "𠀀眠");
  for (const kind of [0, 3, 5, 6, 7, 8]) assert.equal(decodeKind(kind, new Uint8Array(8), 1), null);
});

// ---------------------------------------------------------------------------
// Fakes: readString and readBytesObject against in-process memory

/** Memory made of a few byte ranges at fixed addresses. */
class FakeMemory implements RemoteMemory {
  readonly pid = 0;
  constructor(readonly regions: Map<number, Uint8Array>) {}

  buffer(size: number): ReadBuffer {
    const bytes = new Uint8Array(size);
    return { bytes, view: new DataView(bytes.buffer) };
  }

  read(address: number, length: number, into: ReadBuffer, at = 0): number {
    if (at + length > into.bytes.length) return -14;
    for (const [start, bytes] of this.regions) {
      if (address >= start && address + length <= start + bytes.length) {
        into.bytes.set(bytes.subarray(address - start, address - start + length), at);
        return length;
      }
    }
    return -14;
  }

  readMany(
    addresses: Float64Array,
    first: number,
    count: number,
    length: number,
    into: ReadBuffer,
  ): number {
    for (let i = 0; i < count; i++) {
      if (this.read(addresses[first + i], length, into, i * length) !== length) return i;
    }
    return count;
  }

  readSpans(addresses: Float64Array, lengths: Float64Array, count: number, into: ReadBuffer) {
    let at = 0;
    for (let i = 0; i < count; i++) {
      const got = this.read(addresses[i], lengths[i], into, at);
      if (got < 0) return at;
      at += got;
      if (got < lengths[i]) return at;
    }
    return at;
  }
}

const FAKE_OFFSETS = tableLayout({ major: 3, minor: 12, micro: 1 })!.strings;

/** A 3.12-shaped compact string object. */
function fakeString(length: number, kind: number, ascii: boolean, data: Uint8Array): Uint8Array {
  const dataAt = ascii ? FAKE_OFFSETS.asciiData : FAKE_OFFSETS.compactData;
  // Room for the largest header readString may read (a legacy string's data pointer).
  const object = new Uint8Array(Math.max(128, dataAt + data.length));
  const view = new DataView(object.buffer);
  view.setBigInt64(16, BigInt(length), true);
  view.setUint32(32, (kind << 2) | (1 << 5) | ((ascii ? 1 : 0) << 6), true);
  object.set(data, dataAt);
  return object;
}

Deno.test("readString rejects bad kinds, huge and negative lengths, and unreadable data", () => {
  const bad = fakeString(3, 3, false, new Uint8Array(12));
  const negative = fakeString(-1, 1, true, new Uint8Array(8));
  const good = fakeString(3, 1, true, new TextEncoder().encode("abc"));
  const tooLong = fakeString(MAX_STRING_LENGTH + 1, 1, true, new Uint8Array(0));
  const memory = new FakeMemory(
    new Map([[0x1000, bad], [0x2000, negative], [0x3000, good], [0x4000, tooLong]]),
  );
  const buffer = memory.buffer(65536);
  assert.equal(readString(memory, buffer, 0x1000, FAKE_OFFSETS), null);
  assert.equal(readString(memory, buffer, 0x2000, FAKE_OFFSETS), null);
  assert.equal(readString(memory, buffer, 0x3000, FAKE_OFFSETS), "abc");
  assert.equal(readString(memory, buffer, 0x4000, FAKE_OFFSETS), null);
  assert.equal(readString(memory, buffer, 0, FAKE_OFFSETS), null);
  assert.equal(readString(memory, buffer, 0x9000, FAKE_OFFSETS), null);
});

Deno.test("readString follows a legacy string's data pointer (3.11: +72, 3.12: +56)", () => {
  const text = new Uint8Array([0x73, 0x63, 0x68, 0x6c, 0xe4, 0x66, 0x72, 0x69, 0x67]);
  for (const minor of [6, 11, 12]) {
    const offsets = tableLayout({ major: 3, minor, micro: 0 })!.strings;
    const object = new Uint8Array(128);
    const view = new DataView(object.buffer);
    view.setBigInt64(offsets.unicodeLength, 9n, true);
    view.setUint32(offsets.unicodeState, (1 << 2) | (1 << 7), true); // kind 1, not compact
    view.setBigUint64(offsets.legacyData, 0x8000n, true);
    const memory = new FakeMemory(new Map([[0x1000, object], [0x8000, text]]));
    const buffer = memory.buffer(65536);
    assert.equal(readString(memory, buffer, 0x1000, offsets), "schläfrig", `3.${minor}`);
    // A NULL data pointer gives null.
    view.setBigUint64(offsets.legacyData, 0n, true);
    assert.equal(readString(memory, buffer, 0x1000, offsets), null, `3.${minor}`);
  }
});

Deno.test("readBytesObject rejects lengths above the limit or the buffer", () => {
  const object = new Uint8Array(64);
  new DataView(object.buffer).setBigInt64(16, 20n, true);
  object.set(new TextEncoder().encode("twenty bytes of data"), 32);
  const thirty = new Uint8Array(64);
  new DataView(thirty.buffer).setBigInt64(16, 30n, true);
  const memory = new FakeMemory(new Map([[0x1000, object], [0x2000, thirty]]));
  const big = memory.buffer(4096);
  assert.deepEqual(
    readBytesObject(memory, big, 0x1000, 32, 1 << 20),
    new TextEncoder().encode("twenty bytes of data"),
  );
  assert.equal(readBytesObject(memory, big, 0x1000, 32, 19), null);
  // 30 bytes do not fit in a 24-byte buffer; 20 do.
  assert.equal(readBytesObject(memory, memory.buffer(24), 0x2000, 32, 1 << 20), null);
  assert.equal(readBytesObject(memory, memory.buffer(24), 0x1000, 32, 1 << 20)?.length, 20);
  assert.equal(readBytesObject(memory, big, 0, 32, 1 << 20), null);
});

Deno.test("isWholeName: names as Python makes them, not ones read while being written", () => {
  for (
    const name of ["main", "Node.__init__", "<module>", "f.<locals>.<lambda>", "名前_𠀀", "a b"]
  ) {
    assert.equal(isWholeName(name), true, name);
  }
  // A newline in a name read mid-write once broke a sample's line in two.
  for (const name of ["", "\nmain", "ma\0in", "x\ry", "\t", "\x7f"]) {
    assert.equal(isWholeName(name), false, JSON.stringify(name));
  }
});
