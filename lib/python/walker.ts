/**
 * Walks a target's interpreters, threads and frames (spec:
 * cpython-layouts.md, section 3). One pass visits every thread of every
 * interpreter, re-reading the interpreter list from the runtime each time.
 * Results go into a reused {@link ThreadSample}: nothing is allocated per
 * sample once the code objects are cached.
 *
 * @module
 */

import type { ReadBuffer, RemoteMemory } from "../../platforms/platform.ts";
import type { CodeCache, CodeInfo } from "./code_cache.ts";
import type { Runtime } from "./discovery.ts";
import type { Layout } from "./layout.ts";
import { u64 } from "../bytes.ts";

/** Stacks deeper than this are cut to their innermost frames and marked invalid. */
export const MAX_FRAMES = 2048;
/** Bounds on list lengths, against cycles in memory that changes under us. */
const MAX_THREADS = 4096;
const MAX_INTERPRETERS = 256;
/** Walks tried again when the stack changed under us. */
const MAX_RETRIES = 25;
/** Outcomes of a frame walk. */
const DONE = 0;
/** The walk read memory that changed under it: try again. */
const TORN = 1;
/** Bytes of a thread's data stack read at once, ending at its current frame. */
const WINDOW = 16384;
const PAGE = 4096;
/** Walk outcome: go on with the frame in `#nextFrame`. */
const CONTINUE = 2;
/** Frame objects read in one batched call (IOV_MAX). */
const BATCH_FRAMES = 1024;
/** Threads whose last chain of frames is kept. */
const MAX_CHAINS = 256;

/** The frame objects of a thread's last complete walk (2.7–3.10), innermost first. */
interface Chain {
  addresses: Float64Array;
  length: number;
  /** Frame address → position in `addresses`. */
  index: Map<number, number>;
}

/** `FRAME_OWNED_BY_GENERATOR` (3.11–3.14). */
const OWNED_BY_GENERATOR = 1;

/** One thread's stack, innermost frame first. */
export class ThreadSample {
  /** Interpreter id. */
  interpreterId = 0;
  /** Kernel thread id (0 or less if the thread has not started or has ended). */
  threadId = 0;
  /** Address of the thread state. */
  threadState = 0;
  /** Number of frames in `codes` / `lines`. */
  depth = 0;
  /** The walk failed or was cut short. */
  invalid = false;
  /** Address of the interpreter the thread belongs to. */
  interpreter = 0;
  /** Resolved frames: code objects and line numbers. */
  readonly codes: CodeInfo[] = new Array(MAX_FRAMES);
  readonly lines = new Int32Array(MAX_FRAMES);
  /** Per resolved frame: the code object's address and the position in it. */
  readonly frameAddresses = new Float64Array(MAX_FRAMES);
  readonly positionsResolved = new Float64Array(MAX_FRAMES);
  /** Scratch for output formats that key frames (MOJO). */
  readonly frameKeys = new Float64Array(MAX_FRAMES);
  /** Frames as walked, before resolution: code addresses and positions. */
  readonly addresses = new Float64Array(MAX_FRAMES);
  readonly positions = new Float64Array(MAX_FRAMES);
  /** Resolution scratch: the code object of each walked frame. */
  readonly resolved: (CodeInfo | null)[] = new Array(MAX_FRAMES).fill(null);
  /** Number of walked frames in `addresses` / `positions`. */
  walked = 0;

  /** Records a walked frame; returns false when the stack is full. */
  add(code: number, position: number): boolean {
    if (this.walked >= MAX_FRAMES) return false;
    this.addresses[this.walked] = code;
    this.positions[this.walked] = position;
    this.walked++;
    return true;
  }
}

/** Walks one process's Python stacks. */
export class StackWalker {
  readonly #memory: RemoteMemory;
  readonly #layout: Layout;
  readonly #codes: CodeCache;
  readonly #headAddress: number;
  readonly #tidOffset: number;
  readonly #word: ReadBuffer;
  readonly #thread: ReadBuffer;
  readonly #frame: ReadBuffer;
  /** First offset and length of the interpreter fields read at once. */
  readonly #interpSpan: [number, number];
  readonly #interpBuffer: ReadBuffer;
  /** A window of the thread's data stack (3.11+), copied in one read. */
  readonly #window: ReadBuffer;
  #windowStart = 0;
  #windowEnd = 0;
  /** 2.7–3.10: each thread's last chain of frames, and the current walk's. */
  readonly #chains = new Map<number, Chain>();
  readonly #walkedFrames = new Float64Array(MAX_FRAMES);
  readonly #framesSeen = new Set<number>();
  readonly #batch: ReadBuffer;
  #walkedCount = 0;
  #nextFrame = 0;
  #interp = 0;
  #nextInterp = 0;
  #interpId = 0;
  #interps = 0;
  #ts = 0;
  #threads = 0;

  constructor(memory: RemoteMemory, runtime: Runtime, codes: CodeCache) {
    this.#memory = memory;
    this.#layout = runtime.layout;
    this.#codes = codes;
    this.#headAddress = runtime.interpretersHeadAddress;
    this.#tidOffset = runtime.pthreadTidOffset;
    this.#word = memory.buffer(64);
    this.#thread = memory.buffer(Math.max(runtime.layout.thread.size, 64));
    this.#frame = memory.buffer(512);
    const i = runtime.layout.interpreter;
    const fields = [i.next, i.threadsHead, ...(i.id >= 0 ? [i.id] : [])];
    const first = Math.min(...fields);
    this.#interpSpan = [first, Math.max(...fields) + 8 - first];
    this.#interpBuffer = memory.buffer(this.#interpSpan[1]);
    this.#window = memory.buffer(WINDOW);
    this.#batch = memory.buffer(
      runtime.layout.frameObject.size > 0 ? BATCH_FRAMES * runtime.layout.frameObject.size : 64,
    );
  }

  /** Reads a pointer; -1 on failure. */
  #pointer(address: number): number {
    const word = this.#word;
    if (this.#memory.read(address, 8, word) !== 8) return -1;
    return u64(word.view, 0);
  }

  /**
   * Starts a pass. Returns 0, or a negative errno when the interpreter list
   * cannot be read (the process is gone or denies access).
   */
  beginPass(): number {
    const n = this.#memory.read(this.#headAddress, 8, this.#word);
    if (n !== 8) return n < 0 ? n : -14;
    this.#interp = u64(this.#word.view, 0);
    this.#interps = 0;
    this.#ts = 0;
    this.#enterInterpreter();
    return 0;
  }

  #enterInterpreter(): void {
    const interp = this.#interp;
    this.#ts = 0;
    if (interp === 0) return;
    // The fields are close together in every version: one read covers them.
    const o = this.#layout.interpreter;
    const span = this.#interpSpan;
    const buffer = this.#interpBuffer;
    if (this.#memory.read(interp + span[0], span[1], buffer) !== span[1]) {
      this.#interp = 0;
      return;
    }
    const view = buffer.view;
    this.#nextInterp = u64(view, o.next - span[0]);
    this.#ts = u64(view, o.threadsHead - span[0]);
    this.#threads = 0;
    this.#interpId = o.id >= 0 ? u64(view, o.id - span[0]) : 0;
  }

  /** Fills `out` with the next thread of the pass; false when the pass is over. */
  nextThread(out: ThreadSample): boolean {
    while (true) {
      if (this.#ts !== 0 && this.#threads < MAX_THREADS) {
        this.#threads++;
        this.#ts = this.#walkThread(this.#ts, out);
        return true;
      }
      if (this.#interp === 0) return false;
      this.#interp = ++this.#interps < MAX_INTERPRETERS ? this.#nextInterp : 0;
      this.#enterInterpreter();
    }
  }

  /** Walks one thread state into `out`; returns the next thread state (0 at the end). */
  #walkThread(ts: number, out: ThreadSample): number {
    const layout = this.#layout;
    const o = layout.thread;
    out.interpreterId = this.#interpId;
    out.interpreter = this.#interp;
    out.threadState = ts;
    out.depth = 0;
    out.invalid = false;
    out.threadId = 0;
    const buffer = this.#thread;
    if (this.#memory.read(ts, o.size, buffer) !== o.size) {
      out.invalid = true;
      return 0;
    }
    const view = buffer.view;
    const next = u64(view, o.next);
    if (o.nativeThreadId >= 0) {
      out.threadId = view.getUint32(o.nativeThreadId, true);
    } else {
      const pthread = u64(view, o.threadId);
      const word = this.#word;
      if (pthread !== 0 && this.#memory.read(pthread + this.#tidOffset, 4, word) === 4) {
        out.threadId = word.view.getInt32(0, true);
      }
    }
    let frame = o.frame >= 0
      ? u64(view, o.frame)
      : o.currentFrame >= 0
      ? u64(view, o.currentFrame)
      : this.#cframeFrame(u64(view, o.cframe));
    for (let attempt = 0;; attempt++) {
      out.walked = 0;
      let walk = o.frame >= 0
        ? this.#walkFrameObjects(frame, out, ts)
        : this.#walkInterpreterFrames(frame, out);
      if (walk === DONE) walk = this.#resolve(out);
      if (walk !== TORN) break;
      // The stack changed under us (a frame was pushed, popped or a
      // generator yielded while we read it): walk it again from the top.
      if (attempt === MAX_RETRIES) {
        out.invalid = true;
        break;
      }
      out.depth = 0;
      out.invalid = false;
      frame = o.frame >= 0 ? this.#pointer(ts + o.frame) : this.#currentFrame(ts);
    }
    return next === ts ? 0 : next;
  }

  /** The thread's current interpreter frame (3.11+), or -1. */
  #currentFrame(ts: number): number {
    const o = this.#layout.thread;
    if (o.currentFrame >= 0) return this.#pointer(ts + o.currentFrame);
    return this.#cframeFrame(this.#pointer(ts + o.cframe));
  }

  /** `cframe->current_frame` (3.11, 3.12): 0 without a cframe, -1 if unreadable. */
  #cframeFrame(cframe: number): number {
    if (cframe <= 0) return cframe;
    return this.#pointer(cframe + this.#layout.thread.cframeCurrentFrame);
  }

  /**
   * 2.7–3.10: heap frame objects linked by `f_back`, recorded unresolved.
   * Returns TORN when a read failed (the stack changed under the walk).
   */
  #walkFrameObjects(frame: number, out: ThreadSample, ts: number): number {
    if (frame < 0) return TORN;
    const o = this.#layout.frameObject;
    const view = this.#frame.view;
    const chain = this.#chains.get(ts);
    const walked = this.#walkedFrames;
    let n = 0;
    let status = DONE;
    // Where a batch stopped: that frame is read on its own (never loop on it).
    this.#nextFrame = -1;
    this.#framesSeen.clear();
    while (frame !== 0) {
      if (n >= MAX_FRAMES) {
        out.invalid = true;
        break;
      }
      // A frame the previous walk of this thread saw: read the rest of that
      // chain in one go and keep what still links up.
      const k = frame === this.#nextFrame ? undefined : chain?.index.get(frame);
      if (chain !== undefined && k !== undefined) {
        const result = this.#walkKnown(chain, k, out, n);
        n = this.#walkedCount;
        if (result !== CONTINUE) {
          status = result;
          break;
        }
        frame = this.#nextFrame;
        continue;
      }
      if (this.#memory.read(frame, o.size, this.#frame) !== o.size) return TORN;
      const back = u64(view, o.back);
      if (back === frame || this.#seenFrame(frame)) return TORN;
      walked[n++] = frame;
      if (!out.add(u64(view, o.code), view.getInt32(o.lasti, true))) {
        out.invalid = true;
        break;
      }
      frame = back;
    }
    if (status === DONE) this.#remember(ts, n);
    return status;
  }

  /**
   * Walks on from frame `k` of a thread's previous chain: reads the frames
   * from there to its end with one batched read and follows them while each
   * one's `f_back` still points at the next. Returns DONE at the end of the
   * stack, TORN, or CONTINUE with `#nextFrame` set where the chains part.
   */
  #walkKnown(chain: Chain, k: number, out: ThreadSample, n: number): number {
    const o = this.#layout.frameObject;
    const view = this.#batch.view;
    const walked = this.#walkedFrames;
    const addresses = chain.addresses;
    let at = k;
    while (at < chain.length) {
      const want = Math.min(chain.length - at, BATCH_FRAMES);
      const got = Math.max(this.#memory.readMany(addresses, at, want, o.size, this.#batch), 0);
      for (let j = 0; j < got; j++) {
        const frame = addresses[at + j];
        const base = j * o.size;
        const back = u64(view, base + o.back);
        if (back === frame || this.#seenFrame(frame)) return TORN;
        if (n >= MAX_FRAMES) {
          out.invalid = true;
          this.#walkedCount = n;
          return DONE;
        }
        walked[n++] = frame;
        if (!out.add(u64(view, base + o.code), view.getInt32(base + o.lasti, true))) {
          out.invalid = true;
          this.#walkedCount = n;
          return DONE;
        }
        const expected = at + j + 1 < chain.length ? addresses[at + j + 1] : 0;
        if (back !== expected) {
          this.#walkedCount = n;
          this.#nextFrame = back;
          return back === 0 ? DONE : CONTINUE;
        }
      }
      if (got < want) {
        // Unreadable from there on: go on one frame at a time.
        this.#walkedCount = n;
        this.#nextFrame = addresses[at + got];
        return CONTINUE;
      }
      at += want;
    }
    this.#walkedCount = n;
    return DONE;
  }

  /** True if the walk met this frame before (a cycle: the chain changed under us). */
  #seenFrame(frame: number): boolean {
    if (this.#framesSeen.has(frame)) return true;
    this.#framesSeen.add(frame);
    return false;
  }

  /** Keeps the frames of a complete walk of a thread for the next one. */
  #remember(ts: number, n: number): void {
    let chain = this.#chains.get(ts);
    if (chain === undefined || chain.addresses.length < n) {
      if (chain === undefined && this.#chains.size >= MAX_CHAINS) this.#chains.clear();
      chain = { addresses: new Float64Array(Math.max(64, n * 2)), length: 0, index: new Map() };
      this.#chains.set(ts, chain);
    }
    const walked = this.#walkedFrames;
    chain.addresses.set(walked.subarray(0, n));
    chain.length = n;
    chain.index.clear();
    for (let i = n - 1; i >= 0; i--) chain.index.set(walked[i], i);
  }

  /**
   * 3.11+: interpreter frames linked by `previous`, skipping shim frames.
   * Returns TORN when the stack changed under the walk (as above).
   */
  #walkInterpreterFrames(frame: number, out: ThreadSample): number {
    if (frame < 0) return TORN;
    const layout = this.#layout;
    const o = layout.interpreterFrame;
    const codeAdaptive = layout.code.codeAdaptive;
    const view = this.#window.view;
    this.#windowStart = this.#windowEnd = 0;
    while (frame !== 0) {
      const at = this.#frameAt(frame, o.size);
      if (at < 0) return TORN;
      const previous = u64(view, at + o.previous);
      if (previous === frame) return TORN;
      const owner = view.getUint8(at + o.owner);
      if (owner < o.shimOwnerMin) {
        let code = u64(view, at + o.code);
        if (o.taggedCode) code -= code % 4;
        const index = (u64(view, at + o.instrPtr) - (code + codeAdaptive)) / 2;
        if (!out.add(code, index)) {
          out.invalid = true;
          return DONE;
        }
      }
      if (previous === 0) return owner === OWNED_BY_GENERATOR ? TORN : DONE;
      frame = previous;
    }
    return DONE;
  }

  /**
   * The offset in the window of the frame at `frame`, reading a new window
   * if the frame is not in the current one; -1 if it cannot be read.
   * Frames are pushed upwards on a thread's data stack, so a window that
   * ends with the current frame usually holds all of its callers too.
   */
  #frameAt(frame: number, size: number): number {
    if (frame >= this.#windowStart && frame + size <= this.#windowEnd) {
      return frame - this.#windowStart;
    }
    const end = frame + size;
    // Below the frame may be unmapped: fall back to its page, then to the frame alone.
    for (const start of [Math.max(end - WINDOW, 0), frame - (frame % PAGE), frame]) {
      const length = end - start;
      if (length > WINDOW) continue;
      if (this.#memory.read(start, length, this.#window) === length) {
        this.#windowStart = start;
        this.#windowEnd = end;
        return frame - start;
      }
    }
    return -1;
  }

  /**
   * Resolves the walked frames into code objects and lines, dropping shim
   * frames. TORN if a code object could not be read (its frame was reused
   * while we walked) or, up to 3.10, if the outermost frame belongs to a
   * generator (its back link was cleared when it yielded).
   */
  #resolve(out: ThreadSample): number {
    const n = out.walked;
    const resolved = out.resolved;
    if (n > 0 && !this.#codes.resolveMany(out.addresses, n, resolved)) return TORN;
    if (n > 0 && !out.invalid && (resolved[n - 1] as CodeInfo).generator) return TORN;
    let depth = 0;
    for (let i = 0; i < n; i++) {
      const code = resolved[i] as CodeInfo;
      resolved[i] = null;
      if (code.shim) continue;
      const position = out.positions[i];
      const line = code.line(position);
      // A negative line comes from a line table read while it was replaced.
      if (line < 0) return TORN;
      out.codes[depth] = code;
      out.lines[depth] = line;
      out.frameAddresses[depth] = out.addresses[i];
      out.positionsResolved[depth] = position;
      depth++;
    }
    out.depth = depth;
    return DONE;
  }
}
