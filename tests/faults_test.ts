/**
 * Faults, each produced for real: PIDs that cannot be processes, output that
 * cannot be written (a full device, a file that takes no writes, a full
 * tmpfs, a reader that goes away), signals while the interpreter is still
 * being looked for, and targets that misbehave (exec themselves, are stopped
 * and resumed, are killed mid-pass, churn threads, fork many children).
 *
 * The rules checked: a PID that cannot be a process is "no such process"
 * (36); a failed write ends the run with one line and exit 74 (EPIPE on
 * stdout: silently, 141); a launched child never outlives austin-deno, an
 * attached (`-p`) one is never signalled; a faulty target never crashes or
 * hangs austin-deno, whose footer is written and whose exit code is the
 * child's (128+N for a signal austin-deno did not send).
 *
 * Every run has a watchdog: a hung austin-deno is killed and the test fails.
 * Versions: the exec test runs on one version, Debian's static (non-PIE)
 * 3.11 and the newest releases when installed; the rest do not depend on the
 * version and run on one (3.11 when installed).
 */

import assert from "node:assert/strict";
import { Capture, MAIN, markers, samples, sleep, stackOf, TARGETS } from "./austin.ts";
import { allInterpreters, type Interpreter, interpreters, newestReleases } from "./interpreters.ts";

// ---------------------------------------------------------------------------
// Interpreters

const PY3 = allInterpreters().filter((i) => i.major === 3 && i.root === undefined);
/** The version for the scenarios that do not depend on the version. */
const ONE: Interpreter = PY3.find((i) => i.label === "pyenv 3.11.7") ??
  PY3.find((i) => i.minor === 11) ?? PY3[PY3.length - 1] ?? allInterpreters()[0];
const SINGLE = interpreters("faults: version-independent scenarios", (i) => i === ONE);
const PY = SINGLE[0] ?? ONE;
const NEWEST = newestReleases();
const EXEC = interpreters(
  "faults: a target that execs itself (one version, a static non-PIE build, the newest)",
  (i) => i === ONE || i.label === "system 3.11" || (NEWEST.includes(i) && i.major === 3),
);

// ---------------------------------------------------------------------------
// Helpers

const decoder = new TextDecoder();

/**
 * austin-deno (or a shell around it) as a subprocess, its output captured.
 * `watch` names the processes that must not outlive it (the launched target,
 * found by its marker or PID): when it ends, the ones still running are
 * noted in `left` and killed, so that none holds its output open.
 */
class Spawned {
  readonly process: Deno.ChildProcess;
  readonly out: Capture;
  readonly err: Capture;
  /** What `watch` found running when the process ended (they were then killed). */
  left: number[] = [];
  watch: () => number[] = () => [];

  constructor(command: string, args: string[]) {
    this.process = new Deno.Command(command, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { AUSTIN_NO_LOGGING: "1" },
    }).spawn();
    this.out = new Capture(this.process.stdout);
    this.err = new Capture(this.process.stderr);
  }

  get pid(): number {
    return this.process.pid;
  }

  /**
   * The watchdog: the exit code once the process has ended (and its watched
   * survivors were killed) and its streams are done, or after `ms` SIGKILL
   * to all of them and a failure.
   */
  async finished(ms: number, what: string): Promise<number> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const watchdog = new Promise<"hung">((resolve) =>
      timer = setTimeout(() => resolve("hung"), ms)
    );
    try {
      const status = await Promise.race([this.process.status, watchdog]);
      if (status === "hung") {
        await this.reap();
        throw new Error(`${what}: still running after ${ms} ms:\n${this.err.text}`);
      }
      this.#killWatched();
      const streams = await Promise.race([Promise.all([this.out.done, this.err.done]), watchdog]);
      if (streams === "hung") throw new Error(`${what}: its output still open after ${ms} ms`);
      return status.code;
    } finally {
      clearTimeout(timer);
    }
  }

  #killWatched(): void {
    this.left = this.watch();
    for (const pid of this.left) killPid(pid);
  }

  kill(signal: Deno.Signal): void {
    try {
      this.process.kill(signal);
    } catch {
      // already gone
    }
  }

  /** Ends the process and its watched ones if they still run (a failed test); waits for them. */
  async reap(): Promise<void> {
    this.kill("SIGKILL");
    await this.process.status;
    for (const pid of this.watch()) killPid(pid);
    await Promise.all([this.out.done, this.err.done]);
  }
}

/**
 * `-t 10s` unless `args` set `-t`: a loaded machine can take more than the
 * default second to start a Python (or, after an exec, to start it again).
 */
function withTimeout(args: string[]): string[] {
  return args.includes("-t") ? args : ["-t", "10s", ...args];
}

/** austin-deno with `args`. */
function spawnAustin(args: string[]): Spawned {
  return new Spawned(Deno.execPath(), ["run", "-A", MAIN, ...withTimeout(args)]);
}

/** What a run printed, how it ended and which watched processes outlived it. */
interface Result {
  code: number;
  stdout: string;
  stderr: string;
  left: number[];
}

/** Runs austin-deno to the end under a watchdog; `marker` finds its target's processes. */
async function austinRun(args: string[], marker = "", ms = 60_000): Promise<Result> {
  const spawned = spawnAustin(args);
  if (marker !== "") spawned.watch = () => withMarker(marker);
  try {
    const code = await spawned.finished(ms, `austin-deno ${args.join(" ")}`);
    return { code, stdout: spawned.out.text, stderr: spawned.err.text, left: spawned.left };
  } finally {
    await spawned.reap();
  }
}

/** The fields after the command name of `/proc/PID/stat`, or null when the process is gone. */
function statFields(pid: number): string[] | null {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/** Whether a process exists and is not a zombie. */
function alive(pid: number): boolean {
  const fields = statFields(pid);
  return fields !== null && fields[0] !== "Z" && fields[0] !== "X";
}

/** The live processes whose parent is `pid`. */
function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const fields = statFields(Number(entry.name));
    if (fields !== null && Number(fields[1]) === pid && alive(Number(entry.name))) {
      found.push(Number(entry.name));
    }
  }
  return found;
}

/** Waits for the first live child of `pid`. */
async function firstChild(pid: number, ms = 20_000): Promise<number> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const children = childrenOf(pid);
    if (children.length > 0) return children[0];
    await sleep(20);
  }
  throw new Error(`process ${pid} started no child within ${ms} ms`);
}

/** A word to put on a target's command line, to find its processes later. */
function newMarker(): string {
  return `marker-${crypto.randomUUID()}`;
}

/** The live processes with `marker` on their command line. */
function withMarker(marker: string): number[] {
  const found: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const cmdline = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`);
      if (cmdline.includes(marker) && alive(Number(entry.name))) found.push(Number(entry.name));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** SIGKILL to a process this test started (directly or through austin-deno). */
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

/** Asserts an output ends with the `# duration:` footer. */
function assertFooter(stdout: string, what: string): void {
  assert.match(stdout, /\n\n# duration: \d+\n\n$/, `${what}: no footer`);
}

/** Asserts stderr has exactly one `cannot write` line, that one, and no raw error. */
function assertWriteError(stderr: string, file: string, reason: string): void {
  const lines = stderr.split("\n").filter((l) => l.startsWith("cannot write"));
  assert.deepEqual(lines, [`cannot write ${file}: ${reason}`], stderr);
  assert.equal(/error:|Uncaught|\n {4}at |os error/.test(stderr), false, stderr);
}

const SLEEP_30 = "import time; time.sleep(30)";
const NESTED = `${TARGETS}nested.py`;

// ---------------------------------------------------------------------------
// 1. PIDs that cannot be processes

const CANNOT_ATTACH = "🛑 Cannot attach to the given process.";

Deno.test("PIDs from 2^31 up and above pid_max: no such process, exit 36", async () => {
  const pidMax = Number(Deno.readTextFileSync("/proc/sys/kernel/pid_max").trim());
  const cases: string[][] = [
    ["-p", "2147483648"],
    ["-w", "4294967297"],
    ["-p", "4294967296"],
    ["-p", "9007199254740991"],
    ["-w", "2147483647"],
    ["-p", String(pidMax + 1)],
  ];
  for (const args of cases) {
    const run = await austinRun(args);
    assert.equal(run.code, 36, `${args.join(" ")}:\n${run.stderr}`);
    assert.ok(run.stderr.includes(CANNOT_ATTACH), `${args.join(" ")}:\n${run.stderr}`);
    assert.equal(run.stderr.includes("FFI"), false, run.stderr);
    assert.equal(run.stdout, "");
  }
});

// ---------------------------------------------------------------------------
// 2. Output that cannot be written

Deno.test(`-o /dev/full: exit 74, one line, the child ended [${PY.label}]`, async () => {
  const marker = newMarker();
  const run = await austinRun(["-o", "/dev/full", PY.path, "-c", SLEEP_30, marker], marker);
  assert.equal(run.code, 74, run.stderr);
  assertWriteError(run.stderr, "/dev/full", "No space left on device");
  assert.deepEqual(run.left, [], "the launched child outlived austin-deno");
});

Deno.test(`-o /proc/self/status: exit 74, one line, the child ended [${PY.label}]`, async () => {
  const marker = newMarker();
  const args = ["-o", "/proc/self/status", PY.path, "-c", SLEEP_30, marker];
  const run = await austinRun(args, marker);
  assert.equal(run.code, 74, run.stderr);
  assertWriteError(run.stderr, "/proc/self/status", "Invalid argument");
  assert.deepEqual(run.left, [], "the launched child outlived austin-deno");
});

Deno.test(`-b, --format to /dev/full: exit 74 before or after the run [${PY.label}]`, async () => {
  // MOJO: the header is written before the command starts, so none is started.
  const marker = newMarker();
  const mojo = await austinRun(["-b", "-o", "/dev/full", PY.path, "-c", SLEEP_30, marker], marker);
  assert.equal(mojo.code, 74, mojo.stderr);
  assertWriteError(mojo.stderr, "/dev/full", "No space left on device");
  assert.deepEqual(mojo.left, [], "a child outlived austin-deno");
  // A picture is written when sampling ends.
  for (const format of ["speedscope", "pprof", "flamegraph", "html"]) {
    const args = [`--format=${format}`, "-i", "1ms", "-o", "/dev/full", PY.path, NESTED, "0.3"];
    const run = await austinRun(args);
    assert.equal(run.code, 74, `${format}:\n${run.stderr}`);
    assertWriteError(run.stderr, "/dev/full", "No space left on device");
  }
});

/** austin-deno with `args` inside `bash -c script` (`"$0" "$@"` runs it). */
function inShell(script: string, args: string[], marker: string): Spawned {
  const command = [Deno.execPath(), "run", "-A", MAIN, ...withTimeout(args)];
  const shell = new Spawned("bash", ["-c", script, ...command]);
  shell.watch = () => withMarker(marker);
  return shell;
}

Deno.test(`stdout on /dev/full: "cannot write stdout", exit 74 [${PY.label}]`, async () => {
  const marker = newMarker();
  const shell = inShell(
    'exec "$0" "$@" > /dev/full',
    ["-i", "1ms", PY.path, NESTED, "30", marker],
    marker,
  );
  try {
    const code = await shell.finished(60_000, "austin-deno > /dev/full");
    assert.equal(code, 74, shell.err.text);
    assertWriteError(shell.err.text, "stdout", "No space left on device");
    assert.deepEqual(shell.left, [], "the launched child outlived austin-deno");
  } finally {
    await shell.reap();
  }
});

Deno.test(`| head -1: silent, exit 141, the child ended [${PY.label}]`, async () => {
  const marker = newMarker();
  const script = '"$0" "$@" | head -1 > /dev/null; echo "status ${PIPESTATUS[0]}"';
  const shell = inShell(script, ["-i", "1ms", PY.path, NESTED, "30", marker], marker);
  try {
    const code = await shell.finished(60_000, "austin-deno | head -1");
    assert.equal(code, 0, shell.err.text);
    assert.equal(shell.out.text, "status 141\n", shell.err.text);
    assert.equal(/cannot write|error|Uncaught/.test(shell.err.text), false, shell.err.text);
    assert.deepEqual(shell.left, [], "the launched child outlived austin-deno");
  } finally {
    await shell.reap();
  }
});

Deno.test(`full tmpfs: whole lines kept, exit 74, the child ended [${PY.label}]`, async () => {
  if (Deno.uid() !== 0) {
    console.log("SKIP full tmpfs: mounting one needs root");
    return;
  }
  const dir = await Deno.makeTempDir({ prefix: "austin-full-" });
  const mount = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", "size=64k", "none", dir],
    stderr: "piped",
  }).output();
  if (!mount.success) {
    console.log(`SKIP full tmpfs: mount failed: ${decoder.decode(mount.stderr).trim()}`);
    await Deno.remove(dir);
    return;
  }
  try {
    for (const binary of [false, true]) {
      const marker = newMarker();
      const file = `${dir}/out.${binary ? "mojo" : "txt"}`;
      const args = [...(binary ? ["-b"] : []), "-i", "100us", "-o", file, PY.path, NESTED, "30"];
      const run = await austinRun([...args, marker], marker);
      assert.equal(run.code, 74, run.stderr);
      assertWriteError(run.stderr, file, "No space left on device");
      assert.deepEqual(run.left, [], "the launched child outlived austin-deno");
      assert.ok(Deno.statSync(file).size > 0, "nothing kept");
      if (!binary) {
        // Every sample written before the error, whole lines only.
        const text = Deno.readTextFileSync(file);
        assert.ok(text.startsWith("# austin: "), text.slice(0, 200));
        assert.ok(text.endsWith("\n"), `a line cut short: ${text.slice(-200)}`);
        const lines = samples(text);
        assert.ok(lines.length > 10, `${lines.length} samples kept`);
        for (const line of lines) assert.match(line, /^P\d+;T\d+:\d+(;.+)? \d+$/);
      }
      await Deno.remove(file);
    }
  } finally {
    await new Deno.Command("umount", { args: [dir] }).output();
    await Deno.remove(dir);
  }
});

Deno.test(`attached -p and -w: a write error never signals the target [${PY.label}]`, async () => {
  const target = new Deno.Command(PY.path, {
    args: [`${TARGETS}sleepy.py`, "30"],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    await sleep(500);
    for (const mode of ["-p", "-w"]) {
      const run = await austinRun(["-i", "1ms", "-o", "/dev/full", mode, String(target.pid)]);
      assert.equal(run.code, 74, `${mode}:\n${run.stderr}`);
      assertWriteError(run.stderr, "/dev/full", "No space left on device");
      await sleep(200);
      assert.ok(alive(target.pid), `${mode}: the attached target died`);
    }
  } finally {
    killPid(target.pid);
    await target.status;
  }
});

// ---------------------------------------------------------------------------
// 3. Signals: the launched child goes too, and only it

const STOP_SIGNALS = [["SIGINT", 254], ["SIGTERM", 241], ["SIGHUP", 129]] as const;

for (const [signal, code] of STOP_SIGNALS) {
  Deno.test(`${signal} while the interpreter is looked for: child ended, exit ${code}`, async () => {
    // `sleep` is not Python: austin-deno searches for -t 5s.
    const spawned = spawnAustin(["-t", "5s", "sleep", "8"]);
    try {
      const child = await firstChild(spawned.pid);
      spawned.watch = () => alive(child) ? [child] : [];
      await sleep(1000);
      spawned.kill(signal);
      const status = await spawned.finished(30_000, `austin-deno after ${signal}`);
      assert.equal(status, code, spawned.err.text);
      assert.deepEqual(spawned.left, [], "the launched sleep outlived austin-deno");
    } finally {
      await spawned.reap();
    }
  });
}

Deno.test(`SIGHUP while sampling: footer, child ended, exit 129 [${PY.label}]`, async () => {
  const marker = newMarker();
  const spawned = spawnAustin(["-i", "1ms", PY.path, NESTED, "30", marker]);
  spawned.watch = () => withMarker(marker);
  try {
    await spawned.out.waitFor(/\nP\d+;/, 20_000);
    spawned.kill("SIGHUP");
    const code = await spawned.finished(30_000, "austin-deno after SIGHUP");
    assert.equal(code, 129, spawned.err.text);
    assertFooter(spawned.out.text, "SIGHUP");
    assert.deepEqual(spawned.left, [], "the launched child outlived austin-deno");
  } finally {
    await spawned.reap();
  }
});

Deno.test(`SIGINT, -x to a child that ignores SIGINT and SIGTERM: it is ended [${PY.label}]`, async () => {
  const stubborn = "import signal, time\n" +
    "signal.signal(signal.SIGINT, signal.SIG_IGN)\n" +
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n" +
    "time.sleep(60)\n";
  const marker = newMarker();
  const spawned = spawnAustin(["-i", "1ms", PY.path, "-c", stubborn, marker]);
  spawned.watch = () => withMarker(marker);
  try {
    await spawned.out.waitFor(/\nP\d+;/, 20_000);
    spawned.kill("SIGINT");
    const code = await spawned.finished(30_000, "austin-deno after SIGINT");
    assert.equal(code, 254, spawned.err.text);
    assertFooter(spawned.out.text, "SIGINT");
    assert.deepEqual(spawned.left, [], "the launched child outlived austin-deno");
  } finally {
    await spawned.reap();
  }
  const run = await austinRun(["-x", "1", "-i", "1ms", PY.path, "-c", stubborn, marker], marker);
  assert.equal(run.code, 0, run.stderr);
  assertFooter(run.stdout, "-x 1");
  assert.deepEqual(run.left, [], "the launched child outlived austin-deno");
});

Deno.test(`-C: SIGTERM goes to the launched parent only [${PY.label}]`, async () => {
  const marker = newMarker();
  const spawned = spawnAustin([
    "-C",
    "-i",
    "1ms",
    PY.path,
    `${TARGETS}spawn_child.py`,
    "30",
    marker,
  ]);
  try {
    // Both the launched parent and its Python child are sampled.
    const until = Date.now() + 20_000;
    while (pidsOf(samples(spawned.out.text)).size < 2 && Date.now() < until) await sleep(50);
    const top = await firstChild(spawned.pid);
    const grandchild = [...pidsOf(samples(spawned.out.text))].find((p) => p !== top) ?? 0;
    assert.ok(grandchild !== 0, `the child was not sampled:\n${spawned.err.text}`);
    spawned.watch = () => [top, grandchild].filter(alive);
    spawned.kill("SIGTERM");
    const code = await spawned.finished(30_000, "austin-deno after SIGTERM");
    assert.equal(code, 241, spawned.err.text);
    assertFooter(spawned.out.text, "-C SIGTERM");
    // The launched parent is gone; its child, not launched by austin-deno, is left alone.
    assert.deepEqual(spawned.left, [grandchild]);
  } finally {
    await spawned.reap();
    for (const pid of withMarker(marker)) killPid(pid);
  }
});

// ---------------------------------------------------------------------------
// 4. Faults of the target

for (const py of EXEC) {
  Deno.test(`a target that execs itself is sampled before and after [${py.label}]`, async () => {
    const file = `${TARGETS}reexec.py`;
    const marks = markers(file);
    const check = (stdout: string, what: string) => {
      assertFooter(stdout, what);
      const lines = samples(stdout);
      const pids = pidsOf(lines);
      assert.equal(pids.size, 1, `${what}: one PID throughout: ${[...pids]}`);
      const at = (name: string, mark: string) =>
        lines.filter((l) => new RegExp(`:${name}:${marks.get(mark)}(;|$)`).test(stackOf(l)));
      const before = at("before_exec", "before");
      const after = at("after_exec", "after");
      assert.ok(before.length > 0, `${what}: no sample before the exec`);
      assert.ok(after.length > 0, `${what}: no sample after the exec`);
    };
    for (const children of [false, true]) {
      const args = [...(children ? ["-C"] : []), "-i", "1ms", py.path, file, "1.5", "1.5"];
      const run = await austinRun(args);
      assert.equal(run.code, 0, run.stderr);
      check(run.stdout, args.join(" "));
    }
    // Attached: the same PID is followed through the exec.
    const target = new Deno.Command(py.path, {
      args: [file, "4", "1.5"],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      await sleep(1000);
      const run = await austinRun(["-i", "1ms", "-p", String(target.pid)]);
      assert.equal(run.code, 0, run.stderr);
      check(run.stdout, "-p");
    } finally {
      killPid(target.pid);
      await target.status;
    }
  });
}

/** Starts austin-deno on a launched target and waits for its first sample; returns the target's PID. */
async function sampling(spawned: Spawned): Promise<number> {
  await spawned.out.waitFor(/\nP\d+;/, 20_000);
  const child = [...pidsOf(samples(spawned.out.text))][0];
  spawned.watch = () => alive(child) ? [child] : [];
  return child;
}

Deno.test(`a target stopped for 2 s and resumed: sampled to its end, exit 0 [${PY.label}]`, async () => {
  const spawned = spawnAustin(["-i", "1ms", PY.path, NESTED, "4"]);
  try {
    const child = await sampling(spawned);
    Deno.kill(child, "SIGSTOP");
    await sleep(2000);
    const during = samples(spawned.out.text).length;
    Deno.kill(child, "SIGCONT");
    const code = await spawned.finished(60_000, "austin-deno on a stopped target");
    assert.equal(code, 0, spawned.err.text);
    assertFooter(spawned.out.text, "SIGSTOP");
    assert.ok(samples(spawned.out.text).length > during, "no sample after SIGCONT");
    assert.deepEqual(spawned.left, []);
  } finally {
    await spawned.reap();
  }
});

Deno.test(`-x running out on a stopped child: it is ended, exit 0 [${PY.label}]`, async () => {
  const spawned = spawnAustin(["-x", "2", "-i", "1ms", PY.path, NESTED, "60"]);
  try {
    const child = await sampling(spawned);
    Deno.kill(child, "SIGSTOP");
    const code = await spawned.finished(60_000, "austin-deno -x on a stopped target");
    assert.equal(code, 0, spawned.err.text);
    assertFooter(spawned.out.text, "-x, stopped child");
    assert.deepEqual(spawned.left, [], "the stopped child outlived austin-deno");
  } finally {
    await spawned.reap();
  }
});

Deno.test(`a target killed with SIGKILL mid-pass: footer, exit 137 [${PY.label}]`, async () => {
  const spawned = spawnAustin(["-i", "100us", PY.path, `${TARGETS}threads.py`, "60"]);
  try {
    const child = await sampling(spawned);
    await sleep(300);
    Deno.kill(child, "SIGKILL");
    const code = await spawned.finished(60_000, "austin-deno after the target's SIGKILL");
    assert.equal(code, 137, spawned.err.text);
    assertFooter(spawned.out.text, "SIGKILL");
  } finally {
    await spawned.reap();
  }
});

Deno.test(`a target churning a thousand threads a second: exit 0 [${PY.label}]`, async () => {
  const file = `${TARGETS}churn.py`;
  for (const mode of [[], ["-s"], ["-f"]]) {
    const run = await austinRun([...mode, "-i", "1ms", PY.path, file, "2"]);
    const what = `churn ${mode.join(" ")}`;
    assert.equal(run.code, 0, `${what}:\n${run.stderr}`);
    assertFooter(run.stdout, what);
    const lines = samples(run.stdout);
    assert.ok(lines.length > 0, `${what}: no sample`);
    // Idle threads are sampled too, except with -s: many of them.
    const threads = new Set(lines.map((l) => stackOf(l).split(";")[1]));
    if (mode[0] !== "-s") assert.ok(threads.size > 2, `${what}: ${threads.size} threads seen`);
  }
});

Deno.test(`-C on a target forking 200 short-lived children: exit 0 [${PY.label}]`, async () => {
  const file = `${TARGETS}forks.py`;
  const child = `:child:${markers(file).get("child")}`;
  const run = await austinRun(["-C", "-i", "1ms", PY.path, file, "200", "0.05"]);
  assert.equal(run.code, 0, run.stderr);
  assertFooter(run.stdout, "-C forks");
  const lines = samples(run.stdout);
  assert.ok(pidsOf(lines).size >= 2, `${pidsOf(lines).size} processes sampled`);
  assert.ok(lines.some((l) => stackOf(l).includes(child)), "no child sample");
});
