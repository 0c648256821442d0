/**
 * Line-number decoders: a code object's line table plus an instruction position
 * give a line number (and, on 3.11+, the full source location).
 *
 * Four formats (cpython-layouts.md, section 4):
 * - 2.7 `co_lnotab`: (address delta u8, line delta u8) pairs, positions in bytes;
 * - 3.6 – 3.9 `co_lnotab`: the same with signed (i8) line deltas;
 * - 3.10 `co_linetable`: (address delta u8, line delta i8) pairs, where a line
 *   delta of -128 means "no line", positions in 2-byte code units;
 * - 3.11+ location table in `co_linetable`: variable-length entries, positions in
 *   code units from the start of `co_code_adaptive`.
 *
 * Every decoder reads only `table[0 .. length)` (callers reuse bigger buffers),
 * allocates nothing and never throws: a truncated or malformed table yields
 * {@link NO_LINE} (or, for the `OrReached` variants, the line reached before the
 * bad entry) and every loop is bounded by `length`.
 *
 * "No line": CPython reports `None` / -1 for instructions the table gives no
 * line (3.10 -128 entries, 3.11+ code 15 entries, positions past the table).
 * The plain decoders return {@link NO_LINE} there, as `PyCode_Addr2Line` does.
 * Austin-compatible output instead prints the line reached so far in the table,
 * initially `co_firstlineno` (austin-behaviour.md, 5.4): the `...OrReached`
 * variants return that, so they always return a line.
 *
 * @module
 */

/** Returned when the table gives the instruction no line (CPython's `None` / -1). */
export const NO_LINE: number = -1;

/**
 * A 3.11+ source location, as CPython's `co_positions()` gives it: 1-based lines,
 * 0-based columns with an exclusive end, -1 where a value is absent.
 */
export interface SourceLocation {
  /** First line, or -1. */
  line: number;
  /** Last line, or -1. */
  endLine: number;
  /** 0-based start column, or -1. */
  column: number;
  /** 0-based end column (exclusive), or -1. */
  endColumn: number;
}

/** Line delta that marks a 3.10 entry with no line. */
const NO_LINE_DELTA_310 = 0x80;

/** 3.11+ entry codes (bits 3–6 of the entry's first byte). */
const CODE_ONE_LINE_0 = 10;
const CODE_NO_COLUMNS = 13;
const CODE_LONG = 14;
const CODE_NO_LOCATION = 15;

/** The unsigned byte `b` read as a signed 8-bit integer. */
function int8(b: number): number {
  return (b << 24) >> 24;
}

/** Number of valid bytes: `length` clamped to the buffer. */
function validLength(table: Uint8Array, length: number): number {
  return length < table.length ? length : table.length;
}

// ---------------------------------------------------------------------------
// 2.7 and 3.6 – 3.9: co_lnotab

/**
 * 2.7 (unsigned deltas) and 3.6–3.9 (signed line deltas) `co_lnotab`;
 * `lasti` = `f_lasti` in bytes (-1 = not started, which gives `firstLine`).
 *
 * This format has no "no line" entries, so the result is always a line.
 *
 * @param table the `co_lnotab` bytes
 * @param length number of valid bytes in `table`
 * @param firstLine `co_firstlineno`
 * @param lasti byte offset of the last instruction started
 * @param signedDeltas true for 3.6+ (i8 line deltas), false for 2.7 (u8)
 */
export function lnotabLine(
  table: Uint8Array,
  length: number,
  firstLine: number,
  lasti: number,
  signedDeltas: boolean,
): number {
  const n = validLength(table, length);
  let line = firstLine;
  let addr = 0;
  for (let i = 0; i + 1 < n; i += 2) {
    addr += table[i];
    if (addr > lasti) break; // stop before applying this pair's line delta
    const delta = table[i + 1];
    line += signedDeltas ? int8(delta) : delta;
  }
  return line;
}

// ---------------------------------------------------------------------------
// 3.10: co_linetable

/** Shared 3.10 walk; `orReached` selects what "no line" returns. */
function walk310(
  table: Uint8Array,
  length: number,
  firstLine: number,
  lasti: number,
  orReached: boolean,
): number {
  const addr = lasti * 2;
  if (addr < 0) return firstLine;
  const n = validLength(table, length);
  let line = firstLine;
  let end = 0;
  for (let i = 0; i + 1 < n; i += 2) {
    end += table[i];
    const delta = table[i + 1];
    const noLine = delta === NO_LINE_DELTA_310;
    if (!noLine) line += int8(delta); // zero-length ranges still apply theirs
    // Ranges are contiguous from 0, so `start <= addr` holds here.
    if (addr < end) return noLine && !orReached ? NO_LINE : line;
  }
  return orReached ? line : NO_LINE;
}

/**
 * 3.10 `co_linetable`; `lasti` = `f_lasti` in code units (-1 = not started, which
 * gives `firstLine`). Returns the line, or {@link NO_LINE} (-1) for "no line"
 * (a -128 entry, or a position past the table).
 *
 * @param table the `co_linetable` bytes
 * @param length number of valid bytes in `table`
 * @param firstLine `co_firstlineno`
 * @param lasti `f_lasti`, in 2-byte code units
 */
export function linetable310Line(
  table: Uint8Array,
  length: number,
  firstLine: number,
  lasti: number,
): number {
  return walk310(table, length, firstLine, lasti, false);
}

/**
 * As {@link linetable310Line}, but where the table gives no line this returns
 * the line reached so far in the table (initially `firstLine`), as Austin prints.
 */
export function linetable310LineOrReached(
  table: Uint8Array,
  length: number,
  firstLine: number,
  lasti: number,
): number {
  return walk310(table, length, firstLine, lasti, true);
}

// ---------------------------------------------------------------------------
// 3.11+: location table

/**
 * Offset just past the varint starting at `i` (6 bits per byte, bit 6 =
 * "more"), or -1 when it runs past `n`.
 */
function varintEnd(table: Uint8Array, n: number, i: number): number {
  while (i < n) {
    if ((table[i++] & 64) === 0) return i;
  }
  return -1;
}

/** The unsigned varint starting at `i`; bits past 32 are dropped. */
function readVarint(table: Uint8Array, n: number, i: number): number {
  let value = 0;
  let shift = 0;
  while (i < n) {
    const b = table[i++];
    if (shift < 32) value = (value | ((b & 63) << shift)) >>> 0;
    if ((b & 64) === 0) break;
    shift += 6;
  }
  return value;
}

/** The signed varint starting at `i`: bit 0 is the sign, the rest the magnitude. */
function readSvarint(table: Uint8Array, n: number, i: number): number {
  const v = readVarint(table, n, i);
  return (v & 1) !== 0 ? -(v >>> 1) : v >>> 1;
}

/** Entry code of the entry starting with byte `b`. */
function entryCode(b: number): number {
  return (b >> 3) & 15;
}

/**
 * Offset just past the entry that starts at `start` with code `code`, or -1 when
 * the entry is truncated (does not fit in `n` bytes).
 */
function entryEnd(table: Uint8Array, n: number, start: number, code: number): number {
  let i = start + 1;
  if (code === CODE_NO_LOCATION) return i;
  if (code === CODE_LONG) {
    for (let k = 0; k < 4 && i >= 0; k++) i = varintEnd(table, n, i);
    return i;
  }
  if (code === CODE_NO_COLUMNS) return varintEnd(table, n, i);
  i += code >= CODE_ONE_LINE_0 ? 2 : 1;
  return i <= n ? i : -1;
}

/** Line delta of a complete entry (0 for no-location and short forms). */
function entryLineDelta(table: Uint8Array, n: number, start: number, code: number): number {
  if (code === CODE_LONG || code === CODE_NO_COLUMNS) return readSvarint(table, n, start + 1);
  if (code === CODE_NO_LOCATION || code < CODE_ONE_LINE_0) return 0;
  return code - CODE_ONE_LINE_0;
}

/** Sets the four fields of `out`. */
function setLocation(
  out: SourceLocation,
  line: number,
  endLine: number,
  column: number,
  endColumn: number,
): SourceLocation {
  out.line = line;
  out.endLine = endLine;
  out.column = column;
  out.endColumn = endColumn;
  return out;
}

/**
 * Fills `out` from the complete, located entry at `start` (code 0–14), whose
 * line (after its delta) is `line`.
 */
function entryLocation(
  table: Uint8Array,
  n: number,
  start: number,
  code: number,
  line: number,
  out: SourceLocation,
): SourceLocation {
  if (code === CODE_LONG) {
    const endLineAt = varintEnd(table, n, start + 1);
    const columnAt = varintEnd(table, n, endLineAt);
    const endColumnAt = varintEnd(table, n, columnAt);
    // Columns are stored plus one; 0 means absent, which becomes -1.
    return setLocation(
      out,
      line,
      line + readVarint(table, n, endLineAt),
      readVarint(table, n, columnAt) - 1,
      readVarint(table, n, endColumnAt) - 1,
    );
  }
  if (code === CODE_NO_COLUMNS) return setLocation(out, line, line, -1, -1);
  if (code >= CODE_ONE_LINE_0) {
    return setLocation(out, line, line, table[start + 1], table[start + 2]);
  }
  const b2 = table[start + 1];
  const column = code * 8 + ((b2 >> 4) & 7);
  return setLocation(out, line, line, column, column + (b2 & 15));
}

/**
 * Shared 3.11+ walk: fills `out` with the location of code unit `index`. Where
 * the table gives none, `out` is all -1, or with `orReached` the location of the
 * last located entry before it, with the line reached so far (initially
 * `firstLine` and no columns).
 */
function walkLocations(
  table: Uint8Array,
  length: number,
  firstLine: number,
  index: number,
  out: SourceLocation,
  orReached: boolean,
): SourceLocation {
  if (index < 0) return setLocation(out, firstLine, firstLine, -1, -1);
  const n = validLength(table, length);
  let line = firstLine;
  let located = -1; // start of the last entry with a location
  let addr = 0;
  let i = 0;
  while (i < n) {
    const start = i;
    const b = table[start];
    if ((b & 0x80) === 0) break; // not an entry start: malformed
    const code = entryCode(b);
    i = entryEnd(table, n, start, code);
    if (i < 0) break; // truncated entry
    line += entryLineDelta(table, n, start, code);
    if (code !== CODE_NO_LOCATION) located = start;
    addr += (b & 7) + 1;
    // Entries are contiguous from 0, so `addr_before <= index` holds here.
    if (index < addr) {
      if (code !== CODE_NO_LOCATION) return entryLocation(table, n, start, code, line, out);
      break;
    }
  }
  if (!orReached) return setLocation(out, NO_LINE, NO_LINE, -1, -1);
  // Code 15 entries do not move the line, so `line` is the located entry's line.
  if (located < 0) return setLocation(out, line, line, -1, -1);
  return entryLocation(table, n, located, entryCode(table[located]), line, out);
}

/** Scratch output for the line-only 3.11+ decoders (never escapes). */
const scratch: SourceLocation = { line: NO_LINE, endLine: NO_LINE, column: -1, endColumn: -1 };

/**
 * 3.11+ location table; `index` in code units from `co_code_adaptive` (-1 = not
 * started, which gives `firstLine`). Returns the line, or {@link NO_LINE} (-1)
 * for "no line" (a code 15 entry, or a position past the table).
 *
 * @param table the `co_linetable` bytes
 * @param length number of valid bytes in `table`
 * @param firstLine `co_firstlineno`
 * @param index instruction index, in 2-byte code units (CACHE entries included)
 */
export function locationTableLine(
  table: Uint8Array,
  length: number,
  firstLine: number,
  index: number,
): number {
  return walkLocations(table, length, firstLine, index, scratch, false).line;
}

/**
 * As {@link locationTableLine}, but where the table gives no line this returns
 * the line reached so far in the table (initially `firstLine`), as Austin prints.
 */
export function locationTableLineOrReached(
  table: Uint8Array,
  length: number,
  firstLine: number,
  index: number,
): number {
  return walkLocations(table, length, firstLine, index, scratch, true).line;
}

/**
 * 3.11+: the full location of code unit `index`, as `co_positions()` gives it
 * (CPython's 0-based columns, -1 where absent), written into `out` and returned.
 *
 * - No location (code 15, a position past the table, a malformed table): all -1.
 * - No column information (code 13): `endLine` = `line`, columns -1.
 * - `index` < 0 (not started): `line` = `endLine` = `firstLine`, columns -1.
 *
 * For MOJO's 1-based columns add 1 to each column (-1 becomes 0).
 *
 * @param table the `co_linetable` bytes
 * @param length number of valid bytes in `table`
 * @param firstLine `co_firstlineno`
 * @param index instruction index, in 2-byte code units (CACHE entries included)
 * @param out filled in and returned (no allocation)
 */
export function locationTableLocation(
  table: Uint8Array,
  length: number,
  firstLine: number,
  index: number,
  out: SourceLocation,
): SourceLocation {
  return walkLocations(table, length, firstLine, index, out, false);
}

/**
 * As {@link locationTableLocation}, but where the table gives no location `out`
 * keeps the values of the last located entry before `index` (Austin's MOJO rule,
 * austin-behaviour.md 8.5), with the line reached so far; with no such entry it
 * is `firstLine`, `firstLine`, -1, -1. `out.line` is then always a line.
 */
export function locationTableLocationOrReached(
  table: Uint8Array,
  length: number,
  firstLine: number,
  index: number,
  out: SourceLocation,
): SourceLocation {
  return walkLocations(table, length, firstLine, index, out, true);
}
