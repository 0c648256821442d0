/**
 * `mojo2austin`: converts a MOJO file (austin-deno's or Austin's `-b`
 * output) to Austin's text format, like austin-python's tool of that name.
 *
 * Usage: `deno run -A lib/cli/mojo2austin.ts [-h] [-V] input [output]`
 * (`-` as input reads stdin; without an output file, the text goes to stdout).
 * As the other converters (`converter.ts`): exit status 1 for an unreadable
 * or malformed file (nothing is written), and for a file cut inside an
 * event: its whole samples are still written, and one line on stderr says
 * where it was cut; bad arguments print the usage with exit status 2.
 *
 * @module
 */

import { readMojo } from "../output/mojo/reader.ts";
import { type Converter, runConverter } from "./converter.ts";

/** The converter's definition. */
export const MOJO2AUSTIN: Converter = {
  name: "mojo2austin",
  description: "Convert a MOJO file to Austin's collapsed stack format.",
  inputHelp: "the MOJO file to convert",
  outputHelp: "the Austin file to write",
  // The MOJO reader reports no progress.
  progress: false,
  convert: (input) => {
    const { text, truncation } = readMojo(input);
    return { output: text, truncation };
  },
};

/** Runs the converter; resolves to the exit code. */
export function mojo2austin(args: string[]): Promise<number> {
  return runConverter(MOJO2AUSTIN, args);
}

if (import.meta.main) Deno.exit(await mojo2austin(Deno.args));
