/**
 * `austin2pprof`: converts an Austin profile (text or MOJO, recognised by its
 * magic) to pprof's gzipped protobuf format, like austin-python's tool of
 * that name.
 *
 * Usage: `deno run -A lib/cli/austin2pprof.ts [-h] [-V] input [output]`
 * (`-` as input reads stdin; without an output file, the profile goes to
 * stdout).
 *
 * @module
 */

import { toPprof } from "../output/pictures/pprof.ts";
import { type Converter, profileConverter, runConverter } from "./converter.ts";

/** The converter's definition. */
export const AUSTIN2PPROF: Converter = profileConverter({
  name: "austin2pprof",
  description: "Convert Austin generated profiles (text or MOJO) to the pprof protobuf format\n" +
    "(gzipped). See https://github.com/google/pprof for more details.",
  outputHelp: "the pprof file to write",
  convert: (profile) => toPprof(profile),
});

/** Runs the converter; resolves to the exit code. */
export function austin2pprof(args: string[]): Promise<number> {
  return runConverter(AUSTIN2PPROF, args);
}

if (import.meta.main) Deno.exit(await austin2pprof(Deno.args));
