/**
 * Writes to the standard streams for the messages of a run (the banner,
 * versions, statistics, fatal messages): whole, and never failing.
 *
 * @module
 */

import { isOsError } from "../../platforms/platform.ts";
import { writeAllSync } from "../output/sink.ts";

const encoder = new TextEncoder();

/**
 * Writes all of `text` to a standard stream. A write that fails (the stream
 * is closed, or its reader went away) is dropped: there is nowhere to
 * report it.
 */
export function writeAll(stream: typeof Deno.stdout | typeof Deno.stderr, text: string): void {
  try {
    writeAllSync(stream, encoder.encode(text));
  } catch (e) {
    if (!isOsError(e) && !(e instanceof Deno.errors.WriteZero)) throw e;
  }
}

/** Writes text to stderr (see {@link writeAll}). */
export const stderr = (text: string): void => writeAll(Deno.stderr, text);

/** Writes text to stdout (see {@link writeAll}). */
export const stdout = (text: string): void => writeAll(Deno.stdout, text);
