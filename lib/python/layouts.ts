/**
 * Hard-coded structure layouts for CPython 2.7 and 3.6–3.12 on x86-64 Linux
 * (default GIL, release builds), as measured from each version's headers
 * (spec: cpython-layouts.md, section 2). 3.13 and later come from the
 * target's `_Py_DebugOffsets` instead (see `debug_offsets.ts`).
 *
 * @module
 */

import {
  frameWords,
  type Layout,
  type LineFormat,
  OBJECT_OFFSETS,
  spanOf,
  UNICODE_STATE_BITS,
} from "./layout.ts";
import type { PythonVersion } from "./version.ts";

const NONE = -1;

/** One column of the spec's tables: the fields that differ between versions. */
interface Column {
  runtime: [head: number, tstateCurrent: number, gilLastHolder: number, gcCollecting: number];
  interp: [threadsHead: number, id: number, gcCollecting: number, cevalGil: number];
  thread: [
    next: number,
    interp: number,
    frame: number,
    cframe: number,
    threadId: number,
    nativeThreadId: number,
    status: number,
  ];
  /** PyFrameObject f_lasti (f_back 24, f_code 32 everywhere). */
  lasti: number;
  /** _PyInterpreterFrame: code, previous, owner, cframe.current_frame (3.11+). */
  iframe?: [code: number, previous: number, owner: number, cframeCurrent: number, shim: number];
  code: [
    filename: number,
    name: number,
    qualname: number,
    firstLineNo: number,
    lineTable: number,
    codeAdaptive: number,
  ];
  /** PyCodeObject co_flags (up to 3.10). */
  flags?: number;
  bytesData: number;
  /** sizeof(PyASCIIObject), sizeof(PyCompactUnicodeObject). */
  unicode: [ascii: number, compact: number];
  lineFormat: LineFormat;
}

const COLUMNS: Record<string, Column> = {
  "2.7": {
    runtime: [NONE, NONE, NONE, NONE],
    interp: [8, NONE, NONE, NONE],
    thread: [0, 8, 16, NONE, 144, NONE, NONE],
    lasti: 120,
    code: [80, 88, NONE, 96, 104, NONE],
    flags: 28,
    bytesData: 36,
    unicode: [NONE, NONE],
    lineFormat: "lnotab-unsigned",
  },
  "3.6": {
    runtime: [NONE, NONE, NONE, NONE],
    interp: [8, NONE, NONE, NONE],
    thread: [8, 16, 24, NONE, 152, NONE, NONE],
    lasti: 120,
    code: [96, 104, NONE, 36, 112, NONE],
    flags: 32,
    bytesData: 32,
    unicode: [48, 72],
    lineFormat: "lnotab",
  },
  "3.7": {
    runtime: [24, 1480, 1272, 632],
    interp: [8, 16, NONE, NONE],
    thread: [8, 16, 24, NONE, 176, NONE, NONE],
    lasti: 104,
    code: [96, 104, NONE, 36, 112, NONE],
    flags: 32,
    bytesData: 32,
    unicode: [48, 72],
    lineFormat: "lnotab",
  },
  "3.8": {
    runtime: [32, 1368, 1160, 544],
    interp: [8, 16, NONE, NONE],
    thread: [8, 16, 24, NONE, 176, NONE, NONE],
    lasti: 104,
    code: [104, 112, NONE, 40, 120, NONE],
    flags: 36,
    bytesData: 32,
    unicode: [48, 72],
    lineFormat: "lnotab",
  },
  "3.9": {
    runtime: [32, 568, 360, NONE],
    interp: [8, 24, 816, NONE],
    thread: [8, 16, 24, NONE, 176, NONE, NONE],
    lasti: 104,
    code: [104, 112, NONE, 40, 120, NONE],
    flags: 36,
    bytesData: 32,
    unicode: [48, 72],
    lineFormat: "lnotab",
  },
  "3.10": {
    runtime: [32, 568, 360, NONE],
    interp: [8, 24, 816, NONE],
    thread: [8, 16, 24, NONE, 176, NONE, NONE],
    lasti: 96,
    code: [104, 112, NONE, 40, 120, NONE],
    flags: 36,
    bytesData: 32,
    unicode: [48, 72],
    lineFormat: "linetable310",
  },
  "3.11": {
    runtime: [40, 576, 368, NONE],
    interp: [16, 48, 848, NONE],
    thread: [8, 16, NONE, 56, 152, 160, NONE],
    lasti: NONE,
    iframe: [32, 48, 69, 8, 256],
    code: [112, 120, 128, 72, 136, 184],
    bytesData: 32,
    unicode: [48, 72],
    lineFormat: "locations",
  },
  "3.12": {
    runtime: [40, NONE, NONE, NONE],
    interp: [72, 8, 312, 384],
    thread: [8, 16, NONE, 56, 136, 144, 24],
    lasti: NONE,
    iframe: [0, 8, 70, 0, 3],
    code: [112, 120, 128, 68, 136, 192],
    bytesData: 32,
    unicode: [40, 56],
    lineFormat: "locations",
  },
};

/** The interpreter frame size (3.11–3.13). */
const INTERPRETER_FRAME_SIZE = 80;
/** `_PyInterpreterFrame.prev_instr` / `instr_ptr`. */
const INSTR_PTR = 56;

function build(version: PythonVersion, c: Column): Layout {
  const [head, tstateCurrent, gilLastHolder, runtimeGc] = c.runtime;
  const [threadsHead, id, interpGc, cevalGil] = c.interp;
  const [next, interp, frame, cframe, threadId, nativeThreadId, status] = c.thread;
  const [filename, name, qualname, firstLineNo, lineTable, codeAdaptive] = c.code;
  const frameSize = frameWords(version, firstLineNo);
  const [iCode, iPrevious, iOwner, cframeCurrent, shim] = c.iframe ?? [NONE, NONE, NONE, NONE, 256];
  return {
    version,
    frames: frame >= 0 ? "frame-objects" : "cframe",
    runtime: {
      interpretersHead: head,
      tstateCurrent,
      gilLastHolder,
      gilLocked: gilLastHolder < 0 ? NONE : gilLastHolder + 8,
      gcCollecting: runtimeGc,
    },
    interpreter: { next: 0, threadsHead, id, gcCollecting: interpGc, cevalGil },
    gil: { lastHolder: 8, locked: 16 },
    thread: {
      next,
      interp,
      frame,
      cframe,
      cframeCurrentFrame: cframeCurrent,
      currentFrame: NONE,
      threadId,
      nativeThreadId,
      status,
      size: spanOf([next, interp, frame, cframe, threadId, nativeThreadId, status]),
    },
    frameObject: { back: 24, code: 32, lasti: c.lasti, size: spanOf([24, 32, c.lasti]) },
    interpreterFrame: {
      code: iCode,
      previous: iPrevious,
      instrPtr: INSTR_PTR,
      owner: iOwner,
      size: INTERPRETER_FRAME_SIZE,
      shimOwnerMin: shim,
      taggedCode: false,
    },
    code: {
      filename,
      name,
      qualname,
      firstLineNo,
      lineTable,
      codeAdaptive,
      flags: c.flags ?? NONE,
      ...frameSize,
      size: spanOf([filename, name, qualname, firstLineNo, lineTable, ...frameSize.frameWords]),
    },
    object: { ...OBJECT_OFFSETS },
    strings: {
      bytesNames: version.major === 2,
      bytesData: c.bytesData,
      unicodeLength: 16,
      unicodeState: 32,
      asciiData: c.unicode[0],
      compactData: c.unicode[1],
      legacyData: c.unicode[1],
      ...UNICODE_STATE_BITS,
    },
    lineFormat: c.lineFormat,
    checkCodeType: false,
    holdsGilBit: NONE,
  };
}

/** The hard-coded layout for a version, or null if it has none (3.13+ use debug offsets). */
export function tableLayout(version: PythonVersion): Layout | null {
  const column = COLUMNS[`${version.major}.${version.minor}`];
  return column === undefined ? null : build(version, column);
}
