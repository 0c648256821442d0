/**
 * What every output format shares: the metadata of the header and footer
 * (spec: austin-behaviour.md 5.2, 5.3, 8.6) and the interface of a writer
 * of samples.
 *
 * @module
 */

import type { ThreadSample } from "../python/walker.ts";
import type { SamplingStats } from "../stats.ts";

/** The version Austin's tools expect in `# austin:`. */
export const AUSTIN_VERSION = "3.7.0";

/** The metric modes. */
export type Mode = "wall" | "cpu" | "memory" | "full";

/** Metadata as ordered key/value pairs. */
export type Metadata = ReadonlyArray<readonly [key: string, value: string]>;

/** What the header says. */
export interface HeaderInfo {
  intervalUs: number;
  mode: Mode;
  /** Total physical memory in KiB (memory and full modes). */
  memoryKiB?: number;
  multiprocess: boolean;
  /** `X.Y.Z`, written in pipe mode only. */
  python?: string;
}

/** The header metadata, in Austin's order (`python` first with `-C`). */
export function headerMetadata(info: HeaderInfo): Metadata {
  const meta: Array<[string, string]> = [];
  if (info.python !== undefined && info.multiprocess) meta.push(["python", info.python]);
  meta.push(["austin", AUSTIN_VERSION], ["interval", `${info.intervalUs}`], ["mode", info.mode]);
  if (info.memoryKiB !== undefined) meta.push(["memory", `${info.memoryKiB}`]);
  if (info.multiprocess) meta.push(["multiprocess", "on"]);
  if (info.python !== undefined && !info.multiprocess) meta.push(["python", info.python]);
  return meta;
}

/** The footer metadata; pipe mode adds the sampling statistics when there were samples. */
export function footerMetadata(
  durationUs: number,
  stats: SamplingStats,
  gc: boolean,
  pipe: boolean,
): Metadata {
  const meta: Array<[string, string]> = [["duration", `${durationUs}`]];
  if (gc) meta.push(["gc", `${stats.gcTime}`]);
  if (pipe && stats.count > 0) {
    meta.push(
      ["sampling", `${stats.min},${stats.average},${stats.max}`],
      ["saturation", `${stats.long}/${stats.count}`],
      ["errors", `${stats.errors}/${stats.count}`],
    );
  }
  return meta;
}

/** A writer of samples in one output format. */
export interface SampleWriter {
  /** The header's metadata. */
  header(meta: Metadata): void;
  /** One thread sample and its metrics (time in µs, memory delta in bytes). */
  sample(
    pid: number,
    sample: ThreadSample,
    gc: boolean,
    time: number,
    idle: boolean,
    memory: number,
  ): void;
  /** The footer's metadata. */
  footer(meta: Metadata): void;
}
