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
import { type CodeCache, type CodeInfo, type Rider, RIDER_BYTES } from "./code_cache.ts";
import type { Runtime } from "./discovery.ts";
import type { Layout } from "./layout.ts";
import { u64 } from "../bytes.ts";
import { MAX_FRAMES, Stack } from "../sample.ts";

/** Bounds on list lengths, against cycles in memory that changes under us. */
const MAX_THREADS = 4096;
const MAX_INTERPRETERS = 256;
/**
 * A stack that changed while it was read is read again: at least
 * MAX_RETRIES times and for RETRY_MS. A walk must also be confirmed after
 * it: the thread's top frame is the same, or (up to 3.10) the walk's first
 * frame is still called from its second and the walk ends at the thread's
 * own bottom frame (see `#ownBottom`). From 3.11, after SURE_MS (or
 * MAX_RETRIES walks) a walk whose every frame checked out is taken
 * unconfirmed: its stack changes faster than it can be read. Even such a
 * stack stands still now and then (its thread waits for the GIL, or runs
 * C code).
 */
const MAX_RETRIES = 25;
const SURE_MS = 0.2;
const RETRY_MS = 1;

/**
 * The first address above x86-64's and arm64's 47-bit user space: no frame
 * pointer can be at or above it. A thread state that holds one as its top
 * frame (a `Py_DEBUG` build fills freed memory with 0xDD bytes), or that
 * cannot be read at all, was freed while it was read: its thread has ended.
 */
const USER_SPACE_END = 2 ** 47;
/** Bytes and spans read at once by the check that a walk's frames did not change. */
const CHECK_BYTES = RIDER_BYTES;
const CHECK_SPANS = 512;
/** Frames closer than this share a span of the check (a gap costs less than an iovec). */
const MERGE_GAP = 1024;
/** Spans of a merged check, at most (each frame is tried against each span). */
const MAX_MERGED_SPANS = 64;
/** Threads whose bottom frame is remembered (see `#ownBottom`). */
const BOTTOMS = 64;
/** Thread states of the first interpreter read with each pass's first read. */
const PREFETCH_THREADS = 16;
/** Outcomes of a frame walk. */
const DONE = 0;
/** The walk read memory that changed under it: try again. */
const TORN = 1;
/** Bytes of a thread's data stack read at once, ending at its current frame. */
const WINDOW = 16384;
/** How far past its last top frame a thread's window is read, for a stack that grew. */
const WINDOW_AHEAD = 2048;
const PAGE = 4096;
/**
 * 2.7–3.10: frame objects are read in aligned blocks of this size, kept
 * for the rest of the walk. Frames of one size come from the same few
 * allocator pools, so a block holds many frames of a stack: a 300-deep
 * recursion takes a few dozen reads instead of 300 (a read of 8 KiB
 * costs little more than one of 100 bytes).
 */
const BLOCK = 8192;
/** Blocks kept during one walk. */
const BLOCKS = 16;

/** `FRAME_OWNED_BY_GENERATOR` (3.11–3.15). */
const OWNED_BY_GENERATOR = 1;

/** True if an address appears twice among the first `n` of `addresses`. */
function repeats(addresses: Float64Array, n: number): boolean {
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    if (seen.has(addresses[i])) return true;
    seen.add(addresses[i]);
  }
  return false;
}

/**
 * One thread's stack as the walker fills it: the {@link Stack} that output
 * reads, and the walk's scratch.
 */
export class ThreadSample extends Stack {
  /** Address of the thread state. */
  threadState = 0;
  /** Address of the interpreter the thread belongs to. */
  interpreter = 0;
  /** Frames as walked, before resolution: code addresses and positions. */
  readonly walkedAddresses = new Float64Array(MAX_FRAMES);
  readonly walkedPositions = new Float64Array(MAX_FRAMES);
  /** Resolution scratch: the code object of each walked frame. */
  readonly resolved: (CodeInfo | null)[] = new Array(MAX_FRAMES).fill(null);
  /** Number of walked frames in `walkedAddresses` / `walkedPositions`. */
  walked = 0;

  /** Records a walked frame; returns false when the stack is full. */
  add(code: number, position: number): boolean {
    if (this.walked >= MAX_FRAMES) return false;
    this.walkedAddresses[this.walked] = code;
    this.walkedPositions[this.walked] = position;
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
  /** First offset and length of the interpreter fields read at once. */
  readonly #interpSpan: [number, number];
  readonly #interpBuffer: ReadBuffer;
  /** A window of the thread's data stack (3.11+), copied in one read. */
  readonly #window: ReadBuffer;
  /** The remote range the current window holds, and where it is held locally. */
  #windowStart = 0;
  #windowEnd = 0;
  #windowView: DataView;
  #windowOffset = 0;
  /** 2.7–3.10: the blocks of memory read during the current walk. */
  readonly #blocks: ReadBuffer[] = [];
  readonly #blockStart = new Float64Array(BLOCKS);
  readonly #blockEnd = new Float64Array(BLOCKS);
  #blockCount = 0;
  /** The block that held the last frame looked up. */
  #block = 0;
  /** Bytes of the last `#readAround`. */
  #readLength = 0;
  /**
   * Every frame the current walk visited (shims too), with the values the
   * walk took from it: its link to the caller, its code pointer and its
   * instruction (`f_lasti` up to 3.10, `instr_ptr` from 3.11). Read again
   * after the walk (see `#planCheck`).
   */
  readonly #walkedFrames = new Float64Array(MAX_FRAMES + 1);
  readonly #walkedBacks = new Float64Array(MAX_FRAMES + 1);
  readonly #walkedCodes = new Float64Array(MAX_FRAMES + 1);
  readonly #walkedInstructions = new Float64Array(MAX_FRAMES + 1);
  #visited = 0;
  /**
   * The spans that read the walked frames again, riding in the code objects'
   * read; and where the rest is read when they take more than one call.
   */
  readonly #rider: Rider = {
    addresses: new Float64Array(CHECK_SPANS),
    lengths: new Float64Array(CHECK_SPANS),
    count: 0,
    bytes: 0,
    read: false,
    offset: 0,
  };
  readonly #check: ReadBuffer;
  /**
   * Whether the check's spans are merged (see `#planMerged`): then each
   * walked frame's offset in the bytes read, and scratch for the planning.
   */
  #merged = false;
  readonly #frameOffsets = new Float64Array(MAX_FRAMES + 1);
  readonly #frameSpan = new Int32Array(MAX_FRAMES + 1);
  readonly #spanOffsets = new Float64Array(MAX_MERGED_SPANS);
  /** Bytes of a frame (object up to 3.10, interpreter frame from 3.11) that a check reads. */
  readonly #frameSize: number;
  /** The thread state being walked, and (3.11, 3.12) the C frame that gave its top frame. */
  #walkTs = 0;
  #walkCframe = 0;
  /** The C frame that the last `#currentFrame` went through. */
  #readCframe = 0;
  /**
   * The pass's first read (see `#prefetchPass`): where each span was read
   * from, its length and its offset in `#prefetch`, and the bytes read.
   */
  readonly #prefetchAddresses = new Float64Array(2 + 3 * PREFETCH_THREADS);
  readonly #prefetchLengths = new Float64Array(2 + 3 * PREFETCH_THREADS);
  readonly #prefetchOffsets = new Float64Array(2 + 3 * PREFETCH_THREADS);
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
  /** Thread states in this pass's first read (its C frames follow them). */
  #prefetchThreads = 0;
  /** 2.7–3.10: a buffer to read the walk's first frame again. */
  readonly #firstFrame: ReadBuffer;
  /**
   * Threads' outermost frames in their last sure walks (2.7–3.10): thread
   * state, thread id and frame, for up to BOTTOMS threads.
   */
  readonly #bottomStates = new Float64Array(BOTTOMS);
  readonly #bottomTids = new Float64Array(BOTTOMS);
  readonly #bottomFrames = new Float64Array(BOTTOMS);
  /** The pass in which each entry was last used: the least recent one is replaced. */
  readonly #bottomUsed = new Float64Array(BOTTOMS);
  #passes = 0;
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
    const i = runtime.layout.interpreter;
    const fields = [i.next, i.threadsHead, ...(i.id >= 0 ? [i.id] : [])];
    const first = Math.min(...fields);
    this.#interpSpan = [first, Math.max(...fields) + 8 - first];
    this.#interpBuffer = memory.buffer(this.#interpSpan[1]);
    const windows = runtime.layout.thread.frame >= 0 ? 0 : WINDOW;
    this.#prefetch = memory.buffer(
      8 + this.#interpSpan[1] + PREFETCH_THREADS * (runtime.layout.thread.size + 8 + windows),
    );
    this.#window = memory.buffer(WINDOW);
    this.#check = memory.buffer(CHECK_BYTES);
    this.#frameSize = runtime.layout.thread.frame >= 0
      ? runtime.layout.frameObject.size
      : runtime.layout.interpreterFrame.size;
    this.#windowView = this.#window.view;
    this.#firstFrame = memory.buffer(Math.max(runtime.layout.frameObject.size, 64));
    if (runtime.layout.thread.frame >= 0) {
      for (let i = 0; i < BLOCKS; i++) this.#blocks.push(memory.buffer(BLOCK));
    }
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
    this.#passes++;
    this.#interps = 0;
    this.#ts = 0;
    if (this.#prefetchPass()) return 0;
    const n = this.#memory.read(this.#headAddress, 8, this.#word);
    if (n !== 8) return n < 0 ? n : -14;
    this.#interp = u64(this.#word.view, 0);
    this.#enterInterpreter();
    return 0;
  }

  /**
   * Reads the interpreter list's head, the first interpreter and its thread
   * states as the last pass found them, all in one system call, with (3.11,
   * 3.12) where their C frames keep their current frames and (3.11+) a
   * window of each data stack around its last top frame. True if the head
   * still points at that interpreter: then the pass starts with it, and
   * each thread's parts are used as read here if the list still leads to
   * its thread state. Read in one go, they agree with each other.
   */
  #prefetchPass(): boolean {
    this.#prefetched = 0;
    const interp = this.#lastInterp;
    if (interp === 0) return false;
    const layout = this.#layout;
    const offsets = this.#prefetchOffsets;
    const lengths = this.#prefetchLengths;
    const span = this.#interpSpan;
    const threads = this.#lastThreadCount;
    this.#spans = 0;
    this.#addSpan(this.#headAddress, 8);
    this.#addSpan(interp + span[0], span[1]);
    for (let k = 0; k < threads; k++) this.#addSpan(this.#lastThreads[k], layout.thread.size);
    if (layout.thread.cframe >= 0) {
      for (let k = 0; k < threads; k++) this.#addSpan(this.#lastCframes[k], 8);
    }
    // The windows last: one may end in unmapped memory, which ends the read.
    const frameSize = layout.interpreterFrame.size;
    for (let k = 0; k < threads; k++) {
      const start = this.#lastTops[k] + frameSize + WINDOW_AHEAD - WINDOW;
      const windows = layout.thread.frame < 0 && this.#lastTops[k] > 0 && start > 0;
      this.#windowSpan[k] = windows ? this.#addSpan(start, WINDOW) : -1;
    }
    const buffer = this.#prefetch;
    const got = this.#memory.readSpans(this.#prefetchAddresses, lengths, this.#spans, buffer);
    if (got < offsets[1] + lengths[1] || u64(buffer.view, 0) !== interp) return false;
    this.#interp = interp;
    this.#prefetched = got;
    this.#prefetchThreads = threads;
    this.#loadInterpreter(buffer.view, offsets[1]);
    return true;
  }

  /** Adds a span to this pass's first read; returns its index. */
  #addSpan(address: number, length: number): number {
    const i = this.#spans++;
    const offsets = this.#prefetchOffsets;
    this.#prefetchAddresses[i] = address;
    this.#prefetchLengths[i] = length;
    offsets[i] = i === 0 ? 0 : offsets[i - 1] + this.#prefetchLengths[i - 1];
    return i;
  }

  /** True if span `i` of this pass's first read was read whole. */
  #spanRead(i: number): boolean {
    return this.#prefetchOffsets[i] + this.#prefetchLengths[i] <= this.#prefetched;
  }

  #enterInterpreter(): void {
    const interp = this.#interp;
    this.#ts = 0;
    if (interp === 0) return;
    // The fields are close together in every version: one read covers them.
    const span = this.#interpSpan;
    if (this.#memory.read(interp + span[0], span[1], this.#interpBuffer) !== span[1]) {
      this.#interp = 0;
      return;
    }
    this.#loadInterpreter(this.#interpBuffer.view, 0);
  }

  /** Takes the interpreter's fields from its span as read at `base` in `view`. */
  #loadInterpreter(view: DataView, base: number): void {
    const o = this.#layout.interpreter;
    const at = base - this.#interpSpan[0];
    if (this.#interps === 0) this.#lastInterp = this.#interp;
    this.#nextInterp = u64(view, at + o.next);
    this.#ts = u64(view, at + o.threadsHead);
    this.#threads = 0;
    this.#interpId = o.id >= 0 ? u64(view, at + o.id) : 0;
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
    // The thread's place in the first interpreter's list, as kept for the
    // next pass's first read.
    const k = this.#interps === 0 ? this.#threads - 1 : PREFETCH_THREADS;
    if (k < PREFETCH_THREADS) {
      this.#lastThreads[k] = ts;
      this.#lastThreadCount = k + 1;
    }
    let view = buffer.view;
    let base = 0;
    const prefetched = k < this.#prefetchThreads && this.#spanRead(2 + k) &&
      this.#prefetchAddresses[2 + k] === ts;
    if (prefetched) {
      view = this.#prefetch.view;
      base = this.#prefetchOffsets[2 + k];
    } else if (this.#memory.read(ts, o.size, buffer) !== o.size) {
      out.invalid = true;
      return 0;
    }
    const next = u64(view, base + o.next);
    if (o.nativeThreadId >= 0) {
      out.threadId = view.getUint32(base + o.nativeThreadId, true);
    } else {
      const pthread = u64(view, base + o.threadId);
      const word = this.#word;
      if (pthread !== 0 && this.#memory.read(pthread + this.#tidOffset, 4, word) === 4) {
        out.threadId = word.view.getInt32(0, true);
      }
    }
    const cframe = o.cframe >= 0 ? u64(view, base + o.cframe) : 0;
    let frame: number;
    if (o.frame >= 0) frame = u64(view, base + o.frame);
    else if (o.currentFrame >= 0) frame = u64(view, base + o.currentFrame);
    else frame = this.#cframeFrameOf(k, cframe, prefetched);
    this.#walkTs = ts;
    this.#walkCframe = cframe;
    // Where the thread's top frame is kept: read again after the walk, in
    // the same system call as the code objects' headers.
    const fresh = o.cframe < 0;
    const watch = o.frame >= 0
      ? ts + o.frame
      : o.currentFrame >= 0
      ? ts + o.currentFrame
      : cframe > 0
      ? cframe + o.cframeCurrentFrame
      : 0;
    let started = 0;
    let sure = false;
    for (let attempt = 0;; attempt++) {
      out.walked = 0;
      // The first walk may start in the data-stack window of the first read.
      this.#windowStart = this.#windowEnd = 0;
      if (attempt === 0 && prefetched && this.#windowSpan[k] >= 0) this.#useReadWindow(k);
      let walk = o.frame >= 0
        ? this.#walkFrameObjects(frame, out)
        : this.#walkInterpreterFrames(frame, out);
      let watched = -1;
      if (walk === DONE) {
        walk = this.#resolve(out, watch);
        watched = this.#codes.watched;
      }
      // A walk is sure if the thread's top frame is still the one it started
      // from. If the top changed, frames read after the change may belong
      // to another stack (their memory is reused at once, from the data
      // stack or a free list) although every link checked out. (3.11 and
      // 3.12 keep the top frame in the C frame of the evaluation loop that
      // runs it: one that stays the same while a nested loop runs still
      // vouches for the frames under it.)
      if (walk !== TORN && watched >= 0 && watched === frame) {
        sure = true;
        break;
      }
      const top = fresh && watched >= 0 ? watched : this.#currentFrame(ts);
      if (walk !== TORN && top === frame) {
        sure = true;
        break;
      }
      // Still calling: taken only if the walk ends at this thread's bottom
      // frame. A frame freed by one thread is soon another thread's: a walk
      // from a top frame freed meanwhile can go down another thread's
      // stack, whose frames all check out.
      if (walk !== TORN && this.#stillCalling(frame) && this.#ownBottom(ts, out.threadId)) break;
      if (top < 0 || top >= USER_SPACE_END) {
        // The thread state cannot be read any more, or holds no frame
        // pointer: it was freed under the walk (at the end of a thread, or
        // of the process). No sample, like a thread state without a live
        // thread.
        out.threadId = 0;
        break;
      }
      if (attempt === 0) started = performance.now();
      const elapsed = performance.now() - started;
      // (Up to 3.10 a walk can always be confirmed in time: no need.)
      const unconfirmed = o.frame < 0 && (elapsed > SURE_MS || attempt >= MAX_RETRIES);
      if (walk !== TORN && unconfirmed) break;
      if (attempt >= MAX_RETRIES && elapsed > RETRY_MS) {
        out.invalid = true;
        break;
      }
      // The stack changed under us (a frame was pushed, popped or a
      // generator yielded while we read it): walk it again from the top.
      out.depth = 0;
      out.invalid = false;
      frame = top;
      this.#walkCframe = this.#readCframe;
    }
    if (k < PREFETCH_THREADS) this.#lastTops[k] = frame;
    if (sure && o.frame >= 0 && !out.invalid) this.#keepBottom(ts, out.threadId);
    return next === ts ? 0 : next;
  }

  /**
   * 2.7–3.10: true if the walk's first frame is still alive and still
   * called from its second (the thread pushed frames on the walked stack).
   */
  #stillCalling(first: number): boolean {
    if (this.#layout.thread.frame < 0 || first <= 0 || this.#visited < 1) return false;
    const o = this.#layout.frameObject;
    const buffer = this.#firstFrame;
    if (this.#memory.read(first, o.size, buffer) !== o.size) return false;
    return u64(buffer.view, 0) !== 0 && u64(buffer.view, o.back) === this.#walkedBacks[0];
  }

  /**
   * True if the walk's outermost frame can be the thread's bottom frame:
   * the one its last sure walk ended at, or for a thread without one, a
   * frame that is no other thread's bottom.
   */
  #ownBottom(ts: number, threadId: number): boolean {
    if (this.#visited === 0 || threadId <= 0) return false;
    const bottom = this.#walkedFrames[this.#visited - 1];
    const own = this.#bottomOf(ts, threadId);
    if (own >= 0) return this.#bottomFrames[own] === bottom;
    for (let j = 0; j < BOTTOMS; j++) {
      if (this.#bottomTids[j] > 0 && this.#bottomFrames[j] === bottom) return false;
    }
    return true;
  }

  /** The entry of the thread with this state and id in the bottom frames, or -1. */
  #bottomOf(ts: number, threadId: number): number {
    for (let j = 0; j < BOTTOMS; j++) {
      if (this.#bottomStates[j] === ts && this.#bottomTids[j] === threadId) {
        this.#bottomUsed[j] = this.#passes;
        return j;
      }
    }
    return -1;
  }

  /** Remembers the outermost frame of the thread's sure walk. */
  #keepBottom(ts: number, threadId: number): void {
    if (this.#visited === 0 || threadId <= 0) return;
    let j = this.#bottomOf(ts, threadId);
    if (j < 0) {
      // Threads sampled on every pass keep their entries; ended ones go.
      j = 0;
      for (let i = 1; i < BOTTOMS; i++) if (this.#bottomUsed[i] < this.#bottomUsed[j]) j = i;
      this.#bottomStates[j] = ts;
      this.#bottomTids[j] = threadId;
      this.#bottomUsed[j] = this.#passes;
    }
    this.#bottomFrames[j] = this.#walkedFrames[this.#visited - 1];
  }

  /** The thread's current frame (object up to 3.10, interpreter frame from 3.11), or -1. */
  #currentFrame(ts: number): number {
    const o = this.#layout.thread;
    if (o.frame >= 0) return this.#pointer(ts + o.frame);
    if (o.currentFrame >= 0) return this.#pointer(ts + o.currentFrame);
    this.#readCframe = this.#pointer(ts + o.cframe);
    return this.#cframeFrame(this.#readCframe);
  }

  /**
   * The current frame of the thread at place `k` of the first interpreter
   * through its C frame (3.11, 3.12), taken from the pass's first read if
   * the C frame is the one read there; the C frame is kept for the next.
   */
  #cframeFrameOf(k: number, cframe: number, prefetched: boolean): number {
    if (k >= PREFETCH_THREADS) return this.#cframeFrame(cframe);
    const watched = cframe + this.#layout.thread.cframeCurrentFrame;
    const slot = 2 + this.#prefetchThreads + k;
    const hit = prefetched && cframe > 0 && this.#spanRead(slot) &&
      this.#prefetchAddresses[slot] === watched;
    // (Without a C frame, a readable stand-in that no C frame matches.)
    this.#lastCframes[k] = cframe > 0 ? watched : this.#lastThreads[k];
    return hit ? u64(this.#prefetch.view, this.#prefetchOffsets[slot]) : this.#cframeFrame(cframe);
  }

  /** `cframe->current_frame` (3.11, 3.12): 0 without a cframe, -1 if unreadable. */
  #cframeFrame(cframe: number): number {
    if (cframe <= 0) return cframe;
    return this.#pointer(cframe + this.#layout.thread.cframeCurrentFrame);
  }

  /**
   * 2.7–3.10: heap frame objects linked by `f_back`, recorded unresolved.
   * Returns TORN when a read failed or a frame was freed or met twice (the
   * stack changed under the walk).
   */
  #walkFrameObjects(frame: number, out: ThreadSample): number {
    if (frame < 0) return TORN;
    const o = this.#layout.frameObject;
    const blocks = this.#blocks;
    const walked = this.#walkedFrames;
    this.#blockCount = 0;
    this.#visited = 0;
    let n = 0;
    while (frame !== 0) {
      const at = this.#frameObjectAt(frame, o.size);
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
        if (repeats(walked, n)) return TORN;
        out.invalid = true;
        return DONE;
      }
      walked[n] = frame;
      this.#walkedBacks[n] = back;
      this.#walkedCodes[n] = code;
      this.#walkedInstructions[n] = lasti;
      this.#visited = ++n;
      frame = back;
    }
    return DONE;
  }

  /**
   * The offset of the frame object at `frame` in one of the walk's blocks
   * (its index left in `#block`), reading the block around it if no block
   * holds it yet; -1 if it cannot be read.
   */
  #frameObjectAt(frame: number, size: number): number {
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
    const start = this.#readAround(frame, size, frame - (frame % BLOCK), BLOCK, this.#blocks[i]);
    if (start < 0) {
      this.#blockCount = i;
      return -1;
    }
    starts[i] = start;
    ends[i] = start + this.#readLength;
    this.#block = i;
    return frame - start;
  }

  /**
   * Reads `length` bytes from `start` into `buffer`, if they reach past the
   * `size` bytes at `frame`; else as much from the frame's page on (below
   * it may be unmapped); else the frame alone. Returns where the bytes
   * read (`#readLength` of them) start, or -1 if the frame is unreadable.
   */
  #readAround(
    frame: number,
    size: number,
    start: number,
    length: number,
    buffer: ReadBuffer,
  ): number {
    const end = frame + size;
    let got = this.#memory.read(start, length, buffer);
    if (got < end - start) {
      start = frame - (frame % PAGE);
      got = this.#memory.read(start, Math.min(length, buffer.bytes.length), buffer);
      if (got < end - start) {
        start = frame;
        got = this.#memory.read(start, size, buffer);
        if (got < size) return -1;
      }
    }
    this.#readLength = got;
    return start;
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
    let frames = 0;
    this.#visited = 0;
    while (frame !== 0) {
      const at = this.#frameAt(frame, o.size);
      if (at < 0) return TORN;
      const view = this.#windowView;
      const previous = u64(view, at + o.previous);
      if (previous === frame) return TORN;
      // Shim frames are not counted as stack depth: bound the walk here.
      if (++frames > MAX_FRAMES) return TORN;
      const owner = view.getUint8(at + o.owner);
      const raw = u64(view, at + o.code);
      const instruction = u64(view, at + o.instrPtr);
      this.#walkedFrames[frames - 1] = frame;
      this.#walkedBacks[frames - 1] = previous;
      this.#walkedCodes[frames - 1] = raw;
      this.#walkedInstructions[frames - 1] = instruction;
      this.#visited = frames;
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
        return o.shimOwnerMin < 256 && owner < o.shimOwnerMin ? TORN : DONE;
      }
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
      return this.#windowOffset + frame - this.#windowStart;
    }
    const first = Math.max(frame + size - WINDOW, 0);
    const start = this.#readAround(frame, size, first, frame + size - first, this.#window);
    if (start < 0) return -1;
    this.#windowStart = start;
    this.#windowEnd = start + this.#readLength;
    this.#windowView = this.#window.view;
    this.#windowOffset = 0;
    return frame - start;
  }

  /** Takes thread `k`'s data-stack window from the pass's first read, as far as it was read. */
  #useReadWindow(k: number): void {
    const i = this.#windowSpan[k];
    const read = Math.min(this.#prefetchLengths[i], this.#prefetched - this.#prefetchOffsets[i]);
    if (read <= 0) return;
    this.#windowStart = this.#prefetchAddresses[i];
    this.#windowEnd = this.#windowStart + read;
    this.#windowView = this.#prefetch.view;
    this.#windowOffset = this.#prefetchOffsets[i];
  }

  /**
   * Plans the check that the walk's frames did not change under it: spans
   * in `#rider` that read walked frames from `from` on again (with, first,
   * 3.11's and 3.12's C frame), as many as one system call takes. Returns
   * the index after the last frame planned.
   *
   * Frames may be read while their stack changes (one system call copies a
   * page at a time while the target runs on another core): a walk across
   * such a change links frames of two moments into a stack that never was,
   * and every other check (links, code objects, the top frame) can pass.
   * Frames that read the same again after the walk were so in between, and
   * so was the stack they make. The C frame that gave the top frame (3.11,
   * 3.12) must still be the thread's: one that returned meanwhile leaves a
   * stale pointer behind.
   */
  #planCheck(from: number): number {
    const rider = this.#rider;
    const n = this.#visited;
    const layout = this.#layout;
    const size = this.#frameSize;
    const frames = this.#walkedFrames;
    const addresses = rider.addresses;
    const lengths = rider.lengths;
    let spans = 0;
    let bytes = 0;
    if (from === 0 && layout.thread.cframe >= 0) {
      addresses[spans] = this.#walkTs + layout.thread.cframe;
      lengths[spans++] = 8;
      bytes = 8;
    }
    if (from === 0 && this.#planMerged(spans, bytes)) return n;
    // Too many places: one span per frame, in as many calls as it takes.
    this.#merged = false;
    let next = from;
    while (next < n && spans < CHECK_SPANS && bytes + size <= CHECK_BYTES) {
      addresses[spans] = frames[next++];
      lengths[spans++] = size;
      bytes += size;
    }
    rider.count = spans;
    rider.bytes = bytes;
    return next;
  }

  /**
   * Plans every walked frame in spans after the first `spans`: frames less
   * than MERGE_GAP bytes apart share a span (a data stack's frames make one,
   * frame objects of one allocator pool a few). False if they do not fit in
   * one call.
   */
  #planMerged(first: number, bytesBefore: number): boolean {
    const rider = this.#rider;
    const n = this.#visited;
    const size = this.#frameSize;
    const frames = this.#walkedFrames;
    const starts = rider.addresses;
    const ends = rider.lengths; // span ends until the lengths are set below
    const spanOf = this.#frameSpan;
    // 3.11+: spans stay within a page, so that a data stack, walked from its
    // top down, is read again page by page from the top down: the opposite
    // order of the first read, which a tear cannot repeat alike.
    const pagewise = this.#layout.thread.frame < 0;
    let spans = first;
    for (let i = 0; i < n; i++) {
      const frame = frames[i];
      const page = Math.floor(frame / PAGE);
      let s = first;
      while (
        s < spans &&
        (frame + size + MERGE_GAP < starts[s] || frame > ends[s] + MERGE_GAP ||
          (pagewise &&
            (page !== Math.floor(starts[s] / PAGE) || page !== Math.floor((ends[s] - 1) / PAGE))))
      ) {
        s++;
      }
      if (s === spans) {
        if (spans >= MAX_MERGED_SPANS) return false;
        starts[s] = frame;
        ends[s] = frame + size;
        spans++;
      } else {
        if (frame < starts[s]) starts[s] = frame;
        if (frame + size > ends[s]) ends[s] = frame + size;
      }
      spanOf[i] = s;
    }
    let bytes = bytesBefore;
    const offsets = this.#spanOffsets;
    for (let s = first; s < spans; s++) {
      offsets[s] = bytes;
      ends[s] -= starts[s];
      bytes += ends[s];
    }
    if (bytes > CHECK_BYTES) return false;
    for (let i = 0; i < n; i++) {
      const s = spanOf[i];
      this.#frameOffsets[i] = offsets[s] + frames[i] - starts[s];
    }
    rider.count = spans;
    rider.bytes = bytes;
    this.#merged = true;
    return true;
  }

  /**
   * The check planned by `#planCheck(from)`, on its bytes read at `base` in
   * `view`: true if walked frames `from` to `to` (and the C frame) hold what
   * the walk took from them.
   */
  #verify(view: DataView, base: number, from: number, to: number): boolean {
    if (from === 0 && this.#layout.thread.cframe >= 0) {
      if (u64(view, base) !== this.#walkCframe) return false;
    }
    const objects = this.#layout.thread.frame >= 0;
    const size = this.#frameSize;
    const skip = from === 0 && this.#layout.thread.cframe >= 0 ? 8 : 0;
    for (let i = from; i < to; i++) {
      const offset = this.#merged ? base + this.#frameOffsets[i] : base + skip + (i - from) * size;
      if (!this.#holds(view, offset, i, objects)) return false;
    }
    return true;
  }

  /**
   * True if the frame read at `at` holds the values the walk took from
   * walked frame `i`. The innermost frame's instruction moves on as long as
   * its thread runs: only its caller and its code must be the same.
   */
  #holds(view: DataView, at: number, i: number, objects: boolean): boolean {
    if (objects) {
      const o = this.#layout.frameObject;
      return u64(view, at + o.back) === this.#walkedBacks[i] &&
        u64(view, at + o.code) === this.#walkedCodes[i] &&
        (i === 0 || view.getInt32(at + o.lasti, true) === this.#walkedInstructions[i]);
    }
    const o = this.#layout.interpreterFrame;
    return u64(view, at + o.previous) === this.#walkedBacks[i] &&
      u64(view, at + o.code) === this.#walkedCodes[i] &&
      (i === 0 || u64(view, at + o.instrPtr) === this.#walkedInstructions[i]);
  }

  /**
   * Resolves the walked frames into code objects and lines, dropping shim
   * frames, and reads the pointer at `watch` in the same call. TORN if a
   * code object could not be read (its frame was reused while we walked)
   * or, up to 3.10, if the outermost frame belongs to a generator (its back
   * link was cleared when it yielded).
   */
  #resolve(out: ThreadSample, watch: number): number {
    const n = out.walked;
    const resolved = out.resolved;
    // The check that the walked frames did not change rides in the read of
    // the code objects; a deep stack of scattered frame objects may need
    // more reads of its own.
    const rider = this.#rider;
    const visited = this.#visited;
    let checked = visited > 0 ? this.#planCheck(0) : 0;
    const riding = visited > 0 ? rider : null;
    if (
      (n > 0 || watch > 0 || riding !== null) &&
      !this.#codes.resolveMany(out.walkedAddresses, n, resolved, watch, riding)
    ) {
      return TORN;
    }
    if (riding !== null) {
      if (!rider.read || !this.#verify(this.#codes.riderView, rider.offset, 0, checked)) {
        return TORN;
      }
      const check = this.#check;
      while (checked < visited) {
        const from = checked;
        checked = this.#planCheck(from);
        const got = this.#memory.readSpans(rider.addresses, rider.lengths, rider.count, check);
        if (got !== rider.bytes || !this.#verify(check.view, 0, from, checked)) return TORN;
      }
    }
    if (n > 0 && !out.invalid && (resolved[n - 1] as CodeInfo).generator) return TORN;
    let depth = 0;
    for (let i = 0; i < n; i++) {
      const code = resolved[i] as CodeInfo;
      resolved[i] = null;
      if (code.shim) continue;
      const position = out.walkedPositions[i];
      // 3.11+: an instruction pointer outside its code object's bytecode
      // was read from a frame being rewritten.
      if (!(position >= -1 && position <= code.units && position % 1 === 0)) return TORN;
      const line = code.line(position);
      // A negative line comes from a line table read while it was replaced.
      if (line < 0) return TORN;
      out.codes[depth] = code;
      out.lines[depth] = line;
      out.codeAddresses[depth] = out.walkedAddresses[i];
      out.positions[depth] = position;
      depth++;
    }
    out.depth = depth;
    return DONE;
  }
}
