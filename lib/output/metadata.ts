/**
 * What every output format shares: the metadata of the header and footer
 * (spec: austin-behaviour.md 5.2, 5.3, 8.6). The interface of a writer of
 * samples is in lib/sample.ts.
 *
 * @module
 */

import type { Metadata, Mode } from "../sample.ts";
import type { SamplingStats } from "../sampler/stats.ts";

/** The version Austin's tools expect in `# austin:`. */
export const AUSTIN_VERSION = "3.7.0";

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
