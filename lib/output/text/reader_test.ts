/**
 * Tests for the parser of Austin's text format (spec: austin-behaviour.md
 * 5.1–5.6) and for readProfile on MOJO (section 8): every metric form, the
 * markers, file names with colons, the alternative format, malformed lines,
 * and Austin 3.7's own files.
 */

import assert from "node:assert/strict";
import { MojoError } from "../mojo/reader.ts";
import { describeTruncation } from "../truncation.ts";
import {
  AustinFormatError,
  parseAustin,
  parseRecording,
  readProfile,
  readRecording,
} from "./reader.ts";
import type { Profile, StackRecord } from "../pictures/model.ts";

const FIXTURES = "/work/shared/fixtures/austin-3.7.0/";
const encoder = new TextEncoder();

/** A record with defaults for what a test does not care about. */
function record(partial: Partial<StackRecord>): StackRecord {
  return {
    pid: 1,
    iid: 0,
    tid: 1,
    frames: [],
    invalid: false,
    gc: false,
    count: 1,
    time: 0,
    idleTime: 0,
    allocated: 0,
    freed: 0,
    ...partial,
  };
}

function header(mode: string): string {
  return `# austin: 3.7.0\n# interval: 10000\n# mode: ${mode}\n\n`;
}

/** The metric fields of the sample lines of a text, read independently of the parser. */
function metrics(text: string): string[][] {
  return text.split("\n").filter((l) => l.startsWith("P")).map((l) =>
    l.slice(l.lastIndexOf(" ") + 1).split(",")
  );
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

/** Asserts that parsing fails on line `line` with a one-line message matching `pattern`. */
function fails(text: string, line: number, pattern: RegExp): void {
  assert.throws(
    () => parseAustin(text),
    (e: unknown) => {
      assert.ok(e instanceof AustinFormatError, `${e}`);
      assert.equal(e.line, line, e.message);
      assert.ok(e.message.startsWith(`line ${line}: `), e.message);
      assert.match(e.message, pattern);
      assert.ok(!e.message.includes("\n"), e.message);
      return true;
    },
    text,
  );
}

// ---------------------------------------------------------------------------
// Metrics

Deno.test("parseAustin: wall mode merges identical stacks per thread", () => {
  const p = parseAustin(
    header("wall") +
      "P6894;T0:6894 39\n" +
      "P6894;T0:6894;cpu.py:<module>:17;cpu.py:top:14 10070\n" +
      "P6894;T0:6894;cpu.py:<module>:17;cpu.py:top:14 10067\n" +
      "P6894;T0:6895;cpu.py:<module>:17;cpu.py:top:14 5\n" +
      "P6894;T1:6894;cpu.py:<module>:17;cpu.py:top:14 6\n" +
      "P6900;T0:6894;cpu.py:<module>:17;cpu.py:top:14 7\n" +
      "\n# duration: 605109\n\n",
  );
  assert.equal(p.mode, "wall");
  assert.deepEqual([...p.metadata], [
    ["austin", "3.7.0"],
    ["interval", "10000"],
    ["mode", "wall"],
    ["duration", "605109"],
  ]);
  const frames = [
    { filename: "cpu.py", scope: "<module>", line: 17 },
    { filename: "cpu.py", scope: "top", line: 14 },
  ];
  assert.deepEqual(p.records, [
    record({ pid: 6894, tid: 6894, time: 39 }),
    record({ pid: 6894, tid: 6894, frames, count: 2, time: 20137 }),
    record({ pid: 6894, tid: 6895, frames, time: 5 }),
    record({ pid: 6894, iid: 1, tid: 6894, frames, time: 6 }),
    record({ pid: 6900, tid: 6894, frames, time: 7 }),
  ]);
});

Deno.test("parseAustin: cpu mode reads a time like wall", () => {
  const p = parseAustin(
    header("cpu") + "P7;T0:7;mixed.py:busy:5 50101\nP7;T0:7;mixed.py:busy:5 50100\n",
  );
  assert.equal(p.mode, "cpu");
  assert.deepEqual(p.records, [
    record({
      pid: 7,
      tid: 7,
      frames: [{ filename: "mixed.py", scope: "busy", line: 5 }],
      count: 2,
      time: 100201,
    }),
  ]);
});

Deno.test("parseAustin: memory mode splits allocated and freed", () => {
  const p = parseAustin(
    header("memory").replace("\n\n", "\n# memory: 24684084\n\n") +
      "P1;T0:1;a.py:f:3 192512\n" +
      "P1;T0:1;a.py:f:3 -14155776\n" +
      "P1;T0:1;a.py:f:3 4096\n" +
      "P1;T0:2;a.py:g:4 -1\n",
  );
  assert.equal(p.mode, "memory");
  assert.equal(p.metadata.get("memory"), "24684084");
  assert.deepEqual(p.records, [
    record({
      frames: [{ filename: "a.py", scope: "f", line: 3 }],
      count: 3,
      allocated: 196608,
      freed: -14155776,
    }),
    record({ tid: 2, frames: [{ filename: "a.py", scope: "g", line: 4 }], freed: -1 }),
  ]);
});

Deno.test("parseAustin: full mode reads time, idle and memory", () => {
  const p = parseAustin(
    header("full") +
      "P7446;T0:7451 30,1,0\n" +
      "P7446;T0:7451;t.py:sleeper:14 100149,1,0\n" +
      "P7446;T0:7451;t.py:sleeper:14 100000,0,-5\n" +
      "P7446;T0:7446;t.py:<module>:19 100149,1,69632\n" +
      "P7446;T0:7446;t.py:<module>:19 50091,0,7290880\n",
  );
  assert.equal(p.mode, "full");
  const sleeper = [{ filename: "t.py", scope: "sleeper", line: 14 }];
  const module = [{ filename: "t.py", scope: "<module>", line: 19 }];
  assert.deepEqual(p.records, [
    record({ pid: 7446, tid: 7451, time: 30, idleTime: 30 }),
    record({
      pid: 7446,
      tid: 7451,
      frames: sleeper,
      count: 2,
      time: 200149,
      idleTime: 100149,
      freed: -5,
    }),
    record({
      pid: 7446,
      tid: 7446,
      frames: module,
      count: 2,
      time: 150240,
      idleTime: 100149,
      allocated: 7360512,
    }),
  ]);
});

Deno.test("parseAustin: without a mode line, the first metric decides", () => {
  assert.equal(parseAustin("P1;T0:1 5\n").mode, "wall");
  const full = parseAustin("P1;T0:1 5,1,-3\n");
  assert.equal(full.mode, "full");
  assert.deepEqual(full.records, [record({ time: 5, idleTime: 5, freed: -3 })]);
  assert.equal(parseAustin("").records.length, 0);
  assert.equal(parseAustin("").mode, "wall");
});

Deno.test("parseAustin: CRLF line ends", () => {
  const p = parseAustin("# mode: cpu\r\n\r\nP1;T0:1;a.py:f:3 5\r\nP1;T0:1;a.py:f:3 6\r\n");
  assert.equal(p.metadata.get("mode"), "cpu");
  assert.deepEqual(p.records, [
    record({ frames: [{ filename: "a.py", scope: "f", line: 3 }], count: 2, time: 11 }),
  ]);
});

Deno.test("parseRecording: a last line without a newline was cut: left out and reported", () => {
  // "é" takes two bytes: the offset is in UTF-8 bytes.
  const text = "# mode: cpu\r\n\r\nP1;T0:1;é.py:f:3 5\r\nP1;T0:1;é.py:f:3 6";
  const r = parseRecording(text);
  assert.equal(r.profile.metadata.get("mode"), "cpu");
  assert.deepEqual(r.profile.records, [
    record({ frames: [{ filename: "é.py", scope: "f", line: 3 }], count: 1, time: 5 }),
  ]);
  assert.deepEqual(r.truncation, { offset: 36, inside: "inside line 4", samples: 1 });
  assert.equal(
    describeTruncation(r.truncation!),
    "truncated at byte 36 (inside line 4); kept the 1 sample before it",
  );
  assert.deepEqual(readRecording(encoder.encode(text)), r);
  // The strict readers name the cut line.
  fails(text, 4, /the text ends inside this line/);
  assert.throws(() => readProfile(encoder.encode(text)), AustinFormatError);
  // Every cut of a sample or metadata line looks cut, down to its first byte.
  const h = header("wall");
  for (const tail of ["P", "P12", "P12;", "P12;T", "P12;T0:1;a.py:f:3 1", "#", "# mo", "#x"]) {
    const cut = parseRecording(h + "P1;T0:1 5\n" + tail);
    assert.deepEqual(cut.truncation, {
      offset: h.length + 10,
      inside: "inside line 6",
      samples: 1,
    }, tail);
    assert.equal(cut.profile.records.length, 1, tail);
  }
  // A whole text has none, with or without its footer.
  assert.equal(parseRecording(h + "P1;T0:1 5\n").truncation, null);
  assert.equal(parseRecording("").truncation, null);
  // A last line that no Austin line starts like is malformed, not cut.
  fails(h + "hello", 5, /not a sample or metadata line: "hello"/);
  fails(h + "P1x", 5, /sample without a metric/);
  assert.throws(() => parseRecording(h + "Px;T0:1 5"), AustinFormatError);
});

Deno.test("parseAustin: a metadata line with long blank runs is read at once", () => {
  // A regular expression with `\\s*([^:]+?)\\s*:` took seconds on a few thousand blanks.
  const blanks = " ".repeat(50_000);
  const started = performance.now();
  fails(`#${blanks}x\n`, 1, /bad metadata/);
  const p = parseAustin(`#${blanks}key${blanks}:${blanks}value\n`);
  assert.equal(p.metadata.get("key"), `${blanks.slice(1)}value`);
  assert.equal(parseAustin("#key:\tv\n").metadata.get("key"), "v");
  assert.equal(parseAustin("# key:  v \n").metadata.get("key"), " v ");
  assert.equal(parseAustin("# a b : c: d\n").metadata.get("a b"), "c: d");
  fails("# : v\n", 1, /bad metadata/);
  assert.ok(performance.now() - started < 1000, `${performance.now() - started} ms`);
});

// ---------------------------------------------------------------------------
// Frames and markers

Deno.test("parseAustin: :INVALID: and :GC: markers", () => {
  const p = parseAustin(
    header("wall") +
      "P8625;T0:8625;:INVALID: 178\n" +
      "P8625;T0:8625;:INVALID:;<frozen x>:PathFinder._get_spec:1482;b.py:g:2 180\n" +
      "P8625;T0:8625;b.py:g:2;:GC: 5087\n" +
      "P8625;T0:8625;:GC: 3\n" +
      "P8625;T0:8625;:INVALID:;b.py:g:2;:GC: 4\n" +
      "P8625;T0:8625;b.py:g:2 1\n",
  );
  const g = { filename: "b.py", scope: "g", line: 2 };
  assert.deepEqual(p.records, [
    record({ pid: 8625, tid: 8625, invalid: true, time: 178 }),
    record({
      pid: 8625,
      tid: 8625,
      frames: [{ filename: "<frozen x>", scope: "PathFinder._get_spec", line: 1482 }, g],
      invalid: true,
      time: 180,
    }),
    record({ pid: 8625, tid: 8625, frames: [g], gc: true, time: 5087 }),
    record({ pid: 8625, tid: 8625, gc: true, time: 3 }),
    record({ pid: 8625, tid: 8625, frames: [g], invalid: true, gc: true, time: 4 }),
    record({ pid: 8625, tid: 8625, frames: [g], time: 1 }),
  ]);
});

Deno.test("parseAustin: file names with colons and spaces split at the last two colons", () => {
  const p = parseAustin(
    header("wall") +
      "P1;T0:1;<frozen importlib._bootstrap>:_find_and_load:1176;" +
      "C:\\Users\\me\\app.py:main:3;" +
      "/home/user/my app/x:y.py:Foo.__init__:4;" +
      "/home/user/app/uni.py::3;" +
      "__init__:__init__:0;" +
      "kernel:do_syscall_64:0;" +
      "/home/user/app/uni.py:函数:7 10\n",
  );
  assert.deepEqual(p.records[0].frames, [
    { filename: "<frozen importlib._bootstrap>", scope: "_find_and_load", line: 1176 },
    { filename: "C:\\Users\\me\\app.py", scope: "main", line: 3 },
    { filename: "/home/user/my app/x:y.py", scope: "Foo.__init__", line: 4 },
    { filename: "/home/user/app/uni.py", scope: "", line: 3 },
    { filename: "__init__", scope: "__init__", line: 0 },
    { filename: "kernel", scope: "do_syscall_64", line: 0 },
    { filename: "/home/user/app/uni.py", scope: "函数", line: 7 },
  ]);
  assert.equal(p.records[0].time, 10);
});

Deno.test("parseAustin: the alternative format gives the same profile", () => {
  const normal = header("full") +
    "P6894;T0:6894;cpu.py:<module>:17;cpu.py:top:14;C:\\a.py:leaf:5 10070,0,3\n" +
    "P6894;T0:6894;:INVALID:;<frozen site>:main:603;:GC: 10,1,-4\n" +
    "P6894;T0:6895;L5.py:f:1;Lx:g:2 7,0,0\n";
  const alt = header("full") +
    "P6894;T0:6894;cpu.py:<module>;L17;cpu.py:top;L14;C:\\a.py:leaf;L5 10070,0,3\n" +
    "P6894;T0:6894;:INVALID:;<frozen site>:main;L603;:GC: 10,1,-4\n" +
    "P6894;T0:6895;L5.py:f;L1;Lx:g;L2 7,0,0\n";
  const a = parseAustin(alt);
  assert.deepEqual(a, parseAustin(normal));
  assert.deepEqual(a.records[0].frames, [
    { filename: "cpu.py", scope: "<module>", line: 17 },
    { filename: "cpu.py", scope: "top", line: 14 },
    { filename: "C:\\a.py", scope: "leaf", line: 5 },
  ]);
  assert.deepEqual(a.records[1].frames, [{ filename: "<frozen site>", scope: "main", line: 603 }]);
  assert.ok(a.records[1].invalid && a.records[1].gc);
  assert.deepEqual(a.records[2].frames, [
    { filename: "L5.py", scope: "f", line: 1 },
    { filename: "Lx", scope: "g", line: 2 },
  ]);
  // Both formats in one file (e.g. two runs concatenated) are fine too.
  const mixed = parseAustin(header("wall") + "P1;T0:1;a.py:f:3;a.py:g;L4 5\n");
  assert.deepEqual(mixed.records[0].frames, [
    { filename: "a.py", scope: "f", line: 3 },
    { filename: "a.py", scope: "g", line: 4 },
  ]);
});

// ---------------------------------------------------------------------------
// Malformed input

Deno.test("parseAustin: malformed lines name their line number", () => {
  const h = header("wall"); // 4 lines
  fails(h + "P1;T0:1 5\nP1;T0:1 abc\n", 6, /bad wall metric "abc"/);
  fails(h + "P1;T0:1 -5\n", 5, /bad wall metric "-5"/);
  fails(h + "P1;T0:1\n", 5, /sample without a metric/);
  fails(h + "hello world\n", 5, /not a sample or metadata line: "hello world"/);
  fails(h + "P1;T0 5\n", 5, /bad thread field "T0"/);
  fails(h + "P1;T0:0x1f 5\n", 5, /bad thread field/);
  fails(h + "Px;T0:1 5\n", 5, /bad process field "Px"/);
  fails(h + "P1 5\n", 5, /bad process field "P1"/);
  fails(h + "P1;T0:1;a.py:f 5\n", 5, /bad frame "a.py:f"/);
  fails(h + "P1;T0:1;a.py:f:x 5\n", 5, /bad frame "a.py:f:x"/);
  fails(h + "P1;T0:1;a.py:f:3;;b.py:g:4 5\n", 5, /bad frame ""/);
  fails(h + "P1;T0:1;nocolon;L3 5\n", 5, /bad frame "nocolon;L3"/);
  fails(h + "P1;T0:1;f:3 5\n", 5, /bad frame "f:3"/);
  fails(header("full") + "P1;T0:1 5\n", 5, /bad full metric "5" \(expected t,i,m\)/);
  fails(header("full") + "P1;T0:1 5,2,0\n", 5, /bad full metric/);
  fails(header("full") + "P1;T0:1 -5,0,0\n", 5, /bad full metric/);
  fails(header("memory") + "P1;T0:1 1.5\n", 5, /bad memory metric "1.5"/);
  fails(header("cpu") + "P1;T0:1 5,0,0\n", 5, /bad cpu metric/);
  fails("# austin: 3.7.0\n# mode: bogus\n", 2, /unknown mode "bogus"/);
  fails("#nocolon\n", 1, /bad metadata "#nocolon"/);
  fails(h + "P1;T0:1 5\n# mode: memory\n", 6, /mode changes from wall to memory/);
  fails("P1;T0:1 5\n# mode: full\n", 2, /mode changes from wall to full/);
  // A long line is cut short in the message.
  fails(h + `P1;T0:1;${"x".repeat(500)} 5\n`, 5, /bad frame "x{57}\.\.\."$/);
  // Control characters are escaped, so the message stays on one line.
  fails(h + "P1;T0:1 5\r\r\n", 5, /bad wall metric "5\\r"/);
  // The same mode twice is fine.
  assert.equal(parseAustin(h + "P1;T0:1 5\n# mode: wall\n").records.length, 1);
});

Deno.test("parseAustin: progress is reported as increasing fractions ending with 1", () => {
  const line = "P1;T0:1;/home/user/app/a.py:f:3;/home/user/app/a.py:g:4 10000\n";
  const text = header("wall") + line.repeat(20000);
  const seen: number[] = [];
  const p = parseAustin(text, { onProgress: (f) => seen.push(f) });
  assert.equal(p.records[0].count, 20000);
  assert.ok(seen.length > 5, `${seen.length}`);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i] >= seen[i - 1]);
  assert.ok(seen.every((f) => f >= 0 && f <= 1));
  assert.equal(seen.at(-1), 1);
});

// ---------------------------------------------------------------------------
// Austin 3.7's files

/** Checks a parsed fixture against sums computed from its text line by line. */
function checkTotals(p: Profile, text: string): void {
  const m = metrics(text);
  assert.equal(sum(p.records.map((r) => r.count)), m.length);
  assert.equal(
    sum(p.records.map((r) => r.time)),
    sum(m.map((x) => p.mode === "memory" ? 0 : +x[0])),
  );
  if (p.mode === "full") {
    assert.equal(
      sum(p.records.map((r) => r.idleTime)),
      sum(m.map((x) => x[1] === "1" ? +x[0] : 0)),
    );
    assert.equal(sum(p.records.map((r) => r.allocated)), sum(m.map((x) => Math.max(+x[2], 0))));
    assert.equal(sum(p.records.map((r) => r.freed)), sum(m.map((x) => Math.min(+x[2], 0))));
  }
  const threads = new Set(
    text.split("\n").filter((l) => l.startsWith("P")).map((l) =>
      l.split(" ")[0].split(";").slice(0, 2).join(";")
    ),
  );
  assert.deepEqual(new Set(p.records.map((r) => `P${r.pid};T${r.iid}:${r.tid}`)), threads);
}

Deno.test("parseAustin: Austin 3.7's wall-3.11.txt", () => {
  const text = Deno.readTextFileSync(`${FIXTURES}wall-3.11.txt`);
  const p = parseAustin(text);
  assert.equal(p.mode, "wall");
  assert.deepEqual([...p.metadata.keys()], ["austin", "interval", "mode", "duration"]);
  assert.equal(p.metadata.get("interval"), "10000");
  checkTotals(p, text);
  // The deep import stacks keep their frozen file names whole.
  const frozen = p.records.flatMap((r) => r.frames).filter((f) => f.filename.startsWith("<frozen"));
  assert.ok(frozen.length > 0);
  for (const f of frozen) assert.match(f.filename, /^<frozen [\w.]+>$/);
  assert.ok(
    p.records.some((r) => r.frames.at(-1)?.scope === "churn.<locals>.<listcomp>"),
    "a 3.11 qualified name",
  );
  // Every frame renders back to the text it came from.
  const lines = new Set(
    text.split("\n").filter((l) => l.startsWith("P")).map((l) => l.slice(0, l.lastIndexOf(" "))),
  );
  for (const r of p.records) {
    const frames = r.frames.map((f) => `;${f.filename}:${f.scope}:${f.line}`).join("");
    assert.ok(lines.has(`P${r.pid};T${r.iid}:${r.tid}${frames}`));
  }
});

for (const name of ["wall-3.11", "full-gc-pipe-3.11", "wall-3.8"]) {
  Deno.test(`readProfile: ${name}.mojo gives the profile of its .mojo.txt`, () => {
    const mojo = Deno.readFileSync(`${FIXTURES}${name}.mojo`);
    const text = Deno.readTextFileSync(`${FIXTURES}${name}.mojo.txt`);
    const fromMojo = readProfile(mojo);
    const fromText = parseAustin(text);
    assert.deepEqual(fromMojo, fromText);
    assert.deepEqual(readProfile(encoder.encode(text)), fromText);
    assert.ok(fromMojo.records.length > 0);
    checkTotals(fromMojo, text);
  });
}

Deno.test("readProfile: the markers and metrics of the MOJO fixtures", () => {
  const wall = readProfile(Deno.readFileSync(`${FIXTURES}wall-3.11.mojo`));
  assert.equal(wall.mode, "wall");
  assert.equal(wall.records.filter((r) => r.invalid).length, 1);
  const full = readProfile(Deno.readFileSync(`${FIXTURES}full-gc-pipe-3.11.mojo`));
  assert.equal(full.mode, "full");
  assert.deepEqual([...full.metadata.keys()], [
    "austin",
    "interval",
    "mode",
    "memory",
    "python",
    "duration",
    "gc",
    "sampling",
    "saturation",
    "errors",
  ]);
  assert.ok(full.records.some((r) => r.gc));
  assert.ok(full.records.some((r) => r.idleTime > 0));
  assert.ok(full.records.some((r) => r.allocated > 0));
  // `# gc:` is the time of the samples taken during a collection.
  assert.equal(
    sum(full.records.filter((r) => r.gc).map((r) => r.time)),
    Number(full.metadata.get("gc")),
  );
  const v38 = readProfile(Deno.readFileSync(`${FIXTURES}wall-3.8.mojo`));
  assert.ok(v38.records.some((r) => r.frames.some((f) => f.filename === "fixture_target.py")));
});

Deno.test("readProfile: a truncated MOJO stream raises a MojoError", () => {
  const mojo = Deno.readFileSync(`${FIXTURES}wall-3.11.mojo`);
  assert.throws(() => readProfile(mojo.subarray(0, 0x40)), MojoError);
  assert.throws(() => readProfile(encoder.encode("MOJ")), MojoError);
});

Deno.test("readProfile: reports progress on text and MOJO", () => {
  for (const file of ["wall-3.11.mojo", "wall-3.11.txt"]) {
    const seen: number[] = [];
    readProfile(Deno.readFileSync(`${FIXTURES}${file}`), { onProgress: (f) => seen.push(f) });
    assert.equal(seen.at(-1), 1, file);
  }
});
