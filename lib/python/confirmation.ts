/**
 * When a walk of a thread's stack is taken: the retry policy, and (2.7–3.10)
 * the threads' bottom frames that vouch for a walk whose top frame moved.
 *
 * A stack that changed while it was read is read again: at least
 * {@link MAX_RETRIES} times and for {@link RETRY_MS}. A walk must also be
 * confirmed after it: the thread's top frame is the same, or (up to 3.10)
 * the walk's first frame is still called from its second and the walk ends
 * at the thread's own bottom frame (see {@link BottomFrames.own}). From
 * 3.11, after {@link SURE_MS} (or MAX_RETRIES walks) a walk whose every
 * frame checked out, and that sits on the data stack as one stack would
 * (`data_stack.ts`), is taken unconfirmed: its stack changes faster than it
 * can be read. Even such a stack stands still now and then (its thread
 * waits for the GIL, or runs C code).
 *
 * @module
 */

/** Walks of one thread's stack before it may be given up as `:INVALID:`. */
export const MAX_RETRIES = 25;
/** 3.11+: milliseconds after which a checked walk is taken unconfirmed. */
export const SURE_MS = 0.2;
/**
 * Milliseconds of retries before a stack may be given up as `:INVALID:`.
 * With 1 ms, on a two-CPU machine, 3.6's main thread recursing 300 deep
 * was given up in 0.04–0.24 % of its samples (stress test); 4 ms brings it
 * to about 0.004 %. Only a stack that keeps changing pays for it.
 */
export const RETRY_MS = 4;

/**
 * The first address above x86-64's and arm64's 47-bit user space: no frame
 * pointer can be at or above it. A thread state that holds one as its top
 * frame (a `Py_DEBUG` build fills freed memory with 0xDD bytes), or that
 * cannot be read at all, was freed while it was read: its thread has ended.
 */
export const USER_SPACE_END = 2 ** 47;

/** Threads whose bottom frame is remembered. */
const BOTTOMS = 64;

/**
 * Threads' outermost frames in their last sure walks (2.7–3.10), by thread
 * state and thread id, for up to BOTTOMS threads; the least recently used
 * entry is replaced.
 */
export class BottomFrames {
  readonly #states = new Float64Array(BOTTOMS);
  readonly #tids = new Float64Array(BOTTOMS);
  readonly #frames = new Float64Array(BOTTOMS);
  /** The pass in which each entry was last used. */
  readonly #used = new Float64Array(BOTTOMS);
  #pass = 0;

  /** Starts a pass: entries used from now on are the most recent. */
  nextPass(): void {
    this.#pass++;
  }

  /**
   * True if `bottom`, a walk's outermost frame, can be the thread's bottom
   * frame: the one its last sure walk ended at, or for a thread without
   * one, a frame that is no other thread's bottom.
   */
  own(ts: number, threadId: number, bottom: number): boolean {
    if (bottom === 0 || threadId <= 0) return false;
    const own = this.#entry(ts, threadId);
    if (own >= 0) return this.#frames[own] === bottom;
    for (let j = 0; j < BOTTOMS; j++) {
      if (this.#tids[j] > 0 && this.#frames[j] === bottom) return false;
    }
    return true;
  }

  /** Remembers `bottom` as the outermost frame of the thread's sure walk. */
  keep(ts: number, threadId: number, bottom: number): void {
    if (bottom === 0 || threadId <= 0) return;
    let j = this.#entry(ts, threadId);
    if (j < 0) {
      // Threads sampled on every pass keep their entries; ended ones go.
      j = 0;
      for (let i = 1; i < BOTTOMS; i++) if (this.#used[i] < this.#used[j]) j = i;
      this.#states[j] = ts;
      this.#tids[j] = threadId;
      this.#used[j] = this.#pass;
    }
    this.#frames[j] = bottom;
  }

  /** The entry of the thread with this state and id, or -1. */
  #entry(ts: number, threadId: number): number {
    for (let j = 0; j < BOTTOMS; j++) {
      if (this.#states[j] === ts && this.#tids[j] === threadId) {
        this.#used[j] = this.#pass;
        return j;
      }
    }
    return -1;
  }
}
