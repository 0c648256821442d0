/**
 * One recording of a set of targets into a writer: the header, the
 * sampler's loop, the footer. The command line's sampling mode
 * (lib/app/sampling.ts) and the library's `record()` (lib/app/session.ts,
 * public in mod.ts) both run it, so a file written by either is the same.
 *
 * @module
 */

import type { Platform } from "../../platforms/platform.ts";
import { footerMetadata, headerMetadata } from "../output/metadata.ts";
import { type Flushable, type Mode, OutputError, type SampleWriter } from "../sample.ts";
import { runSampler, type SamplingResult, type StopRequest } from "../sampler/loop.ts";
import type { Target } from "../sampler/targets.ts";

/** How to record. */
export interface RecordPlan {
  /** Microseconds between passes. */
  intervalUs: number;
  /** Seconds to record for; 0 = until the processes end or `stop` is set. */
  exposureS: number;
  mode: Mode;
  gc: boolean;
  excludeEmpty: boolean;
  /** Whether children are sampled too (`# multiprocess: on`). */
  children: boolean;
  /** Austin's `--pipe`: the Python version in the header, the counts in the footer. */
  pipe: boolean;
}

/**
 * Records `targets` into `writer` until they end, the exposure runs out,
 * `stop` is set or `housekeeping` returns false; `output` is flushed after
 * the header and along the way. A failed write of the header throws its
 * {@link OutputError}; a later one ends the loop and is the result's
 * `failure` (the footer is then not written). What else the writer throws
 * propagates.
 */
export async function recordTargets(
  platform: Platform,
  targets: Target[],
  top: Target,
  writer: SampleWriter,
  output: Flushable,
  plan: RecordPlan,
  stop: StopRequest,
  housekeeping: () => boolean,
): Promise<SamplingResult> {
  const { mode } = plan;
  writer.header(headerMetadata({
    intervalUs: plan.intervalUs,
    mode,
    memoryKiB: mode === "memory" || mode === "full" ? platform.physicalMemoryKiB() : undefined,
    multiprocess: plan.children,
    python: plan.pipe ? top.version : undefined,
  }));
  output.flush();
  const result = await runSampler(platform, targets, writer, output, plan, stop, housekeeping);
  if (result.failure !== null) return result;
  try {
    writer.footer(footerMetadata(result.durationUs, result.stats, plan.gc, plan.pipe));
  } catch (e) {
    if (!(e instanceof OutputError)) throw e;
    result.failure = e;
  }
  return result;
}
