/**
 * `mojo2austin`: converts a MOJO file (austin-deno's or Austin's `-b`
 * output) to Austin's text format, like austin-python's tool of that name.
 *
 * Usage: `deno run -A lib/cli/mojo2austin.ts [-h] [-V] input [output]`
 * (`-` as input reads stdin; without an output file, the text goes to stdout).
 * Exit status 1 for an unreadable or malformed file (nothing is written), and
 * for a file cut inside an event: its whole samples are still written, and
 * one line on stderr says where it was cut.
 *
 * @module
 */

import { readMojo } from "../output/mojo/reader.ts";
import { AUSTIN_VERSION } from "../output/metadata.ts";
import { describeTruncation } from "../output/truncation.ts";
import { writeAllSync } from "../output/sink.ts";
import { EXIT_STATUS, inputLabel } from "./converter.ts";

const USAGE = "usage: mojo2austin [-h] [-V] input [output]\n";
const HELP = USAGE + "\nConvert a MOJO file to Austin's collapsed stack format.\n\n" +
  "positional arguments:\n  input          the MOJO file to convert ('-' for standard input)\n" +
  "  output         the Austin file to write (default: standard output)\n\n" +
  "options:\n  -h, --help     show this help message and exit\n" +
  "  -V, --version  show program's version number and exit\n" + EXIT_STATUS;

async function readAll(path: string): Promise<Uint8Array> {
  if (path !== "-") return await Deno.readFile(path);
  const chunks: Uint8Array[] = [];
  for await (const chunk of Deno.stdin.readable) chunks.push(chunk);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** Runs the converter; resolves to the exit code. */
export async function mojo2austin(args: string[]): Promise<number> {
  const write = (fd: "stdout" | "stderr", text: string) =>
    writeAllSync(Deno[fd], new TextEncoder().encode(text));
  if (args.includes("-h") || args.includes("--help")) {
    write("stdout", HELP);
    return 0;
  }
  if (args.includes("-V") || args.includes("--version")) {
    write("stdout", `mojo2austin ${AUSTIN_VERSION}\n`);
    return 0;
  }
  if (args.length < 1 || args.length > 2) {
    write("stderr", USAGE);
    return 2;
  }
  try {
    const { text, truncation } = readMojo(await readAll(args[0]));
    if (args.length === 2) await Deno.writeTextFile(args[1], text);
    else writeAllSync(Deno.stdout, new TextEncoder().encode(text));
    if (truncation === null) return 0;
    write("stderr", `mojo2austin: ${inputLabel(args[0])}: ${describeTruncation(truncation)}\n`);
    return 1;
  } catch (e) {
    if (e instanceof Deno.errors.BrokenPipe) return 0;
    const reason = e instanceof Error ? e.message : String(e);
    write("stderr", `mojo2austin: ${reason.replace(/\s*\n\s*/g, " ")}\n`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await mojo2austin(Deno.args));
