/**
 * Where frames sit on a thread's data stack (3.11+), as a test of a walk.
 *
 * A thread's frames (those it owns, not a generator's, a frame object's or
 * the C stack's) are pushed on its data stack: each one at the data stack's
 * top, which is where its caller's frame ends (`co_framesize` words on),
 * unless it did not fit and starts a new chunk. Frames pushed after the
 * caller and popped since left the top there again, and a generator frame
 * in between (it lives in its generator) or a C call takes no room on it.
 * So in a stack that existed, each thread-owned frame starts where the next
 * thread-owned frame below it ends, or at the start of a chunk.
 *
 * A walk that began at a frame already popped breaks this as soon as its
 * caller's place was taken by a frame of another size (a generator being
 * made, say): the walk goes down a stack that never held its top frames.
 *
 * @module
 */

import type { CodeInfo } from "./code_cache.ts";
import type { WalkedFrames } from "./thread_sample.ts";

/** `FRAME_OWNED_BY_THREAD` (3.11–3.15): the frame is on its thread's data stack. */
const OWNED_BY_THREAD = 0;

/**
 * Data-stack chunks come from the object arena allocator (mmap), page
 * aligned; a chunk's first frame is after its header (three pointers), or
 * one word further in a thread's first chunk.
 */
const CHUNK_ALIGN = 4096;
const CHUNK_HEADER = 24;

/** True if `frame` can be the first frame of a data-stack chunk. */
function chunkStart(frame: number): boolean {
  const offset = frame % CHUNK_ALIGN;
  return offset === CHUNK_HEADER || offset === CHUNK_HEADER + 8;
}

/**
 * 3.11: true if `frame`, of owner `owner`, can be where a thread's stack
 * ends (its frame without a caller). That is the first frame its thread
 * pushed, in the first slot of its first chunk (one word after the header)
 * and owned by the thread. (From 3.12 every stack ends with the entry
 * frame of an evaluation loop instead, owned by the C stack.)
 */
export function threadBottom(frame: number, owner: number): boolean {
  return owner === OWNED_BY_THREAD && frame % CHUNK_ALIGN === CHUNK_HEADER + 8;
}

/**
 * True if the walked frames sit on the data stack as one stack would: each
 * thread-owned frame where the next one below it ends, or at a chunk's
 * start. `codes[walked.recorded[k]]` is the code of visited frame `k` (every
 * thread-owned frame is recorded); `recorded` frames were recorded in all.
 */
export function stacked(
  walked: WalkedFrames,
  codes: readonly (CodeInfo | null)[],
  recorded: number,
): boolean {
  const frames = walked.frames;
  const owners = walked.owners;
  const n = walked.count;
  // From the bottom up: `below` is the last thread-owned frame seen.
  let below = -1;
  for (let k = n - 1; k >= 0; k--) {
    if (owners[k] !== OWNED_BY_THREAD) continue;
    const at = walked.recorded[k];
    if (at >= recorded) return true; // the sample was full: nothing to test
    if (below >= 0) {
      const caller = codes[walked.recorded[below]] as CodeInfo;
      const frame = frames[k];
      if (frame !== frames[below] + caller.frameBytes && !chunkStart(frame)) return false;
    }
    below = k;
  }
  return true;
}
