/**
 * The stack walk of CPython 2.7–3.10 (frame era `"frame-objects"`): heap
 * `PyFrameObject`s linked by `f_back`, from the thread's top frame down.
 *
 * Frame objects are read in aligned blocks, kept for the rest of the walk.
 * Frames of one size come from the same few allocator pools, so a block
 * holds many frames of a stack: a 300-deep recursion takes a few dozen
 * reads instead of 300 (a read of 8 KiB costs little more than one of 100
 * bytes).
 *
 * @module
 */

import type { ReadBuffer, RemoteMemory } from "../process.ts";
import type { FrameObjectOffsets } from "./layout.ts";
import { readAround, type ReadRange } from "./remote.ts";
import { DONE, type ThreadSample, TORN, type WalkedFrames } from "./thread_sample.ts";
import { u64 } from "../bytes.ts";

/** Bytes of a block. */
const BLOCK = 8192;
/** Blocks kept during one walk. */
const BLOCKS = 16;

/** True if an address appears twice among the first `n` of `addresses`. */
function repeats(addresses: Float64Array, n: number): boolean {
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    if (seen.has(addresses[i])) return true;
    seen.add(addresses[i]);
  }
  return false;
}

/** Walks chains of frame objects in one process. */
export class FrameObjectWalk {
  readonly #memory: RemoteMemory;
  readonly #o: FrameObjectOffsets;
  readonly #blocks: ReadBuffer[] = [];
  readonly #blockStart = new Float64Array(BLOCKS);
  readonly #blockEnd = new Float64Array(BLOCKS);
  #blockCount = 0;
  /** The block that held the last frame looked up. */
  #block = 0;
  readonly #range: ReadRange = { start: 0, length: 0 };
  /** A buffer to read the walk's first frame again. */
  readonly #first: ReadBuffer;

  /** A walker of `memory`'s frame objects, laid out as `offsets` says. */
  constructor(memory: RemoteMemory, offsets: FrameObjectOffsets) {
    this.#memory = memory;
    this.#o = offsets;
    for (let i = 0; i < BLOCKS; i++) this.#blocks.push(memory.buffer(BLOCK));
    this.#first = memory.buffer(Math.max(offsets.size, 64));
  }

  /**
   * Records the frames from `frame` down into `out` (unresolved) and
   * `walked`. TORN when a read failed or a frame was freed or met twice
   * (the stack changed under the walk).
   */
  walk(frame: number, out: ThreadSample, walked: WalkedFrames): number {
    walked.count = 0;
    if (frame < 0) return TORN;
    const o = this.#o;
    const blocks = this.#blocks;
    this.#blockCount = 0;
    let n = 0;
    while (frame !== 0) {
      const at = this.#frameAt(frame, o.size);
      if (at < 0) return TORN;
      const view = blocks[this.#block].view;
      const back = u64(view, at + o.back);
      // A frame nobody references was freed: its f_back links a free list.
      if (back === frame || u64(view, at) === 0) return TORN;
      const code = u64(view, at + o.code);
      const lasti = view.getInt32(at + o.lasti, true);
      if (!out.add(code, lasti)) {
        // Too deep, or a cycle: a frame met twice means the chain changed
        // under the walk (looked for only here, to keep the walk cheap).
        if (repeats(walked.frames, n)) return TORN;
        out.invalid = true;
        return DONE;
      }
      walked.set(n++, frame, back, code, lasti);
      frame = back;
    }
    return DONE;
  }

  /**
   * True if the walk's first frame is still alive and still called from
   * its second (the thread pushed frames on the walked stack).
   */
  stillCalled(walked: WalkedFrames): boolean {
    const first = walked.frames[0];
    if (first <= 0 || walked.count < 1) return false;
    const o = this.#o;
    const buffer = this.#first;
    if (this.#memory.read(first, o.size, buffer) !== o.size) return false;
    return u64(buffer.view, 0) !== 0 && u64(buffer.view, o.back) === walked.backs[0];
  }

  /**
   * The offset of the frame object at `frame` in one of the walk's blocks
   * (its index left in `#block`), reading the block around it if no block
   * holds it yet; -1 if it cannot be read.
   */
  #frameAt(frame: number, size: number): number {
    const starts = this.#blockStart;
    const ends = this.#blockEnd;
    const count = this.#blockCount;
    for (let i = 0; i < count; i++) {
      if (frame >= starts[i] && frame + size <= ends[i]) {
        this.#block = i;
        return frame - starts[i];
      }
    }
    const i = count < BLOCKS ? count : BLOCKS - 1;
    if (count < BLOCKS) this.#blockCount++;
    const range = this.#range;
    const block = frame - (frame % BLOCK);
    if (!readAround(this.#memory, frame, size, block, BLOCK, this.#blocks[i], range)) {
      this.#blockCount = i;
      return -1;
    }
    starts[i] = range.start;
    ends[i] = range.start + range.length;
    this.#block = i;
    return frame - range.start;
  }
}
