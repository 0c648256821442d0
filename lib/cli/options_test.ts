import assert from "node:assert/strict";

import { HELP_TEXT, helpText, USAGE_TEXT, usageText, VERSION } from "./help.ts";
import {
  defaultOptions,
  type Options,
  parseArgs,
  type ParseResult,
  resolveMode,
  warnings,
} from "./options.ts";
import { parseCount, parseInterval, parsePid, parseTimeout, strtol } from "./values.ts";

// ---- Helpers -------------------------------------------------------------------

/** The options of a run; fails if `args` do not give a run. */
function run(args: string[], argv0?: string): Options {
  const result = parseArgs(args, argv0);
  if (result.kind !== "run") {
    assert.fail(`expected a run for ${JSON.stringify(args)}, got ${JSON.stringify(result)}`);
  }
  return result.options;
}

/** The options of a run: the defaults with `changes` applied. */
function expected(changes: Partial<Options>): Options {
  return { ...defaultOptions(), ...changes };
}

const tryLine = (name = "austin") =>
  `Try \`${name} --help' or \`${name} --usage' for more information.\n`;

/** The exit 64 result with `first` and the "Try" line on stderr. */
function usageError(first: string, name = "austin"): ParseResult {
  return { kind: "exit", code: 64, stdout: "", stderr: `${first}\n${tryLine(name)}` };
}

/** The exit 0 result with `text` on stdout. */
function ok(text: string): ParseResult {
  return { kind: "exit", code: 0, stdout: text, stderr: "" };
}

/** Asserts that `args` fail with Austin's message `message` (prefix `austin:`). */
function rejects(args: string[], message: string): void {
  assert.deepEqual(parseArgs(args), usageError(`austin: ${message}`), JSON.stringify(args));
}

// ---- 3.1 Help, usage and version ---------------------------------------------------

/** Austin 3.7.0's `--help`, as section 3.1 shows it. */
const AUSTIN_HELP = "Usage: austin [OPTION...] command [ARG...]\n" +
  "Austin is a frame stack sampler for CPython that is used to extract profiling\n" +
  "data out of a running Python process (and all its children, if required) that\n" +
  "requires no instrumentation and has practically no impact on the tracee.\n" +
  "\n" +
  "  -b, --binary               Emit data in the MOJO binary format. See\n" +
  "                             https://github.com/P403n1x87/austin/wiki/The-MOJO-file-format\n" +
  "                             for more details.\n" +
  "  -C, --children             Attach to child processes.\n" +
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
 * austin-deno's help: Austin's with the `-a` and `-e` entries (section 3.1)
 * and Austin 4.0's `-c, --cpu` line inserted.
 */
const DENO_HELP = AUSTIN_HELP
  .replace(
    "  -b, --binary",
    "  -a, --alt-format           Alternative collapsed stack sample format.\n  -b, --binary",
  )
  .replace(
    "  -C, --children",
    "  -c, --cpu                  Sample on-CPU stacks only.\n  -C, --children",
  )
  .replace(
    "  -f, --full",
    "  -e, --exclude-empty        Do not output samples of threads with no frame\n" +
      "                             stacks.\n  -f, --full",
  );

const DENO_USAGE =
  "Usage: austin [-abcCefgmPs?V] [-h n_mb] [-i n_us] [-o FILE] [-p PID] [-t n_ms]\n" +
  "            [-w PID] [-x n_sec] [--alt-format] [--binary] [--cpu] [--children]\n" +
  "            [--exclude-empty] [--full] [--gc] [--heap=n_mb] [--interval=n_us]\n" +
  "            [--memory] [--output=FILE] [--pid=PID] [--pipe] [--sleepless]\n" +
  "            [--timeout=n_ms] [--where=PID] [--exposure=n_sec] [--help]\n" +
  "            [--usage] [--version] command [ARG...]\n";

Deno.test("help text is Austin's with -a and -e inserted", () => {
  assert.equal(HELP_TEXT, DENO_HELP);
  assert.equal(helpText(), DENO_HELP);
  assert.equal(helpText("austin"), DENO_HELP);
  assert.ok(HELP_TEXT.endsWith("issues>.\n") && !HELP_TEXT.endsWith("\n\n"));
});

Deno.test("usage text is the spec's, ending with one newline", () => {
  assert.equal(USAGE_TEXT, DENO_USAGE);
  assert.equal(usageText(), DENO_USAGE);
  assert.ok(USAGE_TEXT.split("\n").every((line) => line.length < 79));
});

Deno.test("version string", () => {
  assert.equal(VERSION, "austin 3.7.0");
});

Deno.test("--help and -? print the help on stdout, exit 0", () => {
  for (const args of [["--help"], ["-?"], ["--hel"], ["-s", "-?"], ["-?", "-i", "abc"]]) {
    assert.deepEqual(parseArgs(args), ok(DENO_HELP), JSON.stringify(args));
  }
});

Deno.test("--usage and no arguments at all print the usage, exit 0", () => {
  assert.deepEqual(parseArgs([]), ok(DENO_USAGE));
  assert.deepEqual(parseArgs([], "./austin"), ok(DENO_USAGE));
  assert.deepEqual(parseArgs(["--usage"]), ok(DENO_USAGE));
  assert.deepEqual(parseArgs(["--us"]), ok(DENO_USAGE));
  assert.deepEqual(parseArgs(["-i", "5ms", "--usage", "python"]), ok(DENO_USAGE));
});

Deno.test("-V and --version print the version, exit 0", () => {
  for (const args of [["-V"], ["--version"], ["--vers"], ["--v"], ["-sV"]]) {
    assert.deepEqual(parseArgs(args), ok("austin 3.7.0\n"), JSON.stringify(args));
  }
});

Deno.test("help, usage and version come only when reached", () => {
  rejects(["-i", "abc", "--help"], "the sampling interval must be a positive integer");
  // After the command is cut off, the rest belongs to the command.
  assert.deepEqual(run(["-s", "python", "--help"]).command, ["python", "--help"]);
  assert.deepEqual(run(["python", "-V"]).command, ["python", "-V"]);
});

Deno.test("--program-name changes the name in help, usage and errors", () => {
  assert.deepEqual(
    parseArgs(["--program-name=foo", "--help"]),
    ok(DENO_HELP.replace("Usage: austin", "Usage: foo")),
  );
  assert.deepEqual(
    parseArgs(["--program-name", "/opt/bin/foo", "--usage"]),
    ok(DENO_USAGE.replace("Usage: austin", "Usage: foo")),
  );
  assert.deepEqual(
    parseArgs(["--program-name=foo", "-Z"], "./austin"),
    usageError("./austin: invalid option -- 'Z'", "foo"),
  );
  assert.deepEqual(
    parseArgs(["--program-name=foo", "-i", "abc"]),
    usageError("foo: the sampling interval must be a positive integer", "foo"),
  );
  // Given after --help, it has no effect.
  assert.deepEqual(parseArgs(["--help", "--program-name=foo"]), ok(DENO_HELP));
});

Deno.test("usage and Try line are laid out for long program names", () => {
  assert.equal(
    usageText("a-rather-long-program-name"),
    "Usage: a-rather-long-program-name [-abcCefgmPs?V] [-h n_mb] [-i n_us]\n" +
      "            [-o FILE] [-p PID] [-t n_ms] [-w PID] [-x n_sec] [--alt-format]\n" +
      "            [--binary] [--cpu] [--children] [--exclude-empty] [--full] [--gc]\n" +
      "            [--heap=n_mb] [--interval=n_us] [--memory] [--output=FILE]\n" +
      "            [--pid=PID] [--pipe] [--sleepless] [--timeout=n_ms] [--where=PID]\n" +
      "            [--exposure=n_sec] [--help] [--usage] [--version] command [ARG...]\n",
  );
  const name = "n".repeat(30);
  assert.deepEqual(
    parseArgs([`--program-name=${name}`, "-Z"]),
    {
      kind: "exit",
      code: 64,
      stdout: "",
      stderr: "austin: invalid option -- 'Z'\n" +
        `Try \`${name} --help' or \`${name}\n--usage' for more information.\n`,
    },
  );
});

// ---- 3.2 Options -----------------------------------------------------------------

Deno.test("defaults", () => {
  assert.deepEqual(run(["python"]), expected({ command: ["python"] }));
  assert.deepEqual(defaultOptions(), {
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
  });
});

Deno.test("every switch, short and long", () => {
  const switches: [string, string, keyof Options][] = [
    ["-a", "--alt-format", "altFormat"],
    ["-b", "--binary", "binary"],
    ["-C", "--children", "children"],
    ["-e", "--exclude-empty", "excludeEmpty"],
    ["-f", "--full", "full"],
    ["-g", "--gc", "gc"],
    ["-m", "--memory", "memory"],
    ["-P", "--pipe", "pipe"],
    ["-s", "--sleepless", "sleepless"],
    ["-c", "--cpu", "sleepless"],
  ];
  for (const [short, long, field] of switches) {
    const want = expected({ [field]: true, command: ["python"] });
    assert.deepEqual(run([short, "python"]), want, short);
    assert.deepEqual(run([long, "python"]), want, long);
  }
});

Deno.test("every option with a value, short and long", () => {
  const cases: [string[], Partial<Options>][] = [
    [["-i", "5ms"], { interval: 5000 }],
    [["-i5ms"], { interval: 5000 }],
    [["--interval=20ms"], { interval: 20000 }],
    [["--interval", "30ms"], { interval: 30000 }],
    [["-t", "2s"], { timeout: 2_000_000 }],
    [["--timeout=50"], { timeout: 50_000 }],
    [["-x", "3"], { exposure: 3 }],
    [["--exposure", "3"], { exposure: 3 }],
    [["-h", "64"], { heap: 64 }],
    [["--heap=64"], { heap: 64 }],
    [["-o", "out.txt"], { output: "out.txt" }],
    [["-oout.txt"], { output: "out.txt" }],
    [["--output=out.txt"], { output: "out.txt" }],
    [["--output", "-weird"], { output: "-weird" }],
    [["-o", ""], { output: "" }],
    [["-p", "123"], { pid: 123 }],
    [["--pid=123"], { pid: 123 }],
    [["-w", "123"], { pid: 123, where: true }],
    [["--where", "123"], { pid: 123, where: true }],
  ];
  for (const [args, changes] of cases) {
    assert.deepEqual(run(args), expected(changes), JSON.stringify(args));
  }
});

Deno.test("-a and -e are austin-deno options", () => {
  assert.deepEqual(
    run(["-ae", "python"]),
    expected({ altFormat: true, excludeEmpty: true, command: ["python"] }),
  );
  assert.deepEqual(
    run(["--alt", "--excl", "python"]),
    expected({ altFormat: true, excludeEmpty: true, command: ["python"] }),
  );
});

// ---- 3.3 Separating the command ---------------------------------------------------------

Deno.test("a first argument without '-' starts the command", () => {
  assert.deepEqual(run(["python", "x.py", "-i", "5"]).command, ["python", "x.py", "-i", "5"]);
  assert.deepEqual(run(["python", "x.py", "-i", "5"]).interval, 100);
  assert.deepEqual(run(["python", "-p", "1"]), expected({ command: ["python", "-p", "1"] }));
  assert.deepEqual(run([""]).command, [""]);
});

Deno.test("after an option, a word without '-' and all that follows is the command", () => {
  const o = run(["-P", "python", "-i", "-c", "print('x')"]);
  assert.deepEqual(o, expected({ pipe: true, command: ["python", "-i", "-c", "print('x')"] }));
  assert.deepEqual(run(["-i", "1ms", "python", "x.py"]).command, ["python", "x.py"]);
  assert.deepEqual(run(["-i", "1ms", "python", "x.py"]).interval, 1000);
  assert.deepEqual(
    run(["-s", "-i", "5ms", "python3", "app.py", "-s", "--", "-x"]),
    expected({ sleepless: true, interval: 5000, command: ["python3", "app.py", "-s", "--", "-x"] }),
  );
  assert.deepEqual(run(["--interval=5ms", "python"]).command, ["python"]);
  assert.deepEqual(run(["--interval", "5ms", "python"]).command, ["python"]);
  assert.deepEqual(run(["-o", "-", "python"]), expected({ output: "-", command: ["python"] }));
  assert.deepEqual(run(["-s", ""]).command, [""]);
});

Deno.test("grouped short options", () => {
  assert.deepEqual(
    run(["-si", "1ms", "python"]),
    expected({ sleepless: true, interval: 1000, command: ["python"] }),
  );
  assert.deepEqual(
    run(["-si1ms", "python"]),
    expected({ sleepless: true, interval: 1000, command: ["python"] }),
  );
  assert.deepEqual(run(["-Cp", "123"]), expected({ children: true, pid: 123 }));
  assert.deepEqual(
    run(["-bCfgmPs", "python"]),
    expected({
      binary: true,
      children: true,
      full: true,
      gc: true,
      memory: true,
      pipe: true,
      sleepless: true,
      command: ["python"],
    }),
  );
  assert.deepEqual(run(["-sC", "python", "-s"]).command, ["python", "-s"]);
  // In a group, an option's value takes the rest of the group.
  rejects(["-sio", "f", "python"], "the sampling interval must be a positive integer");
});

Deno.test("unambiguous prefixes of long options", () => {
  assert.deepEqual(
    run(["--pip", "--inter=25ms", "--exp=1", "python"]),
    expected({ pipe: true, interval: 25000, exposure: 1, command: ["python"] }),
  );
  assert.deepEqual(run(["--inter", "25ms", "python"]).interval, 25000);
  assert.deepEqual(run(["--wh=7"]), expected({ pid: 7, where: true }));
  assert.deepEqual(run(["--ch", "--fu", "--g", "--m", "--s", "--b", "python"]), {
    ...expected({ command: ["python"] }),
    children: true,
    full: true,
    gc: true,
    memory: true,
    sleepless: true,
    binary: true,
  });
  assert.deepEqual(run(["--pid", "5"]).pid, 5);
});

Deno.test("Austin 4's -c/--cpu is -s; 3.7's abbreviations keep their meaning", () => {
  assert.deepEqual(run(["-c", "python"]), expected({ sleepless: true, command: ["python"] }));
  assert.deepEqual(run(["-ci", "1ms", "python"]), run(["-si", "1ms", "python"]));
  assert.deepEqual(run(["--cp", "python"]).sleepless, true);
  // `--c` named only --children in Austin 3.7, `--f` only --full.
  assert.deepEqual(run(["--c", "python"]), expected({ children: true, command: ["python"] }));
  assert.deepEqual(run(["--f", "python"]), expected({ full: true, command: ["python"] }));
  assert.deepEqual(run(["--fo=speedscope", "python"]).format, "speedscope");
  // Austin 4's other change of a default (MOJO output) is not taken.
  assert.equal(run(["python"]).binary, false);
});

Deno.test("ambiguous prefixes list the candidates in argp's order", () => {
  assert.deepEqual(
    parseArgs(["--p"]),
    usageError(
      "austin: option '--p' is ambiguous; possibilities: '--pid' '--pipe' '--program-name'",
    ),
  );
  assert.deepEqual(
    parseArgs(["--p=5", "python"], "./austin"),
    usageError(
      "./austin: option '--p=5' is ambiguous; possibilities: '--pid' '--pipe' '--program-name'",
    ),
  );
  assert.deepEqual(
    parseArgs(["--h"]),
    usageError("austin: option '--h' is ambiguous; possibilities: '--heap' '--help'"),
  );
  assert.deepEqual(
    parseArgs(["--pi=5"]),
    usageError("austin: option '--pi=5' is ambiguous; possibilities: '--pid' '--pipe'"),
  );
  assert.deepEqual(
    parseArgs(["--e"]),
    usageError(
      "austin: option '--e' is ambiguous; possibilities: '--exclude-empty' '--exposure'",
    ),
  );
  assert.deepEqual(
    parseArgs(["--pr"]),
    usageError("austin: option '--program-name' requires an argument"),
  );
});

Deno.test("argp's hidden options are accepted", () => {
  assert.deepEqual(run(["--program-name=foo", "-s", "python"]), {
    ...expected({ sleepless: true, command: ["python"] }),
  });
  assert.deepEqual(
    run(["--HANG", "-s", "python"]),
    expected({ sleepless: true, command: ["python"] }),
  );
  assert.deepEqual(run(["--HANG=0", "python"]), expected({ command: [] }));
  assert.deepEqual(run(["--HANG=0", "-s", "python"]).command, ["python"]);
  assert.deepEqual(
    parseArgs(["--HANG=0", "--program-name"]),
    usageError("austin: option '--program-name' requires an argument"),
  );
});

Deno.test("argp's own options do not cut the command; getopt permutes (Austin quirk)", () => {
  // After --HANG (optional argument) the words are non-options that getopt
  // skips and moves after the options it finds later.
  assert.deepEqual(
    run(["--HANG", "python", "x.py", "-i", "5"]),
    expected({ interval: 5, command: ["x.py"] }),
  );
  assert.deepEqual(run(["--program-name", "foo", "python"]), expected({ command: [] }));
  // A lone "-" is a non-option too.
  assert.deepEqual(run(["-s", "-", "python", "x.py"]).command, ["python", "x.py"]);
  assert.deepEqual(run(["-", "-s", "python", "x.py"]).command, ["x.py", "-"]);
  assert.deepEqual(run(["-", "-s"]), expected({ sleepless: true }));
  assert.deepEqual(run(["-", "x", "-s", "y"]).command, ["x"]);
  assert.deepEqual(run(["-s", "-", "--"]), expected({ sleepless: true }));
  // austin-deno: the words after "--" are the command, a skipped "-" is dropped.
  assert.deepEqual(run(["-s", "-", "--", "python"]).command, ["python"]);
  // Prefixes of the hidden options work too.
  assert.deepEqual(run(["--HA", "-s", "p"]).command, ["p"]);
  assert.deepEqual(
    parseArgs(["--prog=foo", "-Z"]),
    usageError("austin: invalid option -- 'Z'", "foo"),
  );
});

Deno.test("later options override earlier ones", () => {
  assert.deepEqual(run(["-i", "10ms", "--interval=20ms", "python"]).interval, 20000);
  assert.deepEqual(run(["-t", "5", "-t", "7"]).timeout, 7000);
  assert.deepEqual(run(["-o", "a", "-o", "b"]).output, "b");
  assert.deepEqual(run(["-x", "1", "-x", "0"]).exposure, 0);
  assert.deepEqual(run(["-h", "1", "--heap", "2"]).heap, 2);
});

Deno.test("-- ends the options and the word after it is the command (austin-deno)", () => {
  assert.deepEqual(run(["--", "echo", "hello", "world"]).command, ["echo", "hello", "world"]);
  assert.deepEqual(
    run(["-P", "--", "python3", "app.py"]),
    expected({ pipe: true, command: ["python3", "app.py"] }),
  );
  assert.deepEqual(run(["-i", "5ms", "--", "python", "-i", "5"]), {
    ...expected({ interval: 5000, command: ["python", "-i", "5"] }),
  });
  assert.deepEqual(run(["--", "-x", "y"]).command, ["-x", "y"]);
  assert.deepEqual(run(["--", "--"]).command, ["--"]);
  // Nothing after "--": no command (the caller reports it, exit 255).
  assert.deepEqual(run(["-P", "--"]), expected({ pipe: true }));
  assert.deepEqual(run(["--"]), expected({}));
  // "--" as an option's value is just a value.
  assert.deepEqual(run(["-o", "--", "python"]), expected({ output: "--", command: ["python"] }));
});

Deno.test("-p or -w with a command is an error, also after --", () => {
  const conflict = "the -p option is incompatible with the command argument";
  rejects(["-p", "1", "python"], conflict);
  rejects(["-Cp", "123", "python"], conflict);
  rejects(["-w", "1", "python"], conflict);
  rejects(["--where=1", "python"], conflict);
  rejects(["-p", "1", "--", "python3"], conflict);
  rejects(["-w", "1", "--", "python3"], conflict);
  rejects(["-s", "-p", "1", "-", "python"], conflict);
  assert.deepEqual(
    parseArgs(["--pid=1", "python"], "/usr/bin/austin"),
    usageError(`austin: ${conflict}`),
  );
});

Deno.test("-p and -w together: the last PID wins, where mode if -w appeared", () => {
  assert.deepEqual(run(["-w", "5", "-p", "6"]), expected({ pid: 6, where: true }));
  assert.deepEqual(run(["-p", "6", "-w", "5"]), expected({ pid: 5, where: true }));
  assert.deepEqual(run(["-p", "6", "-p", "5"]), expected({ pid: 5 }));
});

Deno.test("no command and no PID is not a parser error", () => {
  assert.deepEqual(run(["-i", "1ms"]), expected({ interval: 1000 }));
  assert.deepEqual(run(["-s"]), expected({ sleepless: true }));
  assert.deepEqual(run(["-b"]), expected({ binary: true }));
});

// ---- 3.4 Value parsing --------------------------------------------------------------

Deno.test("-i values", () => {
  const accepted: [string, number][] = [
    ["1s", 1_000_000],
    ["5ms", 5000],
    ["5us", 5],
    ["0", 0],
    ["7", 7],
    ["+5", 5],
    [" 5", 5],
    ["\t\n +5ms", 5000],
    ["-0", 0],
    ["010", 10],
    ["9007199254740991", Number.MAX_SAFE_INTEGER],
    ["9007199254s", 9_007_199_254_000_000],
  ];
  for (const [text, value] of accepted) {
    assert.equal(parseInterval(text), value, text);
    assert.equal(run(["-i", text]).interval, value, text);
  }
  const rejected = [
    "abc",
    "-5",
    "5m",
    "5xs",
    "10sec",
    "",
    "5 ",
    "5S",
    "5 ms",
    "0x10",
    "+-5",
    "ms",
    "1.5",
    "9007199254740992",
    "9007199255s",
    "99999999999999999999",
    "-9223372036854775808",
  ];
  for (const text of rejected) {
    assert.equal(parseInterval(text), null, text);
    rejects(["-i", text], "the sampling interval must be a positive integer");
  }
  rejects(["--interval=", "python"], "the sampling interval must be a positive integer");
  rejects(["-i", "-5", "python"], "the sampling interval must be a positive integer");
});

Deno.test("-t values (austin-deno accepts ms)", () => {
  const accepted: [string, number][] = [
    ["100", 100_000],
    ["100ms", 100_000],
    ["2s", 2_000_000],
    ["1s", 1_000_000],
    ["0", 0],
    ["+3", 3000],
    [" 3ms", 3000],
  ];
  for (const [text, value] of accepted) {
    assert.equal(parseTimeout(text), value, text);
    assert.equal(run(["-t", text]).timeout, value, text);
  }
  for (const text of ["abc", "-1", "100us", "1m", "", "1 s", "5sec", "9007199254741"]) {
    assert.equal(parseTimeout(text), null, text);
    rejects(["-t", text], "timeout must be a positive integer");
  }
});

Deno.test("-x and -h values", () => {
  for (const [text, value] of [["0", 0], ["1", 1], ["+3", 3], [" 64", 64]] as const) {
    assert.equal(parseCount(text), value, text);
    assert.equal(run(["-x", text]).exposure, value);
    assert.equal(run(["-h", text]).heap, value);
  }
  for (const text of ["abc", "-1", "1s", "", "1M", "9007199254740992"]) {
    assert.equal(parseCount(text), null, text);
    rejects(["-x", text], "the exposure must be a positive integer");
    rejects(["-h", text], "the heap size must be a positive integer");
  }
});

Deno.test("-p and -w values", () => {
  for (const [text, value] of [["1", 1], ["9999999", 9999999], ["+5", 5], [" 7", 7]] as const) {
    assert.equal(parsePid(text), value, text);
    assert.deepEqual(run(["-p", text]), expected({ pid: value }));
    assert.deepEqual(run(["-w", text]), expected({ pid: value, where: true }));
  }
  for (const text of ["abc", "0", "-3", "-0", "", "1.5", "5 ", "12x", "9007199254740992"]) {
    assert.equal(parsePid(text), null, text);
    rejects(["-p", text], "invalid PID");
    rejects(["-w", text], "invalid PID");
  }
});

Deno.test("strtol", () => {
  assert.deepEqual(strtol("  -12ab"), { value: -12n, end: 5 });
  assert.deepEqual(strtol("+0"), { value: 0n, end: 2 });
  assert.deepEqual(strtol("\v\f\r7"), { value: 7n, end: 4 });
  assert.equal(strtol(""), null);
  assert.equal(strtol("-"), null);
  assert.equal(strtol(" + 1"), null);
});

Deno.test("a value error is reported as soon as the option is parsed", () => {
  rejects(["-i", "abc", "-Z"], "the sampling interval must be a positive integer");
  rejects(["-i", "abc", "-p", "1", "python"], "the sampling interval must be a positive integer");
  assert.deepEqual(
    parseArgs(["-Z", "-i", "abc"], "./austin"),
    usageError("./austin: invalid option -- 'Z'"),
  );
  rejects(["-p", "0", "-w", "1"], "invalid PID");
});

// ---- 3.5 Parser error messages ----------------------------------------------------------

Deno.test("getopt errors start with argv[0]", () => {
  const cases: [string[], string][] = [
    [["-h"], "option requires an argument -- 'h'"],
    [["-s", "-i"], "option requires an argument -- 'i'"],
    [["-si"], "option requires an argument -- 'i'"],
    [["--bogus"], "unrecognized option '--bogus'"],
    [["--bogus=1", "python"], "unrecognized option '--bogus=1'"],
    [["-Z"], "invalid option -- 'Z'"],
    [["-sZ", "python"], "invalid option -- 'Z'"],
    [["-:"], "invalid option -- ':'"],
    [["-k"], "invalid option -- 'k'"],
    [["--interval"], "option '--interval' requires an argument"],
    [["--inter"], "option '--interval' requires an argument"],
    [["--pipe=1"], "option '--pipe' doesn't allow an argument"],
    [["--pip=1"], "option '--pipe' doesn't allow an argument"],
    [["--help=x"], "option '--help' doesn't allow an argument"],
    [["--Pipe"], "unrecognized option '--Pipe'"],
  ];
  for (const [args, message] of cases) {
    assert.deepEqual(
      parseArgs(args, "./austin"),
      usageError(`./austin: ${message}`),
      JSON.stringify(args),
    );
    assert.deepEqual(parseArgs(args), usageError(`austin: ${message}`), JSON.stringify(args));
  }
});

Deno.test("Austin's own errors start with the program name, not argv[0]", () => {
  assert.deepEqual(
    parseArgs(["-i", "abc"], "./austin"),
    usageError("austin: the sampling interval must be a positive integer"),
  );
  assert.deepEqual(
    parseArgs(["-p", "1", "python"], "/usr/local/bin/austin"),
    usageError("austin: the -p option is incompatible with the command argument"),
  );
});

Deno.test("every error is two lines on stderr and exit 64", () => {
  for (const args of [["-i", "x"], ["-Z"], ["--p"], ["-p", "1", "ls"], ["-t", "100us"]]) {
    const result = parseArgs(args);
    assert.equal(result.kind, "exit");
    if (result.kind !== "exit") continue;
    assert.equal(result.code, 64);
    assert.equal(result.stdout, "");
    assert.equal(result.stderr.split("\n").length, 3);
    assert.ok(result.stderr.endsWith(".\n"));
  }
});

// ---- 3.6 Interactions -----------------------------------------------------------------

Deno.test("resolveMode: full > memory > cpu > wall", () => {
  assert.equal(resolveMode(expected({})), "wall");
  assert.equal(resolveMode(expected({ sleepless: true })), "cpu");
  assert.equal(resolveMode(expected({ memory: true })), "memory");
  assert.equal(resolveMode(expected({ memory: true, sleepless: true })), "memory");
  assert.equal(resolveMode(expected({ full: true })), "full");
  assert.equal(resolveMode(expected({ full: true, memory: true, sleepless: true })), "full");
  assert.equal(resolveMode(run(["-fms", "python"])), "full");
});

Deno.test("warnings for redundant and incompatible switches", () => {
  assert.deepEqual(warnings(expected({})), []);
  assert.deepEqual(warnings(expected({ full: true })), []);
  assert.deepEqual(warnings(expected({ sleepless: true })), []);
  assert.deepEqual(warnings(expected({ memory: true })), []);
  assert.deepEqual(warnings(expected({ full: true, memory: true })), [
    "The memory switch is redundant in full mode",
  ]);
  assert.deepEqual(warnings(expected({ full: true, sleepless: true })), [
    "The sleepless switch is redundant in full mode",
  ]);
  assert.deepEqual(warnings(expected({ full: true, memory: true, sleepless: true })), [
    "The memory switch is redundant in full mode",
    "The sleepless switch is redundant in full mode",
  ]);
  assert.deepEqual(warnings(expected({ memory: true, sleepless: true })), [
    "The sleepless switch is incompatible with memory mode.",
  ]);
});

Deno.test("-b with -w: both flags are kept for the caller", () => {
  assert.deepEqual(run(["-b", "-w", "1"]), expected({ binary: true, pid: 1, where: true }));
});

Deno.test("parseArgs does not modify its input", () => {
  const args = ["-", "-s", "python", "x.py"];
  parseArgs(args);
  assert.deepEqual(args, ["-", "-s", "python", "x.py"]);
});

Deno.test("--format (austin-deno, long only) takes the picture formats", () => {
  for (const format of ["austin", "speedscope", "pprof", "flamegraph", "html"]) {
    const r = parseArgs([`--format=${format}`, "python3"]);
    assert.ok(r.kind === "run");
    assert.equal(r.options.format, format);
  }
  const bad = parseArgs(["--format", "gif", "python3"]);
  assert.equal(bad.kind, "exit");
  if (bad.kind === "exit") {
    assert.equal(bad.code, 64);
    assert.ok(bad.stderr.startsWith("austin: unknown output format 'gif'"));
  }
});
