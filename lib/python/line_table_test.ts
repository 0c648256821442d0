import assert from "node:assert/strict";
import {
  linetable310Line,
  linetable310LineOrReached,
  lnotabLine,
  locationTableLine,
  locationTableLineOrReached,
  locationTableLocation,
  locationTableLocationOrReached,
  NO_LINE,
  type SourceLocation,
} from "./line_table.ts";

// ---------------------------------------------------------------------------
// Helpers

function bytes(...values: number[]): Uint8Array {
  return new Uint8Array(values);
}

function concat(...parts: number[][]): Uint8Array {
  return new Uint8Array(parts.flat());
}

/** 3.11+ varint: 6 bits per byte, low bits first, bit 6 = more. */
function varint(value: number): number[] {
  const out: number[] = [];
  while (value >= 64) {
    out.push((value & 63) | 64);
    value >>>= 6;
  }
  out.push(value);
  return out;
}

function svarint(value: number): number[] {
  return varint(value < 0 ? (-value << 1) | 1 : value << 1);
}

function head(code: number, length: number): number {
  return 0x80 | (code << 3) | (length - 1);
}

/** Short form (codes 0–9): column = code * 8 + high nibble bits, width in low nibble. */
function short(length: number, column: number, width: number): number[] {
  return [head(column >> 3, length), ((column & 7) << 4) | width];
}

function oneLine(length: number, lineDelta: number, column: number, endColumn: number): number[] {
  return [head(10 + lineDelta, length), column, endColumn];
}

function noColumns(length: number, lineDelta: number): number[] {
  return [head(13, length), ...svarint(lineDelta)];
}

function long(
  length: number,
  lineDelta: number,
  endLineDelta: number,
  column: number,
  endColumn: number,
): number[] {
  return [
    head(14, length),
    ...svarint(lineDelta),
    ...varint(endLineDelta),
    ...varint(column + 1),
    ...varint(endColumn + 1),
  ];
}

function noLocation(length: number): number[] {
  return [head(15, length)];
}

function location(line: number, endLine: number, column: number, endColumn: number) {
  return { line, endLine, column, endColumn };
}

function newLocation(): SourceLocation {
  return location(0, 0, 0, 0);
}

function locate(table: Uint8Array, firstLine: number, index: number, length = table.length) {
  return { ...locationTableLocation(table, length, firstLine, index, newLocation()) };
}

function locateOrReached(
  table: Uint8Array,
  firstLine: number,
  index: number,
  length = table.length,
) {
  return { ...locationTableLocationOrReached(table, length, firstLine, index, newLocation()) };
}

/** A small deterministic PRNG (xorshift32) for the garbage-input tests. */
function prng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) & 0xff;
  };
}

// ---------------------------------------------------------------------------
// 2.7 and 3.6 – 3.9: co_lnotab

Deno.test("lnotab: empty table and not-started frames give co_firstlineno", () => {
  assert.equal(lnotabLine(bytes(), 0, 7, 0, true), 7);
  assert.equal(lnotabLine(bytes(), 0, 7, 100, false), 7);
  assert.equal(lnotabLine(bytes(6, 1, 4, 2), 4, 7, -1, true), 7);
  // A first pair with address delta 0 still starts after lasti -1.
  assert.equal(lnotabLine(bytes(0, 3), 2, 7, -1, true), 7);
  assert.equal(lnotabLine(bytes(0, 3), 2, 7, 0, true), 10);
});

Deno.test("lnotab: a pair applies from its address on", () => {
  const table = bytes(6, 1, 4, 2);
  const expected = [10, 10, 10, 10, 10, 10, 11, 11, 11, 11, 13, 13, 13, 13];
  for (let lasti = 0; lasti < expected.length; lasti++) {
    assert.equal(lnotabLine(table, 4, 10, lasti, true), expected[lasti], `lasti ${lasti}`);
  }
  assert.equal(lnotabLine(table, 4, 10, 1000, true), 13);
});

Deno.test("lnotab: 3.6+ line deltas are signed, 2.7 ones unsigned", () => {
  const table = bytes(4, 3, 2, 0xfe, 2, 0x80);
  assert.equal(lnotabLine(table, 6, 10, 4, true), 13);
  assert.equal(lnotabLine(table, 6, 10, 6, true), 11);
  assert.equal(lnotabLine(table, 6, 10, 8, true), 11 - 128);
  assert.equal(lnotabLine(table, 6, 10, 6, false), 10 + 3 + 254);
  assert.equal(lnotabLine(table, 6, 10, 8, false), 10 + 3 + 254 + 128);
});

Deno.test("lnotab: big deltas split over several pairs", () => {
  // 2.7: +300 lines at 0 as (0, 255), (0, 45); 300 bytes as (255, 0), (45, 1).
  const table = bytes(0, 255, 0, 45, 255, 0, 45, 1);
  assert.equal(lnotabLine(table, 8, 1, 0, false), 301);
  assert.equal(lnotabLine(table, 8, 1, 299, false), 301);
  assert.equal(lnotabLine(table, 8, 1, 300, false), 302);
  // 3.6+: -200 lines as (0, -128), (0, -72).
  const back = bytes(2, 0x80, 0, 0xb8);
  assert.equal(lnotabLine(back, 4, 300, 1, true), 300);
  assert.equal(lnotabLine(back, 4, 300, 2, true), 100);
});

Deno.test("lnotab: only `length` bytes are read; a dangling byte is ignored", () => {
  const table = bytes(2, 1, 2, 1, 2, 1);
  assert.equal(lnotabLine(table, 6, 1, 10, true), 4);
  assert.equal(lnotabLine(table, 4, 1, 10, true), 3);
  assert.equal(lnotabLine(table, 5, 1, 10, true), 3);
  assert.equal(lnotabLine(table, 100, 1, 10, true), 4);
  assert.equal(lnotabLine(table, -3, 1, 10, true), 1);
});

// ---------------------------------------------------------------------------
// 3.10: co_linetable

Deno.test("3.10: ranges, -128 entries and zero-length ranges", () => {
  // [0, 4) +1 → 6; [4, 10) no line; [10, 10) +2 → 8; [10, 14) +1 → 9.
  const table = bytes(4, 1, 6, 0x80, 0, 2, 4, 1);
  // lasti counts code units: byte offset = 2 * lasti.
  const expected = [6, 6, NO_LINE, NO_LINE, NO_LINE, 9, 9];
  const reached = [6, 6, 6, 6, 6, 9, 9];
  for (let lasti = 0; lasti < expected.length; lasti++) {
    assert.equal(linetable310Line(table, 8, 5, lasti), expected[lasti], `lasti ${lasti}`);
    assert.equal(linetable310LineOrReached(table, 8, 5, lasti), reached[lasti], `lasti ${lasti}`);
  }
  // Past the table: no line; the reached line is the last one accumulated.
  assert.equal(linetable310Line(table, 8, 5, 7), NO_LINE);
  assert.equal(linetable310LineOrReached(table, 8, 5, 7), 9);
});

Deno.test("3.10: index -1, exact boundaries and negative deltas", () => {
  const table = bytes(2, 0, 2, 0xfd, 2, 0x7f);
  assert.equal(linetable310Line(table, 6, 20, -1), 20);
  assert.equal(linetable310LineOrReached(table, 6, 20, -1), 20);
  assert.equal(linetable310Line(table, 6, 20, 0), 20);
  assert.equal(linetable310Line(table, 6, 20, 1), 17); // byte 2: second range starts
  assert.equal(linetable310Line(table, 6, 20, 2), 17 + 127);
  assert.equal(linetable310Line(table, 6, 20, 3), NO_LINE);
  // The -128 entry leaves the accumulator alone.
  const gap = bytes(2, 3, 2, 0x80, 2, 0xff);
  assert.equal(linetable310Line(gap, 6, 1, 2), 3);
  assert.equal(linetable310LineOrReached(gap, 6, 1, 1), 4);
});

Deno.test("3.10: truncated tables and `length`", () => {
  const table = bytes(2, 1, 2, 1, 2);
  assert.equal(linetable310Line(table, 5, 1, 1), 3);
  assert.equal(linetable310Line(table, 5, 1, 2), NO_LINE);
  assert.equal(linetable310LineOrReached(table, 5, 1, 2), 3);
  assert.equal(linetable310Line(table, 2, 1, 1), NO_LINE);
  assert.equal(linetable310LineOrReached(table, 2, 1, 1), 2);
  assert.equal(linetable310Line(table, 0, 1, 0), NO_LINE);
  assert.equal(linetable310LineOrReached(table, 0, 1, 0), 1);
});

// ---------------------------------------------------------------------------
// 3.11+: location table

Deno.test("3.11: short, one-line, no-column and long forms", () => {
  const table = concat(
    short(2, 13, 5), // units 0-1: line 10, columns 13..18
    oneLine(3, 2, 4, 200), // units 2-4: line 12, columns 4..200
    noColumns(1, -5), // unit 5: line 7, no columns
    long(8, 100, 3, 0, 70), // units 6-13: lines 107..110, columns 0..70
    long(1, 0, 0, -1, -1), // unit 14: line 107, columns absent
    oneLine(1, 0, 0, 0), // unit 15: line 107, columns 0..0
  );
  const n = table.length;
  const cases: [number, ReturnType<typeof location>][] = [
    [0, location(10, 10, 13, 18)],
    [1, location(10, 10, 13, 18)],
    [2, location(12, 12, 4, 200)],
    [4, location(12, 12, 4, 200)],
    [5, location(7, 7, -1, -1)],
    [6, location(107, 110, 0, 70)],
    [13, location(107, 110, 0, 70)],
    [14, location(107, 107, -1, -1)],
    [15, location(107, 107, 0, 0)],
  ];
  for (const [index, expected] of cases) {
    assert.deepEqual(locate(table, 10, index), expected, `index ${index}`);
    assert.deepEqual(locateOrReached(table, 10, index), expected, `index ${index}`);
    assert.equal(locationTableLine(table, n, 10, index), expected.line, `index ${index}`);
    assert.equal(locationTableLineOrReached(table, n, 10, index), expected.line);
  }
});

Deno.test("3.11: short-form columns use the code and the high nibble", () => {
  for (const column of [0, 7, 8, 42, 79]) {
    const table = concat(short(1, column, 15));
    assert.deepEqual(locate(table, 3, 0), location(3, 3, column, column + 15));
  }
});

Deno.test("3.11: an index on an entry boundary belongs to the next entry", () => {
  const table = concat(oneLine(4, 1, 0, 1), oneLine(1, 1, 0, 1), oneLine(8, 1, 0, 1));
  const lines = [2, 2, 2, 2, 3, 4, 4, 4, 4, 4, 4, 4, 4, NO_LINE];
  for (let index = 0; index < lines.length; index++) {
    assert.equal(locationTableLine(table, table.length, 1, index), lines[index], `index ${index}`);
  }
});

Deno.test("3.11: no-location entries (code 15) and positions past the table", () => {
  const table = concat(
    noLocation(2), // units 0-1
    long(1, 3, 1, 4, 9), // unit 2: line 8..9
    noLocation(3), // units 3-5
    noColumns(1, 2), // unit 6: line 10
    noLocation(1), // unit 7
  );
  const n = table.length;
  const none = location(-1, -1, -1, -1);
  for (const index of [0, 1, 3, 5, 7, 8, 100]) {
    assert.deepEqual(locate(table, 5, index), none, `index ${index}`);
    assert.equal(locationTableLine(table, n, 5, index), NO_LINE, `index ${index}`);
  }
  // Austin: the line reached so far; MOJO keeps the previous entry's location.
  assert.deepEqual(locateOrReached(table, 5, 0), location(5, 5, -1, -1));
  assert.deepEqual(locateOrReached(table, 5, 1), location(5, 5, -1, -1));
  assert.deepEqual(locateOrReached(table, 5, 3), location(8, 9, 4, 9));
  assert.deepEqual(locateOrReached(table, 5, 5), location(8, 9, 4, 9));
  assert.deepEqual(locateOrReached(table, 5, 7), location(10, 10, -1, -1));
  assert.deepEqual(locateOrReached(table, 5, 100), location(10, 10, -1, -1));
  assert.equal(locationTableLineOrReached(table, n, 5, 1), 5);
  assert.equal(locationTableLineOrReached(table, n, 5, 4), 8);
  assert.equal(locationTableLineOrReached(table, n, 5, 7), 10);
});

Deno.test("3.11: index -1 gives co_firstlineno", () => {
  const table = concat(oneLine(1, 2, 0, 3));
  assert.equal(locationTableLine(table, table.length, 40, -1), 40);
  assert.equal(locationTableLineOrReached(table, table.length, 40, -1), 40);
  assert.deepEqual(locate(table, 40, -1), location(40, 40, -1, -1));
  assert.deepEqual(locateOrReached(table, 40, -1), location(40, 40, -1, -1));
});

Deno.test("3.11: multi-byte varints and negative line deltas", () => {
  const table = concat(
    long(1, -70, 200, 1000, 5000),
    noColumns(1, 100000),
    noColumns(1, -100001),
  );
  assert.deepEqual(locate(table, 100, 0), location(30, 230, 1000, 5000));
  assert.deepEqual(locate(table, 100, 1), location(100030, 100030, -1, -1));
  assert.deepEqual(locate(table, 100, 2), location(29, 29, -1, -1));
});

Deno.test("3.11: truncated tables give no line, never an exception", () => {
  const table = concat(oneLine(2, 1, 0, 5), long(2, 300, 2, 100, 200), short(1, 3, 2));
  const full = table.length;
  assert.equal(locationTableLine(table, full, 1, 4), 302);
  assert.deepEqual(locate(table, 1, 4), location(302, 302, 3, 5));
  // Cut inside every possible byte of the long-form entry and of the last entry.
  for (let length = 3; length < full; length++) {
    assert.equal(locationTableLine(table, length, 1, 0), 2, `length ${length}`);
    assert.equal(locationTableLine(table, length, 1, 4), NO_LINE, `length ${length}`);
    assert.deepEqual(locate(table, 1, 4, length), location(-1, -1, -1, -1));
    const reached = length < full - 2 ? location(2, 2, 0, 5) : location(302, 304, 100, 200);
    assert.deepEqual(locateOrReached(table, 1, 4, length), reached, `length ${length}`);
  }
  // A one-line entry missing its end column; a short form missing its column byte.
  assert.equal(locationTableLine(table, 2, 1, 0), NO_LINE);
  assert.equal(locationTableLine(table, 1, 1, 0), NO_LINE);
  assert.equal(locationTableLine(bytes(head(3, 1)), 1, 1, 0), NO_LINE);
  assert.equal(locationTableLine(table, 0, 1, 0), NO_LINE);
  assert.equal(locationTableLineOrReached(table, 0, 1, 0), 1);
});

Deno.test("3.11: a byte without bit 7 where an entry should start stops the walk", () => {
  const table = concat(oneLine(1, 1, 0, 1), [0x12], oneLine(1, 1, 0, 1));
  assert.equal(locationTableLine(table, table.length, 1, 0), 2);
  assert.equal(locationTableLine(table, table.length, 1, 1), NO_LINE);
  assert.equal(locationTableLineOrReached(table, table.length, 1, 1), 2);
});

Deno.test("all decoders terminate on garbage without throwing", () => {
  const next = prng(0x9e3779b9);
  const table = new Uint8Array(64);
  const out = newLocation();
  for (let round = 0; round < 2000; round++) {
    for (let i = 0; i < table.length; i++) table[i] = next();
    const length = next() % 70; // sometimes past the buffer's end
    const index = (next() % 80) - 1;
    for (
      const value of [
        lnotabLine(table, length, 1, index, true),
        lnotabLine(table, length, 1, index, false),
        linetable310Line(table, length, 1, index),
        linetable310LineOrReached(table, length, 1, index),
        locationTableLine(table, length, 1, index),
        locationTableLineOrReached(table, length, 1, index),
        locationTableLocation(table, length, 1, index, out).line,
        locationTableLocationOrReached(table, length, 1, index, out).endColumn,
      ]
    ) {
      assert.ok(Number.isInteger(value), `round ${round}`);
    }
  }
});

// ---------------------------------------------------------------------------
// Real data: CPython's own answers for stdlib and sample code objects

const INTERPRETERS = [
  ...["2.7.18", "3.6.15", "3.7.16", "3.8.18", "3.9.18", "3.10.13", "3.11.7", "3.12.1", "3.13.0"]
    .map((v) => `/root/.pyenv/versions/${v}/bin/python`),
  "/usr/bin/python3.11",
];

const DUMP_SCRIPT = new URL("../../tests/targets/dump_line_tables.py", import.meta.url).pathname;

/** Minimum number of positions a dump must cover. */
const MIN_POSITIONS = 3000;

interface DumpedCode {
  name: string;
  file: string;
  firstLine: number;
  table: string;
  /** lines[p + 1] = PyCode_Addr2Line for position p (-1 = no line). */
  lines: number[];
  /** 3.11+: co_positions() flattened, 4 values per code unit, None as -1. */
  positions?: number[];
}

interface Dump {
  version: number[];
  format: "lnotab-unsigned" | "lnotab-signed" | "linetable310" | "locations";
  skippedSources: string[];
  positions: number;
  codes: DumpedCode[];
}

function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

async function dump(python: string): Promise<Dump> {
  const { code, stdout, stderr } = await new Deno.Command(python, {
    args: ["-E", "-s", DUMP_SCRIPT],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stdout);
  assert.equal(code, 0, `${python} failed: ${new TextDecoder().decode(stderr)}`);
  return JSON.parse(text);
}

/** Our line for position `p` of `code` in the dump's format. */
function decodeLine(format: Dump["format"], table: Uint8Array, code: DumpedCode, p: number) {
  switch (format) {
    case "lnotab-unsigned":
      return lnotabLine(table, table.length, code.firstLine, p, false);
    case "lnotab-signed":
      return lnotabLine(table, table.length, code.firstLine, p, true);
    case "linetable310":
      return linetable310Line(table, table.length, code.firstLine, p);
    case "locations":
      return locationTableLine(table, table.length, code.firstLine, p);
  }
}

/** Compares every position of every dumped code object; returns counts. */
function compare(d: Dump) {
  let positions = 0;
  const mismatches: string[] = [];
  const out = newLocation();
  for (const code of d.codes) {
    const table = fromHex(code.table);
    // Callers pass bigger, reused buffers: read only the valid bytes.
    const padded = new Uint8Array(table.length + 16).fill(0xff);
    padded.set(table);
    for (let p = -1; p < code.lines.length - 1; p++) {
      positions++;
      const expected = code.lines[p + 1];
      const got = decodeLine(d.format, table, code, p);
      const where = `${code.file}:${code.name} (line ${code.firstLine}) position ${p}`;
      if (got !== expected) mismatches.push(`${where}: line ${got}, CPython ${expected}`);
      if (d.format === "locations") {
        if (locationTableLine(padded, table.length, code.firstLine, p) !== got) {
          mismatches.push(`${where}: padded buffer changed the line`);
        }
        const reached = locationTableLineOrReached(table, table.length, code.firstLine, p);
        if (expected !== NO_LINE && reached !== expected) {
          mismatches.push(`${where}: or-reached line ${reached}, CPython ${expected}`);
        }
        if (p < 0) continue;
        const pos = code.positions!;
        locationTableLocation(table, table.length, code.firstLine, p, out);
        const want = pos.slice(4 * p, 4 * p + 4);
        const have = [out.line, out.endLine, out.column, out.endColumn];
        if (have.join() !== want.join()) {
          mismatches.push(`${where}: location ${have}, co_positions ${want}`);
        }
      } else if (d.format === "linetable310") {
        const reached = linetable310LineOrReached(table, table.length, code.firstLine, p);
        if (expected !== NO_LINE && reached !== expected) {
          mismatches.push(`${where}: or-reached line ${reached}, CPython ${expected}`);
        }
      }
    }
  }
  return { positions, mismatches };
}

Deno.test("real data: decoders agree with PyCode_Addr2Line and co_positions", async (t) => {
  const found: string[] = [];
  const skipped: string[] = [];
  for (const python of INTERPRETERS) (await exists(python) ? found : skipped).push(python);
  if (skipped.length > 0) console.log(`skipped (not installed): ${skipped.join(", ")}`);
  assert.ok(found.length > 0, "no Python interpreter found");
  // Start every interpreter at once; compare one by one.
  const dumps = found.map((python) => dump(python));
  dumps.forEach((p) => p.catch(() => {})); // a failure is reported by its own step
  for (let i = 0; i < found.length; i++) {
    await t.step(found[i], async () => {
      const d = await dumps[i];
      const { positions, mismatches } = compare(d);
      console.log(
        `${d.version.join(".")} (${d.format}): ${d.codes.length} code objects, ` +
          `${positions} positions, ${mismatches.length} mismatches` +
          (d.skippedSources.length > 0 ? `; sources skipped: ${d.skippedSources.join(" ")}` : ""),
      );
      assert.ok(positions >= MIN_POSITIONS, `only ${positions} positions`);
      assert.deepEqual(mismatches.slice(0, 10), []);
    });
  }
});
