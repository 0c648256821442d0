/**
 * Sampling for programs that use austin-deno as a library (`mod.ts`): the
 * CLI's own pieces (the search for an interpreter, the sampler's pass)
 * driven as an async iterable. Each sample is copied out of the walker's
 * reused stack into plain objects, so what a caller keeps stays valid.
 *
 * Errors: a process that cannot be found, launched or read as Python is
 * a {@link SamplingError} with Austin's message and exit code; anything
 * else thrown is a bug.
 *
 * @module
 */

import type { ChildProcess, Platform } from "../../platforms/platform.ts";
import { CANNOT_LAUNCH, type Fatal } from "../cli/messages.ts";
import type { Location, Metadata, Mode, SampleWriter, ThreadStack } from "../sample.ts";
import { passOptions, PassState, samplePass } from "../sampler/loop.ts";
import { endChild } from "./child.ts";
import { searchFatal } from "./search.ts";
import { search, type Target } from "../sampler/targets.ts";

/** One frame of a sample: where the thread was, outermost first. */
export interface SampledFrame {
  /** The code object's file name. */
  filename: string;
  /** Its function (qualified name from 3.11). */
  scope: string;
  /** The line being run (0 when not known). */
  line: number;
  /** Columns, 0-based, where the interpreter knows them (3.11+), else -1. */
  column: number;
  endLine: number;
  endColumn: number;
}

/** One thread's stack at one moment, with its metrics. */
export interface Sample {
  pid: number;
  interpreterId: number;
  threadId: number;
  /** Outermost first. */
  frames: SampledFrame[];
  /** The stack could not be read whole (`:INVALID:` in Austin's output). */
  invalid: boolean;
  /** The thread was idle (read in "cpu" and "full" modes, and by {@link whereStacks}). */
  idle: boolean;
  /** The garbage collector was running (with `gc: true`). */
  gc: boolean;
  /** Microseconds since the process's previous sample (0 in "memory" mode). */
  time: number;
  /** Change of the process's resident memory in bytes ("memory" and "full" modes). */
  memory: number;
}

/** What to sample and how. */
export interface SampleOptions {
  /** A running process to attach to. */
  pid?: number;
  /** Or a command to launch and sample (`["python3", "app.py"]`); it ends with the iteration. */
  command?: string[];
  /** Microseconds between passes (Austin's `-i`); 100 by default. */
  interval?: number;
  /** What the samples measure: "wall" (default), "cpu", "memory" or "full". */
  mode?: Mode;
  /** Read whether the garbage collector runs (Austin's `-g`). */
  gc?: boolean;
  /** Milliseconds to wait for the interpreter (Austin's `-t`); 1000 by default. */
  timeout?: number;
}

/** A process that cannot be sampled: Austin's message and exit code. */
export class SamplingError extends Error {
  /** The exit code Austin gives for it. */
  readonly code: number;
  /** Wraps one of Austin's fatal messages. */
  constructor(fatal: Fatal) {
    super(fatal.message);
    this.name = "SamplingError";
    this.code = fatal.code;
  }
}

const location: Location = { line: 0, endLine: 0, column: 0, endColumn: 0 };

/** Copies a stack out of the walker into a {@link Sample}. */
function copy(
  pid: number,
  stack: ThreadStack,
  gc: boolean,
  time: number,
  idle: boolean,
  memory: number,
): Sample {
  const frames: SampledFrame[] = new Array(stack.depth);
  for (let i = stack.depth - 1, k = 0; i >= 0; i--, k++) {
    const code = stack.codes[i];
    code.location(stack.positions[i], location);
    frames[k] = {
      filename: code.filename,
      scope: code.scope,
      line: stack.lines[i],
      column: location.column,
      endLine: location.endLine,
      endColumn: location.endColumn,
    };
  }
  return {
    pid,
    interpreterId: stack.interpreterId,
    threadId: stack.threadId,
    frames,
    invalid: stack.invalid,
    idle,
    gc,
    time,
    memory,
  };
}

/** A writer that keeps copies of the samples of a pass. */
class Collector implements SampleWriter {
  readonly samples: Sample[] = [];
  header(_meta: Metadata): void {}
  footer(_meta: Metadata): void {}
  sample(
    pid: number,
    stack: ThreadStack,
    gc: boolean,
    time: number,
    idle: boolean,
    memory: number,
  ): void {
    this.samples.push(copy(pid, stack, gc, time, idle, memory));
  }
}

/** Finds the interpreter of `pid`, or throws the SamplingError Austin would exit with. */
async function attachTo(
  platform: Platform,
  pid: number,
  timeoutMs: number,
  launched: boolean,
  stopped: () => boolean,
): Promise<Target | null> {
  const found = await search(platform, pid, timeoutMs * 1000, stopped);
  if (found === null) return null;
  if ("target" in found) return found.target;
  throw new SamplingError(searchFatal(found.failure, launched, found.detail).fatal);
}

/**
 * Samples a process until it ends or the caller stops iterating (a launched
 * command is then ended and reaped).
 */
export async function* sampleProcess(
  platform: Platform,
  options: SampleOptions,
): AsyncGenerator<Sample, void, undefined> {
  const { pid, command } = options;
  if ((pid === undefined) === (command === undefined || command.length === 0)) {
    throw new TypeError("sample() wants either a pid or a command");
  }
  const mode = options.mode ?? "wall";
  const intervalUs = Math.max(0, options.interval ?? 100);
  let child: ChildProcess | null = null;
  let stopped = false;
  try {
    if (command !== undefined && pid === undefined) {
      try {
        child = platform.spawn(command[0], command.slice(1), false);
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) throw new SamplingError(CANNOT_LAUNCH);
        throw e;
      }
    }
    const top = pid ?? (child as ChildProcess).pid;
    const target = await attachTo(
      platform,
      top,
      options.timeout ?? 1000,
      child !== null,
      () => stopped,
    );
    if (target === null) return;
    const metrics = passOptions({ mode, gc: options.gc ?? false, excludeEmpty: false });
    const pass = new PassState(platform, metrics, intervalUs);
    const targets = [target];
    const clock = platform.clock;
    target.timestamp = clock.nowUs();
    const collector = new Collector();
    let nextYield = clock.nowUs();
    while (targets.length > 0) {
      const passStart = clock.nowUs();
      samplePass(pass, targets, collector, passStart);
      if (collector.samples.length > 0) {
        const samples = collector.samples.splice(0);
        for (const sample of samples) yield sample;
      }
      // Let the event loop run now and then (timers, signals, the caller's work).
      if (clock.nowUs() >= nextYield) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        nextYield = clock.nowUs() + 10_000;
      }
      if (platform.processState(top) !== "alive") break;
      clock.sleepUntilUs(passStart + intervalUs);
    }
  } finally {
    stopped = true;
    if (child !== null) await endChild(child, "SIGTERM");
  }
}

/** Every thread's stack of process `pid`, read once (Austin's `-w`). */
export async function whereStacks(
  platform: Platform,
  pid: number,
  timeoutMs = 1000,
): Promise<Sample[]> {
  const target = await attachTo(platform, pid, timeoutMs, false, () => false);
  if (target === null) return [];
  const pass = new PassState(platform, {
    time: false,
    memory: false,
    idle: "mark",
    gc: false,
    excludeEmpty: false,
  }, 0);
  const collector = new Collector();
  samplePass(pass, [target], collector, platform.clock.nowUs());
  return collector.samples;
}
