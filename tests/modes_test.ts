/**
 * End-to-end tests of every mode and output detail (spec: austin-behaviour.md
 * sections 3, 4.3–4.5, 5, 6 and 12.3; decisions a, b, h, j and k of the spec's
 * README): cpu, memory, full and GC modes, `-a`, `-e`, `-h`, option values,
 * pipe mode, the stderr banner and statistics, help texts and live output,
 * each against real Python processes.
 *
 * Tests within a file run one after the other, so each test starts its runs
 * together, and the modes whose reading depends on per-version layouts (GIL
 * holder, GC flag) run on a representative set of versions.
 */

import assert from "node:assert/strict";
import {
  austin,
  MAIN,
  markers,
  metadata,
  metricOf,
  metricSum,
  type Run,
  samples,
  sleep,
  stackOf,
  startTarget,
  TARGETS,
  threadsOf,
} from "./austin.ts";
import { allInterpreters, type Interpreter, interpreters, newestReleases } from "./interpreters.ts";

// ---------------------------------------------------------------------------
// Which interpreters run which tests.

const INSTALLED = allInterpreters();
const version = (i: Interpreter) => `${i.major}.${i.minor}`;
/** The interpreter for output-format checks: the system's Python 3, else the newest 3.x. */
const FIRST = INSTALLED.find((i) => i.label.startsWith("system") && i.major === 3) ??
  INSTALLED.filter((i) => i.major === 3).at(-1) ?? INSTALLED[0];
/** A shared-library 3.8–3.10 build (the exact-version case of decision k), else Python 2. */
const SECOND =
  INSTALLED.find((i) => i.label.startsWith("pyenv") && /^3\.(8|9|10)$/.test(version(i))) ??
    INSTALLED.find((i) => i.major === 2);
/** Versions whose layouts differ where the GIL holder is read: 2.7, 3.6, 3.8, 3.10–3.15. */
const REPRESENTATIVE = ["2.7", "3.6", "3.8", "3.10", "3.11", "3.12", "3.13", "3.14", "3.15"];

const ALL = interpreters("modes: -g (GC flag, every version)");
const LAYOUTS = interpreters(
  "modes: -m/-f (representative versions)",
  (i) => i.label.startsWith("system") || REPRESENTATIVE.includes(version(i)),
);
const NEWEST = newestReleases();
const ONE = interpreters("modes: output format (one version)", (i) => i === FIRST);
const CPU = interpreters(
  "modes: -s/-c (one version and the newest)",
  (i) => i === FIRST || NEWEST.includes(i),
);
const TWO = interpreters(
  "modes: output format (two versions and the newest)",
  (i) => i === FIRST || i === SECOND || NEWEST.includes(i),
);
const PYTHON2 = interpreters(
  "modes: -a/-e (first 3.x and Python 2)",
  (i) => i === FIRST || (i.major === 2 && i === INSTALLED.find((j) => j.major === 2)),
);

// ---------------------------------------------------------------------------
// Helpers.

const decoder = new TextDecoder();

/**
 * Runs austin-deno like `austin()`, but with an environment built from
 * scratch: this process's, without the `unset` names, plus `set`.
 */
async function austinIn(
  args: string[],
  set: Record<string, string> = {},
  unset: string[] = [],
): Promise<Run> {
  const env = Deno.env.toObject();
  for (const name of unset) delete env[name];
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    env: { ...env, AUSTIN_NO_LOGGING: "1", ...set },
    clearEnv: true,
    stdin: "null",
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** `python -V` as X.Y.Z (Python 2 prints it on stderr). */
async function pythonVersion(python: string): Promise<string> {
  const out = await new Deno.Command(python, { args: ["-V"] }).output();
  const text = decoder.decode(out.stdout) + decoder.decode(out.stderr);
  const m = /Python (\d+\.\d+\.\d+)/.exec(text);
  assert.ok(m !== null, `no version in ${JSON.stringify(text)}`);
  return m[1];
}

/** Starts a Python process that only sleeps, and waits until it is asleep. */
async function sleeper(py: Interpreter): Promise<Deno.ChildProcess> {
  const target = startTarget(py.path, "-c", ["import time; time.sleep(30)"]);
  await sleep(500);
  return target;
}

/** Stops a target started by a test. */
async function stop(target: Deno.ChildProcess): Promise<void> {
  try {
    target.kill("SIGKILL");
  } catch {
    // already gone
  }
  await target.status;
}

/** One sample of full mode, split as Austin's tests split it (12.1). */
interface FullSample {
  stack: string;
  thread: string;
  time: number;
  idle: number;
  mem: number;
}

function fullSamples(lines: string[]): FullSample[] {
  return lines.map((line) => {
    const metric = metricOf(line);
    assert.match(metric, /^\d+,[01],-?\d+$/, line);
    const [time, idle, mem] = metric.split(",").map(Number);
    const stack = stackOf(line);
    return { stack, thread: stack.split(";")[1], time, idle, mem };
  });
}

/**
 * Splits full-mode samples into sampling passes: every thread of a pass has
 * the same time delta and appears once, so a pass ends where the time changes
 * or a thread comes again.
 */
function passesOf(rows: FullSample[]): FullSample[][] {
  const passes: FullSample[][] = [];
  let current: FullSample[] = [];
  for (const row of rows) {
    if (
      current.length > 0 &&
      (row.time !== current[0].time || current.some((r) => r.thread === row.thread))
    ) {
      passes.push(current);
      current = [];
    }
    current.push(row);
  }
  if (current.length > 0) passes.push(current);
  return passes;
}

/** Σ of the `time` field; of the positive memory deltas; of the others (12.1). */
function fullSums(
  rows: FullSample[],
): { wall: number; cpu: number; alloc: number; dealloc: number } {
  let wall = 0, cpu = 0, alloc = 0, dealloc = 0;
  for (const r of rows) {
    wall += r.time;
    if (r.idle === 0) cpu += r.time;
    if (r.mem > 0) alloc += r.mem;
    else dealloc += r.mem;
  }
  return { wall, cpu, alloc, dealloc };
}

/** The fraction of `rows` for which `test` holds (0 when there are none). */
function share<T>(rows: T[], test: (row: T) => boolean): number {
  return rows.length === 0 ? 0 : rows.filter(test).length / rows.length;
}

/** `MemTotal` of /proc/meminfo, in KiB. */
function memTotal(): string {
  const m = /^MemTotal:\s+(\d+) kB$/m.exec(Deno.readTextFileSync("/proc/meminfo"));
  assert.ok(m !== null);
  return m[1];
}

/** A sample line with no frame: `P<pid>;T<iid>:<tid> <metric>`. */
const FRAMELESS = /^P\d+;T\d+:\d+ \S+$/;

/** The banner as written without escapes (spec 5.7 and decision j). */
const BANNER = " ".repeat(14) + "_" + " ".repeat(3) + "_" + " ".repeat(6) + " \n" +
  " __ _ _  _ __| |_(_)_ _  \n" +
  "/ _` | || (_-<  _| | ' \\ \n" +
  `\\__,_|\\_,_/__/\\__|_|_||_| 3.7.0 [deno ${Deno.version.deno}]\n`;

/** Escapes a string for use in a regular expression. */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Quotes a word for `sh -c`. */
function shellWord(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The full path of a program found on PATH, or null. */
function onPath(program: string): string | null {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      const path = `${dir}/${program}`;
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // not here
    }
  }
  return null;
}

// ---------------------------------------------------------------------------
// 1. CPU mode (-s).

for (const py of CPU) {
  Deno.test(`-s and -c: idle samples dropped, busy ones kept [${py.label}]`, async () => {
    const file = `${TARGETS}mixed.py`;
    const m = markers(file);
    const [wall, cpu, idle] = await Promise.all([
      austin(["-i", "5ms", py.path, file, "1.2"]),
      austin(["-s", "-i", "5ms", py.path, file, "1.2"]),
      // Austin 4's spelling of -s.
      austin(["-ci", "1ms", py.path, `${TARGETS}sleepy.py`, "1"]),
    ]);
    const napFrame = `${file}:nap:${m.get("nap")}`;
    const isNap = (l: string) => stackOf(l).endsWith(napFrame);
    const isBusy = (l: string) => stackOf(l).includes(`${file}:busy:`);

    // Wall mode: the target does sleep in nap() about half of the time.
    assert.equal(wall.code, 0, wall.stderr);
    assert.equal(metadata(wall.stdout).get("mode"), "wall");
    const wallLines = samples(wall.stdout);
    assert.ok(wallLines.filter(isNap).length > 40, `wall: ${wallLines.filter(isNap).length} nap`);

    // CPU mode: the nap() samples are gone (a few at the transitions), busy() ones stay.
    assert.equal(cpu.code, 0, cpu.stderr);
    const meta = metadata(cpu.stdout);
    assert.equal(meta.get("mode"), "cpu");
    assert.ok(cpu.stdout.startsWith("# austin: 3.7.0\n# interval: 5000\n# mode: cpu\n\n"));
    const lines = samples(cpu.stdout);
    const busy = lines.filter(isBusy).length;
    const nap = lines.filter(isNap).length;
    assert.ok(busy > 40, `only ${busy} busy samples of ${lines.length}`);
    assert.ok(nap <= 12 && nap <= busy / 10, `${nap} nap samples kept (${busy} busy)`);
    // The metric stays the wall-time delta of each pass.
    const duration = Number(meta.get("duration"));
    const sum = metricSum(lines);
    assert.ok(sum > 0 && sum < 0.8 * duration, `Σ ${sum} of ${duration}`);

    // A sleeping target: Σ < 1.1 · duration (12.3, "CPU time, idle").
    assert.equal(idle.code, 0, idle.stderr);
    const idleMeta = metadata(idle.stdout);
    assert.equal(idleMeta.get("mode"), "cpu");
    assert.equal(idleMeta.get("interval"), "1000");
    const idleDuration = Number(idleMeta.get("duration"));
    const idleSum = metricSum(samples(idle.stdout));
    assert.ok(idleSum < 1.1 * idleDuration, `Σ ${idleSum} vs ${idleDuration}`);
    assert.ok(
      idleSum < 0.5 * idleDuration,
      `a sleeping target used Σ ${idleSum} of ${idleDuration}`,
    );
  });
}

// ---------------------------------------------------------------------------
// 2 and 3. Memory (-m) and full (-f) modes.

for (const py of LAYOUTS) {
  Deno.test(`-m and -f: signed RSS deltas, one thread per pass [${py.label}]`, async () => {
    const file = `${TARGETS}memory.py`;
    const m = markers(file);
    const [memory, full] = await Promise.all([
      austin(["-m", "-i", "2ms", py.path, file, "1"]),
      austin(["-f", "-i", "5ms", py.path, file, "1"]),
    ]);

    // Memory mode.
    assert.equal(memory.code, 0, memory.stderr);
    const meta = metadata(memory.stdout);
    assert.ok(
      memory.stdout.startsWith(
        `# austin: 3.7.0\n# interval: 2000\n# mode: memory\n# memory: ${memTotal()}\n\n`,
      ),
      memory.stdout.slice(0, 200),
    );
    assert.ok(Number(meta.get("duration")) > 100_000);
    const lines = samples(memory.stdout);
    assert.ok(lines.length > 20, `${lines.length} samples`);
    for (const line of lines) assert.match(metricOf(line), /^-?[1-9]\d*$/, line);
    const deltas = lines.map((l) => Number(metricOf(l)));
    assert.ok(deltas.some((d) => d > 0), "no positive delta");
    assert.ok(deltas.some((d) => d < 0), "no negative delta");
    assert.ok(
      lines.some((l) => stackOf(l).includes(`${file}:grow:${m.get("grow")}`)),
      "no delta in grow()",
    );
    // Only the GIL holder gets the delta: the allocating main thread, not the sleeping one.
    const pid = /^P(\d+);/.exec(lines[0])?.[1];
    const main = share(lines, (l) => stackOf(l).split(";")[1] === `T0:${pid}`);
    assert.ok(main >= 0.9, `only ${(main * 100).toFixed(1)} % of the deltas on the main thread`);

    // Full mode on the same target.
    assert.equal(full.code, 0, full.stderr);
    const fullMeta = metadata(full.stdout);
    assert.equal(fullMeta.get("mode"), "full");
    assert.equal(fullMeta.get("memory"), memTotal());
    const fullLines = samples(full.stdout);
    const fullPid = /^P(\d+);/.exec(fullLines[0])?.[1];
    const rows = fullSamples(fullLines);
    const sums = fullSums(rows);
    assert.notEqual(sums.alloc * sums.dealloc, 0, `alloc ${sums.alloc}, dealloc ${sums.dealloc}`);
    const passes = passesOf(rows);
    assert.ok(passes.length > 50, `${passes.length} passes`);
    const crowded = passes.filter((p) => p.filter((r) => r.mem !== 0).length > 1);
    assert.equal(crowded.length, 0, `several deltas in one pass:\n${JSON.stringify(crowded[0])}`);
    const withDelta = rows.filter((r) => r.mem !== 0);
    const onMain = share(withDelta, (r) => r.thread === `T0:${fullPid}`);
    assert.ok(
      onMain >= 0.9,
      `only ${(onMain * 100).toFixed(1)} % of the deltas on the main thread`,
    );
  });

  Deno.test(`-f: time, idle and memory of busy and sleeping threads [${py.label}]`, async () => {
    const threadsFile = `${TARGETS}threads.py`;
    const workersFile = `${TARGETS}workers.py`;
    const t = markers(threadsFile);
    const w = markers(workersFile);
    const [threads, workers] = await Promise.all([
      austin(["-f", "-i", "10ms", py.path, threadsFile, "1"]),
      austin(["-f", "-i", "5ms", py.path, workersFile, "1"]),
    ]);

    // threads.py: two busy threads, a sleeping one and the main thread joining them.
    assert.equal(threads.code, 0, threads.stderr);
    const meta = metadata(threads.stdout);
    assert.equal(meta.get("mode"), "full");
    const d = Number(meta.get("duration"));
    const lines = samples(threads.stdout);
    assert.equal(threadsOf(lines).size, 4);
    assert.ok(lines.some((l) => stackOf(l).endsWith(`${threadsFile}:busy:${t.get("busy")}`)));
    const rows = fullSamples(lines);
    const { wall, cpu } = fullSums(rows);
    // Each thread gets the time of every pass it is in: at most d each, about d for the main one.
    assert.ok(wall > 0.9 * d && wall < 1.05 * 4 * d, `wall ${wall} vs d ${d}`);
    for (const thread of threadsOf(lines)) {
      const own = rows.filter((r) => r.thread === thread).reduce((s, r) => s + r.time, 0);
      assert.ok(own <= 1.02 * d + 20_000, `thread ${thread}: Σ ${own} > d ${d}`);
    }
    assert.ok(cpu > 0 && cpu <= wall, `cpu ${cpu}, wall ${wall}`);
    const asleep = rows.filter((r) =>
      r.stack.endsWith(`${threadsFile}:sleeper:${t.get("sleeper")}`)
    );
    assert.ok(asleep.length > 20, `${asleep.length} samples of the sleeper`);
    const asleepIdle = share(asleep, (r) => r.idle === 1);
    assert.ok(asleepIdle >= 0.9, `sleeper idle in ${(asleepIdle * 100).toFixed(1)} %`);

    // workers.py: one busy thread that never waits for the GIL, one sleeping thread.
    assert.equal(workers.code, 0, workers.stderr);
    const wrows = fullSamples(samples(workers.stdout));
    const spinning = wrows.filter((r) => r.stack.includes(`${workersFile}:spin:`));
    const dozing = wrows.filter((r) => r.stack.endsWith(`${workersFile}:doze:${w.get("doze")}`));
    const joining = wrows.filter((r) => r.stack.includes(`${workersFile}:main:${w.get("join")}`));
    for (
      const [name, group] of [["spin", spinning], ["doze", dozing], ["join", joining]] as const
    ) {
      assert.ok(group.length > 50, `${group.length} samples in ${name}`);
    }
    const busyShare = share(spinning, (r) => r.idle === 0);
    const dozeShare = share(dozing, (r) => r.idle === 1);
    const joinShare = share(joining, (r) => r.idle === 1);
    assert.ok(busyShare >= 0.75, `busy thread running in ${(busyShare * 100).toFixed(1)} %`);
    assert.ok(dozeShare >= 0.9, `sleeping thread idle in ${(dozeShare * 100).toFixed(1)} %`);
    assert.ok(joinShare >= 0.9, `joining thread idle in ${(joinShare * 100).toFixed(1)} %`);
    const wsums = fullSums(wrows);
    assert.ok(wsums.cpu > 0 && wsums.cpu <= wsums.wall);
  });
}

// ---------------------------------------------------------------------------
// 4. GC (-g), on every version: the GC state's location differs per version.

for (const py of ALL) {
  Deno.test(`-g: :GC: samples and the # gc: footer [${py.label}]`, async () => {
    const file = `${TARGETS}gcheavy.py`;
    const m = markers(file);
    const [on, off] = await Promise.all([
      austin(["-gi", "2ms", py.path, file, "1"]),
      austin(["-P", "-gi", "10ms", py.path, file, "1"], { GC_DISABLED: "1" }),
    ]);

    assert.equal(on.code, 0, on.stderr);
    const meta = metadata(on.stdout);
    const duration = Number(meta.get("duration"));
    const gc = Number(meta.get("gc"));
    assert.ok(gc / duration > 0.1, `gc ${gc} / duration ${duration}`);
    assert.match(on.stdout, /\n\n# duration: \d+\n# gc: \d+\n\n$/);
    const lines = samples(on.stdout);
    const collecting = lines.filter((l) => l.includes(":GC:"));
    assert.ok(collecting.length > 10, `${collecting.length} :GC: samples of ${lines.length}`);
    // `;:GC:` comes after the frames, right before the metric.
    for (const line of collecting) assert.ok(stackOf(line).endsWith(";:GC:"), line);
    const churn = `${file}:churn:${m.get("churn")}`;
    assert.ok(collecting.some((l) => l.includes(churn)), `no :GC: sample in ${churn}`);
    // The footer's gc is the Σ of the time of the :GC: samples.
    assert.equal(gc, metricSum(collecting));

    assert.equal(off.code, 0, off.stderr);
    const offMeta = metadata(off.stdout);
    const offGc = Number(offMeta.get("gc"));
    // Counted in samples, not time: under load one sample can stand for 50 ms.
    // The interpreter still collects once at exit, with no Python frame left
    // (and, under load, for long): only collections while the script runs count.
    const offSamples = samples(off.stdout);
    const offCollecting = offSamples.filter((l) => l.includes(":GC:"));
    const running = offCollecting.filter((l) => l.includes(`${file}:`));
    assert.ok(
      running.length < 5 && running.length * 10 < offSamples.length,
      `${running.length} :GC: samples of ${offSamples.length} in the script with GC disabled`,
    );
    assert.equal(offGc, metricSum(offCollecting));
    assert.match(
      off.stdout,
      /\n\n# duration: \d+\n# gc: \d+\n# sampling: \d+,\d+,\d+\n# saturation: \d+\/\d+\n# errors: \d+\/\d+\n\n$/,
    );
  });
}

// ---------------------------------------------------------------------------
// 5. -a (alternative format) and -e (exclude empty).

for (const py of PYTHON2) {
  Deno.test(`-a: frames written file:scope;L<line> [${py.label}]`, async () => {
    const file = `${TARGETS}nested.py`;
    const m = markers(file);
    const run = await austin(["-a", "-i", "2ms", py.path, file, "0.6"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(metadata(run.stdout).get("mode"), "wall");
    const lines = samples(run.stdout);
    assert.ok(lines.length > 50);
    for (const line of lines) {
      assert.match(line, /^P\d+;T\d+:\d+(;:INVALID:)?(;[^;]+;L\d+)*(;:GC:)? \d+$/, line);
    }
    const stack = `;${file}:<module>;L${m.get("module")};${file}:main;L${
      m.get("main")
    };${file}:top;L${m.get("top")};${file}:middle;L${m.get("middle")};${file}:leaf;L`;
    const leaves = [m.get("leaf-loop"), m.get("leaf-body")].map((l) => `${stack}${l}`);
    assert.ok(lines.some((l) => leaves.some((leaf) => stackOf(l).endsWith(leaf))), lines[10]);
    assert.ok(!run.stdout.includes(`${file}:leaf:`), "a frame in the default format");
  });

  Deno.test(`-e: no sample without frames [${py.label}]`, async () => {
    const file = `${TARGETS}frameless.py`;
    const m = markers(file);
    const [plain, excluded] = await Promise.all([
      austin(["-i", "5ms", py.path, file, "0.8"]),
      austin(["-e", "-i", "5ms", py.path, file, "0.8"]),
    ]);
    const wait = `${file}:wait:${m.get("wait")}`;
    // Without -e the thread running a C function only is sampled with no frame.
    assert.equal(plain.code, 0, plain.stderr);
    const plainLines = samples(plain.stdout);
    const pid = /^P(\d+);/.exec(plainLines[0])?.[1];
    const empty = plainLines.filter((l) =>
      FRAMELESS.test(l) && !l.startsWith(`P${pid};T0:${pid} `)
    );
    assert.ok(empty.length > 20, `${empty.length} frameless samples without -e`);
    assert.ok(plainLines.some((l) => stackOf(l).endsWith(wait)));
    // With -e: none at all, and the main thread's samples are still there.
    assert.equal(excluded.code, 0, excluded.stderr);
    const lines = samples(excluded.stdout);
    const left = lines.filter((l) => FRAMELESS.test(l));
    assert.equal(left.length, 0, left[0]);
    assert.ok(lines.filter((l) => stackOf(l).endsWith(wait)).length > 20);
    assert.equal(threadsOf(lines).size, 1);
    // Excluded samples are not counted in the statistics either.
    const count = /💀 Error rate : \d+\/(\d+) /.exec(excluded.stderr)?.[1];
    assert.equal(Number(count), lines.length, excluded.stderr);
  });
}

// ---------------------------------------------------------------------------
// 6. -h, value units, long-option prefixes, -t units, later options winning.

for (const py of ONE) {
  Deno.test(`option values: -h, -i units, prefixes, -t ms, overrides [${py.label}]`, async () => {
    const sleepy = `${TARGETS}sleepy.py`;
    const nested = `${TARGETS}nested.py`;
    const cases: Array<[string[], string, string]> = [
      [["-h", "64", "-i", "5ms"], "5000", "wall"],
      [["-i", "1s"], "1000000", "wall"],
      [["--inter=20ms"], "20000", "wall"],
      [["--interval", "30ms"], "30000", "wall"],
      [["-i", "10ms", "-s", "--interval=20ms"], "20000", "cpu"],
      [["-t", "100ms", "-i", "10ms"], "10000", "wall"],
      [["-t", "1s", "-i", "10ms"], "10000", "wall"],
      [["-s", "-m", "-i", "10ms"], "10000", "memory"],
      [["-f", "-s", "-i", "10ms"], "10000", "full"],
    ];
    const runs = await Promise.all(
      cases.map(([args]) => austin([...args, py.path, args[0] === "-h" ? nested : sleepy, "0.5"])),
    );
    cases.forEach(([args, interval, mode], n) => {
      const run = runs[n];
      const what = args.join(" ");
      assert.equal(run.code, 0, `${what}: ${run.stderr}`);
      const meta = metadata(run.stdout);
      assert.equal(meta.get("interval"), interval, what);
      assert.equal(meta.get("mode"), mode, what);
      assert.ok(meta.has("duration"), what);
    });
    // -h changes nothing in the output: same header, same kind of samples.
    const heap = runs[0];
    assert.ok(heap.stdout.startsWith("# austin: 3.7.0\n# interval: 5000\n# mode: wall\n\n"));
    assert.match(heap.stdout, /\n\n# duration: \d+\n\n$/);
    const lines = samples(heap.stdout);
    assert.ok(lines.length > 20, `${lines.length} samples with -h 64`);
    assert.ok(lines.some((l) => stackOf(l).includes(`${nested}:leaf:`)));
    for (const line of lines) assert.match(metricOf(line), /^\d+$/);
    // Intervals in microseconds: the sampler then never sleeps, so these run alone and briefly.
    for (const [value, interval] of [["5us", "5"], ["7", "7"]]) {
      const run = await austin(["-i", value, py.path, sleepy, "0.2"]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(metadata(run.stdout).get("interval"), interval, `-i ${value}`);
    }
    // Other -t suffixes stay rejected.
    const bad = await austin(["-t", "5us", py.path, sleepy, "0.1"]);
    assert.equal(bad.code, 64);
    assert.ok(bad.stderr.startsWith("austin: timeout must be a positive integer\n"), bad.stderr);
  });
}

// ---------------------------------------------------------------------------
// 7. Pipe mode (-P).

for (const py of TWO) {
  Deno.test(`-P: metadata, footer statistics and stderr [${py.label}]`, async () => {
    const file = `${TARGETS}mixed.py`;
    const out = await Deno.makeTempFile({ suffix: ".austin" });
    try {
      const [version, pipe, children, toFile] = await Promise.all([
        pythonVersion(py.path),
        austin(["-P", "-i", "5ms", py.path, file, "0.6"]),
        austin(["-CP", "-i", "5ms", py.path, file, "0.6"]),
        austin(["-P", "-i", "5ms", "-o", out, py.path, file, "0.6"]),
      ]);

      // Nothing on stderr but the child's own line; the child's stdout is discarded.
      assert.equal(pipe.code, 0, pipe.stderr);
      assert.equal(pipe.stderr, "mixed.py: done\n");
      assert.ok(!pipe.stdout.includes("mixed.py: started"));
      assert.ok(
        pipe.stdout.startsWith(
          `# austin: 3.7.0\n# interval: 5000\n# mode: wall\n# python: ${version}\n\n`,
        ),
        pipe.stdout.slice(0, 200),
      );
      const footer =
        /\n\n# duration: (\d+)\n# sampling: (\d+),(\d+),(\d+)\n# saturation: (\d+)\/(\d+)\n# errors: (\d+)\/(\d+)\n\n$/
          .exec(pipe.stdout);
      assert.ok(footer !== null, pipe.stdout.slice(-300));
      const [, duration, min, avg, max, long, total, errors, total2] = footer.map(Number);
      const count = samples(pipe.stdout).length;
      assert.ok(duration > 100_000);
      assert.ok(min <= avg && avg <= max, `sampling ${min},${avg},${max}`);
      assert.equal(total, count);
      assert.equal(total2, count);
      assert.ok(long <= count && errors <= count);
      assert.equal(metadata(pipe.stdout).get("python"), version);

      // -C: the # python: line comes first.
      assert.equal(children.code, 0, children.stderr);
      assert.equal(children.stderr, "mixed.py: done\n");
      assert.ok(
        children.stdout.startsWith(
          `# python: ${version}\n# austin: 3.7.0\n# interval: 5000\n# mode: wall\n# multiprocess: on\n\n`,
        ),
        children.stdout.slice(0, 200),
      );
      assert.match(children.stdout, /\n# errors: \d+\/\d+\n\n$/);

      // -o: all the metadata in the file; the child's stdout is kept on ours.
      assert.equal(toFile.code, 0, toFile.stderr);
      assert.equal(toFile.stderr, "mixed.py: done\n");
      assert.equal(toFile.stdout, "mixed.py: started\n");
      const text = await Deno.readTextFile(out);
      const meta = metadata(text);
      for (
        const key of [
          "austin",
          "interval",
          "mode",
          "python",
          "duration",
          "sampling",
          "saturation",
          "errors",
        ]
      ) {
        assert.ok(meta.has(key), `no # ${key}: in the file`);
      }
      assert.equal(meta.get("python"), version);
      assert.ok(samples(text).length > 20);
    } finally {
      await Deno.remove(out);
    }
  });

  Deno.test(`-P: no samples, no statistics lines [${py.label}]`, async () => {
    const target = await sleeper(py);
    try {
      const [version, run] = await Promise.all([
        pythonVersion(py.path),
        austin(["-Ps", "-i", "10ms", "-x", "1", "-p", String(target.pid)]),
      ]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stderr, "");
      const layout = new RegExp(
        `^# austin: 3\\.7\\.0\\n# interval: 10000\\n# mode: cpu\\n# python: ${
          literal(version)
        }\\n\\n\\n# duration: (\\d+)\\n\\n$`,
      );
      const m = layout.exec(run.stdout);
      assert.ok(m !== null, JSON.stringify(run.stdout));
      assert.ok(Number(m[1]) >= 900_000 && Number(m[1]) < 1_300_000, m[1]);
    } finally {
      await stop(target);
    }
  });
}

// ---------------------------------------------------------------------------
// 8. stderr outside pipe mode: banner, version, exposure, statistics, colour.

for (const py of ONE) {
  Deno.test(`stderr: banner, version, exposure and statistics [${py.label}]`, async () => {
    const sleepy = `${TARGETS}sleepy.py`;
    const target = await sleeper(py);
    let runs: Run[];
    try {
      runs = await Promise.all([
        austinIn(["-i", "10ms", "-x", "1", py.path, sleepy, "3"], {}, ["NO_COLOR"]),
        austinIn(["-g", "-i", "10ms", "-x", "2", py.path, sleepy, "3"], {}, ["NO_COLOR"]),
        austinIn(["-s", "-i", "10ms", "-x", "1", "-p", String(target.pid)], {}, ["NO_COLOR"]),
      ]);
    } finally {
      await stop(target);
    }
    const [one, two, none] = runs;
    const version = await pythonVersion(py.path);
    const head = (seconds: string) =>
      `${BANNER}\n🐍 Python version: ${version}\n🕑 Sampling for ${seconds}\n`;
    const number = "(\\d+)";
    const statistics = (gc: boolean) =>
      new RegExp(
        "^\\nStatistics\\n" +
          "⌛ Sampling duration : (\\d+\\.\\d\\d) s\\n" +
          (gc ? "🗑️  Garbage collector : (\\d+\\.\\d\\d) s \\((\\d+\\.\\d\\d) %\\)\\n" : "") +
          `⏱️  Frame sampling \\(min/avg/max\\) : ${number}/${number}/${number} \\u03bcs\\n` +
          `🐢 Long sampling rate : ${number}/${number} \\((\\d+\\.\\d\\d) %\\) samples took longer than the sampling interval to collect\\n` +
          `💀 Error rate : ${number}/${number} \\((\\d+\\.\\d\\d) %\\) invalid samples\\n$`,
        "u",
      );
    const percent = (part: number, whole: number) => ((part * 100) / whole).toFixed(2);

    for (
      const [run, seconds, gc] of [[one, "1 second", false], [two, "2 seconds", true]] as const
    ) {
      assert.equal(run.code, 0, run.stderr);
      assert.ok(!run.stderr.includes("\x1b"), "escapes on a pipe");
      assert.ok(run.stderr.startsWith(head(seconds)), JSON.stringify(run.stderr.slice(0, 400)));
      const m = statistics(gc).exec(run.stderr.slice(head(seconds).length));
      assert.ok(m !== null, JSON.stringify(run.stderr));
      const values = m.slice(1);
      const duration = Number(metadata(run.stdout).get("duration"));
      const count = samples(run.stdout).length;
      assert.ok(Math.abs(Number(values.shift()) - duration / 1e6) <= 0.011, `duration ${duration}`);
      if (gc) {
        const gcTime = Number(metadata(run.stdout).get("gc"));
        assert.ok(Math.abs(Number(values.shift()) - gcTime / 1e6) <= 0.011, `gc ${gcTime}`);
        assert.equal(values.shift(), percent(gcTime, duration));
      }
      const [min, avg, max, long, total, longPercent, errors, total2, errorPercent] = values;
      assert.ok(Number(min) <= Number(avg) && Number(avg) <= Number(max), `${min}/${avg}/${max}`);
      assert.equal(Number(total), count);
      assert.equal(Number(total2), count);
      assert.equal(longPercent, percent(Number(long), count));
      assert.equal(errorPercent, percent(Number(errors), count));
    }

    // No samples: the statistics become one line.
    assert.equal(none.code, 0, none.stderr);
    assert.equal(samples(none.stdout).length, 0);
    assert.equal(none.stderr, `${head("1 second")}\n😣 No samples collected.\n`);
  });

  Deno.test(`stderr: escapes only on a terminal, never with NO_COLOR [${py.label}]`, async () => {
    const script = onPath("script");
    if (script === null) {
      console.log("[modes] `script` (util-linux) not found: pseudo-terminal colour check skipped");
      return;
    }
    const command = [
      Deno.execPath(),
      "run",
      "-A",
      MAIN,
      "-i",
      "10ms",
      "-x",
      "1",
      py.path,
      `${TARGETS}sleepy.py`,
      "3",
    ].map(shellWord).join(" ");
    const underTerminal = async (set: Record<string, string>) => {
      const env = Deno.env.toObject();
      delete env.NO_COLOR;
      const out = await new Deno.Command(script, {
        args: ["-qec", command, "/dev/null"],
        env: { ...env, AUSTIN_NO_LOGGING: "1", ...set },
        clearEnv: true,
        stdin: "null",
      }).output();
      return { code: out.code, text: decoder.decode(out.stdout) + decoder.decode(out.stderr) };
    };
    const [coloured, noColor, emptyNoColor] = await Promise.all([
      underTerminal({}),
      underTerminal({ NO_COLOR: "1" }),
      underTerminal({ NO_COLOR: "" }),
    ]);
    const version = await pythonVersion(py.path);
    for (const run of [coloured, emptyNoColor]) {
      assert.equal(run.code, 0, run.text);
      assert.ok(
        run.text.includes(`\x1b[1m${BANNER.split("\n")[0].slice(0, -1)}\x1b[0m \r\n`),
        run.text,
      );
      assert.ok(
        run.text.includes("\x1b[1m\\__,_|\\_,_/__/\\__|_|_||_|\x1b[0m \x1b[36;1m3.7.0\x1b[0m"),
      );
      assert.ok(run.text.includes(`🐍 \x1b[1mPython\x1b[0m version: \x1b[33;1m${version}\x1b[0m`));
      assert.ok(run.text.includes("\x1b[1mStatistics\x1b[0m"));
    }
    assert.equal(noColor.code, 0, noColor.text);
    assert.ok(noColor.text.includes("🐍 Python version: " + version), noColor.text);
    assert.ok(!noColor.text.includes("\x1b"), JSON.stringify(noColor.text.slice(0, 300)));
  });
}

// ---------------------------------------------------------------------------
// 9. Help, usage and version.

const HELP = `Usage: austin [OPTION...] command [ARG...]
Austin is a frame stack sampler for CPython that is used to extract profiling
data out of a running Python process (and all its children, if required) that
requires no instrumentation and has practically no impact on the tracee.

  -a, --alt-format           Alternative collapsed stack sample format.
  -b, --binary               Emit data in the MOJO binary format. See
                             https://github.com/P403n1x87/austin/wiki/The-MOJO-file-format
                             for more details.
  -c, --cpu                  Sample on-CPU stacks only.
  -C, --children             Attach to child processes.
  -e, --exclude-empty        Do not output samples of threads with no frame
                             stacks.
  -f, --full                 Produce the full set of metrics (time +mem -mem).
  -g, --gc                   Sample the garbage collector state.
  -h, --heap=n_mb            Maximum heap size to allocate to increase sampling
                             accuracy, in MB (default is 0).
  -i, --interval=n_us        Sampling interval in microseconds (default is
                             100). Accepted units: s, ms, us.
  -m, --memory               Profile memory usage.
  -o, --output=FILE          Specify an output file for the collected samples.
  -p, --pid=PID              Attach to the process with the given PID.
  -P, --pipe                 Pipe mode. Use when piping Austin output.
  -s, --sleepless            Suppress idle samples to estimate CPU time.
  -t, --timeout=n_ms         Start up wait time in milliseconds (default is
                             100). Accepted units: s, ms.
  -w, --where=PID            Dump the stacks of all the threads within the
                             process with the given PID.
  -x, --exposure=n_sec       Sample for n_sec seconds only.
  -?, --help                 Give this help list
      --usage                Give a short usage message
  -V, --version              Print program version

Mandatory or optional arguments to long options are also mandatory or optional
for any corresponding short options.

Report bugs to <https://github.com/P403n1x87/austin/issues>.
`;

const USAGE = `Usage: austin [-abcCefgmPs?V] [-h n_mb] [-i n_us] [-o FILE] [-p PID] [-t n_ms]
            [-w PID] [-x n_sec] [--alt-format] [--binary] [--cpu] [--children]
            [--exclude-empty] [--full] [--gc] [--heap=n_mb] [--interval=n_us]
            [--memory] [--output=FILE] [--pid=PID] [--pipe] [--sleepless]
            [--timeout=n_ms] [--where=PID] [--exposure=n_sec] [--help]
            [--usage] [--version] command [ARG...]
`;

Deno.test("--help, -?, --usage, -V, --version: texts on stdout, exit 0", async () => {
  const cases: Array<[string[], string]> = [
    [["--help"], HELP],
    [["-?"], HELP],
    [["--usage"], USAGE],
    [["-V"], "austin 3.7.0\n"],
    [["--version"], "austin 3.7.0\n"],
    // Long-option prefixes, and the text wins over the options before it.
    [["--hel"], HELP],
    [["-i", "5ms", "--usage"], USAGE],
  ];
  const runs = await Promise.all(cases.map(([args]) => austin(args)));
  cases.forEach(([args, text], n) => {
    const what = args.join(" ");
    assert.equal(runs[n].code, 0, what);
    assert.equal(runs[n].stderr, "", what);
    assert.equal(runs[n].stdout, text, what);
  });
});

// ---------------------------------------------------------------------------
// 10. Live output (decision h): flushed at least every 100 ms.

for (const py of ONE) {
  Deno.test(`output reaches a pipe while sampling [${py.label}]`, async () => {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, "-i", "10ms", py.path, `${TARGETS}nested.py`, "3"],
      env: { AUSTIN_NO_LOGGING: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const arrivals: Array<{ at: number; text: string }> = [];
    let text = "";
    let header = -1;
    let firstSample = -1;
    const textDecoder = new TextDecoder();
    for await (const chunk of child.stdout) {
      const at = performance.now();
      const part = textDecoder.decode(chunk, { stream: true });
      text += part;
      arrivals.push({ at, text: part });
      if (header < 0 && text.startsWith("# austin: 3.7.0\n")) header = at;
      if (firstSample < 0 && text.includes("\nP")) firstSample = at;
    }
    const end = performance.now();
    const status = await child.status;
    assert.equal(status.code, 0);
    assert.ok(header >= 0 && firstSample >= 0, text.slice(0, 300));
    assert.ok(
      firstSample - header < 1000,
      `first sample ${firstSample - header} ms after the header`,
    );
    assert.ok(end - firstSample > 1500, `first sample only ${end - firstSample} ms before the end`);
    // Samples keep coming during the run, not in one block at the end.
    const during = arrivals.filter((a) => a.at < end - 1000 && a.text.includes("\nP"));
    assert.ok(
      during.length >= 5,
      `${during.length} chunks of samples more than 1 s before the end`,
    );
    assert.ok(text.endsWith("\n\n") && metadata(text).has("duration"));
  });
}
