/**
 * Layouts for CPython 3.13 and later, built from the `_Py_DebugOffsets`
 * block the interpreter embeds at the start of `_PyRuntime` (spec:
 * cpython-layouts.md, section 7). Only what the block does not carry is
 * hard-coded here: the block's own field order per minor version, string
 * state bits (in `strings.ts`), frame owner values and the 3.14 stack
 * reference tag.
 *
 * @module
 */

import { type Layout, spanOf } from "./layout.ts";
import { fromHex, type PythonVersion } from "./version.ts";

/** `"xdebugpy"`, the first 8 bytes of the block. */
export const DEBUG_COOKIE = "xdebugpy";

/** Bytes to read to cover the largest known block (3.14: 760). */
export const DEBUG_OFFSETS_SIZE = 760;

/** The block's sections and their fields, in order, each field a u64; `size` first. */
type Shape = ReadonlyArray<readonly [section: string, fields: readonly string[]]>;

const SHAPE_313: Shape = [
  ["runtime_state", ["size", "finalizing", "interpreters_head"]],
  ["interpreter_state", [
    "size",
    "id",
    "next",
    "threads_head",
    "gc",
    "imports_modules",
    "sysdict",
    "builtins",
    "ceval_gil",
    "gil_runtime_state",
    "gil_runtime_state_enabled",
    "gil_runtime_state_locked",
    "gil_runtime_state_holder",
  ]],
  ["thread_state", [
    "size",
    "prev",
    "next",
    "interp",
    "current_frame",
    "thread_id",
    "native_thread_id",
    "datastack_chunk",
    "status",
  ]],
  ["interpreter_frame", ["size", "previous", "executable", "instr_ptr", "localsplus", "owner"]],
  ["code_object", [
    "size",
    "filename",
    "name",
    "qualname",
    "linetable",
    "firstlineno",
    "argcount",
    "localsplusnames",
    "localspluskinds",
    "co_code_adaptive",
  ]],
  ["pyobject", ["size", "ob_type"]],
  ["type_object", ["size", "tp_name", "tp_repr", "tp_flags"]],
  ["tuple_object", ["size", "ob_item", "ob_size"]],
  ["list_object", ["size", "ob_item", "ob_size"]],
  ["dict_object", ["size", "ma_keys", "ma_values"]],
  ["float_object", ["size", "ob_fval"]],
  ["long_object", ["size", "lv_tag", "ob_digit"]],
  ["bytes_object", ["size", "ob_size", "ob_sval"]],
  ["unicode_object", ["size", "state", "length", "asciiobject_size"]],
  ["gc", ["size", "collecting"]],
];

/**
 * 3.14 (checked against the spec's reading of the 3.14 headers, not against
 * a 3.14 binary): new fields in the interpreter, frame and code sections and
 * new sections for sets, generators, list nodes and debugger support.
 */
const SHAPE_314: Shape = [
  ["runtime_state", ["size", "finalizing", "interpreters_head"]],
  ["interpreter_state", [
    "size",
    "id",
    "next",
    "threads_head",
    "threads_main",
    "gc",
    "imports_modules",
    "sysdict",
    "builtins",
    "ceval_gil",
    "gil_runtime_state",
    "gil_runtime_state_enabled",
    "gil_runtime_state_locked",
    "gil_runtime_state_holder",
    "code_object_generation",
    "tlbc_generation",
  ]],
  SHAPE_313[2],
  ["interpreter_frame", [
    "size",
    "previous",
    "executable",
    "instr_ptr",
    "localsplus",
    "owner",
    "stackpointer",
    "tlbc_index",
  ]],
  ["code_object", [...SHAPE_313[4][1], "co_tlbc"]],
  SHAPE_313[5],
  SHAPE_313[6],
  SHAPE_313[7],
  SHAPE_313[8],
  ["set_object", ["size", "used", "table", "mask"]],
  SHAPE_313[9],
  SHAPE_313[10],
  SHAPE_313[11],
  SHAPE_313[12],
  SHAPE_313[13],
  SHAPE_313[14],
  ["gen_object", ["size", "gi_name", "gi_iframe", "gi_frame_state"]],
  ["llist_node", ["next", "prev"]],
  ["debugger_support", [
    "eval_breaker",
    "remote_debugger_support",
    "remote_debugging_enabled",
    "debugger_pending_call",
    "debugger_script_path",
    "debugger_script_path_size",
  ]],
];

/** Why a debug-offsets block could not be used. */
export class DebugOffsetsError extends Error {}

function u64(view: DataView, at: number): number {
  return view.getUint32(at, true) + view.getUint32(at + 4, true) * 4294967296;
}

/** Reads the fields of a block into `section.field` → value. */
function readFields(view: DataView, shape: Shape): Map<string, number> {
  const values = new Map<string, number>();
  let at = 24; // after cookie, version and free_threaded
  for (const [section, fields] of shape) {
    for (const field of fields) {
      if (at + 8 > view.byteLength) throw new DebugOffsetsError("debug offsets block is truncated");
      values.set(`${section}.${field}`, u64(view, at));
      at += 8;
    }
  }
  return values;
}

/** True if the bytes start with the debug-offsets cookie. */
export function hasDebugCookie(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  for (let i = 0; i < 8; i++) if (bytes[i] !== DEBUG_COOKIE.charCodeAt(i)) return false;
  return true;
}

/** The `version` field of a block (PY_VERSION_HEX). */
export function debugOffsetsVersion(bytes: Uint8Array): PythonVersion {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return fromHex(view.getUint32(8, true));
}

/**
 * Builds a layout from the bytes of a `_Py_DebugOffsets` block. Throws
 * {@link DebugOffsetsError} for a block of an unknown minor version older
 * than 3.13, or a free-threaded build.
 */
export function layoutFromDebugOffsets(bytes: Uint8Array): Layout {
  if (!hasDebugCookie(bytes)) throw new DebugOffsetsError("no debug offsets cookie");
  if (bytes.length < 24) throw new DebugOffsetsError("debug offsets block is truncated");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = fromHex(view.getUint32(8, true));
  if (u64(view, 16) !== 0) {
    throw new DebugOffsetsError("free-threaded CPython builds are not supported");
  }
  if (version.major !== 3 || version.minor < 13) {
    throw new DebugOffsetsError(
      `unexpected debug offsets version ${version.major}.${version.minor}`,
    );
  }
  const is313 = version.minor === 13;
  const f = readFields(view, is313 ? SHAPE_313 : SHAPE_314);
  const get = (name: string): number => f.get(name) as number;
  const gilBase = get("interpreter_state.gil_runtime_state");
  const thread = {
    next: get("thread_state.next"),
    interp: get("thread_state.interp"),
    frame: -1,
    cframe: -1,
    cframeCurrentFrame: -1,
    currentFrame: get("thread_state.current_frame"),
    threadId: get("thread_state.thread_id"),
    nativeThreadId: get("thread_state.native_thread_id"),
    status: get("thread_state.status"),
    size: 0,
  };
  thread.size = spanOf([
    thread.next,
    thread.interp,
    thread.currentFrame,
    thread.threadId,
    thread.nativeThreadId,
    thread.status,
  ]);
  const code = {
    filename: get("code_object.filename"),
    name: get("code_object.name"),
    qualname: get("code_object.qualname"),
    firstLineNo: get("code_object.firstlineno"),
    lineTable: get("code_object.linetable"),
    codeAdaptive: get("code_object.co_code_adaptive"),
    flags: -1,
    size: 0,
  };
  code.size = spanOf([code.filename, code.name, code.qualname, code.firstLineNo, code.lineTable]);
  const asciiSize = get("unicode_object.asciiobject_size");
  return {
    version,
    runtime: {
      interpretersHead: get("runtime_state.interpreters_head"),
      tstateCurrent: -1,
      gilLastHolder: -1,
      gilLocked: -1,
      gcCollecting: -1,
    },
    interpreter: {
      next: get("interpreter_state.next"),
      threadsHead: get("interpreter_state.threads_head"),
      id: get("interpreter_state.id"),
      gcCollecting: get("interpreter_state.gc") + get("gc.collecting"),
      cevalGil: get("interpreter_state.ceval_gil"),
    },
    gil: {
      lastHolder: get("interpreter_state.gil_runtime_state_holder") - gilBase,
      locked: get("interpreter_state.gil_runtime_state_locked") - gilBase,
    },
    thread,
    frameObject: { back: -1, code: -1, lasti: -1, size: 0 },
    interpreterFrame: {
      code: get("interpreter_frame.executable"),
      previous: get("interpreter_frame.previous"),
      instrPtr: get("interpreter_frame.instr_ptr"),
      owner: get("interpreter_frame.owner"),
      size: get("interpreter_frame.size"),
      // 3.13: FRAME_OWNED_BY_CSTACK = 3; 3.14: INTERPRETER = 3, CSTACK = 4.
      shimOwnerMin: 3,
      // 3.14: f_executable is a _PyStackRef whose low bits are tags.
      taggedCode: !is313,
    },
    code,
    strings: {
      bytesNames: false,
      bytesData: get("bytes_object.ob_sval"),
      unicodeLength: get("unicode_object.length"),
      unicodeState: get("unicode_object.state"),
      asciiData: asciiSize,
      compactData: asciiSize + 16,
      legacyData: asciiSize + 16,
    },
    lineFormat: "locations",
    checkCodeType: true,
    // 3.13: _status.holds_gil is bit 5; 3.14 moved it to its own int.
    holdsGilBit: is313 ? 5 : -1,
  };
}
