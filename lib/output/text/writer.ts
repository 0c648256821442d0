/**
 * Austin's text format: the metadata header, one collapsed-stack line per
 * thread sample, and the footer (spec: austin-behaviour.md, section 5).
 *
 * @module
 */

import type { Code, Metadata, Mode, SampleWriter, ThreadStack } from "../../sample.ts";
import type { SamplingStats } from "../../sampler/stats.ts";
import { footerMetadata, type HeaderInfo, headerMetadata } from "../metadata.ts";
import type { OutputSink } from "../sink.ts";

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
/** Encoded frame texts kept before the cache starts over (the sampler's own cache holds 4 096 codes). */
const MAX_TEXTS = 8192;
/** Room for the fixed parts of a line: `P`, pid, `;T`, iid, `:`, tid, `;:INVALID:`. */
const HEAD_BYTES = 64;
/** Room for what follows the frames: `;:GC:`, a space, the metric, the newline. */
const TAIL_BYTES = 64;
/** The most bytes an integer takes, in decimal. */
const INT_BYTES = 17;

/** Writes Austin's text format. */
export class CollapsedWriter implements SampleWriter {
  /** Per code object: `;<filename>:<scope>:` (or `;<filename>:<scope>;L`), in UTF-8. */
  readonly #texts = new Map<Code, Uint8Array>();

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

  /** The frame text of `code` before its line number, encoded once. */
  #text(code: Code): Uint8Array {
    let text = this.#texts.get(code);
    if (text === undefined) {
      if (this.#texts.size >= MAX_TEXTS) this.#texts.clear();
      const prefix = `;${code.filename}:${code.scope}`;
      text = TEXT.encode(this.altFormat ? `${prefix};L` : `${prefix}:`);
      this.#texts.set(code, text);
    }
    return text;
  }

  /**
   * One sample, `P<pid>;T<iid>:<tid>[;:INVALID:][;frames][;:GC:] <metric>`,
   * with its metric as the mode writes it (spec 5.5). The bytes go straight
   * into the sink's buffer: no string is built per sample.
   */
  sample(pid: number, s: ThreadStack, gc: boolean, time: number, idle: boolean, memory: number) {
    const sink = this.sink;
    sink.reserve(HEAD_BYTES);
    sink.putByte(80); // P
    sink.putInt(pid);
    sink.put(THREAD);
    sink.putInt(s.interpreterId);
    sink.putByte(58); // :
    sink.putInt(s.threadId);
    if (s.invalid) sink.put(INVALID);
    const codes = s.codes;
    const lines = s.lines;
    for (let i = s.depth - 1; i >= 0; i--) {
      const text = this.#text(codes[i]);
      if (sink.reserve(text.length + INT_BYTES)) {
        sink.put(text);
      } else {
        sink.writeBytes(text);
        sink.reserve(INT_BYTES);
      }
      sink.putInt(lines[i]);
    }
    sink.reserve(TAIL_BYTES);
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
  }
}
