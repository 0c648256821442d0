/**
 * An aggregated profile: what the picture formats (speedscope, pprof,
 * flame graph, HTML) are made from. Identical stacks of the same thread are
 * merged into one record that sums their metrics.
 *
 * @module
 */

import type { Mode } from "../../sample.ts";

/** One frame. */
export interface Frame {
  filename: string;
  scope: string;
  line: number;
}

/** The samples of one thread that had the same stack. */
export interface StackRecord {
  pid: number;
  /** Interpreter id. */
  iid: number;
  tid: number;
  /** Outermost first. */
  frames: Frame[];
  /** The walk failed (`:INVALID:`). */
  invalid: boolean;
  /** Taken while the GC was collecting (`:GC:`). */
  gc: boolean;
  /** Number of samples. */
  count: number;
  /** Sum of the time metrics (µs); 0 in memory mode. */
  time: number;
  /** Sum of the time metrics of the samples whose thread was idle (full mode). */
  idleTime: number;
  /** Sum of the positive memory deltas (bytes). */
  allocated: number;
  /** Sum of the negative memory deltas (bytes, ≤ 0). */
  freed: number;
}

/** A whole profile. */
export interface Profile {
  /** Header and footer metadata, in order. */
  metadata: Map<string, string>;
  mode: Mode;
  records: StackRecord[];
}

/**
 * The name of a thread in the pictures, `P<pid> T<iid>:<tid>`: a flame
 * graph's thread node, a speedscope profile, pprof's `thread` label.
 */
export function threadName(r: Pick<StackRecord, "pid" | "iid" | "tid">): string {
  return `P${r.pid} T${r.iid}:${r.tid}`;
}

/** Accumulates samples into a profile, merging identical stacks per thread. */
export class ProfileBuilder {
  readonly metadata = new Map<string, string>();
  mode: Mode = "wall";
  readonly #records = new Map<string, StackRecord>();

  /**
   * Adds one sample. `key` identifies the stack within the thread (e.g. its
   * collapsed text); `frames` is only called for a stack not seen before.
   */
  add(
    pid: number,
    iid: number,
    tid: number,
    key: string,
    frames: () => Frame[],
    invalid: boolean,
    gc: boolean,
    time: number,
    idle: boolean,
    memory: number,
  ): void {
    const id = `${pid};${iid};${tid};${invalid ? 1 : 0}${gc ? 1 : 0};${key}`;
    let record = this.#records.get(id);
    if (record === undefined) {
      record = {
        pid,
        iid,
        tid,
        frames: frames(),
        invalid,
        gc,
        count: 0,
        time: 0,
        idleTime: 0,
        allocated: 0,
        freed: 0,
      };
      this.#records.set(id, record);
    }
    record.count++;
    record.time += time;
    if (idle) record.idleTime += time;
    if (memory > 0) record.allocated += memory;
    else record.freed += memory;
  }

  /** The profile so far. */
  build(): Profile {
    return { metadata: this.metadata, mode: this.mode, records: [...this.#records.values()] };
  }
}
