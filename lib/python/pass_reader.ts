/**
 * One pass over a target's interpreters and their thread states (spec:
 * cpython-layouts.md, section 3), re-reading the interpreter list from the
 * runtime each time.
 *
 * The pass's first read takes, in one system call, the list's head, the
 * first interpreter and its thread states as the last pass found them,
 * with (3.11, 3.12) where their C frames keep their current frames and
 * (3.11+) a window of each data stack around its last top frame. If the
 * head still points at that interpreter the pass starts with it, and each
 * thread's parts are used as read there if the list still leads to its
 * thread state. Read in one go, they agree with each other.
 *
 * @module
 */

import type { ReadBuffer, RemoteMemory } from "../process.ts";
import type { Runtime } from "./discovery.ts";
import type { InterpreterFrameWalk } from "./interpreter_frames.ts";
import { WINDOW } from "./interpreter_frames.ts";
import type { Layout } from "./layout.ts";
import { Remote } from "./remote.ts";
import { u64 } from "../bytes.ts";

/** Bounds on list lengths, against cycles in memory that changes under us. */
const MAX_THREADS = 4096;
const MAX_INTERPRETERS = 256;
/** Thread states of the first interpreter read with each pass's first read. */
export const PREFETCH_THREADS = 16;
/** How far past its last top frame a thread's window is read, for a stack that grew. */
const WINDOW_AHEAD = 2048;

/** What {@link PassReader.next} found. */
export const PASS_OVER = 0;
/** A thread state was read: its fields are in {@link PassReader.view}. */
export const THREAD_READ = 1;
/** A thread state could not be read: the rest of its interpreter's list is skipped. */
export const THREAD_UNREADABLE = 2;

/** Reads the interpreter list and thread states of one process, a pass at a time. */
export class PassReader {
  readonly #memory: RemoteMemory;
  readonly #remote: Remote;
  readonly #layout: Layout;
  readonly #headAddress: number;
  readonly #thread: ReadBuffer;
  /** First offset and length of the interpreter fields read at once. */
  readonly #interpSpan: [number, number];
  readonly #interpBuffer: ReadBuffer;
  /** Where each span of the first read came from, its length, its offset in `#prefetch`. */
  readonly #addresses = new Float64Array(2 + 3 * PREFETCH_THREADS);
  readonly #lengths = new Float64Array(2 + 3 * PREFETCH_THREADS);
  readonly #offsets = new Float64Array(2 + 3 * PREFETCH_THREADS);
  readonly #prefetch: ReadBuffer;
  #prefetched = 0;
  #spans = 0;
  /** 3.11+: the span of each thread's data-stack window in the first read, or -1. */
  readonly #windowSpan = new Int32Array(PREFETCH_THREADS);
  /** 3.11+: each thread's top frame at the end of its last walk. */
  readonly #lastTops = new Float64Array(PREFETCH_THREADS);
  /** The first interpreter of the last pass and its first thread states. */
  #lastInterp = 0;
  readonly #lastThreads = new Float64Array(PREFETCH_THREADS);
  #lastThreadCount = 0;
  /** 3.11, 3.12: where their C frames kept those threads' current frames. */
  readonly #lastCframes = new Float64Array(PREFETCH_THREADS);
  /** Thread states in this pass's first read (their C frames follow them). */
  #prefetchThreads = 0;
  #interps = 0;
  #nextInterp = 0;
  #threads = 0;
  #nextTs = 0;

  /** The interpreter of the thread state last read, and its id. */
  interpreter = 0;
  interpreterId = 0;
  /** The thread state last read. */
  threadState = 0;
  /** Its place among the first interpreter's threads kept for the next pass, or PREFETCH_THREADS. */
  slot = PREFETCH_THREADS;
  /** Whether it was taken from the pass's first read. */
  prefetched = false;
  /** Its fields, at `base` in `view`. */
  view: DataView;
  base = 0;

  /** A reader of the runtime's interpreters in `memory`. */
  constructor(memory: RemoteMemory, runtime: Runtime) {
    const layout = runtime.layout;
    this.#memory = memory;
    this.#remote = new Remote(memory, 8);
    this.#layout = layout;
    this.#headAddress = runtime.interpretersHeadAddress;
    this.#thread = memory.buffer(Math.max(layout.thread.size, 64));
    this.view = this.#thread.view;
    const i = layout.interpreter;
    const fields = [i.next, i.threadsHead, ...(i.id >= 0 ? [i.id] : [])];
    const first = Math.min(...fields);
    this.#interpSpan = [first, Math.max(...fields) + 8 - first];
    this.#interpBuffer = memory.buffer(this.#interpSpan[1]);
    const windows = layout.frames === "frame-objects" ? 0 : WINDOW;
    this.#prefetch = memory.buffer(
      8 + this.#interpSpan[1] + PREFETCH_THREADS * (layout.thread.size + 8 + windows),
    );
  }

  /**
   * Starts a pass. Returns 0, or a negative errno when the interpreter list
   * cannot be read (the process is gone or denies access).
   */
  begin(): number {
    this.#interps = 0;
    this.#nextTs = 0;
    if (this.#prefetchPass()) return 0;
    const n = this.#memory.read(this.#headAddress, 8, this.#interpBuffer);
    if (n !== 8) return n < 0 ? n : -14;
    this.interpreter = u64(this.#interpBuffer.view, 0);
    this.#enterInterpreter();
    return 0;
  }

  /** Reads the pass's next thread state: PASS_OVER, THREAD_READ or THREAD_UNREADABLE. */
  next(): number {
    while (true) {
      const ts = this.#nextTs;
      if (ts !== 0 && this.#threads < MAX_THREADS) {
        this.#threads++;
        return this.#readThread(ts);
      }
      if (this.interpreter === 0) return PASS_OVER;
      this.interpreter = ++this.#interps < MAX_INTERPRETERS ? this.#nextInterp : 0;
      this.#enterInterpreter();
    }
  }

  /** Lets the walk of the thread at `slot` start in its window of the first read. */
  lendWindow(slot: number, walk: InterpreterFrameWalk): void {
    const i = slot < PREFETCH_THREADS ? this.#windowSpan[slot] : -1;
    if (!this.prefetched || i < 0) return;
    const read = Math.min(this.#lengths[i], this.#prefetched - this.#offsets[i]);
    walk.useWindow(this.#prefetch.view, this.#offsets[i], this.#addresses[i], read);
  }

  /**
   * 3.11, 3.12: the current frame that C frame `cframe` of the thread last
   * read points at, from the first read if that read it, else read now: 0
   * without a C frame, -1 if unreadable. The C frame is kept for the next
   * pass.
   */
  cframeFrame(cframe: number): number {
    const k = this.slot;
    if (k >= PREFETCH_THREADS) return this.readCframeFrame(cframe);
    const watched = cframe + this.#layout.thread.cframeCurrentFrame;
    const span = 2 + this.#prefetchThreads + k;
    const hit = this.prefetched && cframe > 0 && this.#spanRead(span) &&
      this.#addresses[span] === watched;
    // (Without a C frame, a readable stand-in that no C frame matches.)
    this.#lastCframes[k] = cframe > 0 ? watched : this.#lastThreads[k];
    return hit ? u64(this.#prefetch.view, this.#offsets[span]) : this.readCframeFrame(cframe);
  }

  /** `cframe->current_frame` (3.11, 3.12): 0 without a C frame, -1 if unreadable. */
  readCframeFrame(cframe: number): number {
    if (cframe <= 0) return cframe;
    return this.#remote.pointer(cframe + this.#layout.thread.cframeCurrentFrame);
  }

  /** Remembers the top frame the walk of the thread last read ended with. */
  keepTop(frame: number): void {
    if (this.slot < PREFETCH_THREADS) this.#lastTops[this.slot] = frame;
  }

  /** Reads thread state `ts` into `view`/`base`; the list goes on with its `next`. */
  #readThread(ts: number): number {
    const o = this.#layout.thread;
    this.threadState = ts;
    // The thread's place in the first interpreter's list, as kept for the
    // next pass's first read.
    const k = this.#interps === 0 ? this.#threads - 1 : PREFETCH_THREADS;
    this.slot = k;
    if (k < PREFETCH_THREADS) {
      this.#lastThreads[k] = ts;
      this.#lastThreadCount = k + 1;
    }
    this.prefetched = k < this.#prefetchThreads && this.#spanRead(2 + k) &&
      this.#addresses[2 + k] === ts;
    if (this.prefetched) {
      this.view = this.#prefetch.view;
      this.base = this.#offsets[2 + k];
    } else if (this.#memory.read(ts, o.size, this.#thread) === o.size) {
      this.view = this.#thread.view;
      this.base = 0;
    } else {
      this.#nextTs = 0;
      return THREAD_UNREADABLE;
    }
    const next = u64(this.view, this.base + o.next);
    this.#nextTs = next === ts ? 0 : next;
    return THREAD_READ;
  }

  /** The pass's first read (see the module's notes); true if the pass starts with it. */
  #prefetchPass(): boolean {
    this.#prefetched = 0;
    const interp = this.#lastInterp;
    if (interp === 0) return false;
    const layout = this.#layout;
    const span = this.#interpSpan;
    const threads = this.#lastThreadCount;
    this.#spans = 0;
    this.#addSpan(this.#headAddress, 8);
    this.#addSpan(interp + span[0], span[1]);
    for (let k = 0; k < threads; k++) this.#addSpan(this.#lastThreads[k], layout.thread.size);
    if (layout.frames === "cframe") {
      for (let k = 0; k < threads; k++) this.#addSpan(this.#lastCframes[k], 8);
    }
    // The windows last: one may end in unmapped memory, which ends the read.
    const frameSize = layout.interpreterFrame.size;
    const windows = layout.frames !== "frame-objects";
    for (let k = 0; k < threads; k++) {
      const start = this.#lastTops[k] + frameSize + WINDOW_AHEAD - WINDOW;
      const window = windows && this.#lastTops[k] > 0 && start > 0;
      this.#windowSpan[k] = window ? this.#addSpan(start, WINDOW) : -1;
    }
    const buffer = this.#prefetch;
    const got = this.#memory.readSpans(this.#addresses, this.#lengths, this.#spans, buffer);
    if (got < this.#offsets[1] + this.#lengths[1] || u64(buffer.view, 0) !== interp) return false;
    this.interpreter = interp;
    this.#prefetched = got;
    this.#prefetchThreads = threads;
    this.#loadInterpreter(buffer.view, this.#offsets[1]);
    return true;
  }

  /** Adds a span to this pass's first read; returns its index. */
  #addSpan(address: number, length: number): number {
    const i = this.#spans++;
    const offsets = this.#offsets;
    this.#addresses[i] = address;
    this.#lengths[i] = length;
    offsets[i] = i === 0 ? 0 : offsets[i - 1] + this.#lengths[i - 1];
    return i;
  }

  /** True if span `i` of this pass's first read was read whole. */
  #spanRead(i: number): boolean {
    return this.#offsets[i] + this.#lengths[i] <= this.#prefetched;
  }

  #enterInterpreter(): void {
    const interp = this.interpreter;
    this.#nextTs = 0;
    if (interp === 0) return;
    // The fields are close together in every version: one read covers them.
    const span = this.#interpSpan;
    if (this.#memory.read(interp + span[0], span[1], this.#interpBuffer) !== span[1]) {
      this.interpreter = 0;
      return;
    }
    this.#loadInterpreter(this.#interpBuffer.view, 0);
  }

  /** Takes the interpreter's fields from its span as read at `base` in `view`. */
  #loadInterpreter(view: DataView, base: number): void {
    const o = this.#layout.interpreter;
    const at = base - this.#interpSpan[0];
    if (this.#interps === 0) this.#lastInterp = this.interpreter;
    this.#nextInterp = u64(view, at + o.next);
    this.#nextTs = u64(view, at + o.threadsHead);
    this.#threads = 0;
    this.interpreterId = o.id >= 0 ? u64(view, at + o.id) : 0;
  }
}
