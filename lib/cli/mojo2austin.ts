/**
 * `mojo2austin`: converts a MOJO file (austin-deno's or Austin's `-b`
 * output) to Austin's text format, like austin-python's tool of that name.
 *
 * Usage: `deno run -A lib/cli/mojo2austin.ts [-h] [-V] input [output]`
 * (`-` as input reads stdin; without an output file, the text goes to stdout).
 *
 * @module
 */

import { MojoError, mojoToText } from "../mojo/reader.ts";
import { AUSTIN_VERSION } from "../output/format.ts";

const USAGE = "usage: mojo2austin [-h] [-V] input [output]\n";
const HELP = USAGE + "\nConvert a MOJO file to Austin's collapsed stack format.\n\n" +
  "positional arguments:\n  input          the MOJO file to convert ('-' for standard input)\n" +
  "  output         the Austin file to write (default: standard output)\n\n" +
  "options:\n  -h, --help     show this help message and exit\n" +
  "  -V, --version  show program's version number and exit\n";

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
    Deno[fd].writeSync(new TextEncoder().encode(text));
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
    const text = mojoToText(await readAll(args[0]));
    if (args.length === 2) await Deno.writeTextFile(args[1], text);
    else await Deno.stdout.write(new TextEncoder().encode(text));
    return 0;
  } catch (e) {
    if (e instanceof Deno.errors.BrokenPipe) return 0;
    const reason = e instanceof MojoError ? e.message : e instanceof Error ? e.message : String(e);
    write("stderr", `mojo2austin: ${reason}\n`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await mojo2austin(Deno.args));
