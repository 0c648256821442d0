/**
 * The values of the command line's numeric options, read as Austin 3.7 reads
 * them: C's `strtol` on the text, then a unit suffix where the option has
 * units, and a range check.
 *
 * @module
 */

/**
 * The largest value a parsed number may have. Austin rejects values above
 * `LONG_MAX`; austin-deno also rejects those that a JS number cannot hold
 * exactly (`Number.MAX_SAFE_INTEGER` is below `LONG_MAX`).
 */
const MAX_VALUE = BigInt(Number.MAX_SAFE_INTEGER);

/** The characters C's `isspace` accepts in the "C" locale. */
const C_SPACE = " \t\n\v\f\r";

/**
 * `strtol(s, &end, 10)` without its saturation: the value (exact) and the
 * index where the number ended, or `null` when no digit was found.
 */
export function strtol(s: string): { value: bigint; end: number } | null {
  let i = 0;
  while (i < s.length && C_SPACE.includes(s[i])) i++;
  const negative = s[i] === "-";
  if (s[i] === "-" || s[i] === "+") i++;
  const start = i;
  while (i < s.length && s[i] >= "0" && s[i] <= "9") i++;
  if (i === start) return null;
  const magnitude = BigInt(s.slice(start, i));
  return { value: negative ? -magnitude : magnitude, end: i };
}

/**
 * A number written as an integer followed by one of the unit suffixes of
 * `units` (`""` for none), multiplied by that unit's factor; `null` if the text
 * is not of that form, or the result is negative or too large.
 */
function parseScaled(text: string, units: Readonly<Record<string, number>>): number | null {
  const parsed = strtol(text);
  if (parsed === null) return null;
  const unit = text.slice(parsed.end);
  if (!Object.hasOwn(units, unit)) return null;
  const value = parsed.value * BigInt(units[unit]);
  return value < 0n || value > MAX_VALUE ? null : Number(value);
}

/** `-i`: µs, with the units `s`, `ms` and `us`. */
export function parseInterval(text: string): number | null {
  return parseScaled(text, { "": 1, s: 1_000_000, ms: 1_000, us: 1 });
}

/** `-t`: ms (plain or `ms`, which austin-deno accepts) or s (`s`), returned in µs. */
export function parseTimeout(text: string): number | null {
  return parseScaled(text, { "": 1_000, s: 1_000_000, ms: 1_000 });
}

/** `-x` and `-h`: a plain non-negative integer. */
export function parseCount(text: string): number | null {
  return parseScaled(text, { "": 1 });
}

/** `-p` and `-w`: a plain integer greater than 0. */
export function parsePid(text: string): number | null {
  const pid = parseCount(text);
  return pid === null || pid <= 0 ? null : pid;
}
