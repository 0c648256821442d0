/**
 * Tests for the syslog logger (spec: austin-behaviour.md, section 11).
 *
 * Datagrams are received by a small Python program bound to a temporary Unix
 * datagram socket (Deno's own unixgram listener needs `--unstable-net`). It
 * prints each datagram as a JSON string on its own line and exits when it gets
 * the end marker, which every test sends last (from another Python program). The
 * `AUSTIN_NO_LOGGING` cases run small `deno run` children, since the variable
 * is read when the logger is opened.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  formatRecord,
  formatTimestamp,
  type Level,
  LOG_LOCAL1,
  openLogger,
  PRIORITY,
  SEVERITY,
} from "./log.ts";
import { connectUnixDatagram } from "../platforms/unix_datagram.ts";

const LOG_MODULE = new URL("./log.ts", import.meta.url).href;
const DATAGRAM_MODULE = new URL("../platforms/unix_datagram.ts", import.meta.url).href;
/** The platform's part the logger takes: Linux's Unix datagram sockets. */
const sockets = { connectDatagram: connectUnixDatagram };
const END = "--end-of-log-test--";
const RECEIVER_TIMEOUT_S = 5;
const decoder = new TextDecoder();

const RECEIVER = `
import json, os, socket, sys
path, timeout, end = sys.argv[1], float(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(timeout)
try:
    while True:
        text = s.recv(65536).decode("utf-8", "replace")
        if text.endswith(end):
            break
        print(json.dumps(text), flush=True)
except socket.timeout:
    print(json.dumps("TIMEOUT"), flush=True)
finally:
    s.close()
    os.unlink(path)
`;

const SENDER = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(sys.argv[2].encode(), sys.argv[1])
s.close()
`;

/** Matches one glibc syslog record; groups: priority, timestamp, ident, pid, message. */
const RECORD = /^<(\d+)>([A-Z][a-z]{2} [ 1-3]\d \d\d:\d\d:\d\d) ([^\[]+)\[(\d+)\]: (.*)$/s;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** True if `path` exists. */
function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** A parsed record. */
interface Parsed {
  priority: number;
  timestamp: string;
  ident: string;
  pid: number;
  message: string;
}

/** Parses a received datagram, failing the test if it is not a syslog record. */
function parse(datagram: string): Parsed {
  const match = RECORD.exec(datagram);
  assert.ok(match !== null, `not a syslog record: ${JSON.stringify(datagram)}`);
  return {
    priority: Number(match[1]),
    timestamp: match[2],
    ident: match[3],
    pid: Number(match[4]),
    message: match[5],
  };
}

/** The timestamps that may have been written between `from` and `to` (milliseconds). */
function timestampsBetween(from: number, to: number): Set<string> {
  const stamps = new Set<string>();
  for (let t = Math.floor(from / 1000) * 1000; t <= to; t += 1000) {
    stamps.add(formatTimestamp(new Date(t)));
  }
  return stamps;
}

/**
 * Sends the end marker with Python, so that the receiver stops even when the
 * logger under test is disabled (e.g. `AUSTIN_NO_LOGGING` is set for the tests).
 */
async function sendEndMarker(path: string): Promise<void> {
  const { code, stderr } = await new Deno.Command("python3", {
    args: ["-c", SENDER, path, END],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(decoder.decode(stderr), "");
  assert.equal(code, 0);
}

/**
 * Starts the Python receiver on a fresh socket path, runs `body` with that path,
 * then sends the end marker and returns every datagram received before it.
 */
async function receive(body: (path: string) => Promise<void> | void): Promise<string[]> {
  const dir = await Deno.makeTempDir({ prefix: "austin-log-" });
  const path = `${dir}/log.sock`;
  const receiver = new Deno.Command("python3", {
    args: ["-c", RECEIVER, path, String(RECEIVER_TIMEOUT_S), END],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  try {
    const deadline = Date.now() + 3000;
    while (!exists(path) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.ok(exists(path), "the receiver did not bind its socket");
    try {
      await body(path);
    } finally {
      await sendEndMarker(path);
    }
    const { code, stdout, stderr } = await receiver.output();
    assert.equal(decoder.decode(stderr), "");
    assert.equal(code, 0);
    const lines = decoder.decode(stdout).split("\n").filter((line) => line !== "");
    const datagrams = lines.map((line) => JSON.parse(line) as string);
    assert.ok(!datagrams.includes("TIMEOUT"), "the receiver timed out");
    return datagrams;
  } finally {
    try {
      receiver.kill();
    } catch {
      // Already exited.
    }
    await Deno.remove(dir, { recursive: true });
  }
}

/** Result of a child `deno run`. */
interface ChildResult {
  pid: number;
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `source` (which may use `openLogger` and `sockets`, already there) as a child Deno
 * program with `AUSTIN_NO_LOGGING` set to `noLogging` (or removed if undefined).
 */
async function runChild(
  source: string,
  noLogging: string | undefined,
  permissions: string[] = ["-A"],
): Promise<ChildResult> {
  const dir = await Deno.makeTempDir({ prefix: "austin-log-child-" });
  try {
    const script = `${dir}/child.ts`;
    await Deno.writeTextFile(
      script,
      `import { openLogger } from ${JSON.stringify(LOG_MODULE)};\n` +
        `import { connectUnixDatagram } from ${JSON.stringify(DATAGRAM_MODULE)};\n` +
        `const sockets = { connectDatagram: connectUnixDatagram };\n${source}\n`,
    );
    const env = Deno.env.toObject();
    delete env.AUSTIN_NO_LOGGING;
    if (noLogging !== undefined) env.AUSTIN_NO_LOGGING = noLogging;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", ...permissions, "--no-prompt", "--no-config", script],
      cwd: dir,
      clearEnv: true,
      env: { ...env, NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const { code, stdout, stderr } = await child.output();
    return { pid: child.pid, code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Number of open file descriptors of this process. */
function openFds(): number {
  return [...Deno.readDirSync("/proc/self/fd")].length;
}

const LEVELS: Level[] = ["debug", "info", "warning", "error", "critical"];

const loggingOff = (Deno.env.get("AUSTIN_NO_LOGGING") ?? "") !== "";

// ---------------------------------------------------------------------------------------------
// Pure parts
// ---------------------------------------------------------------------------------------------

Deno.test("levels map to facility LOCAL1 and the syslog severities", () => {
  assert.equal(LOG_LOCAL1, 136);
  assert.deepEqual(SEVERITY, { critical: 2, error: 3, warning: 4, info: 6, debug: 7 });
  assert.deepEqual(PRIORITY, { critical: 138, error: 139, warning: 140, info: 142, debug: 143 });
});

Deno.test("timestamps are local time, C-locale month, space-padded day", () => {
  assert.equal(formatTimestamp(new Date(2024, 0, 5, 3, 4, 5)), "Jan  5 03:04:05");
  assert.equal(formatTimestamp(new Date(2023, 11, 25, 23, 59, 9)), "Dec 25 23:59:09");
  assert.equal(formatTimestamp(new Date(2025, 5, 10, 0, 0, 0)), "Jun 10 00:00:00");
  assert.equal(formatTimestamp(new Date(2025, 8, 30, 12, 30, 59)), "Sep 30 12:30:59");
});

Deno.test("records are formatted as glibc syslog(3) with LOG_PID", () => {
  const date = new Date(2024, 0, 5, 3, 4, 5);
  assert.equal(
    formatRecord("info", "Sampling interval: 10000 μs", date, "austin", 42),
    "<142>Jan  5 03:04:05 austin[42]: Sampling interval: 10000 μs",
  );
  assert.equal(
    formatRecord("warning", "The memory switch is redundant in full mode", date, "austin", 7),
    "<140>Jan  5 03:04:05 austin[7]: The memory switch is redundant in full mode",
  );
  assert.equal(
    formatRecord("error", "> Cannot attach the process", date, "austinp", 123),
    "<139>Jan  5 03:04:05 austinp[123]: > Cannot attach the process",
  );
  assert.equal(
    formatRecord("critical", "No such process", date, "austin", 1),
    "<138>Jan  5 03:04:05 austin[1]: No such process",
  );
  assert.equal(formatRecord("debug", "x", date, "austin", 1), "<143>Jan  5 03:04:05 austin[1]: x");
  assert.equal(
    formatRecord("info", "m", date),
    `<142>Jan  5 03:04:05 austin[${Deno.pid}]: m`,
  );
});

// ---------------------------------------------------------------------------------------------
// Sending
// ---------------------------------------------------------------------------------------------

Deno.test({
  name: "each level sends one datagram with its priority, ident, pid and message",
  ignore: loggingOff,
  fn: async () => {
    let from = 0;
    let to = 0;
    const datagrams = await receive((path) => {
      from = Date.now();
      const logger = openLogger(sockets, { socketPath: path });
      logger.info("====[ AUSTIN ]====");
      logger.info("Sampling interval: 10000 μs");
      logger.warning("The sleepless switch is incompatible with memory mode.");
      logger.error("> Failed to get interpreter state while sampling");
      logger.critical("No such process");
      logger.debug("debug message");
      logger.close();
      to = Date.now();
    });
    assert.equal(datagrams.length, 6);
    const stamps = timestampsBetween(from, to);
    const records = datagrams.map(parse);
    for (const record of records) {
      assert.equal(record.ident, "austin");
      assert.equal(record.pid, Deno.pid);
      assert.ok(stamps.has(record.timestamp), `unexpected timestamp ${record.timestamp}`);
    }
    assert.deepEqual(records.map((r) => [r.priority, r.message]), [
      [142, "====[ AUSTIN ]===="],
      [142, "Sampling interval: 10000 μs"],
      [140, "The sleepless switch is incompatible with memory mode."],
      [139, "> Failed to get interpreter state while sampling"],
      [138, "No such process"],
      [143, "debug message"],
    ]);
    // The whole datagram, byte for byte, against the formatter.
    const first = records[0];
    assert.equal(
      datagrams[0],
      `<142>${first.timestamp} austin[${Deno.pid}]: ====[ AUSTIN ]====`,
    );
  },
});

Deno.test({
  name: "the ident option replaces austin",
  ignore: loggingOff,
  fn: async () => {
    const datagrams = await receive((path) => {
      const logger = openLogger(sockets, { socketPath: path, ident: "austinp" });
      for (const level of LEVELS) logger[level](`at ${level}`);
      logger.close();
    });
    const records = datagrams.map(parse);
    assert.deepEqual(records.map((r) => r.ident), LEVELS.map(() => "austinp"));
    assert.deepEqual(records.map((r) => r.priority), LEVELS.map((level) => PRIORITY[level]));
    assert.deepEqual(records.map((r) => r.message), LEVELS.map((level) => `at ${level}`));
  },
});

Deno.test({
  name: "close() releases the socket, is idempotent, and later messages are dropped",
  ignore: loggingOff,
  fn: async () => {
    let before = 0;
    let after = 0;
    const datagrams = await receive((path) => {
      before = openFds();
      const logger = openLogger(sockets, { socketPath: path });
      assert.equal(openFds(), before + 1);
      logger.error("before close");
      logger.close();
      after = openFds();
      logger.close();
      logger.close();
      for (const level of LEVELS) logger[level]("after close");
    });
    assert.equal(after, before);
    assert.deepEqual(datagrams.map((d) => parse(d).message), ["before close"]);
  },
});

Deno.test({
  name: "a logger whose receiver went away drops messages without throwing",
  ignore: loggingOff,
  fn: async () => {
    let logger: ReturnType<typeof openLogger> | undefined;
    const datagrams = await receive((path) => {
      logger = openLogger(sockets, { socketPath: path });
      logger.info("delivered");
    });
    assert.deepEqual(datagrams.map((d) => parse(d).message), ["delivered"]);
    // The receiver has exited and its socket file is gone: sends fail (ECONNREFUSED).
    for (const level of LEVELS) logger![level]("lost");
    logger!.close();
    logger!.close();
  },
});

// ---------------------------------------------------------------------------------------------
// Missing sockets
// ---------------------------------------------------------------------------------------------

Deno.test("a missing, unusable or too long socket path gives a silent no-op logger", async () => {
  const dir = await Deno.makeTempDir({ prefix: "austin-log-" });
  try {
    const notASocket = `${dir}/plain-file`;
    await Deno.writeTextFile(notASocket, "");
    const before = openFds();
    for (
      const socketPath of [
        `${dir}/missing.sock`,
        notASocket,
        dir,
        `/${"x".repeat(200)}`,
        "",
        "/dev/log",
      ]
    ) {
      const logger = openLogger(sockets, { socketPath });
      for (const level of LEVELS) logger[level]("nobody listens");
      logger.close();
      logger.close();
    }
    assert.equal(openFds(), before);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a child logging to a missing socket writes nothing to stdout or stderr", async () => {
  const source = `
const missing = openLogger(sockets, { socketPath: "/nonexistent/austin-log-test.sock" });
const standard = openLogger(sockets);
for (const logger of [missing, standard]) {
  logger.info("Sampling interval: 10000 μs");
  logger.warning("w");
  logger.error("e");
  logger.critical("c");
  logger.debug("d");
  logger.close();
  logger.close();
}
console.log("done");
`;
  const [withFfi, withoutFfi] = await Promise.all([
    runChild(source, undefined),
    // Without --allow-ffi, libc cannot be opened: still a silent no-op.
    runChild(source, undefined, ["--allow-read"]),
  ]);
  for (const result of [withFfi, withoutFfi]) {
    assert.equal(result.stderr, "");
    assert.equal(result.stdout, "done\n");
    assert.equal(result.code, 0);
  }
});

// ---------------------------------------------------------------------------------------------
// AUSTIN_NO_LOGGING
// ---------------------------------------------------------------------------------------------

Deno.test("AUSTIN_NO_LOGGING: any non-empty value disables logging, empty or unset does not", async () => {
  const cases: [string, string | undefined][] = [
    ["one", "1"],
    ["zero", "0"],
    ["word", "yes"],
    ["empty", ""],
    ["unset", undefined],
  ];
  const pids = new Map<string, number>();
  const datagrams = await receive(async (path) => {
    const results = await Promise.all(cases.map(([label, value]) =>
      runChild(
        `
const logger = openLogger(sockets, { socketPath: ${JSON.stringify(path)} });
logger.info("${label} info");
logger.critical("${label} critical");
logger.close();
console.log("done");
`,
        value,
      )
    ));
    results.forEach((result, i) => {
      assert.equal(result.stderr, "");
      assert.equal(result.stdout, "done\n");
      assert.equal(result.code, 0);
      pids.set(cases[i][0], result.pid);
    });
  });
  const records = datagrams.map(parse);
  const labels = new Set(records.map((r) => r.message.split(" ")[0]));
  assert.deepEqual([...labels].sort(), ["empty", "unset"]);
  for (const label of ["empty", "unset"]) {
    const mine = records.filter((r) => r.message.startsWith(`${label} `));
    assert.deepEqual(mine.map((r) => [r.priority, r.message]), [
      [142, `${label} info`],
      [138, `${label} critical`],
    ]);
    for (const r of mine) {
      assert.equal(r.ident, "austin");
      assert.equal(r.pid, pids.get(label));
    }
  }
});
