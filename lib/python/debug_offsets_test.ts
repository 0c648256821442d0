/**
 * Tests for layouts built from `_Py_DebugOffsets` (spec: cpython-layouts.md,
 * sections 2 and 7): the live block of a 3.13.0 process (skipped when 3.13.0
 * is not installed), and synthetic 3.13 and 3.14 blocks.
 */

import assert from "node:assert/strict";
import {
  DEBUG_COOKIE,
  DEBUG_OFFSETS_SIZE,
  DebugOffsetsError,
  debugOffsetsVersion,
  debugOffsetsWarning,
  hasDebugCookie,
  layoutFromDebugOffsets,
  NEWEST_KNOWN_MINOR,
  UNSUPPORTED_VERSION_WARNING,
} from "./debug_offsets.ts";
import type { Layout } from "./layout.ts";

// ---------------------------------------------------------------------------
// Helpers

const PYTHON_313 = "/root/.pyenv/versions/3.13.0/bin/python";

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** A block of `size` bytes with the cookie, `version` and `freeThreaded` filled in. */
function emptyBlock(size: number, version: number, freeThreaded = 0): Uint8Array {
  const bytes = new Uint8Array(size);
  bytes.set(new TextEncoder().encode(DEBUG_COOKIE), 0);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(8, BigInt(version), true);
  view.setBigUint64(16, BigInt(freeThreaded), true);
  return bytes;
}

function put(bytes: Uint8Array, at: number, value: number): void {
  new DataView(bytes.buffer, bytes.byteOffset).setBigUint64(at, BigInt(value), true);
}

/**
 * The fields the walker uses, as the spec's tables give them for 3.13
 * (section 2 and the live values of section 7).
 */
function assertLayout313(layout: Layout): void {
  assert.deepEqual(layout.version, { major: 3, minor: 13, micro: 0 });
  assert.equal(layout.runtime.interpretersHead, 632);
  assert.equal(layout.runtime.tstateCurrent, -1);
  assert.equal(layout.runtime.gilLastHolder, -1);
  assert.equal(layout.runtime.gilLocked, -1);
  assert.equal(layout.runtime.gcCollecting, -1);

  assert.equal(layout.interpreter.next, 7264);
  assert.equal(layout.interpreter.threadsHead, 7344);
  assert.equal(layout.interpreter.id, 7272);
  assert.equal(layout.interpreter.gcCollecting, 7600);
  assert.equal(layout.interpreter.cevalGil, 16);

  assert.equal(layout.gil.lastHolder, 8);
  assert.equal(layout.gil.locked, 16);

  assert.equal(layout.thread.next, 8);
  assert.equal(layout.thread.interp, 16);
  assert.equal(layout.thread.currentFrame, 72);
  assert.equal(layout.thread.threadId, 152);
  assert.equal(layout.thread.nativeThreadId, 160);
  assert.equal(layout.thread.status, 32);
  assert.equal(layout.thread.frame, -1);
  assert.equal(layout.thread.cframe, -1);
  assert.ok(layout.thread.size >= 168, `thread.size ${layout.thread.size} covers every field`);

  assert.equal(layout.interpreterFrame.previous, 8);
  assert.equal(layout.interpreterFrame.code, 0);
  assert.equal(layout.interpreterFrame.instrPtr, 56);
  assert.equal(layout.interpreterFrame.owner, 70);
  assert.equal(layout.interpreterFrame.size, 80);
  assert.equal(layout.interpreterFrame.shimOwnerMin, 3);
  assert.equal(layout.interpreterFrame.taggedCode, false);

  assert.equal(layout.code.filename, 112);
  assert.equal(layout.code.name, 120);
  assert.equal(layout.code.qualname, 128);
  assert.equal(layout.code.lineTable, 136);
  assert.equal(layout.code.firstLineNo, 68);
  assert.equal(layout.code.codeAdaptive, 200);
  assert.equal(layout.code.flags, -1);
  assert.ok(layout.code.size >= 144, `code.size ${layout.code.size} covers every field`);

  assert.equal(layout.strings.bytesNames, false);
  assert.equal(layout.strings.bytesData, 32);
  assert.equal(layout.strings.unicodeState, 32);
  assert.equal(layout.strings.unicodeLength, 16);
  assert.equal(layout.strings.asciiData, 40);
  assert.equal(layout.strings.compactData, 56);
  assert.equal(layout.strings.legacyData, 56);

  assert.equal(layout.lineFormat, "locations");
  assert.equal(layout.checkCodeType, true);
  assert.equal(layout.holdsGilBit, 5);
}

// ---------------------------------------------------------------------------
// Live 3.13.0

const SCRIPT = `
import ctypes, sys
runtime = ctypes.addressof(ctypes.c_char.in_dll(ctypes.pythonapi, "_PyRuntime"))
sys.stdout.write(ctypes.string_at(runtime, ${DEBUG_OFFSETS_SIZE}).hex())
`;

/** The block as the interpreter itself reads it at `_PyRuntime` (ctypes, in the process). */
async function readLiveBlock(): Promise<Uint8Array> {
  const output = await new Deno.Command(PYTHON_313, {
    args: ["-c", SCRIPT],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).output();
  assert.equal(output.code, 0);
  const hex = new TextDecoder().decode(output.stdout);
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

const skip313 = exists(PYTHON_313) ? undefined : `${PYTHON_313} is not installed`;
if (skip313 !== undefined) console.log(`SKIP live _Py_DebugOffsets tests: ${skip313}`);

Deno.test({
  name: "the live 3.13.0 block has the cookie, version 3.13.0 and the spec's offsets",
  ignore: skip313 !== undefined,
  fn: async () => {
    const bytes = await readLiveBlock();
    assert.equal(bytes.length, DEBUG_OFFSETS_SIZE);
    assert.equal(hasDebugCookie(bytes), true);
    assert.deepEqual(debugOffsetsVersion(bytes), { major: 3, minor: 13, micro: 0 });
    // A few raw fields of section 7, to be sure the block read is the real one.
    const view = new DataView(bytes.buffer);
    assert.equal(view.getBigUint64(8, true), 0x30d00f0n);
    assert.equal(view.getBigUint64(16, true), 0n);
    assert.equal(view.getBigUint64(24 + 16, true), 632n);
    assert.equal(view.getBigUint64(568 + 8, true), 200n);
    assertLayout313(layoutFromDebugOffsets(bytes));
    // Only the first 584 bytes are the 3.13 block.
    assertLayout313(layoutFromDebugOffsets(bytes.slice(0, 584)));
  },
});

// ---------------------------------------------------------------------------
// Synthetic 3.13 block with the spec's live values (section 7)

/** [offset in the block, value] for every field of the 3.13 block that section 7 lists. */
const LIVE_313: [number, number][] = [
  // runtime_state @24
  [24, 283320],
  [32, 608],
  [40, 632],
  // interpreter_state @48
  [48, 194968],
  [56, 7272],
  [64, 7264],
  [72, 7344],
  [80, 7400],
  [88, 7656],
  [96, 7640],
  [104, 7648],
  [112, 16],
  [120, 7752],
  [128, 0],
  [136, 7768],
  [144, 7760],
  // thread_state @152
  [152, 304],
  [160, 0],
  [168, 8],
  [176, 16],
  [184, 72],
  [192, 152],
  [200, 160],
  [208, 232],
  [216, 32],
  // interpreter_frame @224
  [224, 80],
  [232, 8],
  [240, 0],
  [248, 56],
  [256, 72],
  [264, 70],
  // code_object @272
  [272, 208],
  [280, 112],
  [288, 120],
  [296, 128],
  [304, 136],
  [312, 68],
  [320, 52],
  [328, 96],
  [336, 104],
  [344, 200],
  // pyobject @352, type_object @368
  [352, 16],
  [360, 8],
  [368, 416],
  [376, 24],
  [384, 88],
  [392, 168],
  // tuple_object @400, list_object @424
  [400, 32],
  [408, 24],
  [416, 16],
  [424, 40],
  [432, 24],
  [440, 16],
  // dict_object @448, float_object @472, long_object @488
  [448, 48],
  [456, 32],
  [464, 40],
  [472, 24],
  [480, 16],
  [488, 32],
  [496, 16],
  [504, 24],
  // bytes_object @512
  [512, 40],
  [520, 16],
  [528, 32],
  // unicode_object @536
  [536, 64],
  [544, 32],
  [552, 16],
  [560, 40],
  // gc @568
  [568, 240],
  [576, 200],
];

function synthetic313(size = 584): Uint8Array {
  const bytes = emptyBlock(size, 0x030d00f0);
  for (const [at, value] of LIVE_313) if (at + 8 <= size) put(bytes, at, value);
  return bytes;
}

Deno.test("a synthetic 3.13 block with section 7's values gives the 3.13 layout", () => {
  assertLayout313(layoutFromDebugOffsets(synthetic313()));
  assertLayout313(layoutFromDebugOffsets(synthetic313(760)));
});

Deno.test("a block inside a larger buffer (non-zero byteOffset) is read from its start", () => {
  const backing = new Uint8Array(16 + 584);
  backing.set(synthetic313(), 16);
  const block = backing.subarray(16);
  assert.equal(hasDebugCookie(block), true);
  assert.deepEqual(debugOffsetsVersion(block), { major: 3, minor: 13, micro: 0 });
  assertLayout313(layoutFromDebugOffsets(block));
});

// ---------------------------------------------------------------------------
// Synthetic 3.14 block: every field holds a value derived from its position

/** The value stored in the field at byte offset `at`. */
function mark(at: number): number {
  return at * 100 + 1;
}

function synthetic314(size = 760): Uint8Array {
  const bytes = emptyBlock(size, 0x030e00f0);
  for (let at = 24; at + 8 <= size; at += 8) put(bytes, at, mark(at));
  return bytes;
}

/** Section positions of the 3.14 block (spec section 7). */
const S314 = {
  runtime: 24,
  interpreter: 48,
  thread: 176,
  frame: 248,
  code: 312,
  bytes: 592,
  unicode: 616,
  gc: 648,
};

Deno.test("a 3.14 block is read with the 3.14 shape", () => {
  const layout = layoutFromDebugOffsets(synthetic314());
  const s = S314;
  assert.deepEqual(layout.version, { major: 3, minor: 14, micro: 0 });
  assert.equal(layout.runtime.interpretersHead, mark(s.runtime + 16));

  // interpreter_state: size, id, next, threads_head, threads_main, gc, imports_modules,
  // sysdict, builtins, ceval_gil, gil_runtime_state, enabled, locked, holder, ...
  assert.equal(layout.interpreter.id, mark(s.interpreter + 8));
  assert.equal(layout.interpreter.next, mark(s.interpreter + 16));
  assert.equal(layout.interpreter.threadsHead, mark(s.interpreter + 24));
  assert.equal(layout.interpreter.gcCollecting, mark(s.interpreter + 40) + mark(s.gc + 8));
  assert.equal(layout.interpreter.cevalGil, mark(s.interpreter + 72));
  const gilBase = mark(s.interpreter + 80);
  assert.equal(layout.gil.locked, mark(s.interpreter + 96) - gilBase);
  assert.equal(layout.gil.lastHolder, mark(s.interpreter + 104) - gilBase);

  // thread_state: size, prev, next, interp, current_frame, thread_id, native_thread_id,
  // datastack_chunk, status
  assert.equal(layout.thread.next, mark(s.thread + 16));
  assert.equal(layout.thread.interp, mark(s.thread + 24));
  assert.equal(layout.thread.currentFrame, mark(s.thread + 32));
  assert.equal(layout.thread.threadId, mark(s.thread + 40));
  assert.equal(layout.thread.nativeThreadId, mark(s.thread + 48));
  assert.equal(layout.thread.status, mark(s.thread + 64));

  // interpreter_frame: size, previous, executable, instr_ptr, localsplus, owner, ...
  assert.equal(layout.interpreterFrame.size, mark(s.frame));
  assert.equal(layout.interpreterFrame.previous, mark(s.frame + 8));
  assert.equal(layout.interpreterFrame.code, mark(s.frame + 16));
  assert.equal(layout.interpreterFrame.instrPtr, mark(s.frame + 24));
  assert.equal(layout.interpreterFrame.owner, mark(s.frame + 40));
  assert.equal(layout.interpreterFrame.shimOwnerMin, 3);
  assert.equal(layout.interpreterFrame.taggedCode, true);

  // code_object: size, filename, name, qualname, linetable, firstlineno, argcount,
  // localsplusnames, localspluskinds, co_code_adaptive, co_tlbc
  assert.equal(layout.code.filename, mark(s.code + 8));
  assert.equal(layout.code.name, mark(s.code + 16));
  assert.equal(layout.code.qualname, mark(s.code + 24));
  assert.equal(layout.code.lineTable, mark(s.code + 32));
  assert.equal(layout.code.firstLineNo, mark(s.code + 40));
  assert.equal(layout.code.codeAdaptive, mark(s.code + 72));

  // bytes_object: size, ob_size, ob_sval; unicode_object: size, state, length, asciiobject_size
  assert.equal(layout.strings.bytesData, mark(s.bytes + 16));
  assert.equal(layout.strings.unicodeState, mark(s.unicode + 8));
  assert.equal(layout.strings.unicodeLength, mark(s.unicode + 16));
  assert.equal(layout.strings.asciiData, mark(s.unicode + 24));
  assert.equal(layout.strings.compactData, mark(s.unicode + 24) + 16);

  assert.equal(layout.holdsGilBit, -1);
  assert.equal(layout.checkCodeType, true);
  assert.equal(layout.lineFormat, "locations");
});

Deno.test("a 3.14 block with realistic values gives the spec's 3.14 offsets", () => {
  const bytes = emptyBlock(760, 0x030e00f0);
  const s = S314;
  put(bytes, s.runtime + 16, 808);
  put(bytes, s.interpreter + 8, 7280); // id
  put(bytes, s.interpreter + 16, 7272); // next
  put(bytes, s.interpreter + 24, 7344); // threads_head
  put(bytes, s.interpreter + 72, 16); // ceval_gil
  put(bytes, s.interpreter + 80, 7760); // gil_runtime_state
  put(bytes, s.interpreter + 96, 7776); // gil_runtime_state_locked
  put(bytes, s.interpreter + 104, 7768); // gil_runtime_state_holder
  put(bytes, s.frame, 88);
  put(bytes, s.frame + 8, 8);
  put(bytes, s.frame + 16, 0);
  put(bytes, s.frame + 24, 56);
  put(bytes, s.frame + 40, 74);
  put(bytes, s.code + 72, 208);
  const layout = layoutFromDebugOffsets(bytes);
  assert.equal(layout.runtime.interpretersHead, 808);
  assert.equal(layout.interpreter.next, 7272);
  assert.equal(layout.interpreter.id, 7280);
  assert.equal(layout.interpreter.threadsHead, 7344);
  assert.equal(layout.gil.lastHolder, 8);
  assert.equal(layout.gil.locked, 16);
  assert.equal(layout.interpreterFrame.size, 88);
  assert.equal(layout.interpreterFrame.owner, 74);
  assert.equal(layout.code.codeAdaptive, 208);
});

// ---------------------------------------------------------------------------
// Cookie, version and rejected blocks

Deno.test("hasDebugCookie wants exactly xdebugpy in the first 8 bytes", () => {
  assert.equal(hasDebugCookie(new TextEncoder().encode("xdebugpy")), true);
  assert.equal(hasDebugCookie(synthetic313()), true);
  assert.equal(hasDebugCookie(new TextEncoder().encode("xdebugpz")), false);
  assert.equal(hasDebugCookie(new TextEncoder().encode("Xdebugpy")), false);
  assert.equal(hasDebugCookie(new TextEncoder().encode("xdebug")), false);
  assert.equal(hasDebugCookie(new Uint8Array(0)), false);
  assert.equal(hasDebugCookie(new Uint8Array(760)), false);
});

Deno.test("debugOffsetsVersion decodes PY_VERSION_HEX at +8", () => {
  assert.deepEqual(debugOffsetsVersion(emptyBlock(24, 0x030d00f0)), {
    major: 3,
    minor: 13,
    micro: 0,
  });
  assert.deepEqual(debugOffsetsVersion(emptyBlock(24, 0x030e02f0)), {
    major: 3,
    minor: 14,
    micro: 2,
  });
  assert.deepEqual(debugOffsetsVersion(emptyBlock(24, 0x030d00c1)), {
    major: 3,
    minor: 13,
    micro: 0,
  });
});

Deno.test("a block without the cookie is rejected with DebugOffsetsError", () => {
  const bytes = synthetic313();
  bytes[0] = 0x58;
  assert.throws(() => layoutFromDebugOffsets(bytes), DebugOffsetsError);
  assert.throws(() => layoutFromDebugOffsets(new Uint8Array(760)), DebugOffsetsError);
});

Deno.test("a free-threaded block is rejected with DebugOffsetsError and a clear message", () => {
  const expected = { message: "free-threaded CPython builds (3.13t/3.14t) are not supported" };
  const bytes = synthetic313();
  put(bytes, 16, 1);
  assert.throws(() => layoutFromDebugOffsets(bytes), DebugOffsetsError);
  assert.throws(() => layoutFromDebugOffsets(bytes), expected);
  const bytes314 = synthetic314();
  put(bytes314, 16, 1);
  assert.throws(() => layoutFromDebugOffsets(bytes314), DebugOffsetsError);
  assert.throws(() => layoutFromDebugOffsets(bytes314), expected);
  // Also for a version newer than the known ones, and for any non-zero flag.
  const bytes315 = synthetic314();
  put(bytes315, 8, 0x030f02f0);
  put(bytes315, 16, 1);
  assert.throws(() => layoutFromDebugOffsets(bytes315), expected);
});

Deno.test("a block claiming a version before 3.13 is rejected with DebugOffsetsError", () => {
  for (const version of [0x030c01f0, 0x030b07f0, 0x020712f0]) {
    const bytes = synthetic313();
    put(bytes, 8, version);
    assert.throws(() => layoutFromDebugOffsets(bytes), DebugOffsetsError, version.toString(16));
  }
});

Deno.test("a truncated 3.13 block is rejected with DebugOffsetsError", () => {
  const full = synthetic313();
  for (const length of [0, 4, 7, 100, 583]) {
    assert.throws(
      () => layoutFromDebugOffsets(full.slice(0, length)),
      DebugOffsetsError,
      `${length} bytes`,
    );
  }
});

Deno.test("a block truncated inside its header (8-23 bytes) throws DebugOffsetsError, not RangeError", () => {
  const full = synthetic313();
  for (const length of [8, 12, 16, 20, 23]) {
    assert.throws(
      () => layoutFromDebugOffsets(full.slice(0, length)),
      DebugOffsetsError,
      `${length} bytes`,
    );
  }
});

Deno.test("a 3.14 block cut to the size of a 3.13 block is rejected with DebugOffsetsError", () => {
  for (const length of [584, 700, 759]) {
    assert.throws(
      () => layoutFromDebugOffsets(synthetic314(length)),
      DebugOffsetsError,
      `${length} bytes`,
    );
  }
  assert.doesNotThrow(() => layoutFromDebugOffsets(synthetic314(760)));
});

// ---------------------------------------------------------------------------
// 3.14 from its header and a real 3.14.10 block

/**
 * `struct _Py_DebugOffsets` of CPython 3.14.10, transcribed section by
 * section from `Include/internal/pycore_debug_offsets.h` (Debian's
 * libpython3.14-dev 3.14.10-1), independently of the shape in
 * debug_offsets.ts. Every field is a uint64_t; the sections follow
 * `cookie[8]`, `version` and `free_threaded`.
 */
const HEADER_314: [section: string, fields: string[]][] = [
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
    "co_tlbc",
  ]],
  ["pyobject", ["size", "ob_type"]],
  ["type_object", ["size", "tp_name", "tp_repr", "tp_flags"]],
  ["tuple_object", ["size", "ob_item", "ob_size"]],
  ["list_object", ["size", "ob_item", "ob_size"]],
  ["set_object", ["size", "used", "table", "mask"]],
  ["dict_object", ["size", "ma_keys", "ma_values"]],
  ["float_object", ["size", "ob_fval"]],
  ["long_object", ["size", "lv_tag", "ob_digit"]],
  ["bytes_object", ["size", "ob_size", "ob_sval"]],
  ["unicode_object", ["size", "state", "length", "asciiobject_size"]],
  ["gc", ["size", "collecting"]],
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
 * The 3.14 development snapshot of the header (python/cpython at
 * 7a57f7c2c7d3b5a6271ad92b4598d23687e9aa31; spec section 7): no
 * code_object_generation, tlbc_generation, tlbc_index, co_tlbc, llist_node.
 */
const HEADER_314_DEV: [string, string[]][] = HEADER_314
  .filter(([section]) => section !== "llist_node")
  .map(([section, fields]) => [
    section,
    fields.filter((f) =>
      !["code_object_generation", "tlbc_generation", "tlbc_index", "co_tlbc"].includes(f)
    ),
  ]);

/** 3.13's field list, which the header still had early in 3.14's development (01d08a85…). */
const HEADER_313: [string, string[]][] = HEADER_314_DEV
  .filter(([section]) => !["set_object", "gen_object", "debugger_support"].includes(section))
  .map(([section, fields]) => [
    section,
    fields.filter((f) => !["threads_main", "stackpointer"].includes(f)),
  ]);

/**
 * `struct _Py_DebugOffsets` of 3.15.2's `internal/pycore_debug_offsets.h`
 * (Debian's libpython3.15-dev 3.15.2-1): 3.14's with the fields it added.
 */
const HEADER_315: [string, string[]][] = HEADER_314.flatMap(
  ([section, fields]): [string, string[]][] => {
    switch (section) {
      case "thread_state":
        return [
          [section, [
            ...fields.slice(0, 5),
            "base_frame",
            "last_profiled_frame",
            "last_profiled_frame_seq",
            ...fields.slice(5),
            "holds_gil",
            "gil_requested",
            "current_exception",
            "exc_state",
          ]],
          ["err_stackitem", ["exc_value"]],
        ];
      case "type_object":
        return [
          [section, [...fields, "tp_basicsize", "tp_dictoffset"]],
          ["heap_type_object", ["size", "ht_cached_keys"]],
        ];
      case "unicode_object":
        return [[section, [...fields, "compactunicodeobject_size"]]];
      case "gc":
        return [[section, [...fields, "frame", "generation_stats_size", "generation_stats"]]];
      default:
        return [[section, fields]];
    }
  },
);

function fieldNames(header: [string, string[]][]): string[] {
  return header.flatMap(([section, fields]) => fields.map((f) => `${section}.${f}`));
}

/**
 * The 92 u64 values after the 24-byte head of the `_Py_DebugOffsets` block
 * in the `.PyRuntime` section of Debian's libpython3.14.so.1.0 (3.14.10-1):
 * version 0x030e0af0, free_threaded 0.
 */
const REAL_31410 = [
  316616,
  784,
  808,
  225864,
  7280,
  7272,
  7344,
  7360,
  7408,
  7688,
  7672,
  7680,
  16,
  7784,
  0,
  7800,
  7792,
  7992,
  0,
  832,
  0,
  8,
  16,
  72,
  152,
  160,
  232,
  32,
  88,
  8,
  0,
  56,
  80,
  74,
  64,
  0,
  216,
  112,
  120,
  128,
  136,
  68,
  52,
  96,
  104,
  208,
  0,
  16,
  8,
  416,
  24,
  88,
  168,
  40,
  32,
  16,
  40,
  24,
  16,
  200,
  24,
  40,
  32,
  48,
  32,
  40,
  24,
  16,
  32,
  16,
  24,
  40,
  16,
  32,
  64,
  32,
  16,
  40,
  264,
  192,
  160,
  24,
  72,
  67,
  0,
  8,
  24,
  304,
  8076,
  0,
  4,
  512,
];

/**
 * The 108 u64 values after the head of the 888-byte block of Debian's 3.15.2
 * (3.15.2-1, version 0x030f02f0, free_threaded 0), as a live `python3.15`
 * holds it at `_PyRuntime`; the first 92 are also those of the `.PyRuntime`
 * section of its libpython3.15.so.1.0.
 */
const REAL_3152 = [
  346568,
  912,
  936,
  226240,
  7272,
  7264,
  7336,
  7352,
  7400,
  7592,
  7576,
  7584,
  16,
  7736,
  0,
  7752,
  7744,
  7944,
  0,
  888,
  0,
  8,
  16,
  72,
  80,
  88,
  96,
  176,
  184,
  256,
  32,
  36,
  40,
  136,
  288,
  0,
  88,
  8,
  0,
  56,
  80,
  74,
  64,
  0,
  216,
  112,
  120,
  128,
  136,
  68,
  52,
  96,
  104,
  208,
  0,
  16,
  8,
  424,
  24,
  88,
  168,
  32,
  288,
  944,
  888,
  40,
  32,
  16,
  40,
  24,
  16,
  200,
  24,
  40,
  32,
  48,
  32,
  40,
  24,
  16,
  32,
  16,
  24,
  40,
  16,
  32,
  64,
  32,
  16,
  40,
  56,
  176,
  112,
  120,
  1120,
  104,
  160,
  24,
  72,
  67,
  0,
  8,
  24,
  344,
  8028,
  0,
  4,
  512,
];

/** A block of DEBUG_OFFSETS_SIZE bytes holding `values` from offset 24 on. */
function blockOf(version: number, values: readonly number[]): Uint8Array {
  const bytes = emptyBlock(DEBUG_OFFSETS_SIZE, version);
  values.forEach((value, i) => put(bytes, 24 + 8 * i, value));
  return bytes;
}

/** `section.field` → value of the real 3.14.10 block, by the header's field order. */
const NAMED_31410 = new Map(fieldNames(HEADER_314).map((name, i) => [name, REAL_31410[i]]));

/** A block laid out as `header` says, with the 3.14.10 value of each field. */
function blockFromHeader(version: number, header: [string, string[]][]): Uint8Array {
  return blockOf(version, fieldNames(header).map((name) => NAMED_31410.get(name) as number));
}

/** The walker's fields of a 3.14.10 target. */
function assertLayout31410(layout: Layout): void {
  assert.deepEqual(layout.version, { major: 3, minor: 14, micro: 10 });
  assert.equal(layout.runtime.interpretersHead, 808);
  assert.equal(layout.runtime.tstateCurrent, -1);
  assert.equal(layout.interpreter.id, 7280);
  assert.equal(layout.interpreter.next, 7272);
  assert.equal(layout.interpreter.threadsHead, 7344);
  assert.equal(layout.interpreter.gcCollecting, 7408 + 192); // the spec's interp + 7600
  assert.equal(layout.interpreter.cevalGil, 16);
  assert.equal(layout.gil.lastHolder, 7792 - 7784);
  assert.equal(layout.gil.locked, 7800 - 7784);
  assert.equal(layout.thread.next, 8);
  assert.equal(layout.thread.interp, 16);
  assert.equal(layout.thread.currentFrame, 72);
  assert.equal(layout.thread.threadId, 152);
  assert.equal(layout.thread.nativeThreadId, 160);
  assert.equal(layout.thread.status, 32);
  assert.ok(layout.thread.size >= 168);
  assert.equal(layout.interpreterFrame.size, 88);
  assert.equal(layout.interpreterFrame.previous, 8);
  assert.equal(layout.interpreterFrame.code, 0);
  assert.equal(layout.interpreterFrame.instrPtr, 56);
  assert.equal(layout.interpreterFrame.owner, 74);
  assert.equal(layout.interpreterFrame.shimOwnerMin, 3);
  assert.equal(layout.interpreterFrame.taggedCode, true);
  assert.equal(layout.code.filename, 112);
  assert.equal(layout.code.name, 120);
  assert.equal(layout.code.qualname, 128);
  assert.equal(layout.code.lineTable, 136);
  assert.equal(layout.code.firstLineNo, 68);
  assert.equal(layout.code.codeAdaptive, 208);
  assert.equal(layout.strings.bytesData, 32);
  assert.equal(layout.strings.unicodeState, 32);
  assert.equal(layout.strings.unicodeLength, 16);
  assert.equal(layout.strings.asciiData, 40);
  assert.equal(layout.strings.compactData, 56);
  assert.equal(layout.holdsGilBit, -1);
  assert.equal(layout.checkCodeType, true);
  assert.equal(layout.lineFormat, "locations");
}

Deno.test("the header field orders span 888 (3.15), 760 (3.14), 712 (dev) and 584 (3.13) bytes", () => {
  assert.equal(24 + 8 * fieldNames(HEADER_315).length, 888);
  assert.equal(24 + 8 * fieldNames(HEADER_314).length, 760);
  assert.equal(24 + 8 * fieldNames(HEADER_314_DEV).length, 712);
  assert.equal(24 + 8 * fieldNames(HEADER_313).length, 584);
  assert.equal(REAL_31410.length, fieldNames(HEADER_314).length);
  assert.equal(REAL_3152.length, fieldNames(HEADER_315).length);
  assert.equal(DEBUG_OFFSETS_SIZE, 888);
});

/** The walker's fields of a 3.15.2 target. */
function assertLayout3152(layout: Layout): void {
  assert.deepEqual(layout.version, { major: 3, minor: 15, micro: 2 });
  assert.equal(layout.runtime.interpretersHead, 936);
  assert.equal(layout.interpreter.id, 7272);
  assert.equal(layout.interpreter.next, 7264);
  assert.equal(layout.interpreter.threadsHead, 7336);
  assert.equal(layout.interpreter.gcCollecting, 7400 + 112);
  assert.equal(layout.interpreter.cevalGil, 16);
  assert.equal(layout.gil.lastHolder, 7744 - 7736);
  assert.equal(layout.gil.locked, 7752 - 7736);
  assert.equal(layout.thread.next, 8);
  assert.equal(layout.thread.interp, 16);
  assert.equal(layout.thread.currentFrame, 72);
  assert.equal(layout.thread.threadId, 176);
  assert.equal(layout.thread.nativeThreadId, 184);
  assert.equal(layout.thread.status, 32);
  assert.ok(layout.thread.size >= 192);
  assert.equal(layout.interpreterFrame.size, 88);
  assert.equal(layout.interpreterFrame.previous, 8);
  assert.equal(layout.interpreterFrame.code, 0);
  assert.equal(layout.interpreterFrame.instrPtr, 56);
  assert.equal(layout.interpreterFrame.owner, 74);
  assert.equal(layout.interpreterFrame.shimOwnerMin, 3);
  assert.equal(layout.interpreterFrame.taggedCode, true);
  assert.equal(layout.code.filename, 112);
  assert.equal(layout.code.name, 120);
  assert.equal(layout.code.qualname, 128);
  assert.equal(layout.code.lineTable, 136);
  assert.equal(layout.code.firstLineNo, 68);
  assert.equal(layout.code.codeAdaptive, 208);
  assert.equal(layout.strings.bytesData, 32);
  assert.equal(layout.strings.unicodeState, 32);
  assert.equal(layout.strings.unicodeLength, 16);
  assert.equal(layout.strings.asciiData, 40);
  // From the block's own compactunicodeobject_size.
  assert.equal(layout.strings.compactData, 56);
  assert.equal(layout.strings.legacyData, 56);
  assert.equal(layout.checkCodeType, true);
  assert.equal(layout.lineFormat, "locations");
}

Deno.test("the real 3.15.2 block gives the 3.15.2 layout and no warning", () => {
  const bytes = blockOf(0x030f02f0, REAL_3152);
  assert.deepEqual(debugOffsetsVersion(bytes), { major: 3, minor: 15, micro: 2 });
  const layout = layoutFromDebugOffsets(bytes);
  assertLayout3152(layout);
  assert.equal(debugOffsetsWarning(layout.version), null);
  // A 3.15 pre-release with the final layout reads the same.
  assertLayout3152({
    ...layoutFromDebugOffsets(blockOf(0x030f00b1, REAL_3152)),
    version: layout.version,
  });
});

Deno.test("a block built by the 3.14 header's field order is read field by field", () => {
  // Each field holds its own index + 1000, so a field read from a wrong slot shows.
  const names = fieldNames(HEADER_314);
  const value = (name: string): number => names.indexOf(name) + 1000;
  assert.ok(names.every((name) => value(name) >= 1000));
  const layout = layoutFromDebugOffsets(blockOf(0x030e00f0, names.map(value)));
  assert.equal(layout.runtime.interpretersHead, value("runtime_state.interpreters_head"));
  assert.equal(layout.interpreter.id, value("interpreter_state.id"));
  assert.equal(layout.interpreter.next, value("interpreter_state.next"));
  assert.equal(layout.interpreter.threadsHead, value("interpreter_state.threads_head"));
  assert.equal(
    layout.interpreter.gcCollecting,
    value("interpreter_state.gc") + value("gc.collecting"),
  );
  assert.equal(layout.interpreter.cevalGil, value("interpreter_state.ceval_gil"));
  const gilBase = value("interpreter_state.gil_runtime_state");
  assert.equal(layout.gil.locked, value("interpreter_state.gil_runtime_state_locked") - gilBase);
  assert.equal(
    layout.gil.lastHolder,
    value("interpreter_state.gil_runtime_state_holder") - gilBase,
  );
  assert.equal(layout.thread.next, value("thread_state.next"));
  assert.equal(layout.thread.interp, value("thread_state.interp"));
  assert.equal(layout.thread.currentFrame, value("thread_state.current_frame"));
  assert.equal(layout.thread.threadId, value("thread_state.thread_id"));
  assert.equal(layout.thread.nativeThreadId, value("thread_state.native_thread_id"));
  assert.equal(layout.thread.status, value("thread_state.status"));
  assert.equal(layout.interpreterFrame.size, value("interpreter_frame.size"));
  assert.equal(layout.interpreterFrame.previous, value("interpreter_frame.previous"));
  assert.equal(layout.interpreterFrame.code, value("interpreter_frame.executable"));
  assert.equal(layout.interpreterFrame.instrPtr, value("interpreter_frame.instr_ptr"));
  assert.equal(layout.interpreterFrame.owner, value("interpreter_frame.owner"));
  assert.equal(layout.code.filename, value("code_object.filename"));
  assert.equal(layout.code.name, value("code_object.name"));
  assert.equal(layout.code.qualname, value("code_object.qualname"));
  assert.equal(layout.code.lineTable, value("code_object.linetable"));
  assert.equal(layout.code.firstLineNo, value("code_object.firstlineno"));
  assert.equal(layout.code.codeAdaptive, value("code_object.co_code_adaptive"));
  assert.equal(layout.strings.bytesData, value("bytes_object.ob_sval"));
  assert.equal(layout.strings.unicodeState, value("unicode_object.state"));
  assert.equal(layout.strings.unicodeLength, value("unicode_object.length"));
  assert.equal(layout.strings.asciiData, value("unicode_object.asciiobject_size"));
});

Deno.test("the real 3.14.10 block gives the 3.14.10 layout and no warning", () => {
  const bytes = blockOf(0x030e0af0, REAL_31410);
  assert.deepEqual(debugOffsetsVersion(bytes), { major: 3, minor: 14, micro: 10 });
  const layout = layoutFromDebugOffsets(bytes);
  assertLayout31410(layout);
  assert.equal(debugOffsetsWarning(layout.version), null);
  // The same through the header-built block (the two lists agree).
  assertLayout31410(layoutFromDebugOffsets(blockFromHeader(0x030e0af0, HEADER_314)));
});

// ---------------------------------------------------------------------------
// Pre-releases

Deno.test("a 3.14 pre-release with the final layout is read with it", () => {
  for (const version of [0x030e0ac3, 0x030e0ab1, 0x030e0aa7]) {
    assertLayout31410(layoutFromDebugOffsets(blockOf(version, REAL_31410)));
  }
});

Deno.test("a 3.14 pre-release with the development snapshot's layout is read with it", () => {
  const bytes = blockFromHeader(0x030e0ab2, HEADER_314_DEV);
  assertLayout31410(layoutFromDebugOffsets(bytes));
  // A block of exactly the snapshot's 712 bytes, too.
  assertLayout31410(layoutFromDebugOffsets(bytes.slice(0, 712)));
});

Deno.test("a 3.14 alpha with 3.13's field list is read with it, with 3.14's semantics", () => {
  const layout = layoutFromDebugOffsets(blockFromHeader(0x030e0aa1, HEADER_313));
  assertLayout31410(layout);
  assert.equal(layout.interpreterFrame.taggedCode, true);
  assert.equal(layout.holdsGilBit, -1);
});

Deno.test("a pre-release block that fits no known layout is rejected, not misread", () => {
  // The first 760 bytes of the real 3.15.2 block, claiming to be 3.14.0b1.
  assert.throws(
    () => layoutFromDebugOffsets(blockOf(0x030e00b1, REAL_3152)),
    (e: unknown) =>
      e instanceof DebugOffsetsError && /^Python 3\.14 pre-release/.test(e.message) &&
      !e.message.includes("\n"),
  );
  // A 3.13 release candidate: plausible 3.13 values are read, others are not.
  const rc = synthetic313();
  put(rc, 8, 0x030d00c1);
  assertLayout313(layoutFromDebugOffsets(rc));
  const torn = synthetic313();
  put(torn, 8, 0x030d00b4);
  put(torn, 352, 24); // pyobject.size no longer ends at ob_type
  assert.throws(() => layoutFromDebugOffsets(torn), DebugOffsetsError);
});

Deno.test("a final 3.14 release trusts the 3.14 shape without the plausibility check", () => {
  // The synthetic blocks above hold implausible values and still read.
  assert.doesNotThrow(() => layoutFromDebugOffsets(synthetic314()));
});

// ---------------------------------------------------------------------------
// Versions newer than the newest known one

Deno.test("debugOffsetsWarning warns only for versions newer than 3.15", () => {
  assert.equal(NEWEST_KNOWN_MINOR, 15);
  assert.equal(
    UNSUPPORTED_VERSION_WARNING,
    "Unsupported Python version detected. Austin might not work as expected.",
  );
  for (const minor of [13, 14, 15]) {
    assert.equal(debugOffsetsWarning({ major: 3, minor, micro: 0 }), null);
  }
  for (const [major, minor] of [[3, 16], [3, 17], [3, 40], [4, 0]]) {
    assert.equal(debugOffsetsWarning({ major, minor, micro: 1 }), UNSUPPORTED_VERSION_WARNING);
  }
});

Deno.test("a 3.16 block in the 3.15 layout gives a layout and a warning, not an error", () => {
  for (const version of [0x031000f0, 0x031000a1, 0x031102f0]) {
    const bytes = blockOf(version, REAL_3152);
    const layout = layoutFromDebugOffsets(bytes);
    assert.deepEqual(layout.version, debugOffsetsVersion(bytes));
    assertLayout3152({ ...layout, version: { major: 3, minor: 15, micro: 2 } });
    assert.equal(debugOffsetsWarning(layout.version), UNSUPPORTED_VERSION_WARNING);
  }
});

Deno.test("a newer block whose layout changed is reported rather than misread", () => {
  // 3.15 added fields in the middle of 3.14's block; a 3.16 that does the
  // same is caught the way 3.15.2's block read in the 3.14 layout was.
  const bytes = blockOf(0x031002f0, REAL_31410);
  assert.throws(
    () => layoutFromDebugOffsets(bytes),
    (e: unknown) =>
      e instanceof DebugOffsetsError &&
      e.message.startsWith("Python 3.16 is newer than 3.15 and its _Py_DebugOffsets layout") &&
      !e.message.includes("\n"),
  );
  assert.equal(debugOffsetsWarning(debugOffsetsVersion(bytes)), UNSUPPORTED_VERSION_WARNING);
});

Deno.test("the 3.13 values and the 3.14.10 values pass the plausibility check", () => {
  // Relabelled as pre-releases, so that the check runs.
  const rc313 = synthetic313(760);
  put(rc313, 8, 0x030d00c3);
  assertLayout313(layoutFromDebugOffsets(rc313));
  assertLayout31410(layoutFromDebugOffsets(blockOf(0x030e0ac1, REAL_31410)));
});
