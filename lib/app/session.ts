/**
 * Sampling for programs that use austin-deno as a library (`mod.ts`), on
 * the command line's own pieces (the search for an interpreter, the
 * sampler's pass and loop): {@link recordProcess} writes a recording the
 * way `austin` does, through the same {@link recordTargets}, and
 * {@link sampleProcess} drives the pass as an async iterable, each sample
 * copied out of the walker's reused stack into plain objects, so what a
 * caller keeps stays valid.
 *
 * Errors: a process that cannot be found, launched or read as Python is
 * a {@link SamplingError} with Austin's message and exit code; anything
 * else thrown is a bug.
 *
 * @module
 */

import type { ChildProcess, Platform } from "../../platforms/platform.ts";
import { CANNOT_LAUNCH, type Fatal } from "../cli/messages.ts";
import { MojoWriter } from "../output/mojo/writer.ts";
import { OutputSink, type SyncWriter } from "../output/sink.ts";
import { CollapsedWriter } from "../output/text/writer.ts";
import {
  type Location,
  type Metadata,
  type Mode,
  OutputError,
  type SampleWriter,
  type ThreadStack,
} from "../sample.ts";
import { passOptions, PassState, samplePass } from "../sampler/loop.ts";
import { search, type Target } from "../sampler/targets.ts";
import { endChild } from "./child.ts";
import { recordTargets } from "./record.ts";
import { searchFatal } from "./search.ts";

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

/** The process being sampled: its pid, the command launched for it (or null), its interpreter. */
interface Opened {
  top: number;
  child: ChildProcess | null;
  /** Null when the search was stopped first. */
  target: Target | null;
}

/**
 * Launches `options.command` or takes `options.pid`, then finds its
 * interpreter. `onChild` learns of a launched command at once, so that the
 * caller ends it whatever follows.
 */
async function open(
  platform: Platform,
  options: SampleOptions,
  onChild: (child: ChildProcess) => void,
  stopped: () => boolean,
): Promise<Opened> {
  const { pid, command } = options;
  if ((pid === undefined) === (command === undefined || command.length === 0)) {
    throw new TypeError("sampling wants either a pid or a command");
  }
  let child: ChildProcess | null = null;
  if (command !== undefined && pid === undefined) {
    try {
      child = platform.spawn(command[0], command.slice(1), false);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) throw new SamplingError(CANNOT_LAUNCH);
      throw e;
    }
    onChild(child);
  }
  const top = pid ?? (child as ChildProcess).pid;
  const target = await attachTo(platform, top, options.timeout ?? 1000, child !== null, stopped);
  return { top, child, target };
}

/**
 * Samples a process until it ends or the caller stops iterating (a launched
 * command is then ended and reaped).
 */
export async function* sampleProcess(
  platform: Platform,
  options: SampleOptions,
): AsyncGenerator<Sample, void, undefined> {
  const mode = options.mode ?? "wall";
  const intervalUs = Math.max(0, options.interval ?? 100);
  let child: ChildProcess | null = null;
  let stopped = false;
  try {
    const opened = await open(platform, options, (c) => child = c, () => stopped);
    const { top, target } = opened;
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

/** What to record, and where to. */
export interface RecordOptions extends SampleOptions {
  /**
   * Where the recording goes (an open file, `Deno.stdout`): bytes exactly as
   * `austin` writes them, Austin's text format or, with `binary`, MOJO.
   */
  output?: SyncWriter;
  /** Write MOJO instead of text (Austin's `-b`). */
  binary?: boolean;
  /** Or a writer of one's own, handed every sample (its stack is reused: copy what you keep). */
  writer?: SampleWriter;
  /** Seconds to record for (Austin's `-x`); until the process ends by default. */
  exposure?: number;
  /** Stops the recording (its footer is still written). */
  signal?: AbortSignal;
}

/** What a recording took. */
export interface RecordResult {
  /** Microseconds from the first pass to the last. */
  duration: number;
  /** Thread samples written. */
  samples: number;
  /** How many of them are `:INVALID:` (could not be read whole). */
  invalid: number;
  /** The exposure ran out (rather than the process ending or the signal). */
  exposed: boolean;
}

/**
 * Records a process the way `austin` does, header to footer, into
 * `options.output` or `options.writer`; a launched command is ended and
 * reaped when the recording ends. A failed write of the output rejects with
 * the write's own error (what `output.writeSync` threw).
 */
export async function recordProcess(
  platform: Platform,
  options: RecordOptions,
): Promise<RecordResult> {
  const { output, writer } = options;
  if ((output === undefined) === (writer === undefined)) {
    throw new TypeError("record() wants either an output or a writer");
  }
  const mode = options.mode ?? "wall";
  const sink = new OutputSink(output ?? { writeSync: (bytes) => bytes.length });
  const out = writer ??
    (options.binary ? new MojoWriter(sink, mode) : new CollapsedWriter(sink, false, mode));
  const stop: { signal: "abort" | null } = { signal: null };
  const abort = () => stop.signal = "abort";
  options.signal?.addEventListener("abort", abort);
  if (options.signal?.aborted) abort();
  let child: ChildProcess | null = null;
  try {
    const { top, target } = await open(
      platform,
      options,
      (c) => child = c,
      () => stop.signal !== null,
    );
    if (target === null) return { duration: 0, samples: 0, invalid: 0, exposed: false };
    const targets = [target];
    const result = await recordTargets(
      platform,
      targets,
      target,
      out,
      sink,
      {
        intervalUs: Math.max(0, options.interval ?? 100),
        exposureS: options.exposure ?? 0,
        mode,
        gc: options.gc ?? false,
        excludeEmpty: false,
        children: false,
        pipe: false,
      },
      stop,
      () => targets.length > 0 && platform.processState(top) === "alive",
    );
    if (result.failure !== null) throw result.failure;
    sink.flush();
    const { stats } = result;
    return {
      duration: result.durationUs,
      samples: stats.count,
      invalid: stats.errors,
      exposed: result.exposed,
    };
  } catch (e) {
    if (e instanceof OutputError) throw e.cause;
    throw e;
  } finally {
    options.signal?.removeEventListener("abort", abort);
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
