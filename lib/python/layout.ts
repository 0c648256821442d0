/**
 * The shape of CPython's internal structures, as byte offsets, for one
 * Python version. Hard-coded tables live in `layouts.ts`; 3.13 and later are
 * built from the target's own `_Py_DebugOffsets` in `debug_offsets.ts`.
 *
 * -1 marks a field that the version does not have.
 *
 * @module
 */

import type { PythonVersion } from "./version.ts";

/** How a code object's line table is encoded. */
export type LineFormat = "lnotab-unsigned" | "lnotab" | "linetable310" | "locations";

/** Offsets inside `_PyRuntimeState` (3.7+). */
export interface RuntimeOffsets {
  interpretersHead: number;
  /** `gilstate.tstate_current` (3.7–3.11). */
  tstateCurrent: number;
  /** `ceval.gil.last_holder` inside the runtime (3.7–3.11). */
  gilLastHolder: number;
  /** `ceval.gil.locked` inside the runtime (3.7–3.11). */
  gilLocked: number;
  /** `gc.collecting` inside the runtime (3.7, 3.8). */
  gcCollecting: number;
}

/** Offsets inside `PyInterpreterState`. */
export interface InterpreterOffsets {
  next: number;
  threadsHead: number;
  id: number;
  /** `gc.collecting` (3.9+). */
  gcCollecting: number;
  /** `ceval.gil`, a pointer to the GIL state (3.12+). */
  cevalGil: number;
}

/** Offsets inside `struct _gil_runtime_state`. */
export interface GilOffsets {
  lastHolder: number;
  locked: number;
}

/** Offsets inside `PyThreadState`. */
export interface ThreadOffsets {
  next: number;
  interp: number;
  /** `frame` (PyFrameObject *, up to 3.10). */
  frame: number;
  /** `cframe` (3.11, 3.12). */
  cframe: number;
  /** `_PyCFrame.current_frame` (3.11: 8, 3.12: 0). */
  cframeCurrentFrame: number;
  /** `current_frame` (3.13+). */
  currentFrame: number;
  threadId: number;
  nativeThreadId: number;
  /** `_status` bit field word (3.12+). */
  status: number;
  /** Bytes to read to cover every field above. */
  size: number;
}

/** Offsets inside `PyFrameObject` (up to 3.10). */
export interface FrameObjectOffsets {
  back: number;
  code: number;
  lasti: number;
  size: number;
}

/** Offsets inside `_PyInterpreterFrame` (3.11+). */
export interface InterpreterFrameOffsets {
  code: number;
  previous: number;
  instrPtr: number;
  owner: number;
  size: number;
  /** Owner values at or above this are shim frames to skip (256: none). */
  shimOwnerMin: number;
  /** The code pointer is a tagged `_PyStackRef` (3.14+): clear the low bits. */
  taggedCode: boolean;
}

/** Offsets inside `PyCodeObject`. */
export interface CodeOffsets {
  filename: number;
  name: number;
  qualname: number;
  firstLineNo: number;
  lineTable: number;
  codeAdaptive: number;
  /** `co_flags` (up to 3.10, to tell generator frames), or -1. */
  flags: number;
  /** Bytes to read to cover every field above. */
  size: number;
}

/** Offsets of string objects. */
export interface StringOffsets {
  /** Python 2 `str` objects are byte strings. */
  bytesNames: boolean;
  /** `PyBytesObject.ob_sval` (2.7 `PyStringObject.ob_sval`). */
  bytesData: number;
  unicodeLength: number;
  unicodeState: number;
  /** Data of a compact ASCII string: sizeof(PyASCIIObject). */
  asciiData: number;
  /** Data of a compact non-ASCII string: sizeof(PyCompactUnicodeObject). */
  compactData: number;
  /** `PyUnicodeObject.data.any` of a legacy string. */
  legacyData: number;
}

/** Everything the walker needs to know about one CPython version. */
export interface Layout {
  version: PythonVersion;
  runtime: RuntimeOffsets;
  interpreter: InterpreterOffsets;
  gil: GilOffsets;
  thread: ThreadOffsets;
  frameObject: FrameObjectOffsets;
  interpreterFrame: InterpreterFrameOffsets;
  code: CodeOffsets;
  strings: StringOffsets;
  lineFormat: LineFormat;
  /** 3.13+: frames may hold a non-code executable; check the type before use. */
  checkCodeType: boolean;
  /** Bit of `_status` that says the thread holds the GIL (3.13), or -1. */
  holdsGilBit: number;
}

/** The largest of a set of offsets plus the width of the widest field. */
export function spanOf(offsets: readonly number[]): number {
  return Math.max(...offsets) + 8;
}
