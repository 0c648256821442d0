/**
 * Tests for the speedscope output: every file validates against speedscope's
 * own JSON schema (node_modules/speedscope/dist/release/file-format-schema.json,
 * checked by the small validator below, which covers the keywords that schema
 * uses), there is one profile per thread, and the weights add up to the
 * profile's totals.
 */

import assert from "node:assert/strict";
import { parseAustin, readProfile } from "../text/reader.ts";
import { type Profile, type StackRecord, threadName } from "./model.ts";
import { type SpeedscopeFile, speedscopeFile, toSpeedscope } from "./speedscope.ts";

const FIXTURES = "/work/shared/fixtures/austin-3.7.0/";
const SCHEMA_PATH = new URL(
  "../../../node_modules/speedscope/dist/release/file-format-schema.json",
  import.meta.url,
);

// ---------------------------------------------------------------------------
// A validator for the part of JSON Schema (draft 7) that speedscope's schema uses

type Schema = { [key: string]: unknown };

const schema: Schema = JSON.parse(Deno.readTextFileSync(SCHEMA_PATH));

const KNOWN = new Set([
  "$schema",
  "$ref",
  "definitions",
  "title",
  "type",
  "properties",
  "required",
  "items",
  "anyOf",
  "const",
  "enum",
]);

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** The errors of `value` against `s` (empty when valid); `root` resolves `$ref`s. */
function validate(value: unknown, s: Schema, root: Schema = s, path = "$"): string[] {
  for (const key of Object.keys(s)) {
    if (!KNOWN.has(key)) throw new Error(`the validator does not know the keyword ${key}`);
  }
  const errors: string[] = [];
  if (typeof s.$ref === "string") {
    const ref = s.$ref;
    if (!ref.startsWith("#/")) throw new Error(`unsupported $ref ${ref}`);
    let target: unknown = root;
    for (const part of ref.slice(2).split("/")) target = (target as Schema)[part];
    if (target === undefined) throw new Error(`unresolved $ref ${ref}`);
    errors.push(...validate(value, target as Schema, root, path));
  }
  if (s.type !== undefined) {
    const t = typeOf(value);
    const ok = s.type === t || (s.type === "integer" && Number.isInteger(value));
    if (!ok) return [...errors, `${path}: ${t} is not ${s.type}`];
    if (t === "number" && !Number.isFinite(value)) errors.push(`${path}: not a finite number`);
  }
  if ("const" in s && value !== s.const) {
    errors.push(`${path}: ${JSON.stringify(value)} is not ${JSON.stringify(s.const)}`);
  }
  if (Array.isArray(s.enum) && !s.enum.includes(value)) {
    errors.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`);
  }
  if (typeOf(value) === "object") {
    const object = value as Record<string, unknown>;
    for (const key of (s.required as string[] | undefined) ?? []) {
      if (!(key in object)) errors.push(`${path}: missing ${key}`);
    }
    const properties = (s.properties ?? {}) as Record<string, Schema>;
    for (const [key, sub] of Object.entries(properties)) {
      if (key in object) errors.push(...validate(object[key], sub, root, `${path}.${key}`));
    }
  }
  if (Array.isArray(value) && s.items !== undefined) {
    value.forEach((item, i) =>
      errors.push(...validate(item, s.items as Schema, root, `${path}[${i}]`))
    );
  }
  if (Array.isArray(s.anyOf)) {
    const branches = s.anyOf.map((sub: Schema) => validate(value, sub, root, path));
    if (!branches.some((b) => b.length === 0)) {
      errors.push(`${path}: matches none of anyOf (${branches.map((b) => b[0]).join("; ")})`);
    }
  }
  return errors;
}

function assertValid(json: string): SpeedscopeFile {
  const doc = JSON.parse(json);
  assert.deepEqual(validate(doc, schema), []);
  return doc;
}

Deno.test("schema validator: rejects what speedscope's schema rejects", () => {
  const good = {
    $schema: "https://www.speedscope.app/file-format-schema.json",
    shared: { frames: [{ name: "f", file: "a.py", line: 1 }] },
    profiles: [{
      type: "sampled",
      name: "t",
      unit: "microseconds",
      startValue: 0,
      endValue: 3,
      samples: [[0]],
      weights: [3],
    }],
  };
  assert.deepEqual(validate(good, schema), []);
  /** The errors of `good` with the value at `path` replaced (or deleted, for undefined). */
  const bad = (path: Array<string | number>, value: unknown) => {
    const d = structuredClone(good);
    let at = d as unknown as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
    const last = path[path.length - 1];
    if (value === undefined) delete at[last];
    else at[last] = value;
    return validate(d, schema);
  };
  assert.notDeepEqual(bad(["$schema"], "x"), []);
  assert.notDeepEqual(bad(["shared"], undefined), []);
  assert.notDeepEqual(bad(["shared", "frames", 0, "name"], 3), []);
  assert.notDeepEqual(bad(["shared", "frames", 0, "line"], "1"), []);
  assert.notDeepEqual(bad(["profiles", 0, "unit"], "furlongs"), []);
  assert.notDeepEqual(bad(["profiles", 0, "type"], "other"), []);
  assert.notDeepEqual(bad(["profiles", 0, "samples"], [["0"]]), []);
  assert.notDeepEqual(bad(["profiles", 0, "weights"], undefined), []);
  assert.notDeepEqual(bad(["profiles", 0, "endValue"], NaN), []);
  assert.deepEqual(bad(["shared", "frames", 0, "line"], undefined), []);
});

// ---------------------------------------------------------------------------
// Helpers

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

/** The stack of a record as speedscope frame names, markers included. */
function names(r: StackRecord): string[] {
  return [
    ...(r.invalid ? [":INVALID:"] : []),
    ...r.frames.map((f) => f.scope),
    ...(r.gc ? [":GC:"] : []),
  ];
}

/** Checks a document against the profile it was made from. */
function checkAgainst(doc: SpeedscopeFile, p: Profile): void {
  const memory = p.mode === "memory";
  const weightOf = (r: StackRecord) => memory ? r.allocated : r.time;
  const threads = [...new Set(p.records.map(threadName))];
  assert.deepEqual(doc.profiles.map((x) => x.name), threads);
  for (const profile of doc.profiles) {
    const records = p.records.filter((r) => threadName(r) === profile.name && weightOf(r) !== 0);
    assert.equal(profile.type, "sampled");
    assert.equal(profile.unit, memory ? "bytes" : "microseconds");
    assert.equal(profile.startValue, 0);
    assert.equal(profile.endValue, sum(profile.weights));
    assert.equal(sum(profile.weights), sum(records.map(weightOf)));
    assert.equal(profile.samples.length, profile.weights.length);
    assert.deepEqual(profile.weights, records.map(weightOf));
    profile.samples.forEach((stack, i) => {
      const frames = stack.map((index) => doc.shared.frames[index]);
      assert.deepEqual(frames.map((f) => f.name), names(records[i]));
      const real = frames.filter((f) => f.file !== undefined);
      assert.deepEqual(
        real.map((f) => ({ filename: f.file, scope: f.name, line: f.line })),
        records[i].frames,
      );
    });
  }
  const total = sum(doc.profiles.map((x) => x.endValue));
  assert.equal(total, sum(p.records.map(weightOf)));
  // Frames are shared, never repeated.
  const keys = doc.shared.frames.map((f) => JSON.stringify([f.name, f.file, f.line]));
  assert.equal(new Set(keys).size, keys.length);
}

// ---------------------------------------------------------------------------
// Tests

const MIXED = "# austin: 3.7.0\n# interval: 10000\n# mode: MODE\n\n" +
  "P10;T0:10 39,1,0\n" +
  "P10;T0:10;C:\\app\\main.py:<module>:17;C:\\app\\main.py:top:14 10070,0,4096\n" +
  "P10;T0:10;C:\\app\\main.py:<module>:17;C:\\app\\main.py:top:14 10067,0,-8192\n" +
  "P10;T0:11;:INVALID: 178,0,0\n" +
  "P10;T0:11;:INVALID:;<frozen site>:main:603;b.py:g:2 180,1,100\n" +
  "P10;T0:11;b.py:g:2;:GC: 5087,0,-1\n" +
  "P10;T1:10;b.py:g:2;:GC: 3,0,7\n" +
  "P11;T0:11;b.py:g:2 1,0,0\n" +
  "\n# duration: 605109\n\n";

function mixed(mode: string): Profile {
  const text = MIXED.replace("MODE", mode);
  if (mode === "full") return parseAustin(text);
  // Keep the metric the mode writes: time for wall and cpu, memory for memory.
  return parseAustin(
    text.replace(/ (\d+),[01],(-?\d+)$/gm, (_, t, m) => ` ${mode === "memory" ? m : t}`),
  );
}

for (const mode of ["wall", "cpu", "memory", "full"]) {
  Deno.test(`toSpeedscope: ${mode} mode validates and adds up`, () => {
    const p = mixed(mode);
    assert.equal(p.mode, mode);
    const doc = assertValid(toSpeedscope(p, "mixed.austin"));
    checkAgainst(doc, p);
    assert.equal(doc.$schema, "https://www.speedscope.app/file-format-schema.json");
    assert.equal(doc.name, "mixed.austin");
    assert.equal(doc.exporter, "austin-deno");
    assert.deepEqual(doc.profiles.map((x) => x.name), [
      "P10 T0:10",
      "P10 T0:11",
      "P10 T1:10",
      "P11 T0:11",
    ]);
    if (mode === "memory") {
      assert.deepEqual(doc.profiles.map((x) => x.weights), [[4096], [100], [7], []]);
      assert.equal(doc.activeProfileIndex, 0);
    } else {
      assert.deepEqual(doc.profiles.map((x) => x.endValue), [39 + 20137, 5445, 3, 1]);
      assert.equal(doc.activeProfileIndex, 0);
    }
  });
}

Deno.test("toSpeedscope: frames carry scope, file and line; markers where Austin writes them", () => {
  const doc = assertValid(toSpeedscope(mixed("wall"), "x"));
  assert.deepEqual(doc.shared.frames[0], { name: "<module>", file: "C:\\app\\main.py", line: 17 });
  const [, second] = doc.profiles;
  const named = second.samples.map((s) => s.map((i) => doc.shared.frames[i].name));
  assert.deepEqual(named, [[":INVALID:"], [":INVALID:", "main", "g"], ["g", ":GC:"]]);
  assert.deepEqual(doc.shared.frames.find((f) => f.name === ":GC:"), { name: ":GC:" });
  assert.deepEqual(doc.shared.frames.find((f) => f.name === ":INVALID:"), { name: ":INVALID:" });
  // Merged samples are one weighted sample.
  assert.deepEqual(doc.profiles[0].weights, [39, 20137]);
  assert.deepEqual(doc.profiles[0].samples, [[], [0, 1]]);
});

Deno.test("toSpeedscope: opens on the busiest thread; indent pretty-prints", () => {
  const p = parseAustin("# mode: wall\nP1;T0:1;a.py:f:1 5\nP1;T0:2;a.py:g:2 50\nP1;T0:3 7\n");
  const doc = speedscopeFile(p, "n");
  assert.equal(doc.activeProfileIndex, 1);
  const pretty = toSpeedscope(p, "n", 2);
  assert.ok(pretty.startsWith('{\n  "$schema"'));
  assert.deepEqual(JSON.parse(pretty), JSON.parse(toSpeedscope(p, "n")));
  assert.ok(!toSpeedscope(p, "n").includes("\n"));
});

Deno.test("toSpeedscope: an empty profile is still a valid file", () => {
  const doc = assertValid(toSpeedscope(parseAustin("# mode: cpu\n"), "empty"));
  assert.deepEqual(doc.profiles, []);
  assert.deepEqual(doc.shared.frames, []);
});

for (const file of ["wall-3.11.txt", "wall-3.11.mojo", "full-gc-pipe-3.11.mojo", "wall-3.8.mojo"]) {
  Deno.test(`toSpeedscope: Austin 3.7's ${file}`, () => {
    const p = readProfile(Deno.readFileSync(`${FIXTURES}${file}`));
    const doc = assertValid(toSpeedscope(p, file));
    checkAgainst(doc, p);
    assert.equal(sum(doc.profiles.map((x) => x.endValue)), sum(p.records.map((r) => r.time)));
    assert.equal(doc.profiles.length, new Set(p.records.map(threadName)).size);
    assert.ok(doc.profiles.length >= 2);
  });
}
