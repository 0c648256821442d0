/**
 * The stack walk of CPython 3.11 and later (frame eras `"cframe"` and
 * `"current-frame"`): `_PyInterpreterFrame`s linked by `previous`, from the
 * thread's top frame down, skipping shim frames.
 *
 * Frames are pushed upwards on a thread's data stack, so one window of it
 * that ends with the current frame usually holds all of its callers too:
 * the walk reads such a window, or takes one from the pass's first read.
 *
 * @module
 */

import type { ReadBuffer, RemoteMemory } from "../process.ts";
import type { InterpreterFrameOffsets } from "./layout.ts";
import { threadBottom } from "./data_stack.ts";
import { readAround, type ReadRange } from "./remote.ts";
import { DONE, type ThreadSample, TORN, type WalkedFrames } from "./thread_sample.ts";
import { MAX_FRAMES } from "../sample.ts";
import { u64 } from "../bytes.ts";

/** Bytes of a thread's data stack read at once, ending at its current frame. */
export const WINDOW = 16384;

/** `FRAME_OWNED_BY_GENERATOR` (3.11–3.15). */
const OWNED_BY_GENERATOR = 1;

/** Walks chains of interpreter frames in one process. */
export class InterpreterFrameWalk {
  readonly #memory: RemoteMemory;
  readonly #o: InterpreterFrameOffsets;
  /** `co_code_adaptive`: where the instructions of a code object start. */
  readonly #codeAdaptive: number;
  readonly #window: ReadBuffer;
  /** The remote range the current window holds, and where it is held locally. */
  #start = 0;
  #end = 0;
  #view: DataView;
  #offset = 0;
  readonly #range: ReadRange = { start: 0, length: 0 };

  /** A walker of `memory`'s interpreter frames, laid out as `offsets` says. */
  constructor(memory: RemoteMemory, offsets: InterpreterFrameOffsets, codeAdaptive: number) {
    this.#memory = memory;
    this.#o = offsets;
    this.#codeAdaptive = codeAdaptive;
    this.#window = memory.buffer(WINDOW);
    this.#view = this.#window.view;
  }

  /** Forgets the window: the next walk reads its own. */
  dropWindow(): void {
    this.#start = this.#end = 0;
  }

  /**
   * Walks in a window read by someone else: the remote bytes from `start`,
   * `length` of them, held at `offset` in `view`.
   */
  useWindow(view: DataView, offset: number, start: number, length: number): void {
    if (length <= 0) return;
    this.#start = start;
    this.#end = start + length;
    this.#view = view;
    this.#offset = offset;
  }

  /**
   * Records the frames from `frame` down into `out` (unresolved, without
   * shims) and every frame visited into `walked`. TORN when the stack
   * changed under the walk.
   */
  walk(frame: number, out: ThreadSample, walked: WalkedFrames): number {
    walked.count = 0;
    if (frame < 0) return TORN;
    const o = this.#o;
    const codeAdaptive = this.#codeAdaptive;
    let frames = 0;
    while (frame !== 0) {
      const at = this.#frameAt(frame, o.size);
      if (at < 0) return TORN;
      const view = this.#view;
      const previous = u64(view, at + o.previous);
      if (previous === frame) return TORN;
      // Shim frames are not counted as stack depth: bound the walk here.
      if (++frames > MAX_FRAMES) return TORN;
      const owner = view.getUint8(at + o.owner);
      const raw = u64(view, at + o.code);
      const instruction = u64(view, at + o.instrPtr);
      walked.set(frames - 1, frame, previous, raw, instruction);
      walked.recorded[frames - 1] = out.walked;
      walked.owners[frames - 1] = owner;
      if (owner < o.shimOwnerMin) {
        const code = o.taggedCode ? raw - raw % 4 : raw;
        const index = (instruction - (code + codeAdaptive)) / 2;
        if (!out.add(code, index)) {
          out.invalid = true;
          return DONE;
        }
      }
      if (previous === 0) {
        // A generator's frame is unlinked when it yields; and from 3.12
        // every stack ends with the entry frame of an evaluation loop
        // (owned by the C stack). A stack ending elsewhere was cut short
        // by a frame being rewritten.
        if (owner === OWNED_BY_GENERATOR) return TORN;
        if (o.shimOwnerMin >= 256) return threadBottom(frame, owner) ? DONE : TORN;
        return owner < o.shimOwnerMin ? TORN : DONE;
      }
      frame = previous;
    }
    return DONE;
  }

  /**
   * The offset in the window's view of the frame at `frame`, reading a new
   * window ending with it if the frame is not in the current one; -1 if it
   * cannot be read.
   */
  #frameAt(frame: number, size: number): number {
    if (frame >= this.#start && frame + size <= this.#end) {
      return this.#offset + frame - this.#start;
    }
    const first = Math.max(frame + size - WINDOW, 0);
    const range = this.#range;
    if (!readAround(this.#memory, frame, size, first, frame + size - first, this.#window, range)) {
      return -1;
    }
    this.#start = range.start;
    this.#end = range.start + range.length;
    this.#view = this.#window.view;
    this.#offset = 0;
    return frame - range.start;
  }
}
