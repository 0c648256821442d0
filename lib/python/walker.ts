/**
 * Walks a target's interpreters, threads and frames (spec:
 * cpython-layouts.md, section 3): the {@link PassReader} gives each thread
 * state of a pass, the walk of the layout's frame era reads its frames
 * ({@link FrameObjectWalk} up to 3.10, {@link InterpreterFrameWalk} from
 * 3.11), the {@link CodeCache} resolves them and the {@link FrameCheck}
 * reads them again, and the walk is taken or tried again as
 * `confirmation.ts` says. Results go into a reused {@link ThreadSample}:
 * nothing is allocated per sample once the code objects are cached.
 *
 * @module
 */

import type { RemoteMemory } from "../process.ts";
import type { CodeCache, CodeInfo } from "./code_cache.ts";
import { BottomFrames, MAX_RETRIES, RETRY_MS, SURE_MS, USER_SPACE_END } from "./confirmation.ts";
import type { Runtime } from "./discovery.ts";
import { FrameCheck } from "./frame_check.ts";
import { FrameObjectWalk } from "./frame_objects.ts";
import { InterpreterFrameWalk } from "./interpreter_frames.ts";
import type { Layout } from "./layout.ts";
import { PASS_OVER, PassReader, THREAD_UNREADABLE } from "./pass_reader.ts";
import { Remote } from "./remote.ts";
import { DONE, type ThreadSample, TORN, WalkedFrames } from "./thread_sample.ts";
import { stacked } from "./data_stack.ts";
import { u64 } from "../bytes.ts";
import { MAX_FRAMES } from "../sample.ts";

/** Walks one process's Python stacks. */
export class StackWalker {
  readonly #remote: Remote;
  readonly #layout: Layout;
  readonly #codes: CodeCache;
  readonly #tidOffset: number;
  /** Where a thread state keeps its thread's id: `native_thread_id`, or `thread_id` (a `pthread_t`). */
  readonly #idField: number;
  readonly #nativeId: boolean;
  readonly #pass: PassReader;
  /** The walk of the layout's era (the other is null). */
  readonly #objects: FrameObjectWalk | null;
  readonly #frames: InterpreterFrameWalk | null;
  readonly #walked = new WalkedFrames();
  readonly #check: FrameCheck;
  readonly #bottoms = new BottomFrames();
  /** For each walked frame (and one past the last), the resolved frames before it. */
  readonly #depthAt = new Int32Array(MAX_FRAMES + 1);
  /** 3.11, 3.12: the C frame that the last `#currentFrame` went through. */
  #readCframe = 0;

  /** A walker of the Python stacks of `runtime`, read through `memory`. */
  constructor(memory: RemoteMemory, runtime: Runtime, codes: CodeCache) {
    const layout = runtime.layout;
    this.#remote = new Remote(memory, 8);
    this.#layout = layout;
    this.#codes = codes;
    this.#tidOffset = runtime.pthreadTidOffset;
    this.#nativeId = layout.thread.nativeThreadId >= 0;
    this.#idField = this.#nativeId ? layout.thread.nativeThreadId : layout.thread.threadId;
    this.#pass = new PassReader(memory, runtime);
    const objects = layout.frames === "frame-objects";
    this.#objects = objects ? new FrameObjectWalk(memory, layout.frameObject) : null;
    this.#frames = objects
      ? null
      : new InterpreterFrameWalk(memory, layout.interpreterFrame, layout.code.codeAdaptive);
    this.#check = new FrameCheck(memory, layout);
  }

  /**
   * Starts a pass. Returns 0, or a negative errno when the interpreter list
   * cannot be read (the process is gone or denies access).
   */
  beginPass(): number {
    this.#bottoms.nextPass();
    return this.#pass.begin();
  }

  /** Fills `out` with the next thread of the pass; false when the pass is over. */
  nextThread(out: ThreadSample): boolean {
    const pass = this.#pass;
    const read = pass.next();
    if (read === PASS_OVER) return false;
    out.interpreterId = pass.interpreterId;
    out.interpreter = pass.interpreter;
    out.threadState = pass.threadState;
    out.depth = 0;
    out.invalid = read === THREAD_UNREADABLE;
    out.threadId = 0;
    if (!out.invalid) this.#walkThread(out);
    return true;
  }

  /** The thread id that a thread state's id field holding `raw` stands for. */
  #threadId(raw: number): number {
    if (this.#nativeId) return raw % 2 ** 32;
    if (raw === 0) return 0;
    return Math.max(this.#remote.u32(raw + this.#tidOffset), 0) | 0;
  }

  /** Walks the thread state the pass just read into `out`, as often as it takes. */
  #walkThread(out: ThreadSample): void {
    const pass = this.#pass;
    const o = this.#layout.thread;
    const era = this.#layout.frames;
    const ts = pass.threadState;
    const view = pass.view;
    const base = pass.base;
    let rawId = u64(view, base + this.#idField);
    out.threadId = this.#threadId(rawId);
    const cframe = era === "cframe" ? u64(view, base + o.cframe) : 0;
    let frame = era === "frame-objects"
      ? u64(view, base + o.frame)
      : era === "current-frame"
      ? u64(view, base + o.currentFrame)
      : pass.cframeFrame(cframe);
    let walkCframe = cframe;
    // Where the thread's top frame is kept: read again after the walk, in
    // the same system call as the code objects' headers.
    const watch = era === "frame-objects"
      ? ts + o.frame
      : era === "current-frame"
      ? ts + o.currentFrame
      : cframe > 0
      ? cframe + o.cframeCurrentFrame
      : 0;
    const walked = this.#walked;
    const objects = this.#objects;
    const frames = this.#frames;
    let started = 0;
    let sure = false;
    for (let attempt = 0;; attempt++) {
      out.walked = 0;
      let walk: number;
      if (objects !== null) walk = objects.walk(frame, out, walked);
      else {
        const window = frames as InterpreterFrameWalk;
        // The first walk may start in the data-stack window of the first read.
        window.dropWindow();
        if (attempt === 0) pass.lendWindow(pass.slot, window);
        walk = window.walk(frame, out, walked);
      }
      let watched = -1;
      if (walk === DONE) {
        walk = this.#resolve(out, watch, ts, walkCframe, rawId);
        watched = this.#codes.watched;
        if (this.#check.idChanged) {
          // The thread state now holds another thread's id (its thread has
          // just started, or the state was freed and is another thread's):
          // the walk is tried again for the thread it now belongs to.
          rawId = this.#check.seenId;
          out.threadId = this.#threadId(rawId);
        }
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
      const top = era !== "cframe" && watched >= 0 ? watched : this.#currentFrame(ts);
      if (walk !== TORN && top === frame) {
        sure = true;
        break;
      }
      // 3.11+: the stack only shrank. The thread's top frame, read after
      // the walk and before its frames were read again, is one of them:
      // from it down they were the thread's stack then.
      if (walk !== TORN && frames !== null && top > 0 && !out.invalid) {
        const k = walked.indexOf(top);
        if (k > 0) {
          out.dropInnermost(this.#depthAt[walked.recorded[k]]);
          frame = top;
          sure = true;
          break;
        }
      }
      // Still calling: taken only if the walk ends at this thread's bottom
      // frame. A frame freed by one thread is soon another thread's: a walk
      // from a top frame freed meanwhile can go down another thread's
      // stack, whose frames all check out.
      if (
        walk !== TORN && objects !== null && objects.stillCalled(walked) &&
        this.#bottoms.own(ts, out.threadId, walked.bottom)
      ) {
        break;
      }
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
      const unconfirmed = objects === null && (elapsed > SURE_MS || attempt >= MAX_RETRIES);
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
      walkCframe = this.#readCframe;
    }
    pass.keepTop(frame);
    if (sure && objects !== null && !out.invalid) {
      this.#bottoms.keep(ts, out.threadId, walked.bottom);
    }
  }

  /** The thread's current frame (object up to 3.10, interpreter frame from 3.11), or -1. */
  #currentFrame(ts: number): number {
    const o = this.#layout.thread;
    switch (this.#layout.frames) {
      case "frame-objects":
        return this.#remote.pointer(ts + o.frame);
      case "current-frame":
        return this.#remote.pointer(ts + o.currentFrame);
      case "cframe":
        this.#readCframe = this.#remote.pointer(ts + o.cframe);
        return this.#pass.readCframeFrame(this.#readCframe);
    }
  }

  /**
   * Resolves the walked frames into code objects and lines, dropping shim
   * frames, and reads the pointer at `watch` in the same call. TORN if a
   * code object could not be read (its frame was reused while we walked),
   * if the frames did not read the same again (see `frame_check.ts`) or,
   * up to 3.10, if the outermost frame belongs to a generator (its back
   * link was cleared when it yielded).
   */
  #resolve(out: ThreadSample, watch: number, ts: number, cframe: number, id: number): number {
    const n = out.walked;
    const resolved = out.resolved;
    // The check that the walked frames did not change rides in the read of
    // the code objects; a deep stack of scattered frame objects may need
    // more reads of its own.
    const riding = this.#check.begin(this.#walked, ts, cframe, id);
    if (
      (n > 0 || watch > 0 || riding !== null) &&
      !this.#codes.resolveMany(out.walkedAddresses, n, resolved, watch, riding)
    ) {
      return TORN;
    }
    if (riding !== null && !this.#check.finish(this.#codes.riderView)) return TORN;
    if (n > 0 && !out.invalid && (resolved[n - 1] as CodeInfo).generator) return TORN;
    // 3.11+: a walk down frames that were never one stack (its top frames
    // were popped and their callers' places taken) is torn too.
    if (this.#frames !== null && !out.invalid && !stacked(this.#walked, resolved, n)) return TORN;
    let depth = 0;
    const depthAt = this.#depthAt;
    for (let i = 0; i < n; i++) {
      depthAt[i] = depth;
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
    depthAt[n] = depth;
    out.depth = depth;
    return DONE;
  }
}
