/**
 * Tests for the hard-coded layouts of 2.7 and 3.6–3.12 against the tables of
 * cpython-layouts.md, section 2 (co_flags, which the spec does not list,
 * against the PyCodeObject definitions of each version's headers).
 */

import assert from "node:assert/strict";
import type { Layout } from "./layout.ts";
import { tableLayout } from "./layouts.ts";

const N = -1;

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** Asserts that every value given in `expected` is the one in `actual`. */
function assertSubset(actual: unknown, expected: unknown, path: string): void {
  if (expected !== null && typeof expected === "object") {
    assert.ok(actual !== null && typeof actual === "object", `${path} is an object`);
    for (const [key, value] of Object.entries(expected)) {
      assertSubset((actual as Record<string, unknown>)[key], value, `${path}.${key}`);
    }
  } else {
    assert.equal(actual, expected, path);
  }
}

/** Fields every version of the table shares. */
const COMMON: DeepPartial<Layout> = {
  interpreter: { next: 0 },
  gil: { lastHolder: 8, locked: 16 },
  checkCodeType: false,
  holdsGilBit: N,
};

/** Frame-object versions (up to 3.10): no 3.11+ fields. */
const FRAME_OBJECT_ERA: DeepPartial<Layout> = {
  thread: { cframe: N, cframeCurrentFrame: N, currentFrame: N, nativeThreadId: N, status: N },
  frameObject: { back: 24, code: 32 },
  interpreterFrame: { code: N, previous: N, owner: N, shimOwnerMin: 256, taggedCode: false },
  code: { qualname: N, codeAdaptive: N },
};

const PY3_STRINGS_OLD = {
  bytesNames: false,
  bytesData: 32,
  unicodeLength: 16,
  unicodeState: 32,
  asciiData: 48,
  compactData: 72,
  legacyData: 72,
};

const EXPECTED: Record<string, DeepPartial<Layout>[]> = {
  "2.7": [FRAME_OBJECT_ERA, {
    runtime: {
      interpretersHead: N,
      tstateCurrent: N,
      gilLastHolder: N,
      gilLocked: N,
      gcCollecting: N,
    },
    interpreter: { threadsHead: 8, id: N, gcCollecting: N, cevalGil: N },
    thread: { next: 0, interp: 8, frame: 16, threadId: 144 },
    frameObject: { lasti: 120 },
    code: { filename: 80, name: 88, firstLineNo: 96, lineTable: 104, flags: 28 },
    strings: { bytesNames: true, bytesData: 36 },
    lineFormat: "lnotab-unsigned",
  }],
  "3.6": [FRAME_OBJECT_ERA, {
    runtime: {
      interpretersHead: N,
      tstateCurrent: N,
      gilLastHolder: N,
      gilLocked: N,
      gcCollecting: N,
    },
    interpreter: { threadsHead: 8, id: N, gcCollecting: N, cevalGil: N },
    thread: { next: 8, interp: 16, frame: 24, threadId: 152 },
    frameObject: { lasti: 120 },
    code: { filename: 96, name: 104, firstLineNo: 36, lineTable: 112, flags: 32 },
    strings: PY3_STRINGS_OLD,
    lineFormat: "lnotab",
  }],
  "3.7": [FRAME_OBJECT_ERA, {
    runtime: {
      interpretersHead: 24,
      tstateCurrent: 1480,
      gilLastHolder: 1272,
      gilLocked: 1280,
      gcCollecting: 632,
    },
    interpreter: { threadsHead: 8, id: 16, gcCollecting: N, cevalGil: N },
    thread: { next: 8, interp: 16, frame: 24, threadId: 176 },
    frameObject: { lasti: 104 },
    code: { filename: 96, name: 104, firstLineNo: 36, lineTable: 112, flags: 32 },
    strings: PY3_STRINGS_OLD,
    lineFormat: "lnotab",
  }],
  "3.8": [FRAME_OBJECT_ERA, {
    runtime: {
      interpretersHead: 32,
      tstateCurrent: 1368,
      gilLastHolder: 1160,
      gilLocked: 1168,
      gcCollecting: 544,
    },
    interpreter: { threadsHead: 8, id: 16, gcCollecting: N, cevalGil: N },
    thread: { next: 8, interp: 16, frame: 24, threadId: 176 },
    frameObject: { lasti: 104 },
    code: { filename: 104, name: 112, firstLineNo: 40, lineTable: 120, flags: 36 },
    strings: PY3_STRINGS_OLD,
    lineFormat: "lnotab",
  }],
  "3.9": [FRAME_OBJECT_ERA, {
    runtime: {
      interpretersHead: 32,
      tstateCurrent: 568,
      gilLastHolder: 360,
      gilLocked: 368,
      gcCollecting: N,
    },
    interpreter: { threadsHead: 8, id: 24, gcCollecting: 816, cevalGil: N },
    thread: { next: 8, interp: 16, frame: 24, threadId: 176 },
    frameObject: { lasti: 104 },
    code: { filename: 104, name: 112, firstLineNo: 40, lineTable: 120, flags: 36 },
    strings: PY3_STRINGS_OLD,
    lineFormat: "lnotab",
  }],
  "3.10": [FRAME_OBJECT_ERA, {
    runtime: {
      interpretersHead: 32,
      tstateCurrent: 568,
      gilLastHolder: 360,
      gilLocked: 368,
      gcCollecting: N,
    },
    interpreter: { threadsHead: 8, id: 24, gcCollecting: 816, cevalGil: N },
    thread: { next: 8, interp: 16, frame: 24, threadId: 176 },
    frameObject: { lasti: 96 },
    code: { filename: 104, name: 112, firstLineNo: 40, lineTable: 120, flags: 36 },
    strings: PY3_STRINGS_OLD,
    lineFormat: "linetable310",
  }],
  "3.11": [{
    runtime: {
      interpretersHead: 40,
      tstateCurrent: 576,
      gilLastHolder: 368,
      gilLocked: 376,
      gcCollecting: N,
    },
    interpreter: { threadsHead: 16, id: 48, gcCollecting: 848, cevalGil: N },
    thread: {
      next: 8,
      interp: 16,
      frame: N,
      cframe: 56,
      cframeCurrentFrame: 8,
      currentFrame: N,
      threadId: 152,
      nativeThreadId: 160,
      status: N,
    },
    frameObject: { lasti: N },
    interpreterFrame: {
      code: 32,
      previous: 48,
      instrPtr: 56,
      owner: 69,
      size: 80,
      shimOwnerMin: 256,
      taggedCode: false,
    },
    code: {
      filename: 112,
      name: 120,
      qualname: 128,
      firstLineNo: 72,
      lineTable: 136,
      codeAdaptive: 184,
      flags: N,
    },
    strings: PY3_STRINGS_OLD,
    lineFormat: "locations",
  }],
  "3.12": [{
    runtime: {
      interpretersHead: 40,
      tstateCurrent: N,
      gilLastHolder: N,
      gilLocked: N,
      gcCollecting: N,
    },
    interpreter: { threadsHead: 72, id: 8, gcCollecting: 312, cevalGil: 384 },
    thread: {
      next: 8,
      interp: 16,
      frame: N,
      cframe: 56,
      cframeCurrentFrame: 0,
      currentFrame: N,
      threadId: 136,
      nativeThreadId: 144,
      status: 24,
    },
    frameObject: { lasti: N },
    interpreterFrame: {
      code: 0,
      previous: 8,
      instrPtr: 56,
      owner: 70,
      size: 80,
      shimOwnerMin: 3,
      taggedCode: false,
    },
    code: {
      filename: 112,
      name: 120,
      qualname: 128,
      firstLineNo: 68,
      lineTable: 136,
      codeAdaptive: 192,
      flags: N,
    },
    strings: {
      bytesNames: false,
      bytesData: 32,
      unicodeLength: 16,
      unicodeState: 32,
      asciiData: 40,
      compactData: 56,
      legacyData: 56,
    },
    lineFormat: "locations",
  }],
};

const MICROS: Record<string, number> = {
  "2.7": 18,
  "3.6": 15,
  "3.7": 16,
  "3.8": 18,
  "3.9": 18,
  "3.10": 13,
  "3.11": 7,
  "3.12": 1,
};

/** The largest offset a read span must cover, among the given (present) fields. */
function needs(offsets: number[]): number {
  return Math.max(...offsets.filter((o) => o >= 0)) + 8;
}

for (const [minorText, parts] of Object.entries(EXPECTED)) {
  Deno.test(`tableLayout ${minorText} matches the spec's section 2 tables`, () => {
    const [major, minor] = minorText.split(".").map(Number);
    const version = { major, minor, micro: MICROS[minorText] };
    const layout = tableLayout(version);
    assert.ok(layout !== null, `no layout for ${minorText}`);
    assert.deepEqual(layout.version, version);
    assertSubset(layout, COMMON, minorText);
    for (const part of parts) assertSubset(layout, part, minorText);

    // Read spans cover every field they are used for.
    const t = layout.thread;
    const threadFields = [t.next, t.interp, t.frame, t.cframe, t.threadId, t.nativeThreadId];
    assert.ok(t.size >= needs([...threadFields, t.status]), `${minorText} thread.size ${t.size}`);
    const c = layout.code;
    const codeFields = [c.filename, c.name, c.qualname, c.firstLineNo, c.lineTable, c.flags];
    assert.ok(c.size >= needs(codeFields), `${minorText} code.size ${c.size}`);
    if (layout.frameObject.lasti >= 0) {
      const f = layout.frameObject;
      assert.ok(f.size >= needs([f.back, f.code, f.lasti]), `${minorText} frameObject.size`);
    }
    if (layout.interpreterFrame.code >= 0) {
      const i = layout.interpreterFrame;
      assert.ok(i.size >= needs([i.code, i.previous, i.instrPtr]) && i.size > i.owner);
    }
  });
}

Deno.test("tableLayout ignores the micro version", () => {
  assert.deepEqual(
    { ...tableLayout({ major: 3, minor: 11, micro: 2 }), version: null },
    { ...tableLayout({ major: 3, minor: 11, micro: 7 }), version: null },
  );
  assert.deepEqual(tableLayout({ major: 3, minor: 8, micro: -1 })?.runtime.interpretersHead, 32);
});

Deno.test("tableLayout has no table for 3.13+ (debug offsets) or unsupported versions", () => {
  for (
    const [major, minor] of [[3, 13], [3, 14], [3, 15], [3, 5], [3, 0], [2, 6], [4, 0], [0, 0]]
  ) {
    assert.equal(tableLayout({ major, minor, micro: 0 }), null, `${major}.${minor}`);
  }
});

Deno.test("tableLayout returns independent objects", () => {
  const a = tableLayout({ major: 3, minor: 9, micro: 18 })!;
  const b = tableLayout({ major: 3, minor: 9, micro: 18 })!;
  a.thread.next = 12345;
  assert.equal(b.thread.next, 8);
});
