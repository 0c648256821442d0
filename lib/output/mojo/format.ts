/**
 * The MOJO v3 binary format's constants and integer encoding (spec:
 * austin-behaviour.md, section 8): sign-magnitude varints with a 6-bit
 * first group, event ids, and the 27-bit reference mask.
 *
 * @module
 */

/** `MOJ`, the stream's first bytes. */
export const MAGIC = [0x4d, 0x4f, 0x4a] as const;
/** The format version written after the magic. */
export const MOJO_VERSION = 3;

/** Event ids. */
export const EVENT = {
  RESERVED: 0,
  METADATA: 1,
  STACK: 2,
  FRAME: 3,
  FRAME_INVALID: 4,
  FRAME_REF: 5,
  FRAME_KERNEL: 6,
  GC: 7,
  IDLE: 8,
  METRIC_TIME: 9,
  METRIC_MEMORY: 10,
  STRING: 11,
  STRING_REF: 12,
} as const;

/** The string key that means `<unknown>` without being defined. */
export const UNKNOWN_STRING_KEY = 1;

/** Masks a reference (string key) to the 27 bits MOJO writes. */
export function ref(address: number): number {
  return address & 0x7ffffff;
}

/**
 * Writes `n` (an integer with |n| < 2^53) as a MOJO varint into `out` at
 * `at`; returns the position after it. `out` must have 8 bytes of room.
 */
export function putVarint(out: Uint8Array, at: number, n: number): number {
  let m = Math.abs(n);
  let b = m % 64;
  if (n < 0) b |= 0x40;
  m = Math.floor(m / 64);
  if (m !== 0) b |= 0x80;
  out[at++] = b;
  while (m !== 0) {
    b = m % 128;
    m = Math.floor(m / 128);
    if (m !== 0) b |= 0x80;
    out[at++] = b;
  }
  return at;
}

/** A MOJO varint as bytes (for tests and one-off writes). */
export function encodeVarint(n: number): Uint8Array {
  const out = new Uint8Array(10);
  return out.slice(0, putVarint(out, 0, n));
}
