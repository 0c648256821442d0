/**
 * End-to-end sampling tests: austin-deno profiles real Python processes of
 * every version installed here, launched and attached, and the stacks, line
 * numbers, threads and metrics of its output are checked.
 */

import assert from "node:assert/strict";
import {
  austin,
  markers,
  metadata,
  metricSum,
  samples,
  sleep,
  stackOf,
  startTarget,
  TARGETS,
  threadsOf,
} from "./austin.ts";
import { atLeast, type Interpreter, interpreters } from "./interpreters.ts";

const ALL = interpreters("sampling");
const PY3 = interpreters("sampling (Python 3 only)", (i) => i.major === 3);

/** `python -V` as X.Y.Z. */
async function exactVersion(python: string): Promise<string> {
  const out = await new Deno.Command(python, { args: ["-V"] }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return (/Python (\d+\.\d+\.\d+)/.exec(text) as RegExpExecArray)[1];
}

/** The scope a version prints for a function: co_qualname from 3.11, co_name before. */
function scope(i: Interpreter, qualname: string): string {
  return atLeast(i, 3, 11) ? qualname : qualname.slice(qualname.lastIndexOf(".") + 1);
}

/** Waits until a process has `count` threads; returns their ids. */
async function waitForThreads(pid: number, count: number): Promise<Set<string>> {
  for (let i = 0; i < 100; i++) {
    const tids = [...Deno.readDirSync(`/proc/${pid}/task`)].map((e) => e.name);
    if (tids.length >= count) return new Set(tids);
    await sleep(20);
  }
  throw new Error(`process ${pid} never reached ${count} threads`);
}

for (const py of ALL) {
  Deno.test(`launch: nested calls, stacks and lines [${py.label}]`, async () => {
    const file = `${TARGETS}nested.py`;
    const m = markers(file);
    const run = await austin(["-i", "1ms", py.path, file, "1"]);
    assert.equal(run.code, 0, run.stderr);
    const meta = metadata(run.stdout);
    assert.equal(meta.get("austin"), "3.7.0");
    assert.equal(meta.get("interval"), "1000");
    assert.equal(meta.get("mode"), "wall");
    const duration = Number(meta.get("duration"));
    assert.ok(duration > 900_000, `duration ${duration}`);
    assert.ok(run.stdout.startsWith("# austin: 3.7.0\n# interval: 1000\n# mode: wall\n\n"));
    assert.ok(run.stdout.endsWith(`\n\n# duration: ${duration}\n\n`));
    const lines = samples(run.stdout);
    assert.ok(lines.length > 200, `only ${lines.length} samples`);
    // One process, one thread: the main thread, whose TID is the PID.
    const pid = /^P(\d+);/.exec(lines[0])?.[1];
    assert.deepEqual(threadsOf(lines), new Set([`T0:${pid}`]));
    const base = `P${pid};T0:${pid};${file}:<module>:${m.get("module")};${file}:main:${
      m.get("main")
    };${file}:top:${m.get("top")};${file}:middle:${m.get("middle")};${file}:leaf:`;
    const leafLines = new Set([m.get("leaf-loop"), m.get("leaf-body")].map(String));
    const full = lines.filter((l) => {
      const stack = stackOf(l);
      return stack.startsWith(base) && leafLines.has(stack.slice(base.length));
    });
    assert.ok(full.length > lines.length / 2, `${full.length} of ${lines.length}:\n${lines[9]}`);
    // Torn reads while the interpreter starts up are normal, but rare.
    const invalid = lines.filter((l) => l.includes(":INVALID:")).length;
    assert.ok(invalid <= lines.length / 100, `${invalid} invalid samples of ${lines.length}`);
    // Wall time: one thread, so the metrics add up to about the duration.
    const sum = metricSum(lines);
    assert.ok(sum > 0.8 * duration && sum <= 1.05 * duration, `sum ${sum} vs ${duration}`);
    // The banner and the exact Python version on stderr.
    assert.ok(run.stderr.includes("Python version: " + await exactVersion(py.path)), run.stderr);
  });

  Deno.test(`launch: pipe mode metadata and exact version [${py.label}]`, async () => {
    const run = await austin(["-P", "-i", "10ms", py.path, `${TARGETS}sleepy.py`, "0.5"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, "");
    const meta = metadata(run.stdout);
    assert.equal(meta.get("python"), await exactVersion(py.path));
    assert.match(meta.get("sampling") ?? "", /^\d+,\d+,\d+$/);
    assert.match(meta.get("errors") ?? "", /^0\/\d+$/);
  });

  Deno.test(`attach: threads match /proc/PID/task [${py.label}]`, async () => {
    const file = `${TARGETS}threads.py`;
    const m = markers(file);
    const target = startTarget(py.path, file, ["4"]);
    try {
      const tids = await waitForThreads(target.pid, 4);
      await sleep(200);
      const run = await austin(["-i", "1ms", "-x", "1", "-p", String(target.pid)]);
      assert.equal(run.code, 0, run.stderr);
      const lines = samples(run.stdout);
      const expected = new Set([...tids].map((t) => `T0:${t}`));
      assert.deepEqual(threadsOf(lines), expected);
      assert.ok(lines.every((l) => l.startsWith(`P${target.pid};`)));
      const busy = `${file}:busy:${m.get("busy")}`;
      const sleeper = `${file}:sleeper:${m.get("sleeper")}`;
      const join = `${file}:<module>:${m.get("module")};${file}:main:${m.get("join")};`;
      assert.ok(lines.some((l) => stackOf(l).endsWith(busy)), "busy");
      assert.ok(lines.some((l) => stackOf(l).endsWith(sleeper)), "sleeper");
      assert.ok(lines.some((l) => l.includes(join)), "join");
      // Every thread gets the time of each pass: four threads, four durations.
      const duration = Number(metadata(run.stdout).get("duration"));
      assert.ok(duration >= 900_000 && duration < 1_300_000, `duration ${duration}`);
      const sum = metricSum(lines);
      assert.ok(sum > 3.2 * duration && sum <= 4.2 * duration, `sum ${sum} vs 4 × ${duration}`);
    } finally {
      target.kill("SIGKILL");
      await target.status;
    }
  });

  Deno.test(`attach: sleeping target for -x 1 [${py.label}]`, async () => {
    const file = `${TARGETS}sleepy.py`;
    const target = startTarget(py.path, file, ["4"]);
    try {
      await sleep(500);
      const run = await austin(["-i", "1ms", "-x", "1", "-p", String(target.pid)]);
      assert.equal(run.code, 0, run.stderr);
      const lines = samples(run.stdout);
      assert.deepEqual(threadsOf(lines), new Set([`T0:${target.pid}`]));
      const sleepLine = markers(file).get("sleep");
      assert.ok(lines.some((l) => stackOf(l).endsWith(`${file}:<module>:${sleepLine}`)));
      const duration = Number(metadata(run.stdout).get("duration"));
      assert.ok(duration >= 800_000 && duration < 1_200_000, `duration ${duration}`);
      assert.ok(metricSum(lines) <= duration);
      // An attached process is never signalled.
      assert.equal(Deno.readTextFileSync(`/proc/${target.pid}/stat`).includes(") Z"), false);
    } finally {
      target.kill("SIGKILL");
      await target.status;
    }
  });

  Deno.test(`launch: class methods and qualified names [${py.label}]`, async () => {
    const file = `${TARGETS}qualnames.py`;
    const m = markers(file);
    const run = await austin(["-i", "1ms", py.path, file, "1"]);
    assert.equal(run.code, 0, run.stderr);
    const stacks = samples(run.stdout).map(stackOf);
    const foo = `${file}:main:${m.get("main-foo")};${file}:${scope(py, "Foo.run")}:${m.get("foo")}`;
    const inner = `${file}:main:${m.get("main-bar")};${file}:${scope(py, "Bar.run")}:${
      m.get("bar")
    };${file}:${scope(py, "Bar.Inner.spin")}:${m.get("inner")}`;
    assert.ok(stacks.some((s) => s.endsWith(foo)), `no ${foo}`);
    assert.ok(stacks.some((s) => s.endsWith(inner)), `no ${inner}`);
  });

  Deno.test(`launch: generator frames on the consumer [${py.label}]`, async () => {
    const file = `${TARGETS}generator.py`;
    const m = markers(file);
    const run = await austin(["-i", "1ms", py.path, file, "1"]);
    assert.equal(run.code, 0, run.stderr);
    const lines = samples(run.stdout);
    const consumer = `${file}:main:${m.get("main")};${file}:consume:${m.get("consume")}`;
    const gen = [m.get("gen-loop"), m.get("yield")].map((l) => `${consumer};${file}:numbers:${l}`);
    assert.ok(
      lines.some((l) => gen.some((g) => stackOf(l).endsWith(g))),
      `no generator frame on ${consumer}`,
    );
    // A generator frame is never the bottom of a stack.
    const torn = lines.filter((l) => stackOf(l).split(";")[2]?.startsWith(`${file}:numbers:`));
    assert.equal(torn.length, 0, torn[0]);
  });

  Deno.test(`launch: short-lived script [${py.label}]`, async () => {
    const file = `${TARGETS}sleepy.py`;
    const run = await austin(["-i", "1ms", "-t", "500", py.path, file, "0.3"]);
    assert.equal(run.code, 0, run.stderr);
    const lines = samples(run.stdout);
    assert.ok(lines.some((l) => l.includes(`${file}:<module>:`)));
    assert.ok(metadata(run.stdout).has("duration"));
  });
}

for (const py of PY3) {
  Deno.test(`launch: non-ASCII names of every string kind [${py.label}]`, async () => {
    const file = `${TARGETS}unicodé_名前_𠀀.py`;
    const m = markers(file);
    const run = await austin(["-i", "1ms", py.path, file, "1"]);
    assert.equal(run.code, 0, run.stderr);
    const stacks = samples(run.stdout).map(stackOf);
    const expected = `${file}:main:${m.get("main")};${file}:𠀀眠:${m.get("ucs4")};${file}:睡眠:${
      m.get("ucs2")
    };${file}:schläfrig:${m.get("latin1")}`;
    assert.ok(stacks.some((s) => s.endsWith(expected)), `no ${expected}\n${stacks[5]}`);
  });
}
