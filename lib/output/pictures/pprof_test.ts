/**
 * Tests for the pprof output: decoded back with `pprof-format` after gunzip,
 * the totals of each sample type equal the input's sums, and the function
 * names, files and lines of every stack come back as they went in.
 */

import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
// deno-lint-ignore no-import-prefix
import * as pprof from "npm:pprof-format@2.3.2";
import { parseAustin, readProfile } from "../text/reader.ts";
import { type Frame, type Profile, type StackRecord, threadName } from "./model.ts";
import { toPprof } from "./pprof.ts";

const FIXTURES = "/work/shared/fixtures/austin-3.7.0/";

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

/** A decoded profile with its strings resolved. */
interface Decoded {
  raw: pprof.Profile;
  str(i: pprof.Profile["period"]): string;
  types: string[];
  /** Per sample: its values, its frames outermost first, its labels. */
  samples: Array<{
    values: number[];
    frames: Frame[];
    labels: Map<string, string | number>;
  }>;
}

function decode(bytes: Uint8Array): Decoded {
  assert.deepEqual([...bytes.subarray(0, 2)], [0x1f, 0x8b], "gzip magic");
  const raw = pprof.Profile.decode(new Uint8Array(gunzipSync(bytes)));
  const strings = raw.stringTable.strings;
  const str = (i: pprof.Profile["period"]) => {
    const s = strings[Number(i)];
    assert.ok(s !== undefined, `string ${i}`);
    return s;
  };
  assert.equal(strings[0], "");
  const functions = new Map(raw.function.map((f) => [Number(f.id), f]));
  const locations = new Map(raw.location.map((l) => [Number(l.id), l]));
  const samples = raw.sample.map((s) => {
    const frames = s.locationId.map((id) => {
      const location = locations.get(Number(id));
      assert.ok(location !== undefined, `location ${id}`);
      assert.equal(location.line.length, 1);
      const line = location.line[0];
      const f = functions.get(Number(line.functionId));
      assert.ok(f !== undefined, `function ${line.functionId}`);
      return { filename: str(f.filename), scope: str(f.name), line: Number(line.line) };
    }).reverse();
    const labels = new Map(
      s.label.map((l) => [str(l.key), Number(l.str) !== 0 ? str(l.str) : Number(l.num)]),
    );
    return { values: s.value.map(Number), frames, labels };
  });
  return {
    raw,
    str,
    types: raw.sampleType.map((t) => `${str(t.type)}/${str(t.unit)}`),
    samples,
  };
}

/** A record's frames with the markers as pprof has them. */
function withMarkers(r: StackRecord): Frame[] {
  return [
    ...(r.invalid ? [{ filename: "", scope: ":INVALID:", line: 0 }] : []),
    ...r.frames,
    ...(r.gc ? [{ filename: "", scope: ":GC:", line: 0 }] : []),
  ];
}

/** Checks a decoded profile against the profile it was made from. */
function checkAgainst(d: Decoded, p: Profile): void {
  const memory = p.mode === "memory" || p.mode === "full";
  assert.deepEqual(
    d.types,
    memory
      ? ["samples/count", "wall/microseconds", "memory/bytes"]
      : ["samples/count", "wall/microseconds"],
  );
  assert.equal(d.samples.length, p.records.length);
  const total = (i: number) => sum(d.samples.map((s) => s.values[i]));
  assert.equal(total(0), sum(p.records.map((r) => r.count)));
  assert.equal(total(1), sum(p.records.map((r) => r.time)));
  if (memory) assert.equal(total(2), sum(p.records.map((r) => r.allocated)));
  p.records.forEach((r, i) => {
    const s = d.samples[i];
    assert.deepEqual(s.frames, withMarkers(r));
    assert.deepEqual(s.values, memory ? [r.count, r.time, r.allocated] : [r.count, r.time]);
    assert.equal(s.labels.get("pid"), r.pid);
    assert.equal(s.labels.get("iid"), r.iid);
    assert.equal(s.labels.get("tid"), r.tid);
    assert.equal(s.labels.get("thread"), threadName(r));
    assert.equal(s.labels.get("gc"), r.gc ? "true" : undefined);
    assert.equal(s.labels.get("invalid"), r.invalid ? "true" : undefined);
  });
  // Ids are 1, 2, ...; locations and functions are not repeated.
  assert.deepEqual(d.raw.location.map((l) => Number(l.id)), d.raw.location.map((_, i) => i + 1));
  assert.deepEqual(d.raw.function.map((f) => Number(f.id)), d.raw.function.map((_, i) => i + 1));
  const fkeys = d.raw.function.map((f) => `${d.str(f.name)}\0${d.str(f.filename)}`);
  assert.equal(new Set(fkeys).size, fkeys.length);
  const lkeys = d.raw.location.map((l) => `${l.line[0].functionId}:${l.line[0].line}`);
  assert.equal(new Set(lkeys).size, lkeys.length);
  // The period is the sampling interval.
  assert.ok(d.raw.periodType !== undefined);
  assert.equal(
    `${d.str(d.raw.periodType.type)}/${d.str(d.raw.periodType.unit)}`,
    "wall/microseconds",
  );
  assert.equal(Number(d.raw.period), Number(p.metadata.get("interval") ?? 0));
  assert.equal(Number(d.raw.durationNanos), Number(p.metadata.get("duration") ?? 0) * 1000);
  assert.deepEqual(
    d.raw.comment.map((c) => d.str(c)),
    [...p.metadata].map(([k, v]) => `${k}: ${v}`),
  );
}

const MIXED = "# austin: 3.7.0\n# interval: 10000\n# mode: MODE\n\n" +
  "P10;T0:10 39,1,0\n" +
  "P10;T0:10;C:\\app\\main.py:<module>:17;C:\\app\\main.py:top:14 10070,0,4096\n" +
  "P10;T0:10;C:\\app\\main.py:<module>:17;C:\\app\\main.py:top:14 10067,0,-8192\n" +
  "P10;T0:10;C:\\app\\main.py:<module>:17;C:\\app\\main.py:top:15 1,0,1\n" +
  "P10;T0:11;:INVALID: 178,0,0\n" +
  "P10;T0:11;:INVALID:;<frozen site>:main:603;b.py:g:2 180,1,100\n" +
  "P10;T0:11;b.py:g:2;:GC: 5087,0,-1\n" +
  "P10;T1:10;b.py:g:2;:GC: 3,0,7\n" +
  "P11;T0:11;b.py:g:2 1,0,0\n" +
  "\n# duration: 605109\n\n";

function mixed(mode: string): Profile {
  const text = MIXED.replace("MODE", mode);
  if (mode === "full") return parseAustin(text);
  return parseAustin(
    text.replace(/ (\d+),[01],(-?\d+)$/gm, (_, t, m) => ` ${mode === "memory" ? m : t}`),
  );
}

for (const mode of ["wall", "cpu", "memory", "full"]) {
  Deno.test(`toPprof: ${mode} mode decodes to the profile's totals and stacks`, () => {
    const p = mixed(mode);
    const d = decode(toPprof(p));
    checkAgainst(d, p);
    assert.equal(d.str(d.raw.defaultSampleType), mode === "memory" ? "memory" : "wall");
  });
}

Deno.test("toPprof: locations are leaf first; functions shared across lines", () => {
  const d = decode(toPprof(mixed("full")));
  const top = d.samples[1];
  const ids = d.raw.sample[1].locationId.map(Number);
  assert.deepEqual(top.frames.map((f) => f.scope), ["<module>", "top"]);
  const leaf = d.raw.location.find((l) => Number(l.id) === ids[0]);
  assert.equal(Number(leaf?.line[0].line), 14);
  // top:14 and top:15 are two locations of one function.
  const tops = d.raw.location.filter((l) => {
    const f = d.raw.function.find((x) => x.id === l.line[0].functionId);
    return f !== undefined && d.str(f.name) === "top";
  });
  assert.equal(tops.length, 2);
  assert.equal(tops[0].line[0].functionId, tops[1].line[0].functionId);
  // The markers: :GC: innermost, :INVALID: outermost.
  assert.deepEqual(d.samples[4].frames.map((f) => f.scope), [":INVALID:", "main", "g"]);
  assert.deepEqual(d.samples[5].frames.map((f) => f.scope), ["g", ":GC:"]);
  assert.deepEqual(d.samples[0].frames, []);
});

Deno.test("toPprof: the same profile gives the same bytes", () => {
  assert.deepEqual(toPprof(mixed("wall")), toPprof(mixed("wall")));
});

Deno.test("toPprof: an empty profile", () => {
  const d = decode(toPprof(parseAustin("")));
  assert.equal(d.samples.length, 0);
  assert.equal(Number(d.raw.period), 0);
});

for (const file of ["wall-3.11.txt", "wall-3.11.mojo", "full-gc-pipe-3.11.mojo", "wall-3.8.mojo"]) {
  Deno.test(`toPprof: Austin 3.7's ${file}`, () => {
    const p = readProfile(Deno.readFileSync(`${FIXTURES}${file}`));
    const d = decode(toPprof(p));
    checkAgainst(d, p);
    assert.equal(Number(d.raw.period), 10000);
  });
}
