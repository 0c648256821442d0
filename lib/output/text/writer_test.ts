/**
 * Tests for Austin's text format (spec: austin-behaviour.md, section 5): the
 * header, the footer and the sample lines, written through the buffered sink.
 */

import assert from "node:assert/strict";
import { MAX_FRAMES, NamedCode, Stack, type ThreadStack } from "../../sample.ts";
import { SamplingStats } from "../../sampler/stats.ts";
import { CollapsedWriter, footer, header } from "./writer.ts";
import { AUSTIN_VERSION } from "../metadata.ts";
import { OutputError, OutputSink } from "../sink.ts";

// ---------------------------------------------------------------------------
// Helpers

const decoder = new TextDecoder();

/** A writer that keeps copies of what it is given, taking at most `limit(n)` bytes per call. */
class MemoryWriter {
  readonly chunks: Uint8Array[] = [];
  calls = 0;
  constructor(readonly limit: (n: number) => number = (n) => n) {}

  writeSync(bytes: Uint8Array): number {
    this.calls++;
    const n = this.limit(bytes.length);
    this.chunks.push(bytes.slice(0, n));
    return n;
  }

  get bytes(): Uint8Array {
    const out = new Uint8Array(this.chunks.reduce((sum, c) => sum + c.length, 0));
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }

  get text(): string {
    return decoder.decode(this.bytes);
  }
}

function code(filename: string, scope: string): NamedCode {
  return new NamedCode(filename, scope);
}

/** A thread sample; `frames` are given outermost first, as they are printed. */
function sample(
  tid: number,
  frames: [NamedCode, number][],
  options: { iid?: number; invalid?: boolean } = {},
): Stack {
  const s = new Stack();
  s.interpreterId = options.iid ?? 0;
  s.threadId = tid;
  s.invalid = options.invalid ?? false;
  // The sample stores the innermost frame first.
  const inner = [...frames].reverse();
  inner.forEach(([c, line], i) => {
    s.codes[i] = c;
    s.lines[i] = line;
  });
  s.depth = inner.length;
  return s;
}

/** The mode whose metric is written as `metric`: `time,idle,memory` in full mode. */
function modeOf(metric: string): "wall" | "full" {
  return metric.includes(",") ? "full" : "wall";
}

/** Writes one sample whose metric the writer's mode writes as `metric`. */
function writeLine(
  writer: CollapsedWriter,
  pid: number,
  s: ThreadStack,
  gc: boolean,
  metric: string,
): void {
  const [time, idle, memory] = metric.split(",").map(Number);
  if (writer.mode === "full") writer.sample(pid, s, gc, time, idle === 1, memory);
  else writer.sample(pid, s, gc, time, false, 0);
}

/** The text of one sample line. */
function line(
  pid: number,
  s: ThreadStack,
  gc: boolean,
  metric: string,
  alt = false,
): string {
  const writer = new MemoryWriter();
  const sink = new OutputSink(writer);
  writeLine(new CollapsedWriter(sink, alt, modeOf(metric)), pid, s, gc, metric);
  sink.flush();
  return writer.text;
}

function stats(elapsed: number[], intervalUs: number, invalid: number[] = []): SamplingStats {
  const s = new SamplingStats();
  elapsed.forEach((e, i) => s.record(e, intervalUs, invalid.includes(i)));
  return s;
}

const CPU = "cpu.py";
const MODULE = code(CPU, "<module>");
const TOP = code(CPU, "top");
const MIDDLE = code(CPU, "middle");
const LEAF = code(CPU, "leaf");

// ---------------------------------------------------------------------------
// Header

Deno.test("the Austin version is 3.7.0", () => {
  assert.equal(AUSTIN_VERSION, "3.7.0");
});

Deno.test("header in wall mode", () => {
  assert.equal(
    header({ intervalUs: 10000, mode: "wall", multiprocess: false }),
    "# austin: 3.7.0\n# interval: 10000\n# mode: wall\n\n",
  );
});

Deno.test("header in memory mode with -C: memory, then multiprocess", () => {
  assert.equal(
    header({ intervalUs: 20000, mode: "memory", memoryKiB: 24684084, multiprocess: true }),
    "# austin: 3.7.0\n# interval: 20000\n# mode: memory\n# memory: 24684084\n# multiprocess: on\n\n",
  );
});

Deno.test("header in pipe mode without -C: python comes last", () => {
  assert.equal(
    header({ intervalUs: 50000, mode: "wall", multiprocess: false, python: "3.13.0" }),
    "# austin: 3.7.0\n# interval: 50000\n# mode: wall\n# python: 3.13.0\n\n",
  );
  assert.equal(
    header({
      intervalUs: 100000,
      mode: "full",
      memoryKiB: 24684084,
      multiprocess: false,
      python: "3.12.1",
    }),
    "# austin: 3.7.0\n# interval: 100000\n# mode: full\n# memory: 24684084\n# python: 3.12.1\n\n",
  );
});

Deno.test("header in pipe mode with -C: python comes first (-CPfg example)", () => {
  assert.equal(
    header({
      intervalUs: 20000,
      mode: "full",
      memoryKiB: 24684084,
      multiprocess: true,
      python: "3.11.7",
    }),
    "# python: 3.11.7\n# austin: 3.7.0\n# interval: 20000\n# mode: full\n" +
      "# memory: 24684084\n# multiprocess: on\n\n",
  );
});

// ---------------------------------------------------------------------------
// Footer

Deno.test("footer outside pipe mode: duration only, even with samples", () => {
  assert.equal(
    footer(605109, stats([10, 20, 30], 10000), false, false),
    "\n# duration: 605109\n\n",
  );
  assert.equal(footer(605109, new SamplingStats(), false, false), "\n# duration: 605109\n\n");
});

Deno.test("footer outside pipe mode with -g", () => {
  const s = new SamplingStats();
  s.gcTime = 615806;
  assert.equal(footer(799853, s, true, false), "\n# duration: 799853\n# gc: 615806\n\n");
});

Deno.test("footer in pipe mode with samples (spec example)", () => {
  // min 13, max 100, avg floor(273 / 7) = 39, none longer than the interval.
  const s = stats([13, 32, 32, 100, 32, 32, 32], 50000);
  assert.equal(
    footer(356118, s, false, true),
    "\n# duration: 356118\n# sampling: 13,39,100\n# saturation: 0/7\n# errors: 0/7\n\n",
  );
});

Deno.test("footer in pipe mode counts saturation and errors", () => {
  const s = stats([5, 15000, 20, 10001, 7], 10000, [0, 2, 4]);
  assert.equal(
    footer(1000, s, false, true),
    "\n# duration: 1000\n# sampling: 5,5006,15000\n# saturation: 2/5\n# errors: 3/5\n\n",
  );
});

Deno.test("footer in pipe mode with -g (the -CPfg example)", () => {
  const s = new SamplingStats();
  s.count = 122;
  s.total = 75 * 122;
  s.min = 7;
  s.max = 5928;
  s.gcTime = 40087;
  assert.equal(
    footer(1151854, s, true, true),
    "\n# duration: 1151854\n# gc: 40087\n# sampling: 7,75,5928\n# saturation: 0/122\n" +
      "# errors: 0/122\n\n",
  );
});

Deno.test("footer in pipe mode with zero samples has no sampling lines", () => {
  assert.equal(footer(1009992, new SamplingStats(), false, true), "\n# duration: 1009992\n\n");
  const s = new SamplingStats();
  s.gcTime = 0;
  assert.equal(footer(1009992, s, true, true), "\n# duration: 1009992\n# gc: 0\n\n");
});

Deno.test("header and footer of a pipe run with zero samples (spec example)", () => {
  const text = header({ intervalUs: 10000, mode: "cpu", multiprocess: false, python: "3.11.7" }) +
    footer(1009992, new SamplingStats(), false, true);
  assert.equal(
    text,
    "# austin: 3.7.0\n# interval: 10000\n# mode: cpu\n# python: 3.11.7\n\n\n# duration: 1009992\n\n",
  );
});

// ---------------------------------------------------------------------------
// Sample lines

Deno.test("frames are written outermost first", () => {
  const s = sample(6894, [[MODULE, 17], [TOP, 14], [MIDDLE, 10], [LEAF, 5]]);
  assert.equal(s.codes[0], LEAF);
  assert.equal(
    line(6894, s, false, "10070"),
    "P6894;T0:6894;cpu.py:<module>:17;cpu.py:top:14;cpu.py:middle:10;cpu.py:leaf:5 10070\n",
  );
});

Deno.test("a thread without frames still gets a line", () => {
  assert.equal(line(6894, sample(6894, []), false, "39"), "P6894;T0:6894 39\n");
  assert.equal(line(7446, sample(7451, []), false, "30,1,0"), "P7446;T0:7451 30,1,0\n");
});

Deno.test("sub-interpreter ids and signed memory metrics", () => {
  const s = sample(7357, [[MODULE, 3]], { iid: 1 });
  assert.equal(line(7356, s, false, "-14155776"), "P7356;T1:7357;cpu.py:<module>:3 -14155776\n");
});

Deno.test(":INVALID: comes right after the thread id", () => {
  assert.equal(
    line(8625, sample(8625, [], { invalid: true }), false, "178"),
    "P8625;T0:8625;:INVALID: 178\n",
  );
  const boot = "<frozen importlib._bootstrap_external>";
  const s = sample(8625, [[code(boot, "PathFinder._get_spec"), 1482], [
    code(boot, "FileFinder.find_spec"),
    1646,
  ]], { invalid: true });
  assert.equal(
    line(8625, s, false, "180"),
    `P8625;T0:8625;:INVALID:;${boot}:PathFinder._get_spec:1482;${boot}:FileFinder.find_spec:1646 180\n`,
  );
});

Deno.test(":GC: comes after the frames", () => {
  const gc = "gcheavy.py";
  const s = sample(7631, [[code(gc, "<module>"), 15], [code(gc, "churn"), 11]]);
  assert.equal(
    line(7631, s, true, "5087"),
    "P7631;T0:7631;gcheavy.py:<module>:15;gcheavy.py:churn:11;:GC: 5087\n",
  );
  assert.equal(line(7631, sample(7631, []), true, "5087"), "P7631;T0:7631;:GC: 5087\n");
  assert.equal(
    line(7631, sample(7631, [[MODULE, 1]], { invalid: true }), true, "1"),
    "P7631;T0:7631;:INVALID:;cpu.py:<module>:1;:GC: 1\n",
  );
});

Deno.test("the alternative format writes file:scope;L<line>", () => {
  const s = sample(6894, [[MODULE, 17], [TOP, 14], [MIDDLE, 10], [LEAF, 5]]);
  assert.equal(
    line(6894, s, false, "10070", true),
    "P6894;T0:6894;cpu.py:<module>;L17;cpu.py:top;L14;cpu.py:middle;L10;cpu.py:leaf;L5 10070\n",
  );
  const invalid = sample(6894, [[LEAF, 5]], { invalid: true });
  assert.equal(
    line(6894, invalid, true, "3", true),
    "P6894;T0:6894;:INVALID:;cpu.py:leaf;L5;:GC: 3\n",
  );
  assert.equal(line(6894, sample(6894, []), false, "39", true), "P6894;T0:6894 39\n");
});

Deno.test("non-ASCII names are written as UTF-8", () => {
  const uni = "/home/user/app/uni.py";
  const s = sample(1, [[code(uni, "añb"), 3], [code(uni, "函数"), 7], [
    code("/tmp/𠀀眠.py", "𠀀"),
    9,
  ]]);
  const writer = new MemoryWriter();
  const sink = new OutputSink(writer);
  writeLine(new CollapsedWriter(sink, false), 1, s, false, "10");
  sink.flush();
  const expected = `P1;T0:1;${uni}:añb:3;${uni}:函数:7;/tmp/𠀀眠.py:𠀀:9 10\n`;
  assert.deepEqual(writer.bytes, new TextEncoder().encode(expected));
  assert.equal(writer.text, expected);
});

Deno.test("only the first depth frames of a reused sample are written", () => {
  const s = sample(5, [[MODULE, 1], [TOP, 2], [MIDDLE, 3]]);
  s.codes[0] = LEAF;
  s.lines[0] = 4;
  s.depth = 1;
  assert.equal(line(5, s, false, "1"), "P5;T0:5;cpu.py:leaf:4 1\n");
});

Deno.test("a full-depth invalid sample has 2049 fields after the thread id", () => {
  const frames: [NamedCode, number][] = [];
  for (let i = 0; i < MAX_FRAMES; i++) frames.push([LEAF, i + 1]);
  const text = line(9, sample(9, frames, { invalid: true }), false, "1");
  const fields = text.slice(0, text.lastIndexOf(" ")).split(";");
  assert.equal(fields.length, 2 + MAX_FRAMES + 1);
  assert.equal(fields[2], ":INVALID:");
  assert.equal(fields[3], "cpu.py:leaf:1");
  assert.equal(fields[fields.length - 1], `cpu.py:leaf:${MAX_FRAMES}`);
});

Deno.test("several samples through one writer come out in order", () => {
  const writer = new MemoryWriter();
  const sink = new OutputSink(writer);
  const collapsed = new CollapsedWriter(sink, false);
  sink.write(header({ intervalUs: 10000, mode: "wall", multiprocess: false }));
  writeLine(collapsed, 6894, sample(6894, []), false, "39");
  writeLine(collapsed, 6894, sample(6894, [[MODULE, 17], [LEAF, 5]]), false, "10070");
  sink.write(footer(605109, new SamplingStats(), false, false));
  assert.equal(writer.calls, 0, "nothing is written before a flush");
  sink.flush();
  assert.equal(
    writer.text,
    "# austin: 3.7.0\n# interval: 10000\n# mode: wall\n\nP6894;T0:6894 39\n" +
      "P6894;T0:6894;cpu.py:<module>:17;cpu.py:leaf:5 10070\n\n# duration: 605109\n\n",
  );
});

// ---------------------------------------------------------------------------
// OutputSink

Deno.test("OutputSink buffers until flush and writes nothing when empty", () => {
  const writer = new MemoryWriter();
  const sink = new OutputSink(writer, 1024);
  sink.flush();
  assert.equal(writer.calls, 0);
  sink.write("hello ");
  sink.write("world\n");
  assert.equal(sink.pending, 12);
  assert.equal(writer.calls, 0);
  sink.flush();
  assert.equal(sink.pending, 0);
  assert.equal(writer.calls, 1);
  assert.equal(writer.text, "hello world\n");
  sink.flush();
  assert.equal(writer.calls, 1);
});

Deno.test("OutputSink counts pending bytes in UTF-8", () => {
  const writer = new MemoryWriter();
  const sink = new OutputSink(writer, 1024);
  sink.write("睡眠");
  sink.write("𠀀");
  sink.write("ä");
  assert.equal(sink.pending, 6 + 4 + 2);
  sink.flush();
  assert.equal(writer.text, "睡眠𠀀ä");
});

Deno.test("OutputSink writes the buffer out when it would overflow, keeping the order", () => {
  const writer = new MemoryWriter();
  const sink = new OutputSink(writer, 64);
  const parts: string[] = [];
  for (let i = 0; i < 20; i++) {
    const part = `line ${i.toString().padStart(3, "0")}\n`;
    parts.push(part);
    sink.write(part);
    assert.ok(sink.pending <= 64);
  }
  assert.ok(writer.calls > 1, "the buffer was written out before the flush");
  sink.flush();
  assert.equal(writer.text, parts.join(""));
  for (const chunk of writer.chunks) assert.ok(chunk.length <= 64);
});

Deno.test("OutputSink writes text larger than its buffer directly, after what is pending", () => {
  const writer = new MemoryWriter();
  const sink = new OutputSink(writer, 64);
  sink.write("first\n");
  const big = "睡".repeat(100) + "x".repeat(1000) + "\n";
  sink.write(big);
  sink.write("last\n");
  sink.flush();
  assert.equal(writer.text, "first\n" + big + "last\n");
  assert.deepEqual(writer.chunks.map((c) => c.length), [6, 300 + 1001, 5]);
});

Deno.test("OutputSink.writeBytes buffers small arrays and writes large ones directly", () => {
  const writer = new MemoryWriter();
  const sink = new OutputSink(writer, 16);
  sink.writeBytes(new Uint8Array([1, 2, 3]));
  sink.write("ab");
  assert.equal(sink.pending, 5);
  sink.writeBytes(new Uint8Array(12).fill(7));
  assert.equal(writer.calls, 1, "5 + 12 > 16: the buffer went out first");
  assert.equal(sink.pending, 12);
  sink.writeBytes(new Uint8Array(40).fill(9));
  sink.flush();
  const expected = new Uint8Array([
    1,
    2,
    3,
    97,
    98,
    ...new Array(12).fill(7),
    ...new Array(40).fill(9),
  ]);
  assert.deepEqual(writer.bytes, expected);
  // A buffer-sized array fits exactly.
  const exact = new MemoryWriter();
  const sink2 = new OutputSink(exact, 16);
  sink2.writeBytes(new Uint8Array(16).fill(1));
  assert.equal(exact.calls, 0);
  sink2.flush();
  assert.equal(exact.bytes.length, 16);
});

Deno.test("OutputSink copes with a writer that takes half of what it is given", () => {
  const writer = new MemoryWriter((n) => Math.max(1, Math.floor(n / 2)));
  const sink = new OutputSink(writer, 256);
  const parts: string[] = [];
  for (let i = 0; i < 200; i++) {
    const part = `P1;T0:1;file.py:函数_${i}:${i} ${i * 7}\n`;
    parts.push(part);
    sink.write(part);
  }
  sink.write("z".repeat(2000));
  sink.writeBytes(new TextEncoder().encode("\nend\n"));
  sink.flush();
  assert.equal(writer.text, parts.join("") + "z".repeat(2000) + "\nend\n");
  // Each buffer-full takes about log2(256) calls; the 2000-byte text about 11.
  assert.ok(writer.calls > 20, `${writer.calls} calls`);
  assert.equal(sink.pending, 0);
});

Deno.test("OutputSink with its default buffer keeps a large output intact", () => {
  const writer = new MemoryWriter();
  const sink = new OutputSink(writer);
  const collapsed = new CollapsedWriter(sink, false);
  const s = sample(42, [[MODULE, 17], [TOP, 14], [MIDDLE, 10], [LEAF, 5]]);
  const one = "P42;T0:42;cpu.py:<module>:17;cpu.py:top:14;cpu.py:middle:10;cpu.py:leaf:5 10070\n";
  const count = 30000;
  for (let i = 0; i < count; i++) writeLine(collapsed, 42, s, false, "10070");
  sink.flush();
  const bytes = writer.bytes;
  assert.equal(bytes.length, one.length * count);
  assert.ok(writer.calls >= Math.floor((one.length * count) / (1 << 20)));
  const text = decoder.decode(bytes);
  assert.equal(text.slice(0, one.length), one);
  assert.equal(text.slice(-one.length), one);
  assert.equal(text.split("\n").length, count + 1);
});

Deno.test("OutputSink.flush passes on what the writer throws, as an OutputError", () => {
  const sink = new OutputSink({
    writeSync(): number {
      throw new Deno.errors.BrokenPipe("closed");
    },
  }, 64);
  sink.write("x\n");
  assert.throws(
    () => sink.flush(),
    (e: unknown) =>
      e instanceof OutputError && e.brokenPipe && e.cause instanceof Deno.errors.BrokenPipe,
  );
});
