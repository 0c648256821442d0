/**
 * Real recordings cut short (as `head -c N` would): the readers keep every
 * whole sample before the cut, and the converters still write their output,
 * say in one line on stderr where the input was cut and exit 1. The cuts land
 * inside a line, inside a metric, inside a varint, a string, a frame event,
 * between the events of a sample, and on a boundary (no cut to report).
 */

import assert from "node:assert/strict";
import { type MojoEvent, mojoEvents, readMojo } from "../lib/output/mojo/reader.ts";
import { parseAustin, readRecording } from "../lib/output/text/reader.ts";
import { toFlameGraph } from "../lib/output/pictures/flamegraph.ts";
import { toPprof } from "../lib/output/pictures/pprof.ts";
import { toSpeedscope } from "../lib/output/pictures/speedscope.ts";
import { record, withTempDir } from "./recordings.ts";

const CLI = new URL("../lib/cli/", import.meta.url).pathname;
const decoder = new TextDecoder();
const encoder = new TextEncoder();

type Tool = "mojo2austin" | "austin2speedscope" | "austin2pprof" | "austin2flamegraph";

interface Converted {
  code: number;
  stderr: string;
  output: Uint8Array;
}

/** Runs a converter from `input` to `output`. */
async function convert(tool: Tool, input: string, output: string): Promise<Converted> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${CLI}${tool}.ts`, input, output],
    stdin: "null",
  }).output();
  assert.equal(decoder.decode(out.stdout), "", tool);
  return {
    code: out.code,
    stderr: decoder.decode(out.stderr),
    output: await Deno.readFile(output),
  };
}

/** What `tool` writes for the text of the whole samples before a cut. */
function expectedOutput(tool: Tool, text: string, name: string): Uint8Array {
  const profile = parseAustin(text);
  switch (tool) {
    case "mojo2austin":
      return encoder.encode(text);
    case "austin2speedscope":
      return encoder.encode(toSpeedscope(profile, name));
    case "austin2pprof":
      return toPprof(profile);
    case "austin2flamegraph":
      return encoder.encode(toFlameGraph(profile, `Flame Graph: ${name}`));
  }
}

/** A cut of a recording and what the readers must make of it. */
interface Cut {
  what: string;
  at: number;
  /** The byte the report names, or null when the cut is on a boundary. */
  offset: number | null;
  inside?: string;
  /** The whole samples before the cut. */
  samples: number;
  /** The text of what is kept (Austin's text; for MOJO, its rendering). */
  kept: string;
}

/**
 * How a truncation report names the events whose type is not its own name
 * (a cut at byte 200000 falls in whichever event is there).
 */
const EVENT_WORDS: Partial<Record<MojoEvent["type"], string>> = {
  "frame-ref": "frame reference",
  "string-ref": "string reference",
  invalid: "invalid frame",
  kernel: "kernel frame",
  gc: "GC",
  time: "time metric",
  memory: "memory metric",
};

/** `kept the N samples before it`, as the report words it. */
function keptWords(samples: number): string {
  return samples === 0 ? "no samples" : samples === 1 ? "the 1 sample" : `the ${samples} samples`;
}

/** Checks one cut through `tool` and through readRecording. */
async function checkCut(dir: string, bytes: Uint8Array, cut: Cut, tool: Tool): Promise<void> {
  const input = `${dir}/cut-${cut.at}`;
  const part = bytes.subarray(0, cut.at);
  await Deno.writeFile(input, part);
  const read = readRecording(part);
  assert.deepEqual(read.profile, parseAustin(cut.kept), cut.what);
  const r = await convert(tool, input, `${dir}/out-${cut.at}`);
  assert.deepEqual(r.output, expectedOutput(tool, cut.kept, `cut-${cut.at}`), cut.what);
  if (cut.offset === null) {
    assert.equal(read.truncation, null, cut.what);
    assert.equal(r.code, 0, `${cut.what}: ${r.stderr}`);
    assert.equal(r.stderr, "", cut.what);
    return;
  }
  assert.deepEqual(read.truncation, {
    offset: cut.offset,
    inside: cut.inside,
    samples: cut.samples,
  }, cut.what);
  assert.equal(r.code, 1, `${cut.what}: ${r.stderr}`);
  assert.equal(
    r.stderr,
    `${tool}: ${input}: truncated at byte ${cut.offset} (${cut.inside}); ` +
      `kept ${keptWords(cut.samples)} before it\n`,
    cut.what,
  );
}

Deno.test("truncated text recordings: cut mid-line, mid-metric, in the header", async () => {
  await withTempDir("truncated_test_", async (dir) => {
    const bytes = await record(`${dir}/samples.txt`);
    const text = decoder.decode(bytes);
    // Line starts, in bytes (the recording's paths are ASCII).
    assert.equal(encoder.encode(text).length, text.length);
    const starts = [0];
    for (let i = text.indexOf("\n"); i >= 0 && i + 1 < text.length; i = text.indexOf("\n", i + 1)) {
      starts.push(i + 1);
    }
    const lineAt = (at: number) => starts.findLastIndex((s) => s <= at);
    const cutAt = (what: string, at: number): Cut => {
      const line = lineAt(at);
      const kept = text.slice(0, starts[line]);
      const samples = kept.split("\n").filter((l) => l.startsWith("P")).length;
      if (starts[line] === at) return { what, at, offset: null, samples, kept };
      return { what, at, offset: starts[line], inside: `inside line ${line + 1}`, samples, kept };
    };
    const sampleLines = starts.filter((s) => text[s] === "P");
    assert.ok(sampleLines.length > 100, `${sampleLines.length} samples`);
    const middle = sampleLines[Math.floor(sampleLines.length / 2)];
    const late = sampleLines[sampleLines.length - 3];
    const lateEnd = text.indexOf("\n", late);
    const cuts: Array<[Cut, Tool]> = [
      [cutAt("inside a sample line", middle + 20), "austin2speedscope"],
      [cutAt("inside a metric (the line would parse)", lateEnd - 1), "austin2pprof"],
      [cutAt("inside the first metadata line", 5), "austin2flamegraph"],
      [cutAt("right after a newline", middle), "austin2speedscope"],
      [cutAt("head -c 200000", Math.min(200_000, bytes.length - 1)), "austin2pprof"],
    ];
    for (const [cut, tool] of cuts) await checkCut(dir, bytes, cut, tool);
  });
});

Deno.test("truncated MOJO recordings: cut mid-varint, mid-string, mid-event, mid-sample", async () => {
  await withTempDir("truncated_test_", async (dir) => {
    const bytes = await record(`${dir}/samples.mojo`, ["-b"]);
    const events: MojoEvent[] = [...mojoEvents(bytes)];
    const full = readMojo(bytes);
    assert.equal(full.truncation, null);
    const lines = full.text.split("\n").slice(0, -1);
    const ends = events.map((_, i) => i + 1 < events.length ? events[i + 1].offset : bytes.length);
    // A sample is whole once its time metric is read (wall mode).
    const cutAt = (what: string, at: number): Cut => {
      let samples = 0;
      let metadata = 0;
      let stackAt = -1;
      let cutEvent: MojoEvent | undefined;
      events.forEach((e, i) => {
        if (ends[i] <= at) {
          if (e.type === "time") samples++;
          if (e.type === "metadata") metadata++;
          if (e.type === "stack") stackAt = e.offset;
          if (e.type === "time") stackAt = -1;
        } else if (e.offset < at) cutEvent = e;
      });
      const kept = lines.slice(0, samples + metadata).map((l) => `${l}\n`).join("");
      if (cutEvent !== undefined) {
        const name = EVENT_WORDS[cutEvent.type] ?? cutEvent.type;
        return {
          what,
          at,
          offset: cutEvent.offset,
          inside: `inside a ${name} event`,
          samples,
          kept,
        };
      }
      if (stackAt >= 0) {
        const inside = "inside a sample, before its metrics";
        return { what, at, offset: stackAt, inside, samples, kept };
      }
      return { what, at, offset: null, samples, kept };
    };
    const middle = Math.floor(events.length / 2);
    const find = (type: MojoEvent["type"], from: number, longer = 0) =>
      events.findIndex((e, i) => i >= from && e.type === type && ends[i] - e.offset > longer);
    const ref = find("frame-ref", middle, 3);
    const string = find("string", 0, 8);
    const frame = find("frame", 0);
    const stack = find("stack", middle);
    assert.ok(ref > 0 && string > 0 && frame > 0 && stack > 0);
    const cuts: Array<[Cut, Tool]> = [
      [cutAt("inside a frame reference's key varint", events[ref].offset + 3), "mojo2austin"],
      [cutAt("inside a string's text", events[string].offset + 7), "austin2speedscope"],
      [cutAt("inside a frame event", events[frame].offset + 4), "austin2pprof"],
      [cutAt("between a sample's events", events[stack + 1].offset), "austin2flamegraph"],
      [cutAt("on a sample's boundary", events[stack].offset), "mojo2austin"],
      [cutAt("head -c 200000", Math.min(200_000, Math.floor(bytes.length * 0.6))), "mojo2austin"],
    ];
    for (const [cut, tool] of cuts) await checkCut(dir, bytes, cut, tool);
  });
});
