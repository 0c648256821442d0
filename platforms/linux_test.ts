/**
 * Tests for the Linux platform: /proc parsers on sample text, and
 * `LinuxPlatform` against this process and live Python children (memory
 * reads, process and thread states, memory figures, the clock, spawning).
 * Tests that need a Python 3 interpreter are skipped with a log line when
 * none is installed.
 */

import assert from "node:assert/strict";
import { LinuxPlatform, parseMaps, statState, undeleted } from "./linux.ts";
import type { MemoryMap } from "./platform.ts";
import { exists, startPython, testIf } from "../tests/python_child.ts";

// ---------------------------------------------------------------------------
// Helpers

const platform = new LinuxPlatform();
const MISSING_PID = 9999999;
const EFAULT = 14;
const ESRCH = 3;

const PYTHON = [
  "/usr/bin/python3.11",
  ...["3.12.1", "3.13.0", "3.11.7", "3.10.13", "3.9.18", "3.8.18", "3.7.16", "3.6.15"].map(
    (v) => `/root/.pyenv/versions/${v}/bin/python`,
  ),
].find(exists);
const skipPython = PYTHON === undefined ? "no Python 3 interpreter is installed" : undefined;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------
// parseMaps

const MAPS = [
  "55d4c6a00000-55d4c6a01000 r--p 00000000 08:01 1234567                    /usr/bin/python3.11",
  "7f9057200000-7f9057300000 r-xp 00100000 fd:00 42                         /opt/my app/lib python.so",
  "7f9057300000-7f9057400000 rw-p 00000000 00:00 0 ",
  "7f9057400000-7f9057401000 ---p 00000000 00:00 0",
  "55d4c7000000-55d4c7021000 rw-p 00000000 00:00 0                          [heap]",
  "7f1000000000-7f1000001000 r--p 00002000 08:01 99                         /tmp/gone.so (deleted)",
  "7ffd1e000000-7ffd1e021000 rw-p 00000000 00:00 0                          [stack]",
  "",
  "not a maps line",
  "",
].join("\n");

Deno.test("parseMaps reads every field of file, anonymous and pseudo mappings", () => {
  const maps = parseMaps(MAPS);
  const expected: MemoryMap[] = [
    {
      start: 0x55d4c6a00000,
      end: 0x55d4c6a01000,
      perms: "r--p",
      offset: 0,
      path: "/usr/bin/python3.11",
    },
    {
      start: 0x7f9057200000,
      end: 0x7f9057300000,
      perms: "r-xp",
      offset: 0x100000,
      path: "/opt/my app/lib python.so",
    },
    { start: 0x7f9057300000, end: 0x7f9057400000, perms: "rw-p", offset: 0, path: "" },
    { start: 0x7f9057400000, end: 0x7f9057401000, perms: "---p", offset: 0, path: "" },
    { start: 0x55d4c7000000, end: 0x55d4c7021000, perms: "rw-p", offset: 0, path: "[heap]" },
    {
      start: 0x7f1000000000,
      end: 0x7f1000001000,
      perms: "r--p",
      offset: 0x2000,
      path: "/tmp/gone.so (deleted)",
    },
    { start: 0x7ffd1e000000, end: 0x7ffd1e021000, perms: "rw-p", offset: 0, path: "[stack]" },
  ];
  assert.deepEqual(maps, expected);
});

Deno.test("parseMaps of nothing is empty", () => {
  assert.deepEqual(parseMaps(""), []);
  assert.deepEqual(parseMaps("\n\n"), []);
});

Deno.test("parseMaps reads this process's own maps", () => {
  const maps = parseMaps(Deno.readTextFileSync("/proc/self/maps"));
  assert.ok(maps.length > 10);
  for (const map of maps) {
    assert.ok(map.start < map.end, `${map.start.toString(16)}-${map.end.toString(16)}`);
    assert.match(map.perms, /^[r-][w-][x-][ps]$/);
    assert.ok(map.offset >= 0);
  }
  assert.ok(maps.some((m) => m.path === "[stack]"));
  assert.ok(maps.some((m) => m.path === ""));
  const exe = Deno.realPathSync(Deno.execPath());
  assert.ok(maps.some((m) => m.path === exe), `a mapping of ${exe}`);
});

// ---------------------------------------------------------------------------
// statState and undeleted

Deno.test("statState reads the state after the command name", () => {
  assert.equal(statState("1234 (python3) S 1 1234 1234 0 -1 4194560"), "S");
  assert.equal(statState("1234 (my prog) R 1 1234"), "R");
  assert.equal(statState("42 (a b c d) D 1"), "D");
  assert.equal(statState("42 () Z 1"), "Z");
  assert.equal(statState("42 (python3.11)  t 1"), "t");
  assert.equal(statState(""), "?");
  assert.equal(statState("42 (unterminated"), "?");
  assert.equal(statState("42 (x)"), "?");
});

Deno.test("statState finds the ')' that closes the command name, which may contain ')'", () => {
  // The kernel does not escape the name: the state follows the LAST ')'.
  assert.equal(statState("1234 (a) b) S 1 1234"), "S");
  assert.equal(statState("1234 (x) R (y) S 1 1234"), "S");
  assert.equal(statState("1234 (:-)) Z 1"), "Z");
  assert.equal(statState("1234 ((sd-pam)) S 1"), "S");
});

Deno.test("undeleted strips one trailing ' (deleted)'", () => {
  assert.equal(undeleted("/tmp/gone.so (deleted)"), "/tmp/gone.so");
  assert.equal(undeleted("/usr/lib/libpython3.11.so.1.0"), "/usr/lib/libpython3.11.so.1.0");
  assert.equal(undeleted("/tmp/x (deleted) (deleted)"), "/tmp/x (deleted)");
  assert.equal(undeleted("/tmp/(deleted)"), "/tmp/(deleted)");
  assert.equal(undeleted("/tmp/my (deleted) file"), "/tmp/my (deleted) file");
  assert.equal(undeleted(""), "");
});

Deno.test("mappedFileCandidates: through the root first, the mapping first if deleted", () => {
  const map = { start: 0x7f9057200000, end: 0x7f9057300000, perms: "r-xp", offset: 0, path: "" };
  assert.deepEqual(platform.mappedFileCandidates(42, { ...map, path: "/usr/lib/x.so" }), [
    "/proc/42/root/usr/lib/x.so",
    "/proc/42/map_files/7f9057200000-7f9057300000",
  ]);
  assert.deepEqual(platform.mappedFileCandidates(42, { ...map, path: "/tmp/y.so (deleted)" }), [
    "/proc/42/map_files/7f9057200000-7f9057300000",
    "/proc/42/root/tmp/y.so",
  ]);
});

// ---------------------------------------------------------------------------
// This process

Deno.test("processState of this process and of a missing pid", () => {
  assert.equal(platform.processState(Deno.pid), "alive");
  assert.equal(platform.processState(MISSING_PID), "missing");
});

Deno.test("numbers that cannot be PIDs: missing, and no read reaches the kernel", () => {
  const pidMax = Number(Deno.readTextFileSync("/proc/sys/kernel/pid_max").trim());
  for (const pid of [0, -1, 1.5, pidMax + 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 1, 2 ** 53 - 1]) {
    assert.equal(platform.processState(pid), "missing", `${pid}`);
    const memory = platform.openMemory(pid);
    const into = memory.buffer(16);
    assert.equal(memory.read(0x1000, 8, into), -ESRCH, `${pid}`);
    assert.equal(memory.readMany(new Float64Array([0x1000]), 0, 1, 8, into), -ESRCH);
    assert.equal(
      memory.readSpans(new Float64Array([0x1000]), new Float64Array([8]), 1, into),
      -ESRCH,
    );
    assert.equal(platform.execToken(pid), "");
  }
});

Deno.test("execToken: the same while a program runs, another after it execs", async () => {
  // A shell that reports, waits for a line, then execs another program that reports.
  const child = new Deno.Command("sh", {
    args: ["-c", "echo one; read line; exec sh -c 'echo two; read line'"],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const writer = child.stdin.getWriter();
  try {
    assert.equal((await reader.read()).value, "one\n");
    const first = platform.execToken(child.pid);
    assert.match(first, /^[0-9a-f]+:[0-9a-f]{32}$/);
    assert.equal(platform.execToken(child.pid), first);
    await writer.write(new TextEncoder().encode("\n"));
    assert.equal((await reader.read()).value, "two\n");
    const second = platform.execToken(child.pid);
    assert.match(second, /^[0-9a-f]+:[0-9a-f]{32}$/);
    assert.notEqual(second, first);
    await writer.write(new TextEncoder().encode("\n"));
  } finally {
    await writer.close();
    await reader.cancel();
    await child.status;
  }
  assert.equal(platform.execToken(child.pid), "");
});

Deno.test("memoryMaps and executable of this process; NotFound for a missing pid", () => {
  const maps = platform.memoryMaps(Deno.pid);
  assert.ok(maps.length > 10);
  const exe = platform.executable(Deno.pid);
  assert.equal(exe, Deno.realPathSync(Deno.execPath()));
  assert.ok(maps.some((m) => m.path === exe));
  assert.throws(() => platform.memoryMaps(MISSING_PID), Deno.errors.NotFound);
  assert.throws(() => platform.executable(MISSING_PID), Deno.errors.NotFound);
});

Deno.test("residentBytes and physicalMemoryKiB", () => {
  const rss = platform.residentBytes(Deno.pid);
  assert.ok(rss > 1 << 20, `rss ${rss}`);
  const status = Deno.readTextFileSync(`/proc/${Deno.pid}/status`);
  const vmRssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)![1]);
  assert.ok(Math.abs(rss / 1024 - vmRssKiB) < vmRssKiB * 0.5, `${rss} vs ${vmRssKiB} KiB`);
  assert.equal(platform.residentBytes(MISSING_PID), -1);
  const memTotal = Number(/MemTotal:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/meminfo"))![1]);
  assert.equal(platform.physicalMemoryKiB(), memTotal);
  assert.ok(memTotal > 0);
});

Deno.test("threadIds of this process include its pid; none for a missing pid", () => {
  const tids = platform.threadIds(Deno.pid);
  assert.ok(tids.includes(Deno.pid));
  assert.ok(tids.every((t) => Number.isInteger(t) && t > 0));
  assert.deepEqual(platform.threadIds(MISSING_PID), []);
  // The thread running this test (not necessarily the main thread) is running.
  assert.ok(tids.some((tid) => !platform.threadIdle(Deno.pid, tid)), "a running thread");
  assert.equal(platform.threadIdle(Deno.pid, MISSING_PID), true);
});

Deno.test("read from this process: data, short reads, errors", () => {
  const memory = platform.openMemory(Deno.pid);
  assert.equal(memory.pid, Deno.pid);
  const source = memory.buffer(64);
  source.bytes.set(new TextEncoder().encode("local bytes to read back"));
  const sourceAddress = Number(Deno.UnsafePointer.value(Deno.UnsafePointer.of(source.bytes)));
  const into = memory.buffer(64);
  assert.equal(memory.read(sourceAddress, 24, into), 24);
  assert.equal(new TextDecoder().decode(into.bytes.subarray(0, 24)), "local bytes to read back");
  assert.equal(memory.read(sourceAddress, 5, into, 40), 5);
  assert.equal(new TextDecoder().decode(into.bytes.subarray(40, 45)), "local");
  // Past the end of the local buffer: refused without a read.
  assert.equal(memory.read(sourceAddress, 8, into, 60), -EFAULT);
  assert.equal(memory.read(sourceAddress, 65, into), -EFAULT);
  // Address 0 and an unmapped low address.
  assert.equal(memory.read(0, 8, into), -EFAULT);
  assert.equal(memory.read(0x1000, 8, into), -EFAULT);
  // A missing process.
  assert.equal(platform.openMemory(MISSING_PID).read(sourceAddress, 8, into), -ESRCH);
});

Deno.test("read across the end of a mapping is short", () => {
  const maps = platform.memoryMaps(Deno.pid);
  const memory = platform.openMemory(Deno.pid);
  const into = memory.buffer(64);
  const i = maps.findIndex((m, i) =>
    m.perms[0] === "r" && i + 1 < maps.length && maps[i + 1].start !== m.end
  );
  assert.ok(i >= 0, "a readable mapping followed by a gap");
  assert.equal(memory.read(maps[i].end - 16, 32, into), 16);
  assert.equal(memory.read(maps[i].end, 16, into), -EFAULT);
});

/** This process's memory, with 32 known bytes at `base` and a 64-byte buffer to read into. */
function ownBytes() {
  const memory = platform.openMemory(Deno.pid);
  const source = memory.buffer(64);
  source.bytes.set(new TextEncoder().encode("0123456789abcdefghijklmnopqrstuv"));
  const base = Number(Deno.UnsafePointer.value(Deno.UnsafePointer.of(source.bytes)));
  return { memory, base, source, into: memory.buffer(64) };
}

Deno.test("readMany fills consecutive slots and stops at the first unreadable address", () => {
  const { memory, base, into, source } = ownBytes();
  const addresses = new Float64Array([base + 10, base, base + 20, 0, base]);
  assert.equal(memory.readMany(addresses, 0, 3, 4, into), 3);
  assert.equal(new TextDecoder().decode(into.bytes.subarray(0, 12)), "abcd0123klmn");
  assert.equal(memory.readMany(addresses, 0, 5, 4, into), 3);
  assert.equal(memory.readMany(addresses, 0, 0, 4, into), 0);
  // Only as many slots as fit in the buffer are filled.
  assert.equal(memory.readMany(new Float64Array(32).fill(base), 0, 32, 8, into), 8);
  // (The source stays alive to the end: its address was read from.)
  assert.equal(source.bytes[0], 48);
});

Deno.test("readSpans reads spans of different lengths one after the other", () => {
  const { memory, base, into, source } = ownBytes();
  const addresses = new Float64Array([base + 10, base, base + 20, 0, base]);
  const lengths = new Float64Array([2, 5, 3, 4, 4]);
  assert.equal(memory.readSpans(addresses, lengths, 3, into), 10);
  assert.equal(new TextDecoder().decode(into.bytes.subarray(0, 10)), "ab01234klm");
  // Reading stops at the first unreadable byte.
  assert.equal(memory.readSpans(addresses, lengths, 5, into), 10);
  assert.equal(memory.readSpans(addresses, lengths, 0, into), 0);
  // Only the spans that fit in the buffer are read.
  const many = new Float64Array(20).fill(base);
  assert.equal(memory.readSpans(many, new Float64Array(20).fill(30), 20, into), 60);
  // (The source stays alive to the end: its address was read from.)
  assert.equal(source.bytes[0], 48);
});

// ---------------------------------------------------------------------------
// Live Python children

const SCRIPT = `
import json, os, threading, time
marker = b"austin-deno-marker"

def spin():
    while True:
        pass

zombie = os.fork()
if zombie == 0:
    os._exit(0)
sleeper = os.fork()
if sleeper == 0:
    time.sleep(60)
    os._exit(0)
worker = threading.Thread(target=spin)
worker.daemon = True
worker.start()
print(json.dumps({"bytes": id(marker), "zombie": zombie, "sleeper": sleeper}), flush=True)
time.sleep(60)
`;

testIf("LinuxPlatform against a live Python process", skipPython, async (t) => {
  const child = await startPython(PYTHON!, SCRIPT);
  try {
    const pid = child.pid;

    await t.step("read a bytes object's data", () => {
      const memory = platform.openMemory(pid);
      const into = memory.buffer(64);
      assert.equal(memory.read(child.info.bytes + 16, 8, into), 8);
      assert.equal(into.view.getUint32(0, true), 18, "ob_size");
      assert.equal(memory.read(child.info.bytes + 32, 18, into), 18);
      assert.equal(new TextDecoder().decode(into.bytes.subarray(0, 18)), "austin-deno-marker");
      assert.equal(memory.read(0, 8, into), -EFAULT);
      assert.equal(memory.read(0x1000, 8, into), -EFAULT);
      const slots = new Float64Array([child.info.bytes + 32, child.info.bytes + 39, 8]);
      assert.equal(memory.readMany(slots, 0, 3, 6, into), 2);
      assert.equal(new TextDecoder().decode(into.bytes.subarray(0, 12)), "austindeno-m");
    });

    await t.step("processState: alive, exited (zombie, killed zombie), missing", async () => {
      assert.equal(platform.processState(pid), "alive");
      assert.equal(platform.processState(child.info.zombie), "exited");
      assert.equal(platform.processState(child.info.sleeper), "alive");
      Deno.kill(child.info.sleeper, "SIGKILL");
      let state = platform.processState(child.info.sleeper);
      for (let i = 0; i < 200 && state === "alive"; i++) {
        await delay(5);
        state = platform.processState(child.info.sleeper);
      }
      assert.equal(state, "exited", "killed but not reaped by its parent");
      assert.equal(platform.processState(MISSING_PID), "missing");
    });

    await t.step(
      "threadIds and threadIdle: a sleeping main thread, a spinning worker",
      async () => {
        const tids = platform.threadIds(pid);
        assert.equal(tids.length, 2, `threads ${tids}`);
        assert.ok(tids.includes(pid));
        const worker = tids.find((tid) => tid !== pid)!;
        for (let i = 0; i < 5; i++) assert.equal(platform.threadIdle(pid, pid), true);
        let seenRunning = false;
        for (let i = 0; i < 200 && !seenRunning; i++) {
          seenRunning = !platform.threadIdle(pid, worker);
          if (!seenRunning) await delay(2);
        }
        assert.ok(seenRunning, "the spinning thread was seen running");
        assert.equal(platform.threadIdle(pid, MISSING_PID), true);
      },
    );

    await t.step("residentBytes, memoryMaps, executable and mapped files", () => {
      assert.ok(platform.residentBytes(pid) > 1 << 20);
      const exe = platform.executable(pid);
      assert.equal(exe, Deno.realPathSync(PYTHON!));
      const maps = platform.memoryMaps(pid);
      const exeMap = maps.find((m) => m.path === exe);
      assert.ok(exeMap !== undefined, "the executable is mapped");
      const [first, second] = platform.mappedFileCandidates(pid, exeMap);
      assert.equal(first, `/proc/${pid}/root${exe}`);
      assert.ok(Deno.statSync(first).isFile);
      assert.ok(Deno.statSync(second).isFile);
      assert.equal(Deno.statSync(first).size, Deno.statSync(exe).size);
    });
  } finally {
    await child.stop();
  }
});

const RENAMED = `
import ctypes, json, threading, time
libc = ctypes.CDLL(None)
PR_SET_NAME = 15
ready = threading.Event()

def sleeper():
    libc.prctl(PR_SET_NAME, b"c) R (d", 0, 0, 0)
    ready.set()
    time.sleep(60)

libc.prctl(PR_SET_NAME, b"a) Z (b", 0, 0, 0)
worker = threading.Thread(target=sleeper)
worker.daemon = True
worker.start()
ready.wait()
print(json.dumps({"ready": 1}), flush=True)
time.sleep(60)
`;

testIf(
  "processState and threadIdle with ')' inside the command name of a live process",
  skipPython,
  async (t) => {
    const child = await startPython(PYTHON!, RENAMED);
    try {
      const pid = child.pid;
      const worker = platform.threadIds(pid).find((tid) => tid !== pid)!;
      const processStat = Deno.readTextFileSync(`/proc/${pid}/stat`);
      // Sleeping, or for a moment running on a loaded machine: the name is the point.
      assert.match(processStat, new RegExp(`^${pid} \\(a\\) Z \\(b\\) [SR] `));
      const workerStat = Deno.readTextFileSync(`/proc/${pid}/task/${worker}/stat`);
      assert.match(workerStat, new RegExp(`^${worker} \\(c\\) R \\(d\\) [SR] `));

      await t.step("a sleeping process named 'a) Z (b' is alive", () => {
        assert.equal(platform.processState(pid), "alive");
      });

      // The state follows the name's LAST ')'. Austin reads it after the first one,
      // which takes this sleeping thread for a running one, and every thread that
      // Python 3.14+ names `Thread-N (target)` for an idle one.
      await t.step("a sleeping thread named 'c) R (d' reads as idle", async () => {
        // It sleeps, but may be running for a moment on a loaded machine.
        let idle = false;
        for (let i = 0; i < 50 && !idle; i++) {
          idle = platform.threadIdle(pid, worker);
          if (!idle) await new Promise((resolve) => setTimeout(resolve, 20));
        }
        assert.equal(idle, true);
      });

      await t.step("listProcesses gives the parent of a process named 'a) Z (b'", () => {
        const table = platform.listProcesses();
        assert.equal(table.get(pid), Deno.pid);
        assert.equal(table.get(Deno.pid), Deno.ppid);
        assert.equal(table.get(MISSING_PID), undefined);
      });
    } finally {
      await child.stop();
    }
  },
);

// ---------------------------------------------------------------------------
// Clock

Deno.test("clock.nowUs is a monotonic integer count of microseconds", () => {
  let last = platform.clock.nowUs();
  for (let i = 0; i < 10000; i++) {
    const now = platform.clock.nowUs();
    assert.ok(Number.isInteger(now));
    assert.ok(now >= last);
    last = now;
  }
  const startUs = platform.clock.nowUs();
  const startMs = performance.now();
  const until = startMs + 10;
  while (performance.now() < until) {
    // spin for 10 ms
  }
  const elapsedUs = platform.clock.nowUs() - startUs;
  const elapsedMs = performance.now() - startMs;
  assert.ok(Math.abs(elapsedUs / 1000 - elapsedMs) < 5, `${elapsedUs} µs vs ${elapsedMs} ms`);
});

Deno.test("clock.sleepUntilUs sleeps until the deadline", () => {
  const clock = platform.clock;
  for (const ms of [20, 5]) {
    // Never early; and not much late, at least once in five tries (a loaded
    // machine may run the test late now and then, whatever the clock does).
    const late: number[] = [];
    for (let i = 0; i < 5 && (late.length === 0 || Math.min(...late) >= 40); i++) {
      const start = clock.nowUs();
      const startMs = performance.now();
      clock.sleepUntilUs(start + ms * 1000);
      const sleptUs = clock.nowUs() - start;
      const sleptMs = performance.now() - startMs;
      assert.ok(sleptUs >= ms * 1000 - 1000, `${ms} ms: ${sleptUs} µs`);
      assert.ok(sleptMs >= ms - 1, `${ms} ms: ${sleptMs} ms`);
      late.push(Math.max(sleptUs / 1000, sleptMs) - ms);
    }
    assert.ok(Math.min(...late) < 40, `${ms} ms: late by ${late.join(", ")} ms`);
  }
  // A deadline in the past, or a fractional one, returns at once.
  const start = clock.nowUs();
  clock.sleepUntilUs(start - 1_000_000);
  clock.sleepUntilUs(start + 0.5);
  assert.ok(clock.nowUs() - start < 5000);
});

// ---------------------------------------------------------------------------
// spawn

Deno.test("spawn of a missing command throws NotFound", () => {
  assert.throws(
    () => platform.spawn("/nonexistent/austin-deno-no-such-command", [], true),
    Deno.errors.NotFound,
  );
  assert.throws(
    () => platform.spawn("austin-deno-no-such-command-in-path", [], true),
    Deno.errors.NotFound,
  );
});

Deno.test("spawn reports exit codes", async () => {
  const ok = platform.spawn("sh", ["-c", "echo to-dev-null"], true);
  assert.ok(ok.pid > 0);
  assert.deepEqual(await ok.status, { code: 0, signal: null });
  assert.equal(ok.exited(), true);
  const three = platform.spawn("sh", ["-c", "exit 3"], true);
  assert.deepEqual(await three.status, { code: 3, signal: null });
});

Deno.test("spawn: kill, signal status, exited()", async () => {
  const child = platform.spawn("sleep", ["30"], true);
  try {
    assert.equal(child.exited(), false);
    assert.equal(platform.processState(child.pid), "alive");
  } finally {
    child.kill("SIGKILL");
  }
  assert.deepEqual(await child.status, { code: null, signal: 9 });
  assert.equal(child.exited(), true);
  child.kill("SIGTERM"); // no throw once it is gone
  const term = platform.spawn("sleep", ["30"], true);
  term.kill("SIGTERM");
  assert.deepEqual(await term.status, { code: null, signal: 15 });
});

Deno.test("isTerminal is false for a bad descriptor", () => {
  assert.equal(platform.isTerminal(-1), false);
  assert.equal(platform.isTerminal(12345), false);
});
