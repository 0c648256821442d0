/**
 * Tests for the data-stack test of a walk. The walks are written out here;
 * that real stacks pass it (every frame size read right, chunk starts, 3.11
 * to 3.15) is what tests/stress_test.ts shows: a walk it rejected would be
 * read again until given up as `:INVALID:`.
 */

import assert from "node:assert/strict";
import type { CodeInfo } from "./code_cache.ts";
import { stacked } from "./data_stack.ts";
import { WalkedFrames } from "./thread_sample.ts";

const THREAD = 0;
const GENERATOR = 1;
const C_STACK = 3;

/** A walk of `frames` (top first): [address, owner, frame bytes of its code]. */
function walk(frames: Array<[number, number, number]>): [WalkedFrames, CodeInfo[], number] {
  const walked = new WalkedFrames();
  const codes: CodeInfo[] = [];
  frames.forEach(([address, owner, bytes], i) => {
    walked.set(i, address, i + 1 < frames.length ? frames[i + 1][0] : 0, 0, 0);
    walked.owners[i] = owner;
    walked.recorded[i] = codes.length;
    if (owner < C_STACK) codes.push({ frameBytes: bytes } as CodeInfo);
  });
  return [walked, codes, codes.length];
}

const BASE = 0x7f0000010000;

Deno.test("stacked: each thread frame starts where its caller's frame ends", () => {
  assert.ok(
    stacked(
      ...walk([[BASE + 0x200, THREAD, 96], [BASE + 0x160, THREAD, 160], [
        BASE + 0x20,
        THREAD,
        320,
      ]]),
    ),
  );
  // A generator's frame and an entry frame take no room on the data stack.
  assert.ok(
    stacked(
      ...walk([
        [BASE + 0x200, THREAD, 96],
        [0x5500000100, GENERATOR, 64],
        [0x7ffc00000100, C_STACK, 0],
        [BASE + 0x160, THREAD, 160],
        [0x7ffc00000200, C_STACK, 0],
      ]),
    ),
  );
});

Deno.test("stacked: a walk whose top was popped and its caller's place retaken is not", () => {
  // The top frame was pushed by a caller of 160 bytes at 0x160; that caller
  // returned and a frame of 128 bytes (a generator being made) took its place.
  assert.equal(
    stacked(
      ...walk([[BASE + 0x200, THREAD, 96], [BASE + 0x160, THREAD, 128], [
        BASE + 0x20,
        THREAD,
        320,
      ]]),
    ),
    false,
  );
  // Below a generator's frame too.
  assert.equal(
    stacked(
      ...walk([[BASE + 0x208, THREAD, 96], [0x5500000100, GENERATOR, 64], [
        BASE + 0x160,
        THREAD,
        160,
      ]]),
    ),
    false,
  );
});

Deno.test("stacked: a frame that did not fit starts a new chunk", () => {
  // A chunk's first frame follows its 24-byte header (32 in a thread's first chunk).
  assert.ok(stacked(...walk([[0x7f0000400018, THREAD, 96], [BASE + 0x3f00, THREAD, 200]])));
  assert.ok(stacked(...walk([[0x7f0000400020, THREAD, 96], [BASE + 0x3f00, THREAD, 200]])));
  assert.equal(
    stacked(...walk([[0x7f0000400028, THREAD, 96], [BASE + 0x3f00, THREAD, 200]])),
    false,
  );
});

Deno.test("stacked: a sample that was full is not tested past its last frame", () => {
  const [walked, codes] = walk([[BASE + 0x200, THREAD, 96], [BASE + 0x100, THREAD, 128], [
    BASE + 0x20,
    THREAD,
    64,
  ]]);
  assert.ok(stacked(walked, codes, 1));
});
