/**
 * `austin2speedscope`: converts an Austin profile (text or MOJO, recognised
 * by its magic) to speedscope's JSON format, like austin-python's tool of
 * that name, with one profile per thread.
 *
 * Usage: `deno run -A lib/cli/austin2speedscope.ts [-h] [-V] [--indent INDENT] input [output]`
 * (`-` as input reads stdin; without an output file, the JSON goes to stdout).
 *
 * @module
 */

import { toSpeedscope } from "../output/pictures/speedscope.ts";
import { type Converter, profileConverter, runConverter } from "./converter.ts";

/** The converter's definition. */
export const AUSTIN2SPEEDSCOPE: Converter = profileConverter({
  name: "austin2speedscope",
  description: "Convert Austin generated profiles (text or MOJO) to the Speedscope JSON format\n" +
    "accepted by https://speedscope.app. The output contains a profile for each thread.",
  outputHelp: "the Speedscope JSON file to write",
  options: [{
    flag: "--indent",
    metavar: "INDENT",
    help: "give a non-null value to prettify the JSON output",
    check: (value) => {
      if (!/^\d+$/.test(value)) throw new Error(`invalid int value: '${value}'`);
    },
  }],
  convert: (profile, name, options) => {
    const indent = options.get("--indent");
    return toSpeedscope(profile, name, indent === undefined ? undefined : Number(indent));
  },
});

/** Runs the converter; resolves to the exit code. */
export function austin2speedscope(args: string[]): Promise<number> {
  return runConverter(AUSTIN2SPEEDSCOPE, args);
}

if (import.meta.main) Deno.exit(await austin2speedscope(Deno.args));
