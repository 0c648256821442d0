/**
 * Remote memory on an OS without a vectored read (macOS, Windows): the
 * many-address reads of {@link RemoteMemory} made of one read per address,
 * with the same results as Linux's single `process_vm_readv`.
 *
 * @module
 */

import type { ReadBuffer, RemoteMemory } from "./platform.ts";

/** A RemoteMemory whose `readMany` and `readSpans` are loops over its `read`. */
export abstract class SingleReadMemory implements RemoteMemory {
  abstract readonly pid: number;
  abstract buffer(size: number): ReadBuffer;
  abstract read(address: number, length: number, into: ReadBuffer, at?: number): number;

  /** Reads slot by slot; stops at the first slot not read whole. */
  readMany(
    addresses: Float64Array,
    first: number,
    count: number,
    length: number,
    into: ReadBuffer,
  ): number {
    const n = Math.min(count, Math.floor(into.bytes.length / length));
    for (let i = 0; i < n; i++) {
      const copied = this.read(addresses[first + i], length, into, i * length);
      if (copied < 0) return i === 0 ? copied : i;
      if (copied < length) return i;
    }
    return Math.max(n, 0);
  }

  /** Reads span by span; stops after the first span not read whole. */
  readSpans(
    addresses: Float64Array,
    lengths: Float64Array,
    count: number,
    into: ReadBuffer,
  ): number {
    let at = 0;
    for (let i = 0; i < count && at + lengths[i] <= into.bytes.length; i++) {
      if (lengths[i] <= 0) continue;
      const copied = this.read(addresses[i], lengths[i], into, at);
      if (copied < 0) return at === 0 ? copied : at;
      at += copied;
      if (copied < lengths[i]) break;
    }
    return at;
  }
}
