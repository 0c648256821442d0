/**
 * The texts that austin-deno prints for `--help`, `--usage` (and no arguments at
 * all) and `--version` (spec: austin-behaviour.md, section 3.1). They are Austin
 * 3.7.0's texts, as glibc's argp lays them out, with the austin-deno options
 * `-a/--alt-format` and `-e/--exclude-empty` and Austin 4's `-c/--cpu` (its
 * name for `-s/--sleepless`, with Austin 4.0's help line) added in argp's
 * order. argp sorts a lower-case short option before its upper-case twin.
 *
 * @module
 */

import { AUSTIN_VERSION } from "../output/metadata.ts";

/** What `-V` / `--version` print, without the final newline. */
export const VERSION = `austin ${AUSTIN_VERSION}`;

/** The program name that argp shows when none was set with `--program-name`. */
export const PROGRAM_NAME = "austin";

/** Right margin of argp's help and usage text: no line reaches this column. */
const RMARGIN = 79;

/** Indentation of the continuation lines of the usage text. */
const USAGE_INDENT = 12;

/** Everything of `--help` after its first (usage) line. */
const HELP_BODY =
  "Austin is a frame stack sampler for CPython that is used to extract profiling\n" +
  "data out of a running Python process (and all its children, if required) that\n" +
  "requires no instrumentation and has practically no impact on the tracee.\n" +
  "\n" +
  "  -a, --alt-format           Alternative collapsed stack sample format.\n" +
  "  -b, --binary               Emit data in the MOJO binary format. See\n" +
  "                             https://github.com/P403n1x87/austin/wiki/The-MOJO-file-format\n" +
  "                             for more details.\n" +
  "  -c, --cpu                  Sample on-CPU stacks only.\n" +
  "  -C, --children             Attach to child processes.\n" +
  "  -e, --exclude-empty        Do not output samples of threads with no frame\n" +
  "                             stacks.\n" +
  "  -f, --full                 Produce the full set of metrics (time +mem -mem).\n" +
  "  -g, --gc                   Sample the garbage collector state.\n" +
  "  -h, --heap=n_mb            Maximum heap size to allocate to increase sampling\n" +
  "                             accuracy, in MB (default is 0).\n" +
  "  -i, --interval=n_us        Sampling interval in microseconds (default is\n" +
  "                             100). Accepted units: s, ms, us.\n" +
  "  -m, --memory               Profile memory usage.\n" +
  "  -o, --output=FILE          Specify an output file for the collected samples.\n" +
  "  -p, --pid=PID              Attach to the process with the given PID.\n" +
  "  -P, --pipe                 Pipe mode. Use when piping Austin output.\n" +
  "  -s, --sleepless            Suppress idle samples to estimate CPU time.\n" +
  "  -t, --timeout=n_ms         Start up wait time in milliseconds (default is\n" +
  "                             100). Accepted units: s, ms.\n" +
  "  -w, --where=PID            Dump the stacks of all the threads within the\n" +
  "                             process with the given PID.\n" +
  "  -x, --exposure=n_sec       Sample for n_sec seconds only.\n" +
  "  -?, --help                 Give this help list\n" +
  "      --usage                Give a short usage message\n" +
  "  -V, --version              Print program version\n" +
  "\n" +
  "Mandatory or optional arguments to long options are also mandatory or optional\n" +
  "for any corresponding short options.\n" +
  "\n" +
  "Report bugs to <https://github.com/P403n1x87/austin/issues>.\n";

/**
 * One piece of a usage line. argp writes some pieces as plain text that its
 * output stream wraps at blanks ("flow"), and keeps others on one line by
 * breaking the line before them when they do not fit ("unit"; the separating
 * blank is implied).
 */
interface UsagePiece {
  kind: "flow" | "unit";
  text: string;
}

const flow = (text: string): UsagePiece => ({ kind: "flow", text });
const unit = (text: string): UsagePiece => ({ kind: "unit", text });

/** The argument description of Austin's argp parser. */
const ARGS_DOC = "command [ARG...]";

/** The option part of the full usage text, in argp's order. */
const USAGE_OPTIONS: readonly UsagePiece[] = [
  flow(" [-abcCefgmPs?V]"),
  ...["[-h n_mb]", "[-i n_us]", "[-o FILE]", "[-p PID]", "[-t n_ms]", "[-w PID]", "[-x n_sec]"]
    .map(unit),
  ...[
    "alt-format",
    "binary",
    "cpu",
    "children",
    "exclude-empty",
    "full",
    "gc",
    "heap=n_mb",
    "interval=n_us",
    "memory",
    "output=FILE",
    "pid=PID",
    "pipe",
    "sleepless",
    "timeout=n_ms",
    "where=PID",
    "exposure=n_sec",
    "help",
    "usage",
    "version",
  ].map((name) => flow(` [--${name}]`)),
];

/**
 * Lays out one argp usage paragraph: `Usage: NAME` followed by `pieces`, lines
 * kept under the right margin and continued with a 12-space indentation; a
 * word longer than a line stays whole on a line of its own.
 */
function layoutUsage(name: string, pieces: readonly UsagePiece[]): string {
  const lines: string[] = [];
  let line = `Usage: ${name}`;
  const newLine = () => {
    lines.push(line);
    line = " ".repeat(USAGE_INDENT);
  };
  const atLineStart = () => line.trim() === "";
  const place = (word: string) => {
    if (atLineStart()) {
      line += word;
    } else if (line.length + 1 + word.length < RMARGIN) {
      line += ` ${word}`;
    } else {
      newLine();
      line += word;
    }
  };
  for (const piece of pieces) {
    if (piece.kind === "unit") {
      place(piece.text);
    } else {
      for (const word of piece.text.split(" ").filter((w) => w !== "")) place(word);
    }
  }
  lines.push(line);
  return lines.join("\n") + "\n";
}

/**
 * The usage text (`--usage`, and no arguments at all) for the program name
 * `name`, laid out as argp does.
 *
 * @param name the program name, `austin` unless `--program-name` changed it
 * @returns the text, ending with a single newline
 */
export function usageText(name: string = PROGRAM_NAME): string {
  return layoutUsage(name, [...USAGE_OPTIONS, unit(ARGS_DOC)]);
}

/**
 * The help text (`-?`, `--help`) for the program name `name`.
 *
 * @param name the program name, `austin` unless `--program-name` changed it
 * @returns the text, ending with a single newline
 */
export function helpText(name: string = PROGRAM_NAME): string {
  return layoutUsage(name, [flow(" [OPTION...]"), unit(ARGS_DOC)]) + HELP_BODY;
}

/** The exact `austin --help` output of austin-deno. */
export const HELP_TEXT: string = "Usage: austin [OPTION...] command [ARG...]\n" +
  HELP_BODY;

/** The exact `austin --usage` output of austin-deno (also printed for no arguments). */
export const USAGE_TEXT: string =
  "Usage: austin [-abcCefgmPs?V] [-h n_mb] [-i n_us] [-o FILE] [-p PID] [-t n_ms]\n" +
  "            [-w PID] [-x n_sec] [--alt-format] [--binary] [--cpu] [--children]\n" +
  "            [--exclude-empty] [--full] [--gc] [--heap=n_mb] [--interval=n_us]\n" +
  "            [--memory] [--output=FILE] [--pid=PID] [--pipe] [--sleepless]\n" +
  "            [--timeout=n_ms] [--where=PID] [--exposure=n_sec] [--help]\n" +
  "            [--usage] [--version] command [ARG...]\n";
