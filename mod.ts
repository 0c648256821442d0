/**
 * austin-deno as a library: sample a running CPython process (or a command
 * it launches) from outside, read every thread's stack once, and read the
 * files Austin and austin-deno write.
 *
 * ```ts
 * import { sample } from "./mod.ts";
 *
 * const child = new Deno.Command("python3", {
 *   args: ["-c", "import time\nwhile True: sum(range(1000)); time.sleep(0)"],
 * }).spawn();
 * const seen = new Map<string, number>();
 * let n = 0;
 * for await (const s of sample({ pid: child.pid, interval: 1000 })) {
 *   const top = s.frames.at(-1);
 *   if (top !== undefined) seen.set(top.scope, (seen.get(top.scope) ?? 0) + 1);
 *   if (++n === 200) break; // stops sampling cleanly
 * }
 * child.kill();
 * await child.status;
 * console.log(seen.has("<module>"));
 * ```
 *
 * Samples are plain objects, copied out of the sampler, so they may be
 * kept. {@link record} writes a whole recording instead, byte for byte as
 * the `austin` command does (it runs the same code), into a file or into a
 * {@link SampleWriter} of one's own, allocating nothing per sample. A
 * process that cannot be sampled rejects with a {@link SamplingError}
 * carrying Austin's message and exit code.
 *
 * @module
 */

import { currentPlatform } from "./platforms/mod.ts";
import { readRecording } from "./lib/output/text/reader.ts";
import { readMojo } from "./lib/output/mojo/reader.ts";
import { isMojo } from "./lib/output/mojo/events.ts";
import type { Recording } from "./lib/output/text/reader.ts";
import {
  type RecordOptions,
  recordProcess,
  type RecordResult,
  type Sample,
  type SampleOptions,
  sampleProcess,
  whereStacks,
} from "./lib/app/session.ts";

export type { Code, Location, Metadata, Mode, SampleWriter, ThreadStack } from "./lib/sample.ts";
export type { Frame, Profile, StackRecord } from "./lib/output/pictures/model.ts";
export type { Recording } from "./lib/output/text/reader.ts";
export type { Truncation } from "./lib/output/truncation.ts";
export { SamplingError } from "./lib/app/session.ts";
export type {
  RecordOptions,
  RecordResult,
  Sample,
  SampledFrame,
  SampleOptions,
} from "./lib/app/session.ts";

/**
 * Samples a Python process: `{ pid }` attaches to a running one, `{ command }`
 * launches one (and ends it when the iteration ends). Yields one
 * {@link Sample} per thread per pass, every `interval` µs, until the process
 * ends or the loop breaks.
 */
export function sample(options: SampleOptions): AsyncGenerator<Sample, void, undefined> {
  return sampleProcess(currentPlatform(), options);
}

/**
 * Records a Python process as `austin` would, from the header to the
 * footer: `{ output }` gets Austin's text format (MOJO with `binary: true`),
 * `{ writer }` gets every thread sample in a reused {@link ThreadStack}.
 * It ends when the process ends, `exposure` seconds pass or `signal` aborts;
 * a launched command is then ended and reaped.
 *
 * ```ts ignore
 * const file = await Deno.open("samples.austin", { write: true, create: true });
 * const done = await record({ pid: 1234, interval: 1000, exposure: 5, output: file });
 * console.log(`${done.samples} samples, ${done.invalid} invalid`);
 * ```
 */
export function record(options: RecordOptions): Promise<RecordResult> {
  return recordProcess(currentPlatform(), options);
}

/** Every thread's stack of process `pid`, read once (like `austin -w PID`). */
export function where(pid: number, options: { timeout?: number } = {}): Promise<Sample[]> {
  return whereStacks(currentPlatform(), pid, options.timeout);
}

/**
 * Reads a recording in Austin's text format or in MOJO (told apart by its
 * first bytes) into a profile. A recording cut short gives every whole
 * sample before the cut, and says where in `truncation`; malformed input
 * throws.
 */
export function readProfile(bytes: Uint8Array): Recording {
  if (!isMojo(bytes)) return readRecording(bytes);
  const { text, truncation } = readMojo(bytes);
  const recording = readRecording(new TextEncoder().encode(text));
  return { profile: recording.profile, truncation: truncation ?? recording.truncation };
}

/** Converts a MOJO recording to Austin's text format (see {@link readProfile} for cuts). */
export { readMojo } from "./lib/output/mojo/reader.ts";
