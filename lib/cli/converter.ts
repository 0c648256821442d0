/**
 * What the converters (`mojo2austin` and the `austin2<format>` ones) share:
 * the arguments (`[-h] [-V] [options] input [output]`, parsed as
 * austin-python's argparse tools do; `-` as input reads stdin; without an
 * output the result goes to stdout), reading the input, writing the output,
 * one-line errors (`<name>: <reason>`, exit 1), usage errors (exit 2) and a
 * progress indicator on stderr when stderr is a terminal. A recording cut
 * short (a last line without its newline, a MOJO stream that ends inside an
 * event) is converted up to its last whole sample, with one line on stderr
 * that says where it was cut and exit 1.
 *
 * `austin2<format>` converters are made with {@link profileConverter}: they
 * read Austin text or MOJO (recognised by its magic) into a profile.
 *
 * @module
 */

import { AUSTIN_VERSION } from "../output/metadata.ts";
import { type ParseOptions, readRecording } from "../output/text/reader.ts";
import type { Profile } from "../output/pictures/model.ts";
import { describeTruncation, type Truncation } from "../output/truncation.ts";
import { type SyncWriter, writeAllSync } from "../output/sink.ts";

/** An option that takes a value, such as `--indent N`. */
export interface ValueOption {
  /** `--name`. */
  flag: string;
  /** The value's name in the usage and help, e.g. `INDENT`. */
  metavar: string;
  /** The option's line of help. */
  help: string;
  /** Checks the value; throws an Error whose message says what is wrong. */
  check?: (value: string) => void;
}

/** What a converter made of its input. */
export interface Conversion {
  /** What to write (text is written as UTF-8). */
  output: string | Uint8Array;
  /** Where the input was cut short, or null for a whole input. */
  truncation: Truncation | null;
}

/** A converter from one of Austin's formats to another one. */
export interface Converter {
  /** Program name, e.g. `austin2speedscope`. */
  name: string;
  /** One paragraph of help. */
  description: string;
  /** Help for the input argument, without `('-' for standard input)`. */
  inputHelp: string;
  /** Help for the output argument. */
  outputHelp: string;
  /** The options that take a value, besides `-h` and `-V`. */
  options?: ValueOption[];
  /** Whether to show the progress indicator on a terminal (default: true). */
  progress?: boolean;
  /**
   * Converts the bytes of the input, named `inputName` (a file's base name,
   * or `<stdin>`). Throws an Error for an input that cannot be converted.
   */
  convert(
    input: Uint8Array,
    inputName: string,
    options: Map<string, string>,
    progress: Progress,
  ): Conversion;
}

/** A converter of a profile, as {@link profileConverter} takes it. */
export interface ProfileConverter extends Omit<Converter, "inputHelp" | "progress" | "convert"> {
  /** The output for a profile read from `inputName` (a file's base name, or `<stdin>`). */
  convert(profile: Profile, inputName: string, options: Map<string, string>): string | Uint8Array;
}

/**
 * A converter that reads an Austin recording (text or MOJO, recognised by
 * its magic) into a profile and converts that. An input with neither
 * metadata nor samples is an error.
 */
export function profileConverter(c: ProfileConverter): Converter {
  return {
    ...c,
    inputHelp: "the Austin text or MOJO file to convert",
    convert(input, inputName, options, progress) {
      const parse: ParseOptions = { onProgress: (f) => progress.update("parsing", f) };
      const { profile, truncation } = readRecording(input, parse);
      if (truncation === null && profile.metadata.size === 0 && profile.records.length === 0) {
        throw new Error("no Austin metadata or samples in the input");
      }
      progress.update("converting");
      return { output: c.convert(profile, inputName, options), truncation };
    },
  };
}

/** Where the progress indicator writes. */
export interface ProgressStream extends SyncWriter {
  /** Whether the stream is a terminal: the indicator shows only there. */
  isTerminal(): boolean;
}

const encoder = new TextEncoder();

/**
 * A one-line progress indicator (`<name>: <stage> <n>%`) redrawn in place.
 * It shows only on a terminal, and only once the work has taken longer than
 * `delayMs`, so short conversions and piped stderr see nothing.
 */
export class Progress {
  readonly #enabled: boolean;
  readonly #start: number;
  #shown = false;
  #last = -Infinity;
  #text = "";

  constructor(
    readonly name: string,
    readonly out: ProgressStream = Deno.stderr,
    readonly delayMs = 300,
    readonly now: () => number = Date.now,
  ) {
    this.#enabled = out.isTerminal();
    this.#start = now();
  }

  /** Reports a stage, with the fraction done if known. */
  update(stage: string, fraction?: number): void {
    if (!this.#enabled) return;
    const t = this.now();
    if (t - this.#start < this.delayMs) return;
    const text = fraction === undefined
      ? `${this.name}: ${stage}`
      : `${this.name}: ${stage} ${Math.floor(fraction * 100)}%`;
    // Redraw at most ten times a second, but at once on a new stage.
    if (text === this.#text || (t - this.#last < 100 && this.#sameStage(text))) return;
    this.#last = t;
    this.#text = text;
    this.#shown = true;
    this.#write(`\r\x1b[K${text}`);
  }

  /** Clears the indicator, if it was shown. */
  done(): void {
    if (this.#shown) this.#write("\r\x1b[K");
    this.#shown = false;
    this.#text = "";
  }

  #sameStage(text: string): boolean {
    const stage = (s: string) => s.replace(/ \d+%$/, "");
    return this.#text !== "" && stage(text) === stage(this.#text);
  }

  #write(text: string): void {
    writeAllSync(this.out, encoder.encode(text));
  }
}

/** The parsed command line, or what to do instead. */
export type Arguments =
  | { kind: "run"; input: string; output?: string; options: Map<string, string> }
  | { kind: "help" | "version" }
  | { kind: "usage"; error: string };

/** The usage line of a converter. */
export function usage(c: Pick<Converter, "name" | "options">): string {
  const opts = (c.options ?? []).map((o) => ` [${o.flag} ${o.metavar}]`).join("");
  return `usage: ${c.name} [-h] [-V]${opts} input [output]\n`;
}

/** The help text of a converter. */
export function help(c: Converter): string {
  const pad = (s: string) => s.length < 15 ? s.padEnd(15) : `${s}\n${"".padEnd(17)}`;
  let text = usage(c) + `\n${c.description}\n\npositional arguments:\n` +
    `  ${pad("input")}${c.inputHelp} ('-' for standard input)\n` +
    `  ${pad("output")}${c.outputHelp} (default: standard output)\n\noptions:\n` +
    `  ${pad("-h, --help")}show this help message and exit\n` +
    `  ${pad("-V, --version")}show program's version number and exit\n`;
  for (const o of c.options ?? []) text += `  ${pad(`${o.flag} ${o.metavar}`)}${o.help}\n`;
  return text + EXIT_STATUS;
}

/** The end of every converter's help: what the exit status says. */
const EXIT_STATUS = "\nexit status:\n" +
  "  0 converted; 1 the input is unreadable or malformed (nothing is written), or it was\n" +
  "  cut short (the samples before the cut are converted and written, and stderr says\n" +
  "  where the input was cut); 2 bad arguments\n";

/** Parses a converter's arguments, as argparse would. */
export function parseArguments(c: Pick<Converter, "options">, args: string[]): Arguments {
  const options = new Map<string, string>();
  const positional: string[] = [];
  let onlyPositional = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (onlyPositional || arg === "-" || !arg.startsWith("-")) {
      positional.push(arg);
      continue;
    }
    if (arg === "--") {
      onlyPositional = true;
      continue;
    }
    if (arg === "-h" || arg === "--help") return { kind: "help" };
    if (arg === "-V" || arg === "--version") return { kind: "version" };
    const eq = arg.indexOf("=");
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    const option = (c.options ?? []).find((o) => o.flag === flag);
    if (option === undefined) return { kind: "usage", error: `unrecognized arguments: ${arg}` };
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (i + 1 < args.length) value = args[++i];
    else return { kind: "usage", error: `argument ${flag}: expected one argument` };
    try {
      option.check?.(value);
    } catch (e) {
      return { kind: "usage", error: `argument ${flag}: ${e instanceof Error ? e.message : e}` };
    }
    options.set(flag, value);
  }
  if (positional.length === 0) {
    return { kind: "usage", error: "the following arguments are required: input" };
  }
  if (positional.length > 2) {
    return { kind: "usage", error: `unrecognized arguments: ${positional.slice(2).join(" ")}` };
  }
  return { kind: "run", input: positional[0], output: positional[1], options };
}

/** All the bytes of a file, or of stdin until its end for `-`. */
export async function readInput(path: string): Promise<Uint8Array> {
  if (path !== "-") return await Deno.readFile(path);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of Deno.stdin.readable) {
    chunks.push(chunk);
    size += chunk.length;
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}

/** The base name of the input, for the output's title. */
function inputName(path: string): string {
  if (path === "-") return "<stdin>";
  return path.replace(/\/+$/, "").split("/").pop() || path;
}

/** A one-line reason for an error. */
function reason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.replace(/\s*\n\s*/g, " ").trim() || "unknown error";
}

/** The input's name in messages: its path, or `<stdin>`. */
function inputLabel(path: string): string {
  return path === "-" ? "<stdin>" : path;
}

/** A stream for no progress indicator: not a terminal, so nothing is written to it. */
const NO_PROGRESS: ProgressStream = { isTerminal: () => false, writeSync: (b) => b.length };

/**
 * Runs a converter on its command-line arguments; resolves to the exit code
 * (0; 1 for a conversion error, or for an input cut short, whose samples are
 * still converted; 2 for a usage error). `progressOut` is where the progress
 * indicator goes (stderr by default; shown only on a terminal).
 */
export async function runConverter(
  c: Converter,
  args: string[],
  progressOut: ProgressStream = Deno.stderr,
): Promise<number> {
  const write = (fd: "stdout" | "stderr", text: string) =>
    writeAllSync(Deno[fd], encoder.encode(text));
  const parsed = parseArguments(c, args);
  switch (parsed.kind) {
    case "help":
      write("stdout", help(c));
      return 0;
    case "version":
      write("stdout", `${c.name} ${AUSTIN_VERSION}\n`);
      return 0;
    case "usage":
      write("stderr", `${usage(c)}${c.name}: error: ${parsed.error}\n`);
      return 2;
  }
  const progress = new Progress(c.name, c.progress === false ? NO_PROGRESS : progressOut);
  try {
    progress.update("reading");
    const bytes = await readInput(parsed.input);
    const { output, truncation } = c.convert(
      bytes,
      inputName(parsed.input),
      parsed.options,
      progress,
    );
    const out = typeof output === "string" ? encoder.encode(output) : output;
    progress.update("writing");
    if (parsed.output !== undefined) await Deno.writeFile(parsed.output, out);
    else writeAllSync(Deno.stdout, out);
    progress.done();
    if (truncation === null) return 0;
    const where = `${inputLabel(parsed.input)}: ${describeTruncation(truncation)}`;
    write("stderr", `${c.name}: ${where}\n`);
    return 1;
  } catch (e) {
    progress.done();
    if (e instanceof Deno.errors.BrokenPipe) return 0;
    try {
      write("stderr", `${c.name}: ${reason(e)}\n`);
    } catch (failed) {
      // stderr's reader is gone, or stderr failed: nowhere to report it.
      if (!(failed instanceof Error)) throw failed;
    }
    return 1;
  }
}
