/**
 * The memory of a process that cannot exist (a number that is no process
 * id on this OS): every read fails with ESRCH, on every back-end.
 *
 * @module
 */

import type { ReadBuffer, RemoteMemory } from "./platform.ts";

/** ESRCH, "no such process", the same number on Linux, macOS and in Windows' CRT. */
const ESRCH = 3;

/** A memory whose every read fails with ESRCH; its buffers are the back-end's own. */
export class NoMemory implements RemoteMemory {
  readonly #buffer: (size: number) => ReadBuffer;

  /** The memory of `pid`, whose buffers `buffer` makes. */
  constructor(readonly pid: number, buffer: (size: number) => ReadBuffer) {
    this.#buffer = buffer;
  }
  buffer(size: number): ReadBuffer {
    return this.#buffer(size);
  }
  read(): number {
    return -ESRCH;
  }
  readMany(): number {
    return -ESRCH;
  }
  readSpans(): number {
    return -ESRCH;
  }
}
