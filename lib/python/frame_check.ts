/**
 * The check that a walk's frames did not change under it: every visited
 * frame is read again after the walk, riding in the read of the code
 * objects, and must hold what the walk took from it.
 *
 * Frames may be read while their stack changes (one system call copies a
 * page at a time while the target runs on another core): a walk across
 * such a change links frames of two moments into a stack that never was,
 * and every other check (links, code objects, the top frame) can pass.
 * Frames that read the same again after the walk were so in between, and
 * so was the stack they make. The C frame that gave the top frame (3.11,
 * 3.12) must still be the thread's: one that returned meanwhile leaves a
 * stale pointer behind. And the thread state's thread id must be the one
 * the sample will carry: a thread state is created by one thread for
 * another, holds its creator's id (or none) until its own thread starts and
 * sets it, and only then gets frames; a freed one is soon another thread's.
 *
 * @module
 */

import type { ReadBuffer, RemoteMemory } from "../process.ts";
import { type Rider, RIDER_BYTES } from "./code_cache.ts";
import type { Layout } from "./layout.ts";
import { PAGE } from "./remote.ts";
import type { WalkedFrames } from "./thread_sample.ts";
import { MAX_FRAMES } from "../sample.ts";
import { u64 } from "../bytes.ts";

/** Bytes and spans read at once by the check. */
const CHECK_BYTES = RIDER_BYTES;
const CHECK_SPANS = 512;
/** Frames closer than this share a span of the check (a gap costs less than an iovec). */
const MERGE_GAP = 1024;
/** Spans of a merged check, at most (each frame is tried against each span). */
const MAX_MERGED_SPANS = 64;

/** Plans and verifies the re-read of one walk's frames. */
export class FrameCheck {
  readonly #memory: RemoteMemory;
  readonly #layout: Layout;
  /** Frame objects (up to 3.10) rather than interpreter frames. */
  readonly #objects: boolean;
  /** 3.11, 3.12: the thread's C frame pointer is checked first. */
  readonly #cframes: boolean;
  /** Where a thread state keeps the id that the sample carries. */
  readonly #idField: number;
  /**
   * Bytes read before the frames, in one span of the thread state from
   * `#headerStart`: the thread id and (3.11, 3.12) the C frame pointer,
   * each at its offset from there (one span costs less than two).
   */
  readonly #header: number;
  readonly #headerStart: number;
  readonly #cframeAt: number;
  readonly #idAt: number;
  /** Bytes of a frame that the check reads. */
  readonly #size: number;
  readonly #rider: Rider = {
    addresses: new Float64Array(CHECK_SPANS),
    lengths: new Float64Array(CHECK_SPANS),
    count: 0,
    bytes: 0,
    read: false,
    offset: 0,
  };
  /** Where the rest is read when the frames take more than one call. */
  readonly #buffer: ReadBuffer;
  /**
   * Whether the spans are merged (see `#planMerged`): then each walked
   * frame's offset in the bytes read, and scratch for the planning.
   */
  #merged = false;
  readonly #frameOffsets = new Float64Array(MAX_FRAMES + 1);
  readonly #frameSpan = new Int32Array(MAX_FRAMES + 1);
  readonly #spanOffsets = new Float64Array(MAX_MERGED_SPANS);
  /** The walk being checked, its thread state and C frame, and frames planned so far. */
  #walked: WalkedFrames | null = null;
  #ts = 0;
  #cframe = 0;
  #id = 0;
  #planned = 0;
  /** After a failed check: whether the thread id had changed, and what it was then. */
  idChanged = false;
  seenId = 0;

  /** A check of walks in `memory`, laid out as `layout` says. */
  constructor(memory: RemoteMemory, layout: Layout) {
    this.#memory = memory;
    this.#layout = layout;
    this.#objects = layout.frames === "frame-objects";
    this.#cframes = layout.frames === "cframe";
    const thread = layout.thread;
    this.#idField = thread.nativeThreadId >= 0 ? thread.nativeThreadId : thread.threadId;
    const first = this.#cframes ? Math.min(thread.cframe, this.#idField) : this.#idField;
    const last = this.#cframes ? Math.max(thread.cframe, this.#idField) : this.#idField;
    this.#headerStart = first;
    this.#header = last + 8 - first;
    this.#cframeAt = thread.cframe - first;
    this.#idAt = this.#idField - first;
    this.#size = this.#objects ? layout.frameObject.size : layout.interpreterFrame.size;
    this.#buffer = memory.buffer(CHECK_BYTES);
  }

  /**
   * Plans the check of `walked` (of thread state `ts`, whose C frame was
   * `cframe` and whose thread id field held `id`): the spans to read with
   * the code objects, or null when the walk visited no frame.
   */
  begin(walked: WalkedFrames, ts: number, cframe: number, id: number): Rider | null {
    this.idChanged = false;
    if (walked.count === 0) return null;
    this.#walked = walked;
    this.#ts = ts;
    this.#cframe = cframe;
    this.#id = id;
    this.#planned = this.#plan(0);
    return this.#rider;
  }

  /**
   * True if the frames hold what the walk took from them: the planned
   * spans as read (at the rider's offset in `view`), and any left over,
   * read now.
   */
  finish(view: DataView): boolean {
    const rider = this.#rider;
    let checked = this.#planned;
    if (!rider.read || !this.#verify(view, rider.offset, 0, checked)) return false;
    const visited = (this.#walked as WalkedFrames).count;
    const buffer = this.#buffer;
    while (checked < visited) {
      const from = checked;
      checked = this.#plan(from);
      const got = this.#memory.readSpans(rider.addresses, rider.lengths, rider.count, buffer);
      if (got !== rider.bytes || !this.#verify(buffer.view, 0, from, checked)) return false;
    }
    return true;
  }

  /**
   * Plans spans that read walked frames from `from` on again (with, first,
   * the C frame and the thread id), as many as one system call takes.
   * Returns the index after the last frame planned.
   */
  #plan(from: number): number {
    const rider = this.#rider;
    const walked = this.#walked as WalkedFrames;
    const n = walked.count;
    const size = this.#size;
    const frames = walked.frames;
    const addresses = rider.addresses;
    const lengths = rider.lengths;
    let spans = 0;
    let bytes = 0;
    if (from === 0) {
      addresses[spans] = this.#ts + this.#headerStart;
      lengths[spans++] = this.#header;
      bytes = this.#header;
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
   * Plans every walked frame in spans after the first `first`: frames less
   * than MERGE_GAP bytes apart share a span (a data stack's frames make one,
   * frame objects of one allocator pool a few). False if they do not fit in
   * one call.
   */
  #planMerged(first: number, bytesBefore: number): boolean {
    const rider = this.#rider;
    const walked = this.#walked as WalkedFrames;
    const n = walked.count;
    const size = this.#size;
    const frames = walked.frames;
    const starts = rider.addresses;
    const ends = rider.lengths; // span ends until the lengths are set below
    const spanOf = this.#frameSpan;
    // 3.11+: spans stay within a page, so that a data stack, walked from its
    // top down, is read again page by page from the top down: the opposite
    // order of the first read, which a tear cannot repeat alike.
    const pagewise = !this.#objects;
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
   * The check planned by `#plan(from)`, on its bytes read at `base` in
   * `view`: true if walked frames `from` to `to` (and the C frame and the
   * thread id) hold what the walk took from them.
   */
  #verify(view: DataView, base: number, from: number, to: number): boolean {
    const header = from === 0 ? this.#header : 0;
    if (header > 0) {
      if (this.#cframes && u64(view, base + this.#cframeAt) !== this.#cframe) return false;
      const id = u64(view, base + this.#idAt);
      if (id !== this.#id) {
        this.idChanged = true;
        this.seenId = id;
        return false;
      }
    }
    const size = this.#size;
    const skip = header;
    for (let i = from; i < to; i++) {
      const offset = this.#merged ? base + this.#frameOffsets[i] : base + skip + (i - from) * size;
      if (!this.#holds(view, offset, i)) return false;
    }
    return true;
  }

  /**
   * True if the frame read at `at` holds the values the walk took from
   * walked frame `i`. The innermost frame's instruction moves on as long as
   * its thread runs: only its caller and its code must be the same.
   */
  #holds(view: DataView, at: number, i: number): boolean {
    const walked = this.#walked as WalkedFrames;
    if (this.#objects) {
      const o = this.#layout.frameObject;
      return u64(view, at + o.back) === walked.backs[i] &&
        u64(view, at + o.code) === walked.codes[i] &&
        (i === 0 || view.getInt32(at + o.lasti, true) === walked.instructions[i]);
    }
    const o = this.#layout.interpreterFrame;
    return u64(view, at + o.previous) === walked.backs[i] &&
      u64(view, at + o.code) === walked.codes[i] &&
      (i === 0 || u64(view, at + o.instrPtr) === walked.instructions[i]);
  }
}
