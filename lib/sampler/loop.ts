/**
 * The sampling loop: one pass over every thread of every profiled process
 * per interval, each thread sample charged the time since the process's
 * previous pass (spec: austin-behaviour.md, sections 4.3 and 6).
 *
 * @module
 */

import type { Platform } from "../../platforms/platform.ts";
import { type Flushable, type Mode, OutputError, type SampleWriter } from "../sample.ts";
import { InterpreterProbes } from "../python/probes.ts";
import { ThreadSample } from "../python/thread_sample.ts";
import { SamplingStats } from "./stats.ts";
import type { Target } from "./targets.ts";

/** How to sample. */
export interface SamplerOptions {
  intervalUs: number;
  /** Seconds to sample for; 0 = until the processes end. */
  exposureS: number;
  mode: Mode;
  gc: boolean;
  excludeEmpty: boolean;
}

/**
 * Asks the loop to stop early once `signal` is set from outside: a signal's
 * name by its handler, or a library caller's reason.
 */
export interface StopRequest {
  readonly signal: string | null;
}

/** What a run produced. */
export interface SamplingResult {
  durationUs: number;
  stats: SamplingStats;
  /** The exposure time ran out. */
  exposed: boolean;
  /** The write of the output that failed and ended the run, or null. */
  failure: OutputError | null;
}

const FLUSH_EVERY_US = 100_000;

/** Whether `tid` is one of the target's threads, refreshing the list when it is not. */
export function liveThread(platform: Platform, target: Target, tid: number): boolean {
  if (tid <= 0) return false;
  const threads = target.threads;
  if (threads === null) return true;
  if (threads.has(tid)) return true;
  threads.clear();
  for (const t of platform.threadIds(target.pid)) threads.add(t);
  return threads.has(tid);
}

/** Which thread samples a pass hands to the writer, and with which metrics. */
export interface PassOptions {
  /**
   * Time is a metric: a thread sample is charged the time since its
   * process's previous pass, and left out when none passed and (with
   * `memory`) its memory did not change either.
   */
  time: boolean;
  /**
   * Memory is a metric: the thread holding the GIL is charged the change of
   * its process's resident memory; without `time`, only thread samples with
   * a change are kept.
   */
  memory: boolean;
  /**
   * Threads' idle state: not read (every thread counts as running), read
   * ("mark"), or read and the idle threads left out ("skip").
   */
  idle: "ignore" | "mark" | "skip";
  /** Whether to read if the interpreter is collecting garbage. */
  gc: boolean;
  /** Leave out threads with no frames (that were read whole). */
  excludeEmpty: boolean;
}

/** The pass options of a sampling run: its mode's metrics. */
export function passOptions(
  options: Pick<SamplerOptions, "mode" | "gc" | "excludeEmpty">,
): PassOptions {
  const { mode, gc, excludeEmpty } = options;
  return {
    time: mode !== "memory",
    memory: mode === "memory" || mode === "full",
    idle: mode === "cpu" ? "skip" : mode === "full" ? "mark" : "ignore",
    gc,
    excludeEmpty,
  };
}

/** What consecutive passes share: a thread sample to fill, memory probes, the statistics. */
export class PassState {
  /** The statistics of the thread samples handed to the writer. */
  readonly stats = new SamplingStats();
  /** The thread sample every walk fills. */
  readonly sample = new ThreadSample();
  /** A memory probe per target, made when first needed. */
  readonly probes = new WeakMap<Target, InterpreterProbes>();

  /**
   * @param platform Where threads' states and processes' memory sizes are read.
   * @param options Which thread samples to keep, with which metrics.
   * @param intervalUs The sampling interval, against which sample times count as long.
   */
  constructor(
    readonly platform: Platform,
    readonly options: PassOptions,
    readonly intervalUs: number,
  ) {}

  /** The memory probe of `target`. */
  probe(target: Target): InterpreterProbes {
    let probe = this.probes.get(target);
    if (probe === undefined) {
      this.probes.set(target, probe = new InterpreterProbes(target.memory, target.runtime));
    }
    return probe;
  }
}

/**
 * One pass: walks every thread of every target once and hands each thread
 * sample that `pass.options` keeps to `writer`, charged the time since the
 * target's previous pass (its `timestamp`, then moved to `passStart`). A
 * target whose interpreter list cannot be read any more is removed from
 * `targets`. A failed write (an {@link OutputError}) propagates.
 */
export function samplePass(
  pass: PassState,
  targets: Target[],
  writer: SampleWriter,
  passStart: number,
): void {
  const { platform, sample, stats, intervalUs } = pass;
  const { time, memory, idle: idleState, gc, excludeEmpty } = pass.options;
  const clock = platform.clock;
  for (let t = 0; t < targets.length; t++) {
    const target = targets[t];
    const delta = passStart - target.timestamp;
    if (target.walker.beginPass() < 0) {
      targets.splice(t--, 1);
      continue;
    }
    const probe = memory || gc ? pass.probe(target) : null;
    let holder = -1;
    let holderInterp = -1;
    while (target.walker.nextThread(sample)) {
      // A thread state whose thread has not started or has ended has no TID
      // (or, torn, a TID that is no thread of the process).
      if (!liveThread(platform, target, sample.threadId)) continue;
      if (excludeEmpty && sample.depth === 0 && !sample.invalid) continue;
      let memDelta = 0;
      if (probe !== null && memory) {
        if (holderInterp !== sample.interpreter) {
          holderInterp = sample.interpreter;
          holder = probe.gilHolder(sample.interpreter);
        }
        if (holder === sample.threadState) {
          const rss = platform.residentBytes(target.pid);
          if (rss >= 0) {
            memDelta = rss - target.rss;
            target.rss = rss;
          }
        }
      }
      // With metrics, a thread sample that changes none of them is left out.
      if (time && delta === 0 && memDelta === 0) continue;
      if (!time && memory && memDelta === 0) continue;
      const idle = idleState !== "ignore" && platform.threadIdle(target.pid, sample.threadId);
      if (idleState === "skip" && idle) continue;
      const inGc = probe !== null && gc && probe.collecting(sample.interpreter);
      writer.sample(target.pid, sample, inGc, delta, idle, memDelta);
      if (inGc) stats.gcTime += delta;
      stats.record(clock.nowUs() - passStart, intervalUs, sample.invalid);
    }
    target.timestamp += delta;
  }
}

/**
 * Samples the processes in `targets` until the exposure runs out, a stop is
 * requested or `housekeeping` says the run is over. Every ~100 ms the
 * output is flushed, control returns to the event loop (signals, child
 * exits) and `housekeeping` runs: it may remove targets that ended and add
 * new ones (at the front), and returns false to end the run. A target whose
 * interpreter list cannot be read any more is dropped at once. A failed
 * write of the output (an {@link OutputError} from the writer or from
 * `output.flush`) ends the loop: it is returned as the `failure`.
 */
export async function runSampler(
  platform: Platform,
  targets: Target[],
  writer: SampleWriter,
  output: Flushable,
  options: SamplerOptions,
  stop: StopRequest,
  housekeeping: () => boolean,
): Promise<SamplingResult> {
  const clock = platform.clock;
  const { intervalUs } = options;
  const pass = new PassState(platform, passOptions(options), intervalUs);
  const start = clock.nowUs();
  for (const target of targets) target.timestamp = start;
  const deadline = options.exposureS > 0 ? start + options.exposureS * 1e6 : Infinity;
  let nextFlush = start + FLUSH_EVERY_US;
  let exposed = false;
  let running = true;
  /** How late the kernel wakes the loop, on average (µs). */
  let late = 0;
  let failure: OutputError | null = null;

  try {
    while (running && stop.signal === null) {
      const passStart = clock.nowUs();
      samplePass(pass, targets, writer, passStart);
      const now = clock.nowUs();
      if (now >= deadline) {
        exposed = true;
        break;
      }
      if (now >= nextFlush || targets.length === 0) {
        output.flush();
        await new Promise((resolve) => setTimeout(resolve, 0));
        running = housekeeping();
        nextFlush = clock.nowUs() + FLUSH_EVERY_US;
      }
      // With nothing to sample (children mode, between processes), wait for the next scan.
      if (targets.length === 0) {
        if (nextFlush > clock.nowUs()) clock.sleepUntilUs(nextFlush);
        continue;
      }
      // The kernel wakes us a little late: aim that much earlier, so that
      // passes start every interval on average.
      const wake = passStart + intervalUs - late;
      if (wake > clock.nowUs()) {
        clock.sleepUntilUs(wake);
        const lateness = clock.nowUs() - wake;
        late += (Math.min(lateness, intervalUs / 2) - late) / 8;
      }
    }
  } catch (e) {
    if (!(e instanceof OutputError)) throw e;
    failure = e;
  }
  return { durationUs: clock.nowUs() - start, stats: pass.stats, exposed, failure };
}
