/**
 * What one walk of a thread's stack leaves behind: the {@link ThreadSample}
 * that output reads (through the {@link Stack} contract), and the
 * {@link WalkedFrames} that the check after the walk reads again.
 *
 * @module
 */

import { MAX_FRAMES, Stack } from "../sample.ts";
import type { CodeInfo } from "./code_cache.ts";

/** Outcomes of a frame walk: it read a stack (perhaps marked invalid: too deep). */
export const DONE = 0;
/** The walk read memory that changed under it: try again. */
export const TORN = 1;

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

  /** Drops the `count` innermost frames of the resolved stack. */
  dropInnermost(count: number): void {
    const depth = this.depth - count;
    for (let i = 0; i < depth; i++) this.codes[i] = this.codes[i + count];
    this.lines.copyWithin(0, count, this.depth);
    this.codeAddresses.copyWithin(0, count, this.depth);
    this.positions.copyWithin(0, count, this.depth);
    this.depth = depth;
  }

  /** Records a walked frame; returns false when the stack is full. */
  add(code: number, position: number): boolean {
    if (this.walked >= MAX_FRAMES) return false;
    this.walkedAddresses[this.walked] = code;
    this.walkedPositions[this.walked] = position;
    this.walked++;
    return true;
  }
}

/**
 * Every frame the current walk visited (shims too), with the values the
 * walk took from it: its link to the caller, its code pointer and its
 * instruction (`f_lasti` up to 3.10, `instr_ptr` from 3.11).
 */
export class WalkedFrames {
  readonly frames = new Float64Array(MAX_FRAMES + 1);
  readonly backs = new Float64Array(MAX_FRAMES + 1);
  readonly codes = new Float64Array(MAX_FRAMES + 1);
  readonly instructions = new Float64Array(MAX_FRAMES + 1);
  /** 3.11+: each visited frame's `owner` (its thread's data stack, a generator, the C stack...). */
  readonly owners = new Uint8Array(MAX_FRAMES + 1);
  /**
   * 3.11+: how many frames the walk had recorded (`ThreadSample.walked`)
   * when it came to each visited frame: where that frame's part of the
   * sample starts.
   */
  readonly recorded = new Int32Array(MAX_FRAMES + 1);
  /** How many frames were visited. */
  count = 0;

  /** Records visited frame `i` (and sets the count to `i + 1`). */
  set(i: number, frame: number, back: number, code: number, instruction: number): void {
    this.frames[i] = frame;
    this.backs[i] = back;
    this.codes[i] = code;
    this.instructions[i] = instruction;
    this.count = i + 1;
  }

  /** The index of visited frame `frame`, or -1. */
  indexOf(frame: number): number {
    const frames = this.frames;
    for (let i = 0; i < this.count; i++) if (frames[i] === frame) return i;
    return -1;
  }

  /** The outermost frame visited, or 0. */
  get bottom(): number {
    return this.count === 0 ? 0 : this.frames[this.count - 1];
  }
}
