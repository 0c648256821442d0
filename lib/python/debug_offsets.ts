/**
 * Layouts for CPython 3.13 and later, built from the `_Py_DebugOffsets`
 * block the interpreter embeds at the start of `_PyRuntime` (spec:
 * cpython-layouts.md, section 7). Only what the block does not carry is
 * hard-coded here: the block's own field order per minor version, string
 * state bits (in `strings.ts`), frame owner values and the 3.14 stack
 * reference tag.
 *
 * ## Where the hard-coded facts come from
 *
 * Sources (all read for facts only; no code was taken from them):
 *
 * - **[H313]** CPython 3.13.0's own headers, as installed from the 3.13.0
 *   release (the tarball of tag `v3.13.0`, commit 60403a5409ff…) by pyenv:
 *   `internal/pycore_frame.h`, `internal/pycore_runtime.h`,
 *   `internal/pycore_code.h`, `cpython/pystate.h`, `cpython/unicodeobject.h`.
 * - **[H314]** CPython 3.14.10's headers as shipped in Debian's
 *   `libpython3.14-dev` 3.14.10-1: `internal/pycore_debug_offsets.h`,
 *   `internal/pycore_runtime_structs.h`, `internal/pycore_interpframe_structs.h`,
 *   `internal/pycore_interpframe.h`, `internal/pycore_stackref.h`,
 *   `internal/pycore_code.h`, `cpython/pystate.h`, `cpython/unicodeobject.h`.
 * - **[B314]** The `_Py_DebugOffsets` block itself, read from the
 *   `.PyRuntime` section of Debian's `libpython3.14.so.1.0` (package
 *   `libpython3.14` 3.14.10-1; the statically linked `python3.14` of
 *   `python3.14-minimal` has the same first 760 bytes): version 0x030e0af0,
 *   free_threaded 0, and every value fits the 3.14 shape below (the values
 *   are in debug_offsets_test.ts).
 * - **[DEV]** python/cpython at commit 7a57f7c2c7d3b5a6271ad92b4598d23687e9aa31
 *   (a 3.14 development snapshot of `internal/pycore_debug_offsets.h`) and at
 *   01d08a8591927f382e1f82e4543c86f3e6404ed3 (an earlier one, with 3.13's
 *   field list).
 * - **[H315]** CPython 3.15.2's headers as shipped in Debian's
 *   `libpython3.15-dev` 3.15.2-1: the same files as [H314], plus
 *   `internal/pycore_interp_structs.h` and `internal/pycore_gil.h`.
 * - **[B313]**, **[B315]** The blocks in Debian's `libpython3.13` 3.13.18-1
 *   (the 3.13 shape, 584 bytes) and `libpython3.15` 3.15.2-1 (the 3.15
 *   shape, 888 bytes).
 *
 * Not read: the `v3.14.0` tag itself (commit ebf955df7a89…). No stored copy
 * of these files at that commit was available and the repository was too
 * large to fetch. CPython promises that the block "is only guaranteed to be
 * stable between patch versions for a given minor version"
 * (pycore_runtime_structs.h, [H314]); so 3.14.0 – 3.14.9 rely on that
 * promise, and only 3.14.10 was checked.
 *
 * Walked live by the tests: Debian sid's 3.14.10 and 3.15.2, each as the
 * release build, the `Py_DEBUG` build (`python3.X-dbg`, whose blocks carry
 * its own larger sizes and offsets, so nothing here changes for it) and the
 * `-nopie` build (tests/pythons/debian.sh fetches them). Still unverified:
 * which 3.14 pre-releases shipped the development variant, and
 * `Py_STACKREF_DEBUG` builds; free-threaded builds are rejected below.
 *
 * @module
 */

import { frameWords, type Layout, spanOf, UNICODE_STATE_BITS } from "./layout.ts";
import { fromHex, type PythonVersion } from "./version.ts";
import { u64 } from "../bytes.ts";

/** `"xdebugpy"`, the first 8 bytes of the block. */
export const DEBUG_COOKIE = "xdebugpy";

/** Bytes to read to cover the largest known block (3.15: 888). */
export const DEBUG_OFFSETS_SIZE = 888;

/**
 * The newest minor version whose block shape is known (3.15). Newer versions
 * are read with its shape after a plausibility check, and
 * {@link debugOffsetsWarning} gives the caller a warning to print. A newer
 * block whose shape changed the way 3.15's did against 3.14's (fields added
 * in the middle) fails that check and is reported rather than misread.
 */
export const NEWEST_KNOWN_MINOR = 15;

/** Austin's own warning for a version it does not know (austin-behaviour.md 9.1). */
export const UNSUPPORTED_VERSION_WARNING =
  "Unsupported Python version detected. Austin might not work as expected.";

/**
 * The frame `owner` values at and above which a frame is a shim to skip.
 * 3.13.0 ([H313] `pycore_frame.h`): THREAD 0, GENERATOR 1, FRAME_OBJECT 2,
 * CSTACK 3. 3.14.10 ([H314] `pycore_interpframe_structs.h`): THREAD 0,
 * GENERATOR 1, FRAME_OBJECT 2, INTERPRETER 3, CSTACK 4, and
 * `_PyFrame_IsIncomplete()` (`pycore_interpframe.h`) treats `owner >=
 * FRAME_OWNED_BY_INTERPRETER` as incomplete. (3.15.2 drops CSTACK and keeps
 * INTERPRETER = 3.) So skipping `owner >= 3` is right for all of them.
 */
const SHIM_OWNER_MIN = 3;

/**
 * The `_status` bit that says a 3.13 thread holds the GIL: [H313]
 * `cpython/pystate.h` declares `initialized`, `bound`, `unbound`,
 * `bound_gilstate`, `active`, `holds_gil` as the first bits of `_status`
 * (bit 5). In 3.14 ([H314] `cpython/pystate.h`) `holds_gil` is an `int` of
 * its own right after the 4-byte `_status` (tstate + 36), which the block
 * does not describe, so the walker uses the GIL's `last_holder` there.
 */
const HOLDS_GIL_BIT_313 = 5;

/** The block's sections and their fields, in order, each field a u64; `size` first. */
type Shape = ReadonlyArray<readonly [section: string, fields: readonly string[]]>;

/** 3.13 ([H313] `pycore_runtime.h`, and live 3.13.0 / [B313]): 584 bytes. */
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
 * 3.14, 760 bytes: checked section by section and field by field against
 * `struct _Py_DebugOffsets` in [H314] `pycore_debug_offsets.h` (nested
 * structs in this order, every field a `uint64_t`, after `char cookie[8]`,
 * `version` and `free_threaded`), and against the block of a real 3.14.10
 * build ([B314]). [H314] `pycore_runtime_structs.h` has `debug_offsets` as
 * the first member of `struct pyruntimestate`. In a GIL build
 * `tlbc_generation`, `tlbc_index` and `co_tlbc` are 0 (the
 * `_Py_Debug_*` macros of the header; [B314] agrees).
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

/**
 * 3.15, 888 bytes: checked field by field against `struct _Py_DebugOffsets`
 * in [H315] `pycore_debug_offsets.h` and against the block of the real
 * 3.15.2 build ([B315]). Against 3.14: `thread_state` gained `base_frame`,
 * `last_profiled_frame` and `last_profiled_frame_seq` after `current_frame`
 * and `holds_gil`, `gil_requested`, `current_exception`, `exc_state` after
 * `status`; a sizeless `err_stackitem` section follows it; `type_object`
 * gained `tp_basicsize` and `tp_dictoffset`; a `heap_type_object` section
 * follows it; `unicode_object` gained `compactunicodeobject_size` and `gc`
 * gained `frame`, `generation_stats_size` and `generation_stats`.
 */
const SHAPE_315: Shape = [
  SHAPE_314[0],
  SHAPE_314[1],
  ["thread_state", [
    ...SHAPE_314[2][1].slice(0, 5), // size … current_frame
    "base_frame",
    "last_profiled_frame",
    "last_profiled_frame_seq",
    ...SHAPE_314[2][1].slice(5), // thread_id … status
    "holds_gil",
    "gil_requested",
    "current_exception",
    "exc_state",
  ]],
  ["err_stackitem", ["exc_value"]],
  SHAPE_314[3],
  SHAPE_314[4],
  SHAPE_314[5],
  ["type_object", [...SHAPE_314[6][1], "tp_basicsize", "tp_dictoffset"]],
  ["heap_type_object", ["size", "ht_cached_keys"]],
  SHAPE_314[7],
  SHAPE_314[8],
  SHAPE_314[9],
  SHAPE_314[10],
  SHAPE_314[11],
  SHAPE_314[12],
  SHAPE_314[13],
  ["unicode_object", [...SHAPE_314[14][1], "compactunicodeobject_size"]],
  ["gc", [...SHAPE_314[15][1], "frame", "generation_stats_size", "generation_stats"]],
  SHAPE_314[16],
  SHAPE_314[17],
  SHAPE_314[18],
];

/** Fields of the 3.14 shape that the development snapshot [DEV] lacks. */
const NOT_IN_314_DEV = new Set([
  "interpreter_state.code_object_generation",
  "interpreter_state.tlbc_generation",
  "interpreter_frame.tlbc_index",
  "code_object.co_tlbc",
  "llist_node.next",
  "llist_node.prev",
]);

/**
 * The 3.14 development snapshot of [DEV] (commit 7a57f7c2…, and spec
 * section 7): the 3.14 shape without the fields above; 712 bytes.
 */
const SHAPE_314_DEV: Shape = SHAPE_314
  .map(([section, fields]) =>
    [section, fields.filter((field) => !NOT_IN_314_DEV.has(`${section}.${field}`))] as const
  )
  .filter(([, fields]) => fields.length > 0);

/**
 * Shapes to try, in order, for a pre-release (alpha, beta or candidate) of
 * a minor version. A final release has exactly one shape per minor version;
 * pre-releases of 3.14 shipped the block as it stood during development:
 * the final shape (checked first), the [DEV] snapshot, or (probably the
 * early alphas) 3.13's field list, as python/cpython had it at 01d08a85….
 * Which pre-release had which is not known here. Other intermediate
 * variants are not known either and are rejected by the plausibility check.
 */
const PRE_RELEASE_SHAPES: ReadonlyMap<number, readonly Shape[]> = new Map([
  [13, [SHAPE_313]],
  [14, [SHAPE_314, SHAPE_314_DEV, SHAPE_313]],
  // 3.15's pre-releases are not known here: the final shape, or 3.14's.
  [15, [SHAPE_315, SHAPE_314]],
]);

/** The shape of each final minor version. */
const SHAPES: ReadonlyMap<number, Shape> = new Map([
  [13, SHAPE_313],
  [14, SHAPE_314],
  [15, SHAPE_315],
]);

/** `PY_RELEASE_LEVEL_FINAL`, the release level (bits 4-7 of PY_VERSION_HEX) of a release. */
const RELEASE_LEVEL_FINAL = 0xf;

/** Why a debug-offsets block could not be used. */
export class DebugOffsetsError extends Error {}

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

/** Largest plausible `size` of a structure (`_PyRuntimeState` is about 300 KiB). */
const MAX_STRUCT_SIZE = 16 * 1024 * 1024;

/**
 * Why the fields read with `shape` cannot be a real block, or null if they
 * can. Used where the shape is a guess (a pre-release, or a version newer
 * than the newest known): a changed layout is then reported rather than
 * misread. The checks hold for every real block seen (3.13.0, 3.13.18,
 * 3.14.10, 3.15.2) and fail for 3.15.2's block read with the 3.14 shape.
 */
function implausible(shape: Shape, f: Map<string, number>): string | null {
  for (const [section, fields] of shape) {
    if (fields[0] !== "size") continue;
    const size = f.get(`${section}.size`) as number;
    if (size <= 0 || size > MAX_STRUCT_SIZE) return `${section}.size is ${size}`;
    for (const field of fields.slice(1)) {
      // `asciiobject_size`, `generation_stats_size` and the like are sizes, not offsets.
      if (field.endsWith("_size")) continue;
      const value = f.get(`${section}.${field}`) as number;
      if (value >= size) return `${section}.${field} (${value}) is not inside its size (${size})`;
    }
  }
  // PyObject ends with ob_type; PyVarObject's ob_size follows it, then
  // PyTypeObject's tp_name; PyASCIIObject's length follows the header too.
  const header = f.get("pyobject.size") as number;
  if (header < 16 || header > 64 || f.get("pyobject.ob_type") !== header - 8) {
    return `implausible PyObject header (size ${header}, ob_type ${f.get("pyobject.ob_type")})`;
  }
  for (const name of ["tuple_object.ob_size", "list_object.ob_size", "bytes_object.ob_size"]) {
    if (f.get(name) !== header) return `${name} (${f.get(name)}) does not follow the header`;
  }
  if (f.get("type_object.tp_name") !== header + 8) return "type_object.tp_name is misplaced";
  if (f.get("unicode_object.length") !== header) return "unicode_object.length is misplaced";
  return null;
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

/** True for a version newer than the newest one whose block shape is known. */
function isNewer(version: PythonVersion): boolean {
  return version.major > 3 || (version.major === 3 && version.minor > NEWEST_KNOWN_MINOR);
}

/**
 * The warning to show for a target of this version, or null: Austin's
 * "Unsupported Python version detected…" for versions newer than the
 * newest known one (whose layout is then guessed, see
 * {@link layoutFromDebugOffsets}).
 */
export function debugOffsetsWarning(version: PythonVersion): string | null {
  return isNewer(version) ? UNSUPPORTED_VERSION_WARNING : null;
}

/** Reads the block with the first of `shapes` that gives plausible values. */
function readGuessed(
  view: DataView,
  shapes: readonly Shape[],
  what: string,
): { shape: Shape; fields: Map<string, number> } {
  let why = "";
  for (const shape of shapes) {
    let fields: Map<string, number>;
    try {
      fields = readFields(view, shape);
    } catch (e) {
      if (!(e instanceof DebugOffsetsError)) throw e;
      why ||= e.message;
      continue;
    }
    const reason = implausible(shape, fields);
    if (reason === null) return { shape, fields };
    why ||= reason;
  }
  throw new DebugOffsetsError(`${what}: ${why}`);
}

/**
 * Builds a layout from the bytes of a `_Py_DebugOffsets` block.
 *
 * - 3.13 and 3.14 releases are read with their known shape.
 * - Their pre-releases are read with the first known shape of that minor
 *   version that gives plausible values (3.14: final, development snapshot,
 *   3.13's list).
 * - Newer versions (3.15+) are read with the newest known shape if the
 *   values are plausible; {@link debugOffsetsWarning} then has a warning
 *   for the caller to print.
 *
 * Throws {@link DebugOffsetsError} for a block without the cookie, of a
 * version older than 3.13, of a free-threaded build, or whose values do not
 * fit the shape guessed for it.
 */
export function layoutFromDebugOffsets(bytes: Uint8Array): Layout {
  if (!hasDebugCookie(bytes)) throw new DebugOffsetsError("no debug offsets cookie");
  if (bytes.length < 24) throw new DebugOffsetsError("debug offsets block is truncated");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hex = view.getUint32(8, true);
  const version = fromHex(hex);
  if (u64(view, 16) !== 0) {
    // The object header, the string state bits and thread-local bytecode
    // all differ in these builds: none of it is handled.
    throw new DebugOffsetsError("free-threaded CPython builds (3.13t/3.14t) are not supported");
  }
  if (version.major < 3 || (version.major === 3 && version.minor < 13)) {
    throw new DebugOffsetsError(
      `unexpected debug offsets version ${version.major}.${version.minor}`,
    );
  }
  const name = `Python ${version.major}.${version.minor}`;
  let f: Map<string, number>;
  if (isNewer(version)) {
    const newest = SHAPES.get(NEWEST_KNOWN_MINOR) as Shape;
    f = readGuessed(
      view,
      [newest],
      `${name} is newer than 3.${NEWEST_KNOWN_MINOR} and its _Py_DebugOffsets layout differs`,
    ).fields;
  } else if (((hex >>> 4) & 0xf) !== RELEASE_LEVEL_FINAL) {
    f = readGuessed(
      view,
      PRE_RELEASE_SHAPES.get(version.minor) as readonly Shape[],
      `${name} pre-release: _Py_DebugOffsets matches no known layout`,
    ).fields;
  } else {
    f = readFields(view, SHAPES.get(version.minor) as Shape);
  }
  const is313 = version.major === 3 && version.minor === 13;
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
    // GIL builds: `instr_ptr` is relative to `co_code_adaptive` in 3.13
    // ([H313] `_PyInterpreterFrame_LASTI` uses `_PyCode_CODE`) and in 3.14
    // ([H314] `_PyFrame_GetBytecode` returns `_PyCode_CODE(code)`, which is
    // `co_code_adaptive`, unless `Py_GIL_DISABLED`, where it is
    // `co_tlbc[tlbc_index]`).
    codeAdaptive: get("code_object.co_code_adaptive"),
    flags: -1,
    // Not in the debug offsets: [H313], [H314] `cpython/code.h` put
    // `co_nlocalsplus` and then `co_framesize` right after `co_firstlineno`.
    ...frameWords(version, get("code_object.firstlineno")),
    size: 0,
  };
  code.size = spanOf([
    code.filename,
    code.name,
    code.qualname,
    code.firstLineNo,
    code.lineTable,
    ...code.frameWords,
  ]);
  // The string state bits themselves (interned 0-1, kind 2-4, compact 5,
  // ascii 6) are UNICODE_STATE_BITS (layout.ts); [H313] and [H314] `cpython/unicodeobject.h`
  // both declare `interned:2, kind:3, compact:1, ascii:1,
  // statically_allocated:1` for GIL builds (a free-threaded build makes
  // `interned` a whole byte and moves the rest up by 6).
  // sizeof(PyCompactUnicodeObject): in the block from 3.15; before it,
  // sizeof(PyASCIIObject) + utf8_length + utf8. A legacy string's `data.any`
  // follows its PyCompactUnicodeObject (3.13 – 3.15 `cpython/unicodeobject.h`).
  const asciiSize = get("unicode_object.asciiobject_size");
  const compactSize = f.get("unicode_object.compactunicodeobject_size") ?? asciiSize + 16;
  return {
    version,
    frames: "current-frame",
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
      shimOwnerMin: SHIM_OWNER_MIN,
      // 3.13 ([H313] pycore_frame.h): `PyObject *f_executable`, untagged.
      // 3.14 ([H314] pycore_interpframe_structs.h): `_PyStackRef
      // f_executable`; in a GIL build pycore_stackref.h has Py_TAG_BITS 3
      // (Py_TAG_REFCNT 1, Py_INT_TAG 3), and PyStackRef_AsPyObjectBorrow
      // clears Py_TAG_REFCNT. The walker clears both low bits, the same
      // for an object pointer (objects are at least 8-aligned), so the
      // immortal code objects tagged with 1 read right. (Free-threaded:
      // Py_TAG_BITS 1; Py_STACKREF_DEBUG builds: not pointers at all.)
      taggedCode: !is313,
    },
    code,
    object: {
      type: get("pyobject.ob_type"),
      size: get("bytes_object.ob_size"),
      typeName: get("type_object.tp_name"),
    },
    strings: {
      bytesNames: false,
      bytesData: get("bytes_object.ob_sval"),
      unicodeLength: get("unicode_object.length"),
      unicodeState: get("unicode_object.state"),
      asciiData: asciiSize,
      compactData: compactSize,
      legacyData: compactSize,
      ...UNICODE_STATE_BITS,
    },
    lineFormat: "locations",
    checkCodeType: true,
    holdsGilBit: is313 ? HOLDS_GIL_BIT_313 : -1,
  };
}
