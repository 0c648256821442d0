/**
 * Small reads of a target's memory, with one failure convention for every
 * CPython reader in this folder: a read that fails gives no value, which
 * is `-1` for a number (every value read this way is a pointer, a size or
 * an unsigned field, never negative) and `null` for bytes. Address 0 is
 * never read: it fails like unmapped memory. A failed read of the target
 * is normal (its memory changes and goes away under us); callers turn it
 * into a torn walk, an `:INVALID:` sample or a discovery failure.
 *
 * Bulk reads (frames, windows, code objects) use {@link RemoteMemory}
 * directly, into buffers of their own.
 *
 * @module
 */

import type { ReadBuffer, RemoteMemory } from "../process.ts";
import { u64 } from "../bytes.ts";

/** The value of a number read that failed. */
export const FAILED = -1;

/** Reads pointers, words and short byte strings through one scratch buffer. */
export class Remote {
  /** The memory read. */
  readonly memory: RemoteMemory;
  readonly #scratch: ReadBuffer;

  /** A reader of `memory` whose byte reads take up to `scratch` bytes. */
  constructor(memory: RemoteMemory, scratch = 64) {
    this.memory = memory;
    this.#scratch = memory.buffer(Math.max(scratch, 8));
  }

  /** The pointer (u64) at `address`, or {@link FAILED}. */
  pointer(address: number): number {
    const scratch = this.#scratch;
    if (address === 0 || this.memory.read(address, 8, scratch) !== 8) return FAILED;
    return u64(scratch.view, 0);
  }

  /** The unsigned 32-bit word at `address`, or {@link FAILED}. */
  u32(address: number): number {
    const scratch = this.#scratch;
    if (address === 0 || this.memory.read(address, 4, scratch) !== 4) return FAILED;
    return scratch.view.getUint32(0, true);
  }

  /**
   * The `size` bytes at `address` (at most the scratch size), copied into a
   * new array, or null.
   */
  bytes(address: number, size: number): Uint8Array | null {
    const scratch = this.#scratch;
    if (size > scratch.bytes.length) return null;
    if (address === 0 || this.memory.read(address, size, scratch) !== size) return null;
    return scratch.bytes.slice(0, size);
  }

  /**
   * Reads up to `size` bytes at `address` into the scratch buffer, for a
   * caller that looks at them in place (see {@link Remote.view}); returns
   * how many were read, or a negative errno.
   */
  fill(address: number, size: number): number {
    const scratch = this.#scratch;
    return this.memory.read(address, Math.min(size, scratch.bytes.length), scratch);
  }

  /** The scratch buffer's bytes, as the last {@link Remote.fill} left them. */
  get scratch(): Uint8Array {
    return this.#scratch.bytes;
  }

  /** The errno of reading the word at `address`: 0 if it can be read. */
  errno(address: number): number {
    const n = this.memory.read(address, 8, this.#scratch);
    return n < 0 ? -n : 0;
  }
}

/** Bytes of a memory page: reads around a frame fall back to its page. */
export const PAGE = 4096;

/** Where the bytes of a {@link readAround} came from in the target, and how many. */
export interface ReadRange {
  start: number;
  length: number;
}

/**
 * Reads `length` bytes from `start` into `buffer`, if they reach past the
 * `size` bytes at `frame`; else as much from the frame's page on (below it
 * may be unmapped); else the frame alone. Leaves in `range` where the
 * bytes read start and how many there are; false if the frame itself
 * cannot be read.
 */
export function readAround(
  memory: RemoteMemory,
  frame: number,
  size: number,
  start: number,
  length: number,
  buffer: ReadBuffer,
  range: ReadRange,
): boolean {
  const end = frame + size;
  let got = memory.read(start, length, buffer);
  if (got < end - start) {
    start = frame - (frame % PAGE);
    got = memory.read(start, Math.min(length, buffer.bytes.length), buffer);
    if (got < end - start) {
      start = frame;
      got = memory.read(start, size, buffer);
      if (got < size) return false;
    }
  }
  range.start = start;
  range.length = got;
  return true;
}
