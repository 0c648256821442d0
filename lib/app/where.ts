/**
 * Where mode (`-w PID`): one pass over every thread of every process, each
 * thread's stack written as a block of text, then exit 0 (spec:
 * austin-behaviour.md, section 7). The pass is the sampler's own
 * ({@link samplePass}), with no metrics.
 *
 * @module
 */

import type { OutputSink } from "../output/sink.ts";
import { colourWanted, type Paint, plain, withColour } from "../output/terminal.ts";
import { whereThread } from "../output/where.ts";
import type { Metadata, SampleWriter, ThreadStack } from "../sample.ts";
import { PassState, samplePass } from "../sampler/loop.ts";
import type { Target } from "../sampler/targets.ts";
import type { RunState } from "./state.ts";

/** Writes each thread sample as a where-mode block; no header, no footer. */
class WhereWriter implements SampleWriter {
  /**
   * @param sink Where the blocks go.
   * @param paint How to colour them.
   * @param children The pids of the processes found as children under `-C`.
   */
  constructor(
    readonly sink: OutputSink,
    readonly paint: Paint,
    readonly children: ReadonlySet<number>,
  ) {}

  /** Nothing: where mode has no header. */
  header(_meta: Metadata): void {}

  /** Writes the thread's block. */
  sample(pid: number, stack: ThreadStack, _gc: boolean, _time: number, idle: boolean): void {
    this.sink.write(whereThread(pid, stack, idle, this.children.has(pid), this.paint));
  }

  /** Nothing: where mode has no footer. */
  footer(_meta: Metadata): void {}
}

/**
 * Prints every thread of every target once; 0. A failed write (an
 * OutputError) propagates, to end the run from main().
 */
export function where(run: RunState, targets: Target[]): number {
  const o = run.options;
  const isTerminal = run.file === null && run.platform.isTerminal(1);
  const paint = colourWanted(isTerminal) ? withColour : plain;
  const sink = run.sink;
  if (o.pipe) sink.write(`# python: ${targets[targets.length - 1].version}\n`);
  const children = new Set(targets.filter((t) => t.child).map((t) => t.pid));
  const pass = new PassState(run.platform, {
    time: false,
    memory: false,
    idle: o.sleepless ? "skip" : "mark",
    gc: false,
    excludeEmpty: o.excludeEmpty,
  }, 0);
  samplePass(pass, targets, new WhereWriter(sink, paint, children), run.platform.clock.nowUs());
  sink.flush();
  return 0;
}
