/**
 * `austin2flamegraph`: converts an Austin profile (text or MOJO, recognised
 * by its magic, read with `readProfile`) to a self-contained interactive SVG
 * flame graph (see `lib/output/pictures/flamegraph.ts`), titled after the input file.
 *
 * Usage: `deno run -A lib/cli/austin2flamegraph.ts [-h] [-V] input [output]`
 * (`-` as input reads stdin; without an output file, the SVG goes to
 * stdout). As the other `austin2<format>` converters (`converter.ts`): a
 * malformed input or an unreadable file is reported in one line on stderr
 * with exit status 1; an input cut short is drawn up to its last whole
 * sample, with one line on stderr saying where it was cut and exit status 1;
 * bad arguments print the usage with exit status 2.
 *
 * @module
 */

import { toFlameGraph } from "../output/pictures/flamegraph.ts";
import { type Converter, profileConverter, runConverter } from "./converter.ts";

/** The converter's definition. */
export const AUSTIN2FLAMEGRAPH: Converter = profileConverter({
  name: "austin2flamegraph",
  description: "Convert Austin generated profiles (text or MOJO) to an interactive SVG flame\n" +
    "graph (hover for details, click to zoom, search with a regular expression).",
  outputHelp: "the SVG file to write",
  convert: (profile, name) => toFlameGraph(profile, `Flame Graph: ${name}`),
});

/** Runs the converter; resolves to the exit code. */
export function austin2flamegraph(args: string[]): Promise<number> {
  return runConverter(AUSTIN2FLAMEGRAPH, args);
}

if (import.meta.main) Deno.exit(await austin2flamegraph(Deno.args));
