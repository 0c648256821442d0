/**
 * Tests for layouts built from `_Py_DebugOffsets` (spec: cpython-layouts.md,
 * sections 2 and 7): the live block of a 3.13.0 process (skipped when 3.13.0
 * is not installed), and synthetic 3.13 and 3.14 blocks.
 */

import assert from "node:assert/strict";
import { currentPlatform } from "../../platforms/mod.ts";
import {
  DEBUG_COOKIE,
  DEBUG_OFFSETS_SIZE,
  DebugOffsetsError,
  debugOffsetsVersion,
  hasDebugCookie,
  layoutFromDebugOffsets,
} from "./debug_offsets.ts";
import type { Layout } from "./layout.ts";

// ---------------------------------------------------------------------------
// Helpers

const PYTHON_313 = "/root/.pyenv/versions/3.13.0/bin/python";

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
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
import ctypes, time
print(ctypes.addressof(ctypes.c_char.in_dll(ctypes.pythonapi, "_PyRuntime")), flush=True)
time.sleep(60)
`;

async function readLiveBlock(): Promise<Uint8Array> {
  const process = new Deno.Command(PYTHON_313, {
    args: ["-c", SCRIPT],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = process.stdout.getReader();
  try {
    const decoder = new TextDecoder();
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error("python 3.13 exited before printing _PyRuntime's address");
      text += decoder.decode(value, { stream: true });
    }
    const runtime = Number(text.trim());
    const memory = currentPlatform().openMemory(process.pid);
    const buffer = memory.buffer(DEBUG_OFFSETS_SIZE);
    assert.equal(memory.read(runtime, DEBUG_OFFSETS_SIZE, buffer), DEBUG_OFFSETS_SIZE);
    return buffer.bytes.slice();
  } finally {
    try {
      process.kill("SIGKILL");
    } catch {
      // already gone
    }
    await reader.cancel();
    await process.status;
  }
}

const skip313 = exists(PYTHON_313) ? undefined : `${PYTHON_313} is not installed`;
if (skip313 !== undefined) console.log(`SKIP live _Py_DebugOffsets tests: ${skip313}`);

Deno.test({
  name: "the live 3.13.0 block has the cookie, version 3.13.0 and the spec's offsets",
  ignore: skip313 !== undefined,
  fn: async () => {
    const bytes = await readLiveBlock();
    assert.equal(bytes.length, 760);
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

Deno.test("a free-threaded block is rejected with DebugOffsetsError", () => {
  const bytes = synthetic313();
  put(bytes, 16, 1);
  assert.throws(() => layoutFromDebugOffsets(bytes), DebugOffsetsError);
  const bytes314 = synthetic314();
  put(bytes314, 16, 1);
  assert.throws(() => layoutFromDebugOffsets(bytes314), DebugOffsetsError);
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
