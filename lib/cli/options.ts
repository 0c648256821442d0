/**
 * The command line of austin-deno (spec: austin-behaviour.md, sections 3.1 to
 * 3.6, and README.md decisions (a) and (b)).
 *
 * Austin 3.7.0 parses its arguments with glibc's argp, which drives
 * `getopt_long` in its default, permuting, mode, and Austin's option callback
 * cuts the command off the argument list: whenever it is handed something and
 * the next argument does not start with `-`, that argument and everything
 * after it become the command. This module reproduces that machinery step by
 * step (getopt's scanning and permutation, argp's loop, Austin's callback), so
 * that odd inputs behave as they do with Austin, messages included. The
 * austin-deno differences: the `-a` and `-e` options, `-t` accepting `ms`, and
 * `--`, which ends the options and makes the word right after it the command.
 *
 * @module
 */

import { PICTURE_FORMATS } from "../output/pictures/render.ts";
import type { Mode } from "../sample.ts";
import { helpText, PROGRAM_NAME, usageText, VERSION } from "./help.ts";
import { type ArgKind, Getopt, type OptionSpec } from "./getopt.ts";
import { parseCount, parseInterval, parsePid, parseTimeout } from "./values.ts";

/** Parsed options. Times in microseconds. */
export interface Options {
  /** Sampling interval in µs (`-i`), default 100. */
  interval: number;
  /** Start-up timeout in µs (`-t`), default 1 000 000 (1000 ms). */
  timeout: number;
  /** Exposure in seconds (`-x`), 0 = unlimited. */
  exposure: number;
  /** Heap size in MB as given (`-h`), default 0. */
  heap: number;
  /** PID from `-p` or `-w` (the last one given wins), or `null`. */
  pid: number | null;
  /** `-w` appeared. */
  where: boolean;
  /** The output file of `-o`, or `null` for stdout. */
  output: string | null;
  /** `-b`: MOJO output. */
  binary: boolean;
  /** `-C`: profile child processes. */
  children: boolean;
  /** `-f`: full metrics. */
  full: boolean;
  /** `-g`: sample the GC state. */
  gc: boolean;
  /** `-m`: memory mode. */
  memory: boolean;
  /** `-P`: pipe mode. */
  pipe: boolean;
  /** `-s`: drop idle samples. */
  sleepless: boolean;
  /** `-a`: alternative frame format (austin-deno). */
  altFormat: boolean;
  /** `-e`: drop samples without frames (austin-deno). */
  excludeEmpty: boolean;
  /** `--format`: the output format (austin-deno). */
  format: OutputFormat;
  /** The command and its arguments (`[]` if none). */
  command: string[];
}

/**
 * What the command line asks for: a run with the given options, or an
 * immediate exit with the given code and texts (help, usage, version, or a
 * parser error).
 */
export type ParseResult =
  | { kind: "run"; options: Options }
  | { kind: "exit"; code: number; stdout: string; stderr: string };

/** Exit code of every parser error (`EX_USAGE`). */
export const EXIT_USAGE = 64;

/** The options' defaults. */
export function defaultOptions(): Options {
  return {
    interval: 100,
    timeout: 1_000_000,
    exposure: 0,
    heap: 0,
    pid: null,
    where: false,
    output: null,
    binary: false,
    children: false,
    full: false,
    gc: false,
    memory: false,
    pipe: false,
    sleepless: false,
    altFormat: false,
    excludeEmpty: false,
    format: "austin",
    command: [],
  };
}

// ---- Option table ------------------------------------------------------------

/** The output formats of `--format`: Austin's text, then the pictures. */
export const FORMATS = ["austin", ...PICTURE_FORMATS] as const;
/** One of {@link FORMATS}. */
export type OutputFormat = typeof FORMATS[number];

const opt = (
  name: string,
  short: string | null,
  arg: ArgKind,
  builtin = false,
  added = false,
): OptionSpec => ({ name, short, arg, builtin, added });

/**
 * Every option in argp's order: Austin's table (with `-a` and `-e` where Austin
 * 3.4 had them), then argp's default options (including the hidden
 * `--program-name` and `--HANG`), then `--version`. The order decides the list
 * of an ambiguity error.
 */
const OPTIONS: readonly OptionSpec[] = [
  opt("interval", "i", "required"),
  opt("timeout", "t", "required"),
  opt("alt-format", "a", "none"),
  opt("exclude-empty", "e", "none"),
  opt("sleepless", "s", "none"),
  opt("memory", "m", "none"),
  opt("full", "f", "none"),
  opt("pid", "p", "required"),
  opt("where", "w", "required"),
  opt("output", "o", "required"),
  opt("children", "C", "none"),
  opt("exposure", "x", "required"),
  opt("pipe", "P", "none"),
  opt("gc", "g", "none"),
  opt("heap", "h", "required"),
  opt("binary", "b", "none"),
  // Austin 4's name for -s/--sleepless.
  opt("cpu", "c", "none", false, true),
  // austin-deno: picture formats (long option only, not in argp's help texts).
  opt("format", null, "required", false, true),
  opt("help", "?", "none", true),
  opt("usage", null, "none", true),
  opt("program-name", null, "required", true),
  opt("HANG", null, "optional", true),
  opt("version", "V", "none", true),
];

// ---- argp and Austin's callback -----------------------------------------------

/** The second line of every parser error, with argp's line breaking. */
function tryLine(name: string): string {
  return wrapLine(`Try \`${name} --help' or \`${name} --usage' for more information.`);
}

/**
 * One line of text as argp's output stream prints it with no margins: broken
 * at blanks when it reaches column 79, continuation lines one column longer
 * (the stream's "-1" column after a break), a word longer than a line kept
 * whole.
 */
function wrapLine(text: string): string {
  const blank = (ch: string | undefined) => ch === " " || ch === "\t";
  const out: string[] = [];
  let rest = text;
  let col = 0;
  while (col + rest.length >= 79) {
    let p = 79 - col;
    while (p >= 0 && !blank(rest[p])) p--;
    let end: number, next: number;
    if (p >= 0) {
      next = p + 1;
      while (p >= 0 && blank(rest[p])) p--;
      end = p + 1;
    } else {
      p = 79 - col;
      while (p < rest.length && !blank(rest[p])) p++;
      if (p >= rest.length) break;
      end = p;
      while (blank(rest[p])) p++;
      next = p;
    }
    out.push(rest.slice(0, end));
    rest = rest.slice(next);
    col = -1;
  }
  out.push(rest);
  return out.join("\n") + "\n";
}

/** The final part of `path`, as argp keeps it from `--program-name`. */
const baseName = (path: string): string => path.slice(path.lastIndexOf("/") + 1);

/** An immediate exit 0 with `text` on stdout. */
const exitOk = (text: string): ParseResult => ({ kind: "exit", code: 0, stdout: text, stderr: "" });

/** An immediate exit 64 with `first` and argp's "Try" line on stderr. */
const usageError = (first: string, name: string): ParseResult => ({
  kind: "exit",
  code: EXIT_USAGE,
  stdout: "",
  stderr: `${first}\n${tryLine(name)}`,
});

/** The names of the boolean fields of {@link Options}. */
type Switch = { [K in keyof Options]: Options[K] extends boolean ? K : never }[keyof Options];

/** Austin's switches: long name to the field it turns on. */
const SWITCHES: Readonly<Record<string, Switch>> = {
  "alt-format": "altFormat",
  "exclude-empty": "excludeEmpty",
  sleepless: "sleepless",
  cpu: "sleepless",
  memory: "memory",
  full: "full",
  children: "children",
  pipe: "pipe",
  gc: "gc",
  binary: "binary",
};

/** An option of Austin's with a numeric value: how it is read, rejected and stored. */
interface NumericOption {
  parse: (text: string) => number | null;
  message: string;
  store: (o: Options, value: number) => void;
}

/** Austin's numeric options, by long name. */
const NUMERIC: Readonly<Record<string, NumericOption>> = {
  interval: {
    parse: parseInterval,
    message: "the sampling interval must be a positive integer",
    store: (o, v) => o.interval = v,
  },
  timeout: {
    parse: parseTimeout,
    message: "timeout must be a positive integer",
    store: (o, v) => o.timeout = v,
  },
  exposure: {
    parse: parseCount,
    message: "the exposure must be a positive integer",
    store: (o, v) => o.exposure = v,
  },
  heap: {
    parse: parseCount,
    message: "the heap size must be a positive integer",
    store: (o, v) => o.heap = v,
  },
  pid: { parse: parsePid, message: "invalid PID", store: (o, v) => o.pid = v },
  where: {
    parse: parsePid,
    message: "invalid PID",
    store: (o, v) => {
      o.pid = v;
      o.where = true;
    },
  },
};

/**
 * Stores one of Austin's options into `o`, as Austin's callback does; returns
 * the error message when the value is rejected.
 */
function applyOption(o: Options, name: string, arg: string | null): string | null {
  if (Object.hasOwn(SWITCHES, name)) {
    o[SWITCHES[name]] = true;
  } else if (name === "output") {
    o.output = arg ?? "";
  } else if (name === "format") {
    const format = FORMATS.find((f) => f === arg);
    if (format === undefined) {
      return `unknown output format '${arg}' (use one of ${FORMATS.join(", ")})`;
    }
    o.format = format;
  } else {
    const numeric = NUMERIC[name];
    const value = numeric.parse(arg ?? "");
    if (value === null) return numeric.message;
    numeric.store(o, value);
  }
  return null;
}

const CONFLICT = "the -p option is incompatible with the command argument";

/**
 * Parses austin-deno's command line.
 *
 * @param args the arguments, without the program itself (like `Deno.args`)
 * @param argv0 how the program was started: the prefix of getopt's errors
 *   (unknown option, missing argument, ambiguous option); Austin's own value
 *   errors and the "Try" line use the program name, `austin` unless
 *   `--program-name` changed it
 * @returns a run with its options (with no command and no PID when neither was
 *   given: the caller reports that), or an exit: 0 with help, usage (also for
 *   no arguments at all) or version on stdout, 64 with a parser error on stderr
 */
export function parseArgs(args: string[], argv0: string = PROGRAM_NAME): ParseResult {
  const argv = [argv0, ...args];
  const argc = argv.length;
  if (argc === 1) return exitOk(usageText(PROGRAM_NAME));

  const options = defaultOptions();
  let name = PROGRAM_NAME;
  let next = 0;
  let execArg = 0;
  let dashCommand: string[] | null = null;

  // Austin's callback, first thing on every call: if the next argument does
  // not start with "-", it and all that follows are the command.
  const cutCommand = () => {
    if (next === 0 ? !argv[1].startsWith("-") : next < argc && !argv[next].startsWith("-")) {
      execArg = next === 0 ? 1 : next;
      next = argc;
    }
  };
  const hasCommand = () => execArg !== 0 || dashCommand !== null;

  cutCommand(); // ARGP_KEY_INIT

  const getopt = new Getopt(argv, argv0, OPTIONS);
  let tryGetopt = true;
  for (;;) {
    if (tryGetopt) {
      getopt.optind = next;
      const found = getopt.next();
      next = getopt.optind;
      if (found.type === "error") return usageError(found.message, name);
      if (found.type === "option") {
        const { spec, arg } = found;
        if (spec.builtin) {
          switch (spec.name) {
            case "help":
              return exitOk(helpText(name));
            case "usage":
              return exitOk(usageText(name));
            case "version":
              return exitOk(`${VERSION}\n`);
            case "program-name":
              name = baseName(arg ?? "");
              break;
              // "HANG" (argp's debugging aid, a sleep) is accepted and ignored.
          }
          continue;
        }
        cutCommand();
        const error = applyOption(options, spec.name, arg);
        if (error !== null) return usageError(`${name}: ${error}`, name);
        continue;
      }
      tryGetopt = false;
      // austin-deno (b): "--" ends the options, and the word after it starts the command.
      if (getopt.afterDoubleDash !== null && getopt.afterDoubleDash.length > 0) {
        dashCommand = getopt.afterDoubleDash;
        next = argc;
      }
    }
    if (next >= argc) break;
    next++; // ARGP_KEY_ARG: a non-option that getopt left over
    cutCommand();
    if (options.pid !== null && hasCommand()) return usageError(`${name}: ${CONFLICT}`, name);
  }
  // ARGP_KEY_END
  if (options.pid !== null && hasCommand()) return usageError(`${name}: ${CONFLICT}`, name);

  options.command = dashCommand ?? (execArg === 0 ? [] : argv.slice(execArg));
  return { kind: "run", options };
}

// ---- Modes -------------------------------------------------------------------

/** The sampling mode that the switches select: full > memory > cpu (`-s`) > wall. */
export function resolveMode(o: Options): Mode {
  if (o.full) return "full";
  if (o.memory) return "memory";
  if (o.sleepless) return "cpu";
  return "wall";
}

/**
 * The syslog warnings (priority warning) that Austin logs for redundant or
 * incompatible switches, in its order.
 */
export function warnings(o: Options): string[] {
  const out: string[] = [];
  if (o.full) {
    if (o.memory) out.push("The memory switch is redundant in full mode");
    if (o.sleepless) out.push("The sleepless switch is redundant in full mode");
  } else if (o.memory && o.sleepless) {
    out.push("The sleepless switch is incompatible with memory mode.");
  }
  return out;
}
