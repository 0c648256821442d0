/**
 * The fuzzer's worker: runs a range of inputs through one reader and posts
 * a {@link WorkerResult}. The index of the input being read is kept in a
 * shared heartbeat, so that the test can stop a worker that hangs on one and
 * name it.
 *
 * @module
 */

import { makeInput } from "./mutate.ts";
import { badError, TARGETS } from "./targets.ts";

/** What the test asks of a worker. */
export interface WorkerJob {
  reader: string;
  seed: number;
  /** The inputs `from` ≤ index < `to`. */
  from: number;
  to: number;
  corpus: Uint8Array[];
  maxSize: number;
  /** The longest time one input may take. */
  limitMs: number;
  /** Int32Array[0]: the index being read. */
  heartbeat: SharedArrayBuffer;
}

/** A worker's answer. */
export interface WorkerResult {
  /** Inputs read (up to the failing one, excluded). */
  inputs: number;
  /** Inputs rejected with the reader's own error. */
  rejected: number;
  slowestMs: number;
  slowestIndex: number;
  failure?: { index: number; reason: string };
}

/** Runs a job's inputs; stops at the first one that fails. */
export function runJob(job: WorkerJob): WorkerResult {
  const target = TARGETS[job.reader];
  const beat = new Int32Array(job.heartbeat);
  const result: WorkerResult = { inputs: 0, rejected: 0, slowestMs: 0, slowestIndex: -1 };
  for (let index = job.from; index < job.to; index++) {
    Atomics.store(beat, 0, index);
    const input = makeInput(job.seed, job.reader, index, job.corpus, job.maxSize);
    const started = performance.now();
    let reason: string | null = null;
    try {
      target.run(input);
    } catch (e) {
      reason = badError(target, e);
      result.rejected++;
    }
    const ms = performance.now() - started;
    if (ms > result.slowestMs) {
      result.slowestMs = ms;
      result.slowestIndex = index;
    }
    if (reason === null && ms > job.limitMs) reason = `took ${ms.toFixed(0)} ms`;
    if (reason !== null) {
      result.failure = { index, reason };
      return result;
    }
    result.inputs++;
  }
  return result;
}

// In a worker: one job per message.
// deno-lint-ignore no-explicit-any
const scope = globalThis as any;
if (typeof scope.WorkerGlobalScope !== "undefined" && scope instanceof scope.WorkerGlobalScope) {
  scope.onmessage = (e: MessageEvent<WorkerJob>) => scope.postMessage(runJob(e.data));
}
