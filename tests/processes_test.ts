/**
 * End-to-end tests of how austin-deno deals with processes: children mode
 * (`-C`), where mode (`-w`), sub-interpreters, signals and the end of a run,
 * and syslog logging (spec: austin-behaviour.md sections 4, 7, 10, 11, 12 and
 * decisions c, f, g, h, j).
 *
 * Versions: where mode runs on every installed interpreter (one pass each);
 * sub-interpreters on every 3.12+; the `-C` multiprocessing targets on two
 * versions (3.11 and 3.13 when installed); every other scenario does not
 * depend on the version and runs on one (3.11 when installed).
 */

import assert from "node:assert/strict";
import {
  austin,
  Capture,
  MAIN,
  markers,
  metadata,
  metricSum,
  samples,
  sleep,
  stackOf,
  startTarget,
  TARGETS,
} from "./austin.ts";
import {
  allInterpreters,
  atLeast,
  type Interpreter,
  interpreters,
  newestReleases,
} from "./interpreters.ts";

// ---------------------------------------------------------------------------
// Interpreters

function pick(minor: number): Interpreter | undefined {
  const py3 = allInterpreters().filter((i) => i.major === 3 && i.minor === minor);
  return py3.find((i) => i.label.startsWith("pyenv")) ?? py3[0];
}

const ANY3 = allInterpreters().filter((i) => i.major === 3);
/** The version for the scenarios that do not depend on the version. */
const ONE: Interpreter = pick(11) ?? ANY3[ANY3.length - 1] ?? allInterpreters()[0];
/** A second version for the multiprocessing targets. */
const TWO: Interpreter | undefined = pick(13) ?? pick(12);

const WHERE = interpreters("processes: where mode (-w)");
const NEWEST = newestReleases();
const SINGLE = interpreters("processes: version-independent scenarios", (i) => i === ONE);
const CHILDREN = interpreters(
  "processes: -C, signals (one version and the newest)",
  (i) => i === ONE || NEWEST.includes(i),
);
const MULTI = interpreters(
  "processes: -C multiprocessing",
  (i) => i === ONE || i === TWO || NEWEST.includes(i),
);
const SUBINTERPRETERS = interpreters(
  "processes: sub-interpreters (3.12+ only: _xxsubinterpreters / _interpreters)",
  (i) => atLeast(i, 3, 12),
);

/** The one interpreter for the version-independent tests (always there: `interpreters` throws if none). */
const PY = SINGLE[0] ?? ONE;

// ---------------------------------------------------------------------------
// Helpers

const decoder = new TextDecoder();

/** `python -V` as X.Y.Z. */
async function exactVersion(python: string): Promise<string> {
  const out = await new Deno.Command(python, { args: ["-V"] }).output();
  const text = decoder.decode(out.stdout) + decoder.decode(out.stderr);
  return (/Python (\d+\.\d+\.\d+)/.exec(text) as RegExpExecArray)[1];
}

/** austin-deno as a subprocess we can signal, with its stdout and stderr captured. */
interface Spawned {
  child: Deno.ChildProcess;
  out: Capture;
  err: Capture;
}

function spawnAustin(args: string[], env: Record<string, string> = {}): Spawned {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { AUSTIN_NO_LOGGING: "1", ...env },
  }).spawn();
  return { child, out: new Capture(child.stdout), err: new Capture(child.stderr) };
}

/** Resolves with `promise`, or rejects after `ms` (the timer is always cleared). */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Kills a process we spawned (if it still runs) and waits for it. */
async function stop(process: Deno.ChildProcess): Promise<void> {
  try {
    process.kill("SIGKILL");
  } catch {
    // already gone
  }
  await process.status;
}

/** Ends `spawned` (if it still runs) and waits for it and its streams. */
async function reap(spawned: Spawned): Promise<void> {
  await stop(spawned.child);
  await Promise.all([spawned.out.done, spawned.err.done]);
}

/** Whether a process exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !/^\d+ \(.*\) [ZX]/s.test(stat);
  } catch {
    return false;
  }
}

/** Sends SIGKILL to a process we started (directly or through austin-deno), if it still runs. */
function killPid(pid: number): void {
  try {
    Deno.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** Distinct pids of the sample lines. */
function pidsOf(lines: string[]): Set<number> {
  return new Set(lines.map((l) => Number(/^P(\d+);/.exec(l)?.[1])));
}

/** Waits until a process has `count` threads; returns their ids. */
async function waitForThreads(pid: number, count: number): Promise<Set<number>> {
  for (let i = 0; i < 150; i++) {
    const tids = [...Deno.readDirSync(`/proc/${pid}/task`)].map((e) => Number(e.name));
    if (tids.length >= count) return new Set(tids);
    await sleep(20);
  }
  throw new Error(`process ${pid} never reached ${count} threads`);
}

/** Waits until a process has at least `count` descendants, whatever their programs. */
async function waitForDescendants(pid: number, count: number): Promise<void> {
  for (let i = 0; i < 150; i++) {
    const parents = new Map<number, number>();
    for (const entry of Deno.readDirSync("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      try {
        const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        parents.set(Number(entry.name), ppid);
      } catch {
        // gone
      }
    }
    const tree = new Set([pid]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const [p, pp] of parents) {
        if (tree.has(pp) && !tree.has(p)) {
          tree.add(p);
          grew = true;
        }
      }
    }
    if (tree.size - 1 >= count) return;
    await sleep(20);
  }
  throw new Error(`process ${pid} never had ${count} descendants`);
}

/** One thread of the where-mode output. */
interface Block {
  idle: boolean;
  child: boolean;
  pid: number;
  iid: number;
  tid: number;
  /** The frame lines without their 4-space indent, outermost first. */
  frames: string[];
  raw: string;
}

const BLOCK =
  /\n\n(\u{1F4A4}|\u{1F680})(\u{1F9D2})? Process (\d+) \u{1F9F5} Thread (\d+):(\d+)\n\n((?: {4}[^\n]*\n)*)/gu;

/** The thread blocks of a where-mode output. */
function whereBlocks(text: string): Block[] {
  return [...text.matchAll(BLOCK)].map((m) => ({
    idle: m[1] === "\u{1F4A4}",
    child: m[2] !== undefined,
    pid: Number(m[3]),
    iid: Number(m[4]),
    tid: Number(m[5]),
    frames: m[6].split("\n").filter((l) => l !== "").map((l) => l.slice(4)),
    raw: m[0],
  }));
}

const BABY_MESSAGE =
  "\n\u{1F6BC} It looks like you are trying to profile a process that is not a " +
  "Python\nprocess, and that has not spawned any child Python processes. Make sure that\nyou " +
  "are targeting the right application.\n";
const CANNOT_LAUNCH = "\n❌ Cannot launch the given command or it terminated too quickly.\n";

// ---------------------------------------------------------------------------
// 1. Children mode (-C)

for (const py of CHILDREN) {
  Deno.test(`-C: python child and python→bash→python grandchild [${py.label}]`, async () => {
    const file = `${TARGETS}children.py`;
    const nested = `${TARGETS}nested.py`;
    const run = await austin(["-C", "-i", "2ms", py.path, file, "1"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(metadata(run.stdout).get("multiprocess"), "on");
    assert.ok(run.stdout.includes("\n# duration: "), "no footer");
    const lines = samples(run.stdout);
    const pids = pidsOf(lines);
    // children.py itself, its direct child and the grandchild behind bash: the
    // only two Python processes it starts both run nested.py, so three
    // processes mean that the grandchild was found through bash (decision g).
    assert.ok(pids.size >= 3, `processes: ${[...pids].join(", ")}`);
    const parents = [...pids].filter((p) =>
      lines.some((l) => l.startsWith(`P${p};`) && l.includes(`${file}:<module>:`))
    );
    assert.equal(parents.length, 1, `parents: ${parents.join(", ")}`);
    const children = [...pids].filter((p) => p !== parents[0]);
    assert.ok(children.length >= 2, `children: ${children.join(", ")}`);
    for (const child of children) {
      const own = lines.filter((l) => l.startsWith(`P${child};`));
      assert.ok(own.some((l) => l.includes(`${nested}:main:`)), `no main in child ${child}`);
      assert.ok(
        own.some((l) => /:leaf:\d+$/.test(stackOf(l)) && l.includes(`${nested}:leaf:`)),
        `no leaf in child ${child}`,
      );
    }
    // stderr in non-pipe mode: headings and version lines, no escapes (not a terminal).
    const version = await exactVersion(py.path);
    const headings = `\nParent process\n\n🐍 Python version: ${version}\n\nChild processes\n` +
      `\n🐍 Python version: ${version}\n\n🐍 Python version: ${version}\n`;
    assert.ok(run.stderr.includes(headings), run.stderr);
    assert.equal(run.stderr.includes("\x1b"), false, "escapes on a stderr that is no terminal");
  });

  Deno.test(`-CP: children's # python: lines on stderr [${py.label}]`, async () => {
    const run = await austin(["-CP", "-i", "10ms", py.path, `${TARGETS}children.py`, "1"]);
    assert.equal(run.code, 0, run.stderr);
    const version = await exactVersion(py.path);
    assert.ok(run.stdout.startsWith(`# python: ${version}\n# austin: 3.7.0\n`), run.stdout);
    assert.equal(metadata(run.stdout).get("multiprocess"), "on");
    assert.ok(pidsOf(samples(run.stdout)).size >= 3);
    // Only the parent's version is in the output; the children's go to stderr.
    assert.equal(run.stdout.split("\n").filter((l) => l.startsWith("# python:")).length, 1);
    assert.equal(run.stderr, `# python: ${version}\n# python: ${version}\n`);
  });

  Deno.test(`-C: non-Python parent, Python child sampled throughout [${py.label}]`, async () => {
    const nested = `${TARGETS}nested.py`;
    const run = await austin([
      "-C",
      "-i",
      "10ms",
      "bash",
      "-c",
      `"${py.path}" "${nested}" 3; true`,
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.stderr.includes("\nParent process\n\n👽 Not a Python process.\n"), run.stderr);
    const lines = samples(run.stdout);
    const pids = pidsOf(lines);
    assert.equal(pids.size, 1, `processes: ${[...pids].join(", ")}`);
    assert.ok(lines.some((l) => l.includes(`${nested}:leaf:`)));
    // Austin takes one sample of the child and then waits for bash; austin-deno
    // keeps sampling it at the interval (decision g): about 2 s of 10 ms samples.
    assert.ok(lines.length > 100, `only ${lines.length} samples`);
    const sum = metricSum(lines);
    assert.ok(sum > 1_000_000, `the samples cover only ${sum} µs`);
  });

  Deno.test(`-C: non-Python parent without Python children: exit 39 [${py.label}]`, async () => {
    const run = await austin(["-C", "bash", "-c", "sleep 2"]);
    assert.equal(run.code, 39, run.stderr);
    assert.ok(run.stderr.includes("👽 Not a Python process.\n"), run.stderr);
    assert.ok(run.stderr.endsWith(BABY_MESSAGE), run.stderr);
  });
}

Deno.test("-C snafubar: exit 33, cannot launch", async () => {
  const run = await austin(["-C", "snafubar"]);
  assert.equal(run.code, 33, run.stderr);
  assert.ok(run.stderr.endsWith(CANNOT_LAUNCH), run.stderr);
});

for (const py of MULTI) {
  for (const method of ["fork", "spawn"]) {
    Deno.test(`-C: multiprocessing (${method}) workers in fact [${py.label}]`, async () => {
      const file = `${TARGETS}multi.py`;
      const m = markers(file);
      const run = await austin(["-C", "-i", "2ms", py.path, file, method, "1", "2"]);
      assert.equal(run.code, 0, run.stderr);
      const meta = metadata(run.stdout);
      assert.equal(meta.get("multiprocess"), "on");
      assert.equal(meta.get("mode"), "wall");
      const lines = samples(run.stdout);
      const pids = pidsOf(lines);
      assert.ok(pids.size >= 3, `processes: ${[...pids].join(", ")}`);
      const leaf = `${file}:fact:${m.get("fact")} `;
      const called = `${file}:do:${m.get("do")};${file}:fact:`;
      const workers = [...pids].filter((p) =>
        lines.some((l) => l.startsWith(`P${p};`) && l.includes(leaf) && l.includes(called))
      );
      assert.ok(workers.length >= 2, `fact as a leaf under do in ${workers.length} processes`);
    });
  }
}

// ---------------------------------------------------------------------------
// 2. Where mode (-w)

for (const py of WHERE) {
  Deno.test(`-w: one block per thread, idle and busy [${py.label}]`, async () => {
    const file = `${TARGETS}threads.py`;
    const m = markers(file);
    const target = startTarget(py.path, file, ["5"]);
    try {
      const tids = await waitForThreads(target.pid, 4);
      await sleep(200);
      // The busy threads take turns holding the GIL, and only the holder is
      // running: try a few passes until one of them is caught running.
      let blocks: Block[] = [];
      for (let attempt = 0; attempt < 3; attempt++) {
        const run = await austin(["-w", String(target.pid)]);
        assert.equal(run.code, 0, run.stderr);
        const out = run.stdout;
        assert.ok(out.includes("Process") && out.includes("Thread"), out);
        assert.ok(out.includes(file), out);
        assert.ok(out.includes("<module>"), out);
        assert.equal(out.includes("\x1b"), false, "escapes on a stdout that is no terminal");
        assert.equal(out.includes("# "), false, "metadata in where mode");
        blocks = whereBlocks(out);
        assert.equal(blocks.map((b) => b.raw).join(""), out, "output not made of thread blocks");
        assert.deepEqual(new Set(blocks.map((b) => b.tid)), tids);
        assert.equal(blocks.length, tids.size);
        assert.ok(blocks.every((b) => b.pid === target.pid && b.iid === 0 && !b.child));
        assert.ok(run.stderr.includes(`Python version: ${await exactVersion(py.path)}`));
        assert.equal(run.stderr.includes("🕑"), false);
        if (blocks.some((b) => !b.idle && b.frames.some((f) => f.startsWith("busy ")))) break;
      }
      const sleeper = blocks.filter((b) =>
        b.frames.at(-1) === `sleeper (${file}:${m.get("sleeper")})`
      );
      assert.equal(sleeper.length, 1, "no sleeper thread");
      assert.ok(sleeper[0].idle, "the sleeping thread is not 💤");
      const main = blocks.find((b) => b.tid === target.pid) as Block;
      assert.equal(main.frames[0], `<module> (${file}:${m.get("module")})`);
      assert.ok(main.frames.includes(`main (${file}:${m.get("join")})`), main.raw);
      assert.ok(main.idle, "the joining main thread is not 💤");
      const busy = blocks.filter((b) => b.frames.at(-1)?.startsWith(`busy (${file}:`));
      assert.equal(busy.length, 2, "not two busy threads");
      assert.ok(busy.some((b) => !b.idle), "no busy thread is 🚀");
    } finally {
      await stop(target);
    }
  });
}

for (const py of SINGLE) {
  Deno.test(`-w variants: -s, -e, -b, -P, -o [${py.label}]`, async () => {
    const file = `${TARGETS}threads.py`;
    const target = startTarget(py.path, file, ["6"]);
    const dir = await Deno.makeTempDir();
    try {
      const tids = await waitForThreads(target.pid, 4);
      await sleep(200);
      const pid = String(target.pid);

      const sleepless = await austin(["-sw", pid]);
      assert.equal(sleepless.code, 0, sleepless.stderr);
      const running = whereBlocks(sleepless.stdout);
      assert.ok(running.every((b) => !b.idle), "-sw printed an idle thread");
      assert.ok(running.length <= 2, `${running.length} running threads`);
      assert.equal(sleepless.stdout.includes("sleeper ("), false);
      assert.equal(sleepless.stdout.includes("💤"), false);

      const empty = await austin(["-ew", pid]);
      assert.equal(empty.code, 0, empty.stderr);
      assert.deepEqual(new Set(whereBlocks(empty.stdout).map((b) => b.tid)), tids);

      const binary = await austin(["-bw", pid]);
      assert.equal(binary.code, 0, binary.stderr);
      assert.equal(binary.stdout.includes("MOJ"), false);
      assert.ok(binary.stdout.startsWith("\n\n"));
      assert.deepEqual(new Set(whereBlocks(binary.stdout).map((b) => b.tid)), tids);

      const pipe = await austin(["-Pw", pid]);
      assert.equal(pipe.code, 0, pipe.stderr);
      assert.ok(pipe.stdout.startsWith(`# python: ${await exactVersion(py.path)}\n\n\n`));
      assert.deepEqual(new Set(whereBlocks(pipe.stdout).map((b) => b.tid)), tids);
      assert.equal(pipe.stderr, "");

      const output = `${dir}/where.txt`;
      const toFile = await austin(["-w", pid, "-o", output]);
      assert.equal(toFile.code, 0, toFile.stderr);
      assert.equal(toFile.stdout, "");
      const written = await Deno.readTextFile(output);
      assert.deepEqual(new Set(whereBlocks(written).map((b) => b.tid)), tids);
      assert.ok(written.includes(file) && written.includes("<module>"));
      assert.equal(written.includes("\x1b"), false);
    } finally {
      await stop(target);
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`-Cw: children first with 🧒, parent last [${py.label}]`, async () => {
    const file = `${TARGETS}children.py`;
    const nested = `${TARGETS}nested.py`;
    const target = startTarget(py.path, file, ["4"]);
    try {
      await waitForDescendants(target.pid, 3); // python, bash, python
      await sleep(300);
      let blocks: Block[] = [];
      let stderr = "";
      // Austin's own test repeats until it sees all the processes: a child can
      // still be starting up when the one pass is taken.
      for (let attempt = 0; attempt < 3; attempt++) {
        const run = await austin(["-Cw", String(target.pid)]);
        assert.equal(run.code, 0, run.stderr);
        blocks = whereBlocks(run.stdout);
        stderr = run.stderr;
        if (new Set(blocks.map((b) => b.pid)).size >= 3) break;
      }
      const pids = [...new Set(blocks.map((b) => b.pid))];
      assert.equal(pids.length, 3, `processes: ${pids.join(", ")}`);
      const last = blocks.at(-1) as Block;
      assert.equal(last.pid, target.pid);
      assert.equal(last.child, false);
      assert.ok(last.frames[0].startsWith(`<module> (${file}:`), last.raw);
      const children = blocks.filter((b) => b.pid !== target.pid);
      assert.equal(children.length, 2);
      assert.ok(children.every((b) => b.child), "a child without 🧒");
      assert.ok(children.every((b) => b.frames.some((f) => f.startsWith("main (" + nested))));
      assert.deepEqual(blocks.slice(0, 2), children, "the children do not come first");
      assert.ok(stderr.includes("\nParent process\n") && stderr.includes("\nChild processes\n"));
    } finally {
      await stop(target);
    }
  });

  Deno.test(`-w of a process that is not Python: exit 32 [${py.label}]`, async () => {
    const sleeper = new Deno.Command("sleep", { args: ["5"] }).spawn();
    try {
      const run = await austin(["-t", "200", "-w", String(sleeper.pid)]);
      assert.equal(run.code, 32, run.stderr);
      assert.ok(run.stderr.includes("👾 It looks like you are trying to profile a process"));
      assert.equal(run.stdout, "");
    } finally {
      await stop(sleeper);
    }
  });
}

Deno.test("-w of a process that does not exist: exit 36", async () => {
  const run = await austin(["-w", "9999999"]);
  assert.equal(run.code, 36, run.stderr);
  assert.ok(run.stderr.includes("🛑 Cannot attach to the given process."), run.stderr);
  assert.equal(run.stdout, "");
});

// ---------------------------------------------------------------------------
// 3. Sub-interpreters (decision f)

if (SUBINTERPRETERS.length === 0) {
  console.log("SKIP sub-interpreters: no Python 3.12 or later installed");
}

/** `text` as a regular expression that matches it literally. */
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Checks the samples of a subinterp.py run. */
function checkSubinterpreters(lines: string[], pid: number): void {
  const file = `${TARGETS}subinterp.py`;
  const body = `${TARGETS}subinterp_body.py`;
  const m = markers(file);
  const b = markers(body);
  assert.ok(lines.every((l) => l.startsWith(`P${pid};`)));
  const sub = lines.filter((l) => /^P\d+;T[1-9]\d*:\d+/.test(l));
  assert.ok(sub.length > 0, "no sample of a sub-interpreter (T1:...)");
  const sleeping = `${body}:sub_main:${b.get("sub-main-sleep")};${body}:sub_sleep:${
    b.get("sub-sleep")
  }`;
  const busy = `${body}:sub_main:${b.get("sub-main-busy")};${body}:sub_busy:`;
  assert.ok(sub.some((l) => stackOf(l).endsWith(sleeping)), `no ${sleeping}`);
  assert.ok(sub.some((l) => stackOf(l).includes(busy)), `no ${busy}`);
  // The sub-interpreter's function never shows up in the main interpreter.
  const main = lines.filter((l) => /^P\d+;T0:\d+/.test(l));
  assert.equal(main.filter((l) => l.includes(body)).length, 0);
  // The spinning loop: its `while` line or its body.
  const spin = [m.get("main-spin") as number - 1, m.get("main-spin")];
  assert.ok(main.some((l) => spin.some((n) => stackOf(l).endsWith(`${file}:main_spin:${n}`))));
  // The OS thread that runs the sub-interpreter also has a thread state in the
  // main interpreter, parked in the call that runs it: the target's own `run`
  // (and, from 3.14, concurrent.interpreters' Interpreter.exec), then C.
  const subTids = new Set(sub.map((l) => stackOf(l).split(";")[1].split(":")[1]));
  const inSub = `${file}:in_sub:${m.get("run-string")}`;
  const parkedIn = new RegExp(
    `${escapeRegExp(inSub)};${
      escapeRegExp(file)
    }:run:\\d+(;[^;]*/concurrent/interpreters/__init__\\.py:Interpreter\\.exec:\\d+)?$`,
  );
  const parked = main.filter((l) => parkedIn.test(stackOf(l)) || stackOf(l).endsWith(inSub));
  assert.ok(parked.length > 0, `no T0 sample ending in ${inSub}`);
  const parkedTids = new Set(parked.map((l) => stackOf(l).split(";")[1].split(":")[1]));
  assert.ok([...subTids].some((t) => parkedTids.has(t)), "no tid under both T0 and T1");
}

for (const py of SUBINTERPRETERS) {
  Deno.test(`sub-interpreter created after launch is sampled [${py.label}]`, async () => {
    const run = await austin(["-i", "1ms", py.path, `${TARGETS}subinterp.py`, "0.5", "1.2"]);
    assert.equal(run.code, 0, run.stderr);
    const lines = samples(run.stdout);
    checkSubinterpreters(lines, [...pidsOf(lines)][0]);
  });

  Deno.test(`sub-interpreter created after attach is sampled [${py.label}]`, async () => {
    const target = startTarget(py.path, `${TARGETS}subinterp.py`, ["1", "1.2"]);
    try {
      await sleep(300);
      const run = await austin(["-i", "1ms", "-p", String(target.pid)]);
      assert.equal(run.code, 0, run.stderr);
      checkSubinterpreters(samples(run.stdout), target.pid);
    } finally {
      await stop(target);
    }
  });
}

// ---------------------------------------------------------------------------
// 4. Signals and end of run (decision c)

for (const py of CHILDREN) {
  const ending = `${TARGETS}ending.py`;

  for (
    const [signal, code, message] of [
      ["SIGINT", 254, "child got KeyboardInterrupt\n"],
      ["SIGTERM", 241, "child got SIGTERM\n"],
    ] as const
  ) {
    Deno.test(`${signal} to austin-deno: footer, child signalled, exit ${code} [${py.label}]`, async () => {
      const spawned = spawnAustin(["-i", "1ms", py.path, ending, "10"]);
      let child = 0;
      try {
        // The handlers are installed before the header is written.
        await spawned.out.waitFor(/\nP\d+;/, 5000);
        child = [...pidsOf(samples(spawned.out.text))][0];
        await sleep(300);
        spawned.child.kill(signal);
        const status = await within(spawned.child.status, 5000, `austin-deno after ${signal}`);
        const [stdout, stderr] = await Promise.all([spawned.out.done, spawned.err.done]);
        assert.equal(status.code, code, stderr);
        assert.ok(stderr.includes(message), `the child did not get ${signal}:\n${stderr}`);
        assert.match(stdout, /\n\n# duration: \d+\n\n$/);
        assert.ok(samples(stdout).length > 50);
        // austin-deno waited for its child.
        assert.equal(alive(child), false, `child ${child} still running`);
      } finally {
        await reap(spawned);
        if (child !== 0) killPid(child);
      }
    });
  }

  Deno.test(`-x 1 on a long launched target: exit 0, child terminated [${py.label}]`, async () => {
    const started = Date.now();
    const run = await austin(["-x", "1", "-i", "1ms", py.path, ending, "10"]);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(Date.now() - started < 6000, "the run was not cut short");
    assert.ok(run.stderr.includes("child got SIGTERM\n"), run.stderr);
    const duration = Number(metadata(run.stdout).get("duration"));
    assert.ok(duration >= 900_000 && duration < 1_300_000, `duration ${duration}`);
    const child = [...pidsOf(samples(run.stdout))][0];
    assert.equal(alive(child), false, `child ${child} still running`);
  });

  Deno.test(`launched target exiting 3: exit 3 [${py.label}]`, async () => {
    const run = await austin(["-i", "1ms", py.path, ending, "0.5", "exit3"]);
    assert.equal(run.code, 3, run.stderr);
    assert.ok(samples(run.stdout).length > 0);
    assert.match(run.stdout, /\n\n# duration: \d+\n\n$/);
  });

  Deno.test(`launched target killing itself with SIGKILL: exit 137 [${py.label}]`, async () => {
    const run = await austin(["-i", "1ms", py.path, ending, "0.5", "kill9"]);
    assert.equal(run.code, 137, run.stderr);
    assert.ok(samples(run.stdout).length > 0);
    assert.match(run.stdout, /\n\n# duration: \d+\n\n$/);
  });

  Deno.test(`attached target is never signalled (-x, SIGINT) [${py.label}]`, async () => {
    const target = new Deno.Command(py.path, {
      args: [ending, "15"],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const targetErr = new Capture(target.stderr);
    try {
      await sleep(400);
      const run = await austin(["-x", "1", "-i", "5ms", "-p", String(target.pid)]);
      assert.equal(run.code, 0, run.stderr);
      assert.ok(samples(run.stdout).length > 0);
      await sleep(200);
      assert.ok(alive(target.pid), "the target died after -x");

      const spawned = spawnAustin(["-i", "5ms", "-p", String(target.pid)]);
      try {
        await spawned.out.waitFor(/\nP\d+;/, 5000);
        await sleep(200);
        spawned.child.kill("SIGINT");
        const status = await within(spawned.child.status, 5000, "austin-deno after SIGINT");
        const stdout = await spawned.out.done;
        assert.equal(status.code, 254, spawned.err.text);
        assert.match(stdout, /\n\n# duration: \d+\n\n$/);
      } finally {
        await reap(spawned);
      }
      await sleep(200);
      assert.ok(alive(target.pid), "the target died after SIGINT to austin-deno");
      assert.equal(targetErr.text, "", "the target got a signal");
    } finally {
      await stop(target);
      await targetErr.done;
    }
  });

  Deno.test(`reader closes the pipe: austin-deno ends quietly [${py.label}]`, async () => {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, "-i", "1ms", py.path, ending, "8"],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { AUSTIN_NO_LOGGING: "1" },
    }).spawn();
    const err = new Capture(child.stderr);
    const reader = child.stdout.getReader();
    let text = "";
    let python = 0;
    try {
      // Read up to the first sample (the output is flushed while sampling), then close.
      const until = Date.now() + 5000;
      while (!/\nP\d+;[^\n]*\n/.test(text) && Date.now() < until) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
      python = [...pidsOf(samples(text))][0] ?? 0;
      assert.ok(python > 0, `no sample before closing:\n${text}`);
      await reader.cancel();
      const closed = Date.now();
      const status = await within(child.status, 5000, "austin-deno after the reader closed");
      assert.ok(Date.now() - closed < 3000, "austin-deno went on after the pipe was closed");
      // Unlike Austin, austin-deno ends its child before it exits.
      const orphaned = alive(python);
      killPid(python);
      assert.equal(orphaned, false, `the child ${python} outlived austin-deno`);
      const stderr = await within(err.done, 5000, "stderr");
      assert.equal(/error:|Uncaught|\n {4}at /.test(stderr), false, stderr);
      // As Austin: death by SIGPIPE, as a shell reports it.
      assert.equal(status.code, 141, stderr);
    } finally {
      if (python !== 0) killPid(python);
      await stop(child);
      await err.done;
    }
  });
}

// ---------------------------------------------------------------------------
// 5. Logging (spec section 11)

const RECEIVER = [
  "import socket, sys",
  "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)",
  "s.bind('/dev/log')",
  "sys.stdout.write('ready\\n')",
  "sys.stdout.flush()",
  "while True:",
  "    data = s.recv(65536)",
  "    sys.stdout.buffer.write(data.replace(b'\\n', b' ') + b'\\n')",
  "    sys.stdout.flush()",
].join("\n");

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test(`syslog: info messages to /dev/log, none with AUSTIN_NO_LOGGING [${PY.label}]`, async () => {
  if (Deno.uid() !== 0) {
    console.log("SKIP syslog: needs root to create /dev/log");
    return;
  }
  if (exists("/dev/log")) {
    console.log("SKIP syslog: /dev/log already exists (a real syslog daemon: not touched)");
    return;
  }
  const receiver = new Deno.Command(PY.path, {
    args: ["-c", RECEIVER],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const received = new Capture(receiver.stdout);
  const receiverErr = new Capture(receiver.stderr);
  try {
    await received.waitFor(/^ready\n/, 5000);
    const file = `${TARGETS}sleepy.py`;

    const on = spawnAustin(["-i", "10ms", PY.path, file, "0.3"], { AUSTIN_NO_LOGGING: "" });
    const onStatus = await on.child.status;
    const [onOut, onErr] = await Promise.all([on.out.done, on.err.done]);
    assert.equal(onStatus.code, 0, onErr);

    const off = spawnAustin(["-i", "10ms", PY.path, file, "0.3"], { AUSTIN_NO_LOGGING: "1" });
    const offStatus = await off.child.status;
    const [, offErr] = await Promise.all([off.out.done, off.err.done]);
    assert.equal(offStatus.code, 0, offErr);
    await sleep(300);

    const all = received.text.split("\n");
    const mine = all.filter((l) => l.includes(` austin[${on.child.pid}]: `));
    assert.ok(mine.length > 0, `nothing from austin[${on.child.pid}]:\n${received.text}`);
    const record = /^<(\d+)>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d austin\[(\d+)\]: (.*)$/;
    for (const line of mine) assert.match(line, record);
    const info = mine.filter((l) => l.startsWith("<142>"));
    assert.ok(info.some((l) => l.endsWith(": ====[ AUSTIN ]====")), mine.join("\n"));
    assert.ok(info.some((l) => l.endsWith(": Sampling interval: 10000 μs")), mine.join("\n"));
    // Logging writes nothing to stdout or stderr.
    for (const text of [onOut, onErr]) {
      assert.equal(text.includes("AUSTIN ]===="), false);
      assert.equal(text.includes("Sampling interval"), false);
      assert.equal(text.includes("<142>"), false);
    }
    // Any non-empty AUSTIN_NO_LOGGING turns logging off.
    assert.equal(all.filter((l) => l.includes(`austin[${off.child.pid}]`)).length, 0);
  } finally {
    await stop(receiver);
    await Promise.all([received.done, receiverErr.done]);
    // Always remove the socket, unless someone else made it between our check and our bind.
    if (!receiverErr.text.includes("Address already in use")) {
      try {
        Deno.removeSync("/dev/log");
      } catch {
        // never created
      }
    }
  }
});
