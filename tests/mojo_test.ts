/**
 * End-to-end MOJO tests (spec: austin-behaviour.md, section 8, and the MOJO
 * expectations of 12.3): austin-deno profiles the same deterministic targets
 * twice, once with `-b -o FILE` and once in text mode, and the MOJO stream,
 * read back with mojoToText and mojoEvents, must be well formed and agree with
 * the text run: metadata, mode, the main stacks with their lines, decimal
 * thread ids, metrics of the mode's form, and the column data of 3.11+.
 */

import assert from "node:assert/strict";
import type { Mode } from "../lib/sample.ts";
import { mojoEvents, mojoToText } from "../lib/output/mojo/reader.ts";
import {
  austin,
  markers,
  metadata,
  metricOf,
  type Run,
  samples,
  stackOf,
  TARGETS,
} from "./austin.ts";
import { atLeast, type Interpreter, interpreters } from "./interpreters.ts";

// ---------------------------------------------------------------------------
// Interpreters

/** Modes whose behaviour depends on the Python version run on every one. */
const ALL = interpreters("mojo: wall, memory, full, gc");
/** The others on a few versions: 3.8, 3.11, 3.13 and the system's 3.11. */
const SUBSET = interpreters(
  "mojo: cpu, pipe, children, address reuse",
  (i) => i.major === 3 && [8, 11, 13].includes(i.minor),
);
const COLUMNS = interpreters("mojo: column data (3.11+)", (i) => atLeast(i, 3, 11));
const FIXTURE_311 = interpreters("mojo: columns-3.11.tsv", (i) => i.major === 3 && i.minor === 11);

const FIXTURES = "/work/shared/fixtures/austin-3.7.0/";

// ---------------------------------------------------------------------------
// Running both formats

/** A MOJO run and a text run of the same command. */
interface Both {
  /** The `-b -o FILE` run (its stdout is the target's). */
  binary: Run;
  /** The MOJO file. */
  bytes: Uint8Array;
  /** The MOJO file as text (mojoToText). */
  converted: string;
  /** The text-mode run. */
  text: Run;
}

/** Runs austin-deno with `flags` on `script`, in MOJO to a file and in text, side by side. */
async function runBoth(
  py: Interpreter,
  flags: string[],
  script: string,
  args: string[],
): Promise<Both> {
  const file = await Deno.makeTempFile({ prefix: "austin_mojo_test_", suffix: ".mojo" });
  try {
    const command = [py.path, script, ...args];
    const [binary, text] = await Promise.all([
      austin(["-b", "-o", file, ...flags, ...command]),
      austin([...flags, ...command]),
    ]);
    assert.equal(binary.code, 0, `MOJO run: ${binary.stderr}`);
    assert.equal(text.code, 0, `text run: ${text.stderr}`);
    const bytes = await Deno.readFile(file);
    return { binary, bytes, converted: mojoToText(bytes), text };
  } finally {
    await Deno.remove(file);
  }
}

/** Runs austin-deno with `-b -o FILE` only; returns the file's bytes. */
async function runMojo(py: Interpreter, flags: string[], script: string, args: string[]) {
  const file = await Deno.makeTempFile({ prefix: "austin_mojo_test_", suffix: ".mojo" });
  try {
    const run = await austin(["-b", "-o", file, ...flags, py.path, script, ...args]);
    assert.equal(run.code, 0, run.stderr);
    return await Deno.readFile(file);
  } finally {
    await Deno.remove(file);
  }
}

// ---------------------------------------------------------------------------
// Reading the stream

/** A FRAME event with its strings resolved. */
interface Frame {
  pid: number;
  key: number;
  file: string;
  scope: string;
  line: number;
  lineEnd: number;
  column: number;
  columnEnd: number;
}

/** Where a sample is in the order of spec 8.4. */
const enum Phase {
  Definitions,
  Invalid,
  Refs,
  Gc,
  Time,
  Idle,
}

/**
 * Checks the events of a stream against spec 8.2 – 8.4 and returns its
 * frames: metadata only between samples; each sample STACK, STRING/FRAME
 * definitions, [FRAME_INVALID], FRAME_REFs, [GC], then the metrics of the
 * mode; every reference to a string or frame defined earlier in the same
 * process; tids in lowercase hex; a string key defined again only with
 * another text (its address changed hands), never twice with the same one.
 */
function checkStream(bytes: Uint8Array, mode: Mode): { frames: Frame[]; samples: number } {
  assert.deepEqual([...bytes.subarray(0, 4)], [0x4d, 0x4f, 0x4a, 0x03], "MOJ, version 3");
  const strings = new Map<number, Map<number, string>>();
  const frameKeys = new Map<number, Set<number>>();
  const frames: Frame[] = [];
  let pid = -1;
  let phase: Phase | null = null;
  let count = 0;
  let repeated = 0;
  const stringsOf = (p: number) => {
    let s = strings.get(p);
    if (s === undefined) strings.set(p, s = new Map([[1, "<unknown>"]]));
    return s;
  };
  const keysOf = (p: number) => {
    let k = frameKeys.get(p);
    if (k === undefined) frameKeys.set(p, k = new Set());
    return k;
  };
  const inSample = (what: string, offset: number, allowed: Phase) => {
    assert.ok(phase !== null, `${what} outside a sample at byte ${offset}`);
    assert.ok(phase <= allowed, `${what} after phase ${phase} at byte ${offset}`);
  };
  const end = () => {
    phase = null;
    count++;
  };
  for (const e of mojoEvents(bytes)) {
    const at = e.offset;
    switch (e.type) {
      case "metadata":
        assert.equal(phase, null, `METADATA inside a sample at byte ${at}`);
        break;
      case "stack":
        assert.equal(phase, null, `STACK inside a sample at byte ${at}`);
        assert.match(e.tid, /^[0-9a-f]+$/);
        pid = e.pid;
        phase = Phase.Definitions;
        break;
      case "string":
        inSample("STRING", at, Phase.Definitions);
        if (stringsOf(pid).get(e.key) === e.text) repeated++;
        stringsOf(pid).set(e.key, e.text);
        break;
      case "frame": {
        inSample("FRAME", at, Phase.Definitions);
        const s = stringsOf(pid);
        const file = s.get(e.filename);
        const scope = s.get(e.scope);
        assert.ok(file !== undefined && scope !== undefined, `FRAME at ${at}: undefined string`);
        keysOf(pid).add(e.key);
        frames.push({
          pid,
          key: e.key,
          file,
          scope,
          line: e.line,
          lineEnd: e.lineEnd,
          column: e.column,
          columnEnd: e.columnEnd,
        });
        break;
      }
      case "invalid":
        inSample("FRAME_INVALID", at, Phase.Definitions);
        phase = Phase.Invalid;
        break;
      case "frame-ref":
        inSample("FRAME_REF", at, Phase.Refs);
        assert.ok(keysOf(pid).has(e.key), `FRAME_REF to undefined key at ${at}`);
        phase = Phase.Refs;
        break;
      case "gc":
        inSample("GC", at, Phase.Refs);
        phase = Phase.Gc;
        break;
      case "time":
        assert.notEqual(mode, "memory", `METRIC_TIME in memory mode at ${at}`);
        inSample("METRIC_TIME", at, Phase.Gc);
        assert.ok(e.value >= 0, `negative time at ${at}`);
        if (mode === "full") phase = Phase.Time;
        else end();
        break;
      case "idle":
        assert.equal(mode, "full", `IDLE in ${mode} mode at ${at}`);
        assert.equal(phase, Phase.Time, `IDLE not after METRIC_TIME at ${at}`);
        phase = Phase.Idle;
        break;
      case "memory":
        assert.ok(mode === "memory" || mode === "full", `METRIC_MEMORY in ${mode} mode at ${at}`);
        if (mode === "full") {
          assert.ok(phase === Phase.Time || phase === Phase.Idle, `MEMORY before TIME at ${at}`);
        } else {
          inSample("METRIC_MEMORY", at, Phase.Gc);
        }
        end();
        break;
      default:
        assert.fail(`unexpected ${e.type} event at byte ${at}`);
    }
  }
  assert.equal(phase, null, "the stream ends inside a sample");
  assert.equal(repeated, 0, "a string defined twice with the same text in a process");
  return { frames, samples: count };
}

/** The keys of the `# key: value` lines, in order (text mode's empty lines are not keys). */
function metadataKeys(output: string): string[] {
  return output.split("\n").filter((l) => l.startsWith("# ")).map((l) =>
    l.slice(2, l.indexOf(": "))
  );
}

/** Metadata whose values do not change from run to run. */
const STABLE = ["austin", "interval", "mode", "memory", "multiprocess", "python"];

/** Metric forms per mode (spec 5.5, 8.7). */
const METRIC: Record<Mode, RegExp> = {
  wall: /^\d+$/,
  cpu: /^\d+$/,
  memory: /^-?[1-9]\d*$/,
  full: /^\d+,[01],-?\d+$/,
};

/**
 * The checks every pair of runs gets: the stream is well formed, has the
 * text run's metadata keys (and the same stable values) and mode, and its
 * samples have decimal thread ids and metrics of the mode's form. Returns
 * the MOJO run's sample lines and frames.
 */
function checkBoth(both: Both, mode: Mode): { lines: string[]; frames: Frame[] } {
  const { frames, samples: count } = checkStream(both.bytes, mode);
  const converted = both.converted;
  assert.ok(converted.endsWith("\n"));
  assert.ok(!converted.slice(0, -1).split("\n").includes(""), "an empty line in MOJO's text");
  assert.deepEqual(metadataKeys(converted), metadataKeys(both.text.stdout));
  const meta = metadata(converted);
  const textMeta = metadata(both.text.stdout);
  for (const key of STABLE) assert.equal(meta.get(key), textMeta.get(key), key);
  assert.equal(meta.get("mode"), mode);
  assert.ok(Number(meta.get("duration")) > 100_000, `duration ${meta.get("duration")}`);
  const lines = samples(converted);
  assert.equal(lines.length, count);
  assert.equal(
    converted.split("\n").filter((l) => l !== "" && !l.startsWith("# ")).length,
    count,
    "only metadata and sample lines",
  );
  assert.ok(count >= 10, `only ${count} samples`);
  for (const line of lines) {
    assert.match(line, /^P\d+;T\d+:\d+[; ]/);
    assert.match(metricOf(line), METRIC[mode], line);
  }
  return { lines, frames };
}

/** The distinct stacks (sample lines without their metric). */
function stacks(lines: string[]): Set<string> {
  return new Set(lines.map(stackOf));
}

/** The pids of the samples, in order of appearance. */
function pids(lines: string[]): number[] {
  return [...new Set(lines.map((l) => Number(/^P(\d+);/.exec(l)![1])))];
}

// ---------------------------------------------------------------------------
// Targets

const NESTED = `${TARGETS}nested.py`;
const MEMORY = `${TARGETS}memory.py`;
const GC_HEAVY = `${TARGETS}gcheavy.py`;
const CHILDREN = `${TARGETS}children.py`;
const COLUMN_TARGET = `${TARGETS}mojo_columns.py`;
const FIXTURE_TARGET = `${TARGETS}fixture_columns.py`;
const REUSE = `${TARGETS}mojo_reuse.py`;

/** nested.py's main stacks in process `pid`: `<module>;main;top;middle;leaf`. */
function nestedStacks(pid: number): string[] {
  const m = markers(NESTED);
  const f = NESTED;
  const base = `P${pid};T0:${pid};${f}:<module>:${m.get("module")};${f}:main:${m.get("main")};` +
    `${f}:top:${m.get("top")};${f}:middle:${m.get("middle")};${f}:leaf:`;
  return [`${base}${m.get("leaf-loop")}`, `${base}${m.get("leaf-body")}`];
}

/** Asserts that one of nested.py's main stacks of the single process was sampled. */
function assertNested(lines: string[], what: string): void {
  const found = pids(lines);
  assert.equal(found.length, 1, `${what}: processes ${found}`);
  const expected = nestedStacks(found[0]);
  const seen = stacks(lines);
  assert.ok(expected.some((s) => seen.has(s)), `${what}: no ${expected[0]}`);
}

/** The single-process nested.py checks of both runs. */
function checkNested(both: Both, mode: Mode): Frame[] {
  const { lines, frames } = checkBoth(both, mode);
  assertNested(lines, "MOJO");
  assertNested(samples(both.text.stdout), "text");
  return frames;
}

// ---------------------------------------------------------------------------
// Modes on every version

async function wallMode(py: Interpreter): Promise<void> {
  const both = await runBoth(py, ["-i", "1ms"], NESTED, ["0.6"]);
  const frames = checkNested(both, "wall");
  assert.ok(frames.length > 0);
  if (!atLeast(py, 3, 11)) {
    // Before 3.11: no column data at all (spec 8.5, 12.3).
    const located = frames.filter((f) => f.lineEnd !== 0 || f.column !== 0 || f.columnEnd !== 0);
    assert.deepEqual(located, []);
  } else {
    // From 3.11: the target's frames have CPython's locations, mostly with columns.
    const own = locationsOf(frames, NESTED);
    const valid = await positions(py, NESTED);
    for (const l of own) assert.ok(valid.has(l), `${l} is not a location of nested.py`);
    const located = [...own].filter((l) => !l.endsWith(" 0 0"));
    assert.ok(located.length >= 5, `frames of nested.py with columns: ${located.join(", ")}`);
  }
}

async function memoryMode(py: Interpreter): Promise<void> {
  const both = await runBoth(py, ["-m", "-i", "1ms"], MEMORY, ["0.6"]);
  const { lines } = checkBoth(both, "memory");
  assert.ok(metadata(both.converted).has("memory"));
  const [pid] = pids(lines);
  const m = markers(MEMORY);
  const f = MEMORY;
  const grow = `P${pid};T0:${pid};${f}:<module>:${m.get("module")};${f}:main:${m.get("main")};` +
    `${f}:churn:${m.get("churn")};${f}:grow:${m.get("grow")}`;
  assert.ok(stacks(lines).has(grow), `no ${grow}`);
  const deltas = lines.map((l) => Number(metricOf(l)));
  assert.ok(deltas.some((d) => d > 0) && deltas.some((d) => d < 0), "allocations and frees");
}

async function fullMode(py: Interpreter): Promise<void> {
  const both = await runBoth(py, ["-f", "-i", "1ms"], NESTED, ["0.6"]);
  checkNested(both, "full");
  assert.ok(metadata(both.converted).has("memory"));
}

async function gcMode(py: Interpreter): Promise<void> {
  const both = await runBoth(py, ["-g", "-i", "1ms"], GC_HEAVY, ["0.6"]);
  const { lines } = checkBoth(both, "wall");
  assert.ok(metadata(both.converted).has("gc"));
  const [pid] = pids(lines);
  const m = markers(GC_HEAVY);
  const f = GC_HEAVY;
  const churn = `P${pid};T0:${pid};${f}:<module>:${m.get("module")};${f}:main:${m.get("main")};` +
    `${f}:churn:${m.get("churn")}`;
  assert.ok(lines.some((l) => stackOf(l).startsWith(churn)), `no ${churn}`);
  const collecting = lines.filter((l) => stackOf(l).endsWith(";:GC:"));
  assert.ok(collecting.length > 0, "no :GC: sample");
}

// ---------------------------------------------------------------------------
// Modes on a few versions

async function cpuMode(py: Interpreter): Promise<void> {
  const both = await runBoth(py, ["-s", "-i", "1ms"], NESTED, ["0.6"]);
  checkNested(both, "cpu");
}

async function pipeMode(py: Interpreter): Promise<void> {
  const both = await runBoth(py, ["-P", "-i", "1ms"], NESTED, ["0.6"]);
  checkNested(both, "wall");
  const meta = metadata(both.converted);
  assert.ok(meta.get("python")?.startsWith(`${py.major}.${py.minor}.`), meta.get("python"));
  for (const key of ["sampling", "saturation", "errors"]) assert.ok(meta.has(key), key);
  // Pipe mode writes no banner or statistics.
  assert.equal(both.binary.stderr, "");
}

async function childrenMode(py: Interpreter): Promise<void> {
  const both = await runBoth(py, ["-C", "-i", "1ms"], CHILDREN, ["0.6"]);
  const { lines } = checkBoth(both, "wall");
  assert.equal(metadata(both.converted).get("multiprocess"), "on");
  const all = pids(lines);
  assert.ok(all.length >= 3, `processes ${all}`);
  const seen = stacks(lines);
  const [parent, ...children] = all;
  const wait = `${CHILDREN}:<module>:${markers(CHILDREN).get("wait")}`;
  assert.ok(
    lines.some((l) => l.startsWith(`P${parent};T0:${parent};`) && l.includes(wait)),
    `parent ${parent}: no ${wait}`,
  );
  // Both nested.py children, each with its own definitions (keys are per process).
  const nested = children.filter((c) => nestedStacks(c).some((s) => seen.has(s)));
  assert.ok(nested.length >= 2, `nested.py stacks in ${nested} of ${children}`);
}

// ---------------------------------------------------------------------------
// Address reuse

async function addressReuse(py: Interpreter): Promise<void> {
  // alpha runs and is freed, then bravo runs from a code object (3.11+), or
  // with a file name string (3.8 – 3.10), at the same address as alpha's.
  // Text mode names both; so must MOJO: alpha's samples (if the run began
  // early enough to catch it) and then bravo's, never a mix of their names.
  const bytes = await runMojo(py, ["-i", "1ms"], REUSE, ["0.6"]);
  const order: string[] = [];
  for (const line of samples(mojoToText(bytes))) {
    for (const frame of stackOf(line).split(";")) {
      const name = frame.slice(0, frame.lastIndexOf(":"));
      if (frame.startsWith("/generated/") && order.at(-1) !== name) order.push(name);
    }
  }
  const expected = ["/generated/alpha.py:alpha", "/generated/bravo.py:bravo"];
  assert.ok(
    order.join() === expected.join() || order.join() === expected[1],
    `functions in sample order: ${order.join(", ")}`,
  );
}

// ---------------------------------------------------------------------------
// Column data (3.11+)

/**
 * Every source location of every code object of `file`, as MOJO writes it:
 * `scope line line_end column column_end`, 1-based with exclusive ends, 0 for
 * no column, plus the first line without columns of a frame that has not
 * started. Scopes are co_qualname, as austin-deno writes from 3.11.
 */
async function positions(py: Interpreter, file: string): Promise<Set<string>> {
  const script = [
    "import sys",
    "def walk(code):",
    "    # A frame that has not started yet: its first line, no columns.",
    "    print(code.co_qualname, code.co_firstlineno, code.co_firstlineno, 0, 0)",
    "    for line, end, col, end_col in code.co_positions():",
    "        if line is not None:",
    "            print(code.co_qualname, line, line if end is None else end,",
    "                  0 if col is None else col + 1, 0 if end_col is None else end_col + 1)",
    "    for const in code.co_consts:",
    "        if hasattr(const, 'co_positions'):",
    "            walk(const)",
    "walk(compile(open(sys.argv[1]).read(), sys.argv[1], 'exec'))",
  ].join("\n");
  const out = await new Deno.Command(py.path, { args: ["-c", script, file] }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return new Set(new TextDecoder().decode(out.stdout).split("\n").filter((l) => l !== ""));
}

/** `scope line line_end column column_end` of a frame. */
function location(f: Frame): string {
  return `${f.scope} ${f.line} ${f.lineEnd} ${f.column} ${f.columnEnd}`;
}

/** The distinct locations of the frames of `file`. */
function locationsOf(frames: Frame[], file: string): Set<string> {
  return new Set(frames.filter((f) => f.file === file).map(location));
}

async function columnTarget(py: Interpreter): Promise<void> {
  const bytes = await runMojo(py, ["-i", "1ms"], COLUMN_TARGET, ["1"]);
  const { frames } = checkStream(bytes, "wall");
  const seen = locationsOf(frames, COLUMN_TARGET);
  const all = [...seen].join("\n");
  // The acceptance test's set (spec 12.3).
  const expected = [
    "<module> 16 19 5 2",
    "<listcomp> 16 19 5 2",
    "lazy 6 6 9 19",
    "<listcomp> 17 17 5 17",
  ];
  assert.ok(expected.some((l) => seen.has(l)), all);
  // What Austin gives (spec 8.5): lazy's call on every version.
  assert.ok(seen.has("lazy 6 6 9 19"), all);
  if (py.minor === 11) {
    // The comprehension is a function of its own, called from lines 16 – 19.
    assert.ok(seen.has("<module> 16 19 5 2"), all);
    assert.ok(seen.has("<listcomp> 17 17 5 17"), all);
  } else {
    // 3.12+ inline it (PEP 709): the call to lazy is the module's.
    assert.ok(![...seen].some((l) => l.startsWith("<listcomp> ")), all);
    assert.ok(seen.has("<module> 17 17 5 17"), all);
  }
  // Every location written is one CPython gives for that code.
  const valid = await positions(py, COLUMN_TARGET);
  for (const l of seen) assert.ok(valid.has(l), `${l} is not a location of the target`);
}

/** columns-3.11.tsv: `scope line` → the `line_end column column_end` Austin wrote. */
function fixtureColumns(): Map<string, Set<string>> {
  const rows = Deno.readTextFileSync(`${FIXTURES}columns-3.11.tsv`).split("\n").slice(1);
  const table = new Map<string, Set<string>>();
  for (const row of rows.filter((r) => r !== "")) {
    const [, scope, line, end, column, endColumn] = row.split("\t");
    const key = `${scope} ${line}`;
    if (!table.has(key)) table.set(key, new Set());
    table.get(key)!.add(`${end} ${column} ${endColumn}`);
  }
  return table;
}

async function fixtureTarget(py: Interpreter): Promise<void> {
  // fixture_columns.py is fixture_target.py, line for line.
  assert.equal(
    Deno.readTextFileSync(FIXTURE_TARGET),
    Deno.readTextFileSync(`${FIXTURES}fixture_target.py`),
  );
  const table = fixtureColumns();
  const valid = await positions(py, FIXTURE_TARGET);
  // Austin's rows are CPython's positions, 1-based with exclusive ends.
  for (const [key, rows] of table) {
    for (const row of rows) assert.ok(valid.has(`${key} ${row}`), `TSV row ${key} ${row}`);
  }
  const bytes = await runMojo(py, ["-i", "1ms"], FIXTURE_TARGET, ["1"]);
  const seen = locationsOf(checkStream(bytes, "wall").frames, FIXTURE_TARGET);
  const all = [...seen].join("\n");
  let inTable = 0;
  for (const l of seen) {
    const [scope, line, ...rest] = l.split(" ");
    if (table.get(`${scope} ${line}`)?.has(rest.join(" "))) inTable++;
    // Austin's row for the line, or another instruction's location on it.
    assert.ok(valid.has(l), `${l}: not a location of ${FIXTURE_TARGET}`);
  }
  // The callers are always on the stack, each at one instruction: Austin's rows exactly.
  const callers = [
    "<module> 39 39 1 55",
    "main 34 34 9 21",
    "main 35 35 9 16",
    "Worker.run 17 17 16 26",
    "sleeper 12 12 5 20",
  ];
  for (const l of callers) assert.ok(seen.has(l), `${l} not sampled:\n${all}`);
  const rows = [...table.values()].reduce((n, s) => n + s.size, 0);
  assert.ok(inTable >= rows / 2, `${inTable} of Austin's ${rows} locations sampled:\n${all}`);
}

// ---------------------------------------------------------------------------
// The test: every check on every interpreter it applies to, as steps run two
// at a time, the longest first

/** Runs at most `size` tasks at once. */
class Pool {
  #free: number;
  readonly #waiting: Array<() => void> = [];

  constructor(size: number) {
    this.#free = size;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next !== undefined) next();
      else this.#free++;
    }
  }
}

/** Two cores: two pairs of runs (four austin-deno processes) at a time. */
const POOL = new Pool(2);

const CHECKS: Array<[string, Interpreter[], (py: Interpreter) => Promise<void>]> = [
  ["fixture_target.py columns against Austin's columns-3.11.tsv", FIXTURE_311, fixtureTarget],
  ["children mode against text", SUBSET, childrenMode],
  ["column data of the column target", COLUMNS, columnTarget],
  ["a code or string address reused by another function", SUBSET, addressReuse],
  ["wall mode against text, no columns before 3.11", ALL, wallMode],
  ["memory mode against text", ALL, memoryMode],
  ["full mode against text", ALL, fullMode],
  ["gc mode against text", ALL, gcMode],
  ["cpu mode against text", SUBSET, cpuMode],
  ["pipe mode against text", SUBSET, pipeMode],
];

Deno.test({
  name: "mojo: MOJO runs against text runs, on every interpreter",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    const steps = CHECKS.flatMap(([name, versions, check]) =>
      versions.map((py) =>
        t.step({
          name: `${name} [${py.label}]`,
          sanitizeOps: false,
          sanitizeResources: false,
          sanitizeExit: false,
          fn: () => POOL.run(() => check(py)),
        })
      )
    );
    await Promise.all(steps);
  },
});
