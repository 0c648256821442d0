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

/**
 * How a thread's frames are kept, the one thing that decides how a stack
 * is walked:
 * - `"frame-objects"` (2.7–3.10): heap `PyFrameObject`s linked by `f_back`,
 *   the top one in `tstate->frame`;
 * - `"cframe"` (3.11, 3.12): `_PyInterpreterFrame`s on the thread's data
 *   stack linked by `previous`, the top one in `tstate->cframe->current_frame`;
 * - `"current-frame"` (3.13+): the same frames, the top one in
 *   `tstate->current_frame`.
 */
export type FrameEra = "frame-objects" | "cframe" | "current-frame";

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
  /**
   * 3.11+: the words a frame of this code takes on its thread's data stack
   * are the sum of the ints at these offsets and `frameSpecials`. From 3.12
   * that is `co_framesize`, the second int after `co_firstlineno`; 3.11 has
   * no such field and adds `co_stacksize`, `co_nlocalsplus` (the ints
   * before and after `co_firstlineno`) and `FRAME_SPECIALS_SIZE`. Empty
   * before 3.11.
   */
  frameWords: readonly number[];
  frameSpecials: number;
  /** Bytes to read to cover every field above. */
  size: number;
}

/** Offsets of the object header and of type objects, the same in every version here. */
export interface ObjectOffsets {
  /** `PyObject.ob_type`. */
  type: number;
  /** `PyVarObject.ob_size` (a bytes object's length, 3.11+ a code object's code units). */
  size: number;
  /** `PyTypeObject.tp_name`, a C string. */
  typeName: number;
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
  /** Bit positions in the `state` word: `kind` (3 bits), `compact`, `ascii`. */
  kindShift: number;
  compactBit: number;
  asciiBit: number;
}

/** Everything the walker needs to know about one CPython version. */
export interface Layout {
  version: PythonVersion;
  /** How the thread's frames are kept: decides which walk reads them. */
  frames: FrameEra;
  runtime: RuntimeOffsets;
  interpreter: InterpreterOffsets;
  gil: GilOffsets;
  thread: ThreadOffsets;
  frameObject: FrameObjectOffsets;
  interpreterFrame: InterpreterFrameOffsets;
  code: CodeOffsets;
  object: ObjectOffsets;
  strings: StringOffsets;
  lineFormat: LineFormat;
  /** 3.13+: frames may hold a non-code executable; check the type before use. */
  checkCodeType: boolean;
  /** Bit of `_status` that says the thread holds the GIL (3.13), or -1. */
  holdsGilBit: number;
}

/**
 * The object header in every version read here (x86-64, arm64; GIL
 * builds): `ob_refcnt`, then `ob_type` at 8 and a variable-size object's
 * `ob_size` at 16; `tp_name` follows them in a type object.
 */
export const OBJECT_OFFSETS: Readonly<ObjectOffsets> = Object.freeze({
  type: 8,
  size: 16,
  typeName: 24,
});

/**
 * The `state` bits of a string object, the same from 3.3 to 3.15 in GIL
 * builds (`interned:2, kind:3, compact:1, ascii:1`).
 */
export const UNICODE_STATE_BITS = Object.freeze({ kindShift: 2, compactBit: 5, asciiBit: 6 });

/** The largest of a set of offsets plus the width of the widest field. */
export function spanOf(offsets: readonly number[]): number {
  return Math.max(...offsets) + 8;
}

/**
 * `CodeOffsets.frameWords` and `frameSpecials` from `co_firstlineno`'s
 * offset: 3.12+ `co_framesize`; 3.11 `co_stacksize` + `co_nlocalsplus` +
 * `FRAME_SPECIALS_SIZE`, which is 9 (`(sizeof(_PyInterpreterFrame) - 1) /
 * sizeof(PyObject *)`, an 80-byte frame).
 */
export function frameWords(
  version: PythonVersion,
  firstLineNo: number,
): { frameWords: readonly number[]; frameSpecials: number } {
  if (version.major < 3 || (version.major === 3 && version.minor < 11)) {
    return { frameWords: [], frameSpecials: 0 };
  }
  if (version.major === 3 && version.minor === 11) {
    return { frameWords: [firstLineNo - 4, firstLineNo + 4], frameSpecials: 9 };
  }
  return { frameWords: [firstLineNo + 8], frameSpecials: 0 };
}
