/**
 * Robustness while the target changes under us: austin-deno samples
 * tests/targets/stress.py (deep recursion that grows and shrinks fast,
 * threads started and joined hundreds of times a second, a constantly running
 * cyclic collector, nested generators) at `-i 0` on every installed version,
 * and must not crash, hang or lose its footer, with at most 0.01 % of
 * `:INVALID:` samples. The main thread's stacks are checked against the
 * calls stress.py can make: a walk that mixed two stacks (frames read while
 * their memory was reused) shows as an impossible stack, and there must be
 * none.
 *
 * The issue asks for 20 s per version; CI runs 3 s per version (the default).
 * The full check:
 *
 *     AUSTIN_STRESS_SECONDS=20 npx deno test -A tests/stress_test.ts
 *
 * Versions run one after the other (austin at `-i 0` takes a core of its own).
 * A failed run keeps its output file and prints its path.
 */

import assert from "node:assert/strict";
import { MAIN, TARGETS } from "./austin.ts";
import { interpreters } from "./interpreters.ts";

const SECONDS = Number(Deno.env.get("AUSTIN_STRESS_SECONDS") ?? "3");
if (!(SECONDS > 0)) throw new Error(`bad AUSTIN_STRESS_SECONDS: ${SECONDS}`);

/** "No hang": austin must be done this long after it started. */
const WATCHDOG_MS = (SECONDS + 15) * 1000;
/** The largest accepted share of `:INVALID:` samples: 0.01 %. */
const MAX_INVALID_SHARE = 0.0001;

const TARGET = `${TARGETS}stress.py`;
/** The deepest stack stress.py makes (300 recursive calls and a few more). */
const DEEPEST = 310;
/** Thread ids above this are not thread ids. */
const PID_MAX = (() => {
  try {
    return Number(Deno.readTextFileSync("/proc/sys/kernel/pid_max").trim());
  } catch {
    return 4194304; // the kernel's limit
  }
})();

/** `<file>:<scope>:<line>`, file and scope not empty, line an integer ≥ 0. */
const FRAME = /^[^;]+:[^:;]+:\d+$/;

/** What was found in an output file, read as a stream (it can be hundreds of MB). */
interface Scan {
  samples: number;
  invalid: number;
  /** Frames of the deepest sample. */
  maxDepth: number;
  /** Samples deeper than stress.py ever goes: torn reads that mixed two stacks. */
  tooDeep: number;
  /** Distinct `T<iid>:<tid>` per `P<pid>`. */
  threads: Map<string, Set<string>>;
  /** Samples that break the format: the first few, shortened. */
  malformed: string[];
  malformedCount: number;
  /** `:INVALID:` samples: the first few, shortened, and counts by frames after the marker. */
  invalidExamples: string[];
  invalidShapes: Map<number, number>;
  /** Whole (not `:INVALID:`) samples of the main thread, and the impossible ones. */
  mainSamples: number;
  impossible: number;
  impossibleExamples: string[];
  /** The first 64 and the last 256 characters of the file. */
  head: string;
  tail: string;
}

/** The functions of stress.py a stack can hold. */
const STRESS_FUNCTIONS = new Set(["recurse", "chain", "leaf", "cycles", "worker", "main"]);

/** A frame's function name without its qualifying prefix (`Node.__init__` → `__init__`). */
function functionOf(frame: string): string {
  const end = frame.lastIndexOf(":");
  const scope = frame.slice(frame.lastIndexOf(":", end - 1) + 1, end);
  return scope.slice(scope.lastIndexOf(".") + 1);
}

function isStressFrame(frame: string): boolean {
  return frame.includes("stress.py:");
}

/**
 * Why a whole stack of stress.py's main thread (outermost frame first)
 * cannot happen, or null. Below `<module>` → `main` come recursion
 * (`recurse`… → `leaf` → `<genexpr>` or `cycles` → `__init__`), nested
 * generators (`chain`…) or library code (random, threading); before and
 * after `main`, start-up imports, class bodies and the shutdown.
 */
function impossibility(frames: string[]): string | null {
  if (frames.length === 0) return null;
  const names = frames.map(functionOf);
  if (!isStressFrame(frames[0]) || names[0] !== "<module>") {
    // Code that the interpreter calls from C, with none of the script's
    // frames under it: start-up imports (importlib's, or on Python 2 a module
    // that C imports: site, os, codecs, encodings), the codec search function,
    // and at exit the shutdown of threads (`_shutdown`, Python 2's
    // `_exitfunc`) and weak reference callbacks (`WeakSet._remove`).
    const fromC = /importlib|<frozen|site\.py/.test(frames[0]) ||
      (!isStressFrame(frames[0]) &&
        ["<module>", "search_function", "_shutdown", "_exitfunc", "_remove"].includes(names[0]));
    if (fromC) {
      return frames.some(isStressFrame) ? "stress.py frames under start-up code" : null;
    }
    return "cut short: no <module> at the bottom";
  }
  if (names[1] !== "main" || !isStressFrame(frames[1])) {
    const inner = names.slice(1).filter((n, i) => isStressFrame(frames[i + 1]) && n !== "Node");
    return inner.length === 0 ? null : "stress.py functions outside main";
  }
  const body = frames.slice(2);
  const bodyNames = names.slice(2);
  if (body.length === 0) return null;
  if (!isStressFrame(body[0]) || !STRESS_FUNCTIONS.has(bodyNames[0])) {
    return body.some(isStressFrame) ? "stress.py frames under library code" : null;
  }
  let i = 0;
  while (bodyNames[i] === "recurse") i++;
  if (i > 0) {
    const rest = bodyNames.slice(i).join(";");
    const allowed = ["", "leaf", "leaf;<genexpr>", "leaf;cycles", "leaf;cycles;__init__"];
    return allowed.includes(rest) ? null : `recursion then ${rest}`;
  }
  while (bodyNames[i] === "chain") i++;
  if (i > 0) return i === body.length ? null : `generators then ${bodyNames.slice(i).join(";")}`;
  return `main then ${bodyNames.join(";")}`;
}

function shorten(line: string): string {
  return line.length <= 300 ? line : `${line.slice(0, 200)} … ${line.slice(-90)}`;
}

/** Why a sample line breaks the collapsed stack format, or null. */
function malformation(line: string, goodFrames: Set<string>): string | null {
  if (line.includes("\0")) return "NUL character";
  const space = line.lastIndexOf(" ");
  if (space < 0 || !/^\d+$/.test(line.slice(space + 1))) return "metric";
  const parts = line.slice(0, space).split(";");
  if (!/^P\d+$/.test(parts[0])) return "process";
  if (parts.length < 2 || !/^T\d+:\d+$/.test(parts[1])) return "thread";
  for (let i = 2; i < parts.length; i++) {
    const frame = parts[i];
    if (goodFrames.has(frame)) continue;
    if (i === 2 && frame === ":INVALID:") continue;
    if (/::\d+$/.test(frame)) return `empty scope: ${frame}`;
    if (!FRAME.test(frame)) return `frame: ${frame}`;
    goodFrames.add(frame);
  }
  return null;
}

function scanLine(line: string, scan: Scan, goodFrames: Set<string>): void {
  if (!line.startsWith("P")) return;
  scan.samples++;
  const bad = malformation(line, goodFrames);
  if (bad !== null) {
    scan.malformedCount++;
    if (scan.malformed.length < 5) scan.malformed.push(`${bad}\n    ${shorten(line)}`);
  }
  const parts = line.slice(0, line.lastIndexOf(" ")).split(";");
  let frames = parts.length - 2;
  if (parts[2] === ":INVALID:") {
    frames--;
    scan.invalid++;
    scan.invalidShapes.set(frames, (scan.invalidShapes.get(frames) ?? 0) + 1);
    if (scan.invalidExamples.length < 5) scan.invalidExamples.push(shorten(line));
  }
  if (parts[2] !== ":INVALID:" && parts[0].slice(1) === parts[1].slice(parts[1].indexOf(":") + 1)) {
    scan.mainSamples++;
    const why = impossibility(parts.slice(2).filter((frame) => frame !== ":GC:"));
    if (why !== null) {
      scan.impossible++;
      if (scan.impossibleExamples.length < 5) {
        scan.impossibleExamples.push(`${why}\n      ${shorten(line)}`);
      }
    }
  }
  if (frames > scan.maxDepth) scan.maxDepth = frames;
  if (frames > DEEPEST) scan.tooDeep++;
  const tids = scan.threads.get(parts[0]) ?? new Set<string>();
  tids.add(parts[1]);
  scan.threads.set(parts[0], tids);
}

async function scanFile(path: string): Promise<Scan> {
  const scan: Scan = {
    samples: 0,
    invalid: 0,
    maxDepth: 0,
    tooDeep: 0,
    threads: new Map(),
    malformed: [],
    malformedCount: 0,
    invalidExamples: [],
    invalidShapes: new Map(),
    mainSamples: 0,
    impossible: 0,
    impossibleExamples: [],
    head: "",
    tail: "",
  };
  const goodFrames = new Set<string>();
  const file = await Deno.open(path);
  let rest = "";
  for await (const chunk of file.readable.pipeThrough(new TextDecoderStream())) {
    if (scan.head.length < 64) scan.head = (scan.head + chunk).slice(0, 64);
    scan.tail = (scan.tail + chunk).slice(-256);
    const lines = (rest + chunk).split("\n");
    rest = lines.pop() as string;
    for (const line of lines) scanLine(line, scan, goodFrames);
  }
  scanLine(rest, scan, goodFrames);
  return scan;
}

/** Reads a stream to its end, or gives up after `ms` (a stray child may hold a pipe). */
async function drain(stream: ReadableStream<Uint8Array>, ms: number): Promise<string> {
  const text = new Response(stream).text();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve("<not closed>"), ms);
  });
  try {
    return await Promise.race([text, late]);
  } finally {
    clearTimeout(timer);
  }
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
  hung: boolean;
  seconds: number;
}

/** Runs `austin -i 0 -o out python stress.py SECONDS` under the watchdog. */
async function stressRun(python: string, out: string): Promise<Result> {
  const started = Date.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "-i", "0", "-o", out, python, TARGET, String(SECONDS)],
    env: { AUSTIN_NO_LOGGING: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout = drain(child.stdout, WATCHDOG_MS + 5000);
  const stderr = drain(child.stderr, WATCHDOG_MS + 5000);
  let hung = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const watchdog = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), WATCHDOG_MS);
  });
  let status = await Promise.race([child.status, watchdog]);
  clearTimeout(timer);
  if (status === null) {
    hung = true;
    child.kill("SIGKILL");
    status = await child.status;
  }
  return {
    code: hung ? null : status.code,
    stdout: await stdout,
    stderr: await stderr,
    hung,
    seconds: (Date.now() - started) / 1000,
  };
}

/** The stderr lines that look like a failure (the statistics' "Error rate" line is not one). */
function stderrTrouble(stderr: string): string[] {
  return stderr.split("\n").filter((line) =>
    (/error/i.test(line) && !/Error rate :/.test(line)) ||
    /Uncaught|panic|Traceback|Segmentation|Aborted|^\s+at .*:\d+:\d+\)?$/.test(line)
  );
}

for (const py of interpreters("stress")) {
  Deno.test(`stress: -i 0 for ${SECONDS} s, target changing under us [${py.label}]`, async () => {
    const out = await Deno.makeTempFile({ prefix: "austin-stress-", suffix: ".txt" });
    let keep = true;
    try {
      const run = await stressRun(py.path, out);
      const scan = await scanFile(out);
      const share = scan.samples === 0 ? 1 : scan.invalid / scan.samples;
      const tids = [...scan.threads.values()].flatMap((set) => [...set]);
      const isReal = (t: string) => Number(t.slice(t.indexOf(":") + 1)) <= PID_MAX;
      const real = tids.filter(isReal);
      const bogus = tids.filter((t) => !isReal(t));
      console.log(
        `[stress ${py.label}] ${SECONDS} s: ${scan.samples} samples, ` +
          `${scan.invalid} :INVALID: (${(100 * share).toFixed(3)} %), ` +
          `max depth ${scan.maxDepth} (${scan.tooDeep} samples deeper than ${DEEPEST}), ` +
          `${real.length} threads seen (+${bogus.length} bogus ids), ` +
          `austin ran ${run.seconds.toFixed(1)} s; ${run.stdout.trim()}`,
      );
      const impossibleShare = scan.mainSamples === 0 ? 1 : scan.impossible / scan.mainSamples;
      console.log(
        `  main thread: ${scan.mainSamples} whole stacks, ${scan.impossible} impossible ` +
          `(${(100 * impossibleShare).toFixed(3)} %)`,
      );
      for (const example of scan.impossibleExamples) console.log(`    ${example}`);
      if (scan.invalid > 0) {
        const shapes = [...scan.invalidShapes].sort((a, b) => a[0] - b[0])
          .map(([frames, n]) => `${n}×${frames}`).join(", ");
        console.log(`  :INVALID: samples by frames after the marker: ${shapes}`);
        for (const line of scan.invalidExamples) console.log(`    ${line}`);
      }

      // No hang, no crash.
      assert.equal(run.hung, false, `austin still running after ${WATCHDOG_MS} ms: killed`);
      assert.equal(run.code, 0, run.stderr);
      const trouble = stderrTrouble(run.stderr);
      assert.deepEqual(trouble, [], run.stderr);
      // The target ran to its end (its stdout is austin's).
      const counts = /stress: threads=(\d+) /.exec(run.stdout);
      assert.ok(counts !== null, `the target did not finish: ${run.stdout}`);
      assert.ok(Number(counts[1]) >= 10 * SECONDS, `only ${counts[1]} threads started`);

      // Header and footer.
      assert.ok(
        scan.head.startsWith("# austin: 3.7.0\n# interval: 0\n# mode: wall\n\n"),
        JSON.stringify(scan.head),
      );
      const footer = /\n\n# duration: (\d+)\n\n$/.exec(scan.tail);
      assert.ok(footer !== null, `no footer at the end: ${JSON.stringify(scan.tail)}`);
      assert.ok(Number(footer[1]) >= SECONDS * 900_000, `duration ${footer[1]}`);

      // The rest is collected, to see every problem of a version at once.
      const problems: string[] = [];
      if (scan.malformedCount > 0) {
        problems.push(`${scan.malformedCount} malformed samples:\n${scan.malformed.join("\n")}`);
      }
      if (scan.samples < 1000 * SECONDS) problems.push(`only ${scan.samples} samples`);
      if (scan.threads.size !== 1) problems.push(`processes: ${[...scan.threads.keys()]}`);
      // The deep stacks and the short-lived threads were seen.
      if (scan.maxDepth <= 100) problems.push(`deepest stack: ${scan.maxDepth} frames`);
      if (real.length < 10) problems.push(`only ${real.length} distinct threads`);
      if (bogus.length > 0) problems.push(`thread ids above pid_max ${PID_MAX}: ${bogus}`);
      // Torn reads of a stack that changes while it is read: rare.
      if (share > MAX_INVALID_SHARE) {
        problems.push(`${(100 * share).toFixed(3)} % :INVALID: samples`);
      }
      // Stacks mixed from two moments: a stack either existed or is :INVALID:.
      if (scan.mainSamples < 100) problems.push(`only ${scan.mainSamples} main-thread stacks`);
      if (scan.impossible > 0) {
        problems.push(
          `${scan.impossible} impossible main-thread stacks (${
            (100 * impossibleShare).toFixed(3)
          } %)`,
        );
      }
      assert.deepEqual(problems, []);
      keep = false;
    } finally {
      if (keep) console.log(`  output kept: ${out}`);
      else await Deno.remove(out);
    }
  });
}
