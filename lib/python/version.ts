/**
 * CPython version numbers: decoding `PY_VERSION_HEX` and `sys.version` text.
 *
 * @module
 */

/** A Python version. */
export interface PythonVersion {
  major: number;
  minor: number;
  micro: number;
}

/** Decodes a `PY_VERSION_HEX` value such as `Py_Version` (0x030b07f0 → 3.11.7). */
export function fromHex(hex: number): PythonVersion {
  return {
    major: (hex >>> 24) & 0xff,
    minor: (hex >>> 16) & 0xff,
    micro: (hex >>> 8) & 0xff,
  };
}

const VERSION_TEXT = /([23])\.(\d{1,2})\.(\d{1,2})(?:(?:a|b|rc|c)\d{1,2})?\+? \(/;

/** Finds `X.Y.Z (` as `sys.version` starts, in text; null if absent. */
export function fromText(text: string): PythonVersion | null {
  const m = VERSION_TEXT.exec(text);
  if (m === null) return null;
  return { major: Number(m[1]), minor: Number(m[2]), micro: Number(m[3]) };
}

/** Finds `pythonX.Y` / `libpythonX.Y` in a file name: major.minor only (micro -1). */
export function fromFileName(path: string): PythonVersion | null {
  const m = /python(\d)\.(\d+)/.exec(path.slice(path.lastIndexOf("/") + 1));
  if (m === null) return null;
  return { major: Number(m[1]), minor: Number(m[2]), micro: -1 };
}

/** `X.Y.Z` as printed in `# python:`; an unknown micro prints as `?`. */
export function formatVersion(v: PythonVersion): string {
  return `${v.major}.${v.minor}.${v.micro < 0 ? "?" : v.micro}`;
}

/** Compares a version with major.minor: negative, 0 or positive. */
export function compareMinor(v: PythonVersion, major: number, minor: number): number {
  return v.major !== major ? v.major - major : v.minor - minor;
}
