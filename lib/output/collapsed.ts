/**
 * Austin's text format: the metadata header, one collapsed-stack line per
 * thread sample, and the footer (spec: austin-behaviour.md, section 5).
 *
 * @module
 */

import type { ThreadSample } from "../python/walker.ts";
import type { SamplingStats } from "../stats.ts";
import {
  footerMetadata,
  type HeaderInfo,
  headerMetadata,
  type Metadata,
  type Mode,
  type SampleWriter,
} from "./format.ts";
import type { OutputSink } from "./sink.ts";

export { AUSTIN_VERSION, type HeaderInfo } from "./format.ts";

/** The metadata header, ending with its empty line. */
export function header(info: HeaderInfo): string {
  return headerMetadata(info).map(([k, v]) => `# ${k}: ${v}\n`).join("") + "\n";
}

/** The footer, starting and ending with an empty line. */
export function footer(
  durationUs: number,
  stats: SamplingStats,
  gc: boolean,
  pipe: boolean,
): string {
  const lines = footerMetadata(durationUs, stats, gc, pipe).map(([k, v]) => `# ${k}: ${v}\n`);
  return "\n" + lines.join("") + "\n";
}

const TEXT = new TextEncoder();
const THREAD = TEXT.encode(";T");
const INVALID = TEXT.encode(";:INVALID:");
const GC = TEXT.encode(";:GC:");

/** Writes Austin's text format. */
export class CollapsedWriter implements SampleWriter {
  constructor(
    readonly sink: OutputSink,
    readonly altFormat: boolean,
    readonly mode: Mode = "wall",
  ) {}

  /** The header lines and their empty line. */
  header(meta: Metadata): void {
    for (const [k, v] of meta) this.sink.write(`# ${k}: ${v}\n`);
    this.sink.write("\n");
  }

  /** An empty line, the footer lines and a last empty line. */
  footer(meta: Metadata): void {
    this.sink.write("\n");
    for (const [k, v] of meta) this.sink.write(`# ${k}: ${v}\n`);
    this.sink.write("\n");
  }

  /** One sample with its metric as the mode writes it (spec 5.5). */
  sample(pid: number, s: ThreadSample, gc: boolean, time: number, idle: boolean, memory: number) {
    // Bytes straight into the output buffer: no string is built per sample.
    const alt = this.altFormat;
    const codes = s.codes;
    const depth = s.depth;
    let most = 128; // process, thread, markers and metric
    for (let i = 0; i < depth; i++) most += codes[i].frameText(alt).length + 11;
    const sink = this.sink;
    if (sink.reserve(most)) {
      const lines = s.lines;
      sink.putByte(80); // P
      sink.putInt(pid);
      sink.put(THREAD);
      sink.putInt(s.interpreterId);
      sink.putByte(58); // :
      sink.putInt(s.threadId);
      if (s.invalid) sink.put(INVALID);
      for (let i = depth - 1; i >= 0; i--) {
        sink.put(codes[i].frameText(alt));
        sink.putInt(lines[i]);
      }
      if (gc) sink.put(GC);
      sink.putByte(32); // space
      const mode = this.mode;
      if (mode === "memory") {
        sink.putInt(memory);
      } else if (mode === "full") {
        sink.putInt(time);
        sink.putByte(44); // ,
        sink.putByte(idle ? 49 : 48);
        sink.putByte(44);
        sink.putInt(memory);
      } else {
        sink.putInt(time);
      }
      sink.putByte(10); // newline
      return;
    }
    const mode = this.mode;
    const metric = mode === "memory"
      ? `${memory}`
      : mode === "full"
      ? `${time},${idle ? 1 : 0},${memory}`
      : `${time}`;
    this.line(pid, s, gc, metric);
  }

  /** Writes one thread sample: `P<pid>;T<iid>:<tid>[;:INVALID:][;frames][;:GC:] <metric>`. */
  line(pid: number, s: ThreadSample, gc: boolean, metric: string): void {
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
