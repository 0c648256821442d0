/**
 * Little-endian reads of 64-bit fields as plain numbers: addresses and sizes
 * of a 64-bit target stay below 2^53, so no BigInt is needed.
 *
 * @module
 */

/** 2^32. */
export const TWO_32 = 4294967296;

/** The unsigned 64-bit little-endian integer at `at`, as a number. */
export function u64(view: DataView, at: number): number {
  return view.getUint32(at, true) + view.getUint32(at + 4, true) * TWO_32;
}

/** Writes a non-negative integer below 2^53 as an unsigned 64-bit little-endian integer at `at`. */
export function setU64(view: DataView, at: number, value: number): void {
  view.setUint32(at, value >>> 0, true);
  view.setUint32(at + 4, Math.floor(value / TWO_32), true);
}
