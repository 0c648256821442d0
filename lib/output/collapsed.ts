/**
 * Austin's text format: the metadata header, one collapsed-stack line per
 * thread sample, and the footer (spec: austin-behaviour.md, section 5).
 *
 * @module
 */

import type { ThreadSample } from "../python/walker.ts";
import type { SamplingStats } from "../stats.ts";
import type { OutputSink } from "./sink.ts";

/** The version Austin's tools expect in `# austin:`. */
export const AUSTIN_VERSION = "3.7.0";

/** What the header says. */
export interface HeaderInfo {
  intervalUs: number;
  mode: "wall" | "cpu" | "memory" | "full";
  /** Total physical memory in KiB (memory and full modes). */
  memoryKiB?: number;
  multiprocess: boolean;
  /** `X.Y.Z`, written in pipe mode only. */
  python?: string;
}

/** The metadata header, ending with its empty line. */
export function header(info: HeaderInfo): string {
  let text = "";
  if (info.python !== undefined && info.multiprocess) text += `# python: ${info.python}\n`;
  text += `# austin: ${AUSTIN_VERSION}\n# interval: ${info.intervalUs}\n# mode: ${info.mode}\n`;
  if (info.memoryKiB !== undefined) text += `# memory: ${info.memoryKiB}\n`;
  if (info.multiprocess) text += "# multiprocess: on\n";
  if (info.python !== undefined && !info.multiprocess) text += `# python: ${info.python}\n`;
  return text + "\n";
}

/** The footer, starting and ending with an empty line. */
export function footer(
  durationUs: number,
  stats: SamplingStats,
  gc: boolean,
  pipe: boolean,
): string {
  let text = `\n# duration: ${durationUs}\n`;
  if (gc) text += `# gc: ${stats.gcTime}\n`;
  if (pipe && stats.count > 0) {
    text += `# sampling: ${stats.min},${stats.average},${stats.max}\n`;
    text += `# saturation: ${stats.long}/${stats.count}\n`;
    text += `# errors: ${stats.errors}/${stats.count}\n`;
  }
  return text + "\n";
}

/** Writes sample lines. */
export class CollapsedWriter {
  constructor(readonly sink: OutputSink, readonly altFormat: boolean) {}

  /** Writes one thread sample: `P<pid>;T<iid>:<tid>[;:INVALID:][;frames][;:GC:] <metric>`. */
  sample(pid: number, s: ThreadSample, gc: boolean, metric: string): void {
    let line = `P${pid};T${s.interpreterId}:${s.threadId}`;
    if (s.invalid) line += ";:INVALID:";
    const codes = s.codes;
    const lines = s.lines;
    if (this.altFormat) {
      for (let i = s.depth - 1; i >= 0; i--) line += `;${codes[i].prefix};L${lines[i]}`;
    } else {
      for (let i = s.depth - 1; i >= 0; i--) line += `;${codes[i].prefix}:${lines[i]}`;
    }
    if (gc) line += ";:GC:";
    this.sink.write(`${line} ${metric}\n`);
  }
}
