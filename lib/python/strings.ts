/**
 * Reading CPython string objects out of a remote process: 3.x `str` of every
 * kind (ASCII, Latin-1, UCS-2, UCS-4) and 2.7 byte strings (spec:
 * cpython-layouts.md, section 5).
 *
 * @module
 */

import type { ReadBuffer, RemoteMemory } from "../process.ts";
import { OBJECT_OFFSETS, type StringOffsets } from "./layout.ts";
import { u64 } from "../bytes.ts";

/** Names longer than this many characters make a sample invalid, as in Austin. */
export const MAX_STRING_LENGTH = 4096;

/** Bytes read at a string object to get its header (up to a legacy string's data pointer). */
const HEADER = 80;

const utf16 = new TextDecoder("utf-16le");
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Latin-1: one byte per code point (not TextDecoder's windows-1252 "latin1"). */
export function decodeLatin1(bytes: Uint8Array, length: number): string {
  let text = "";
  for (let i = 0; i < length; i += 4096) {
    text += String.fromCharCode(...bytes.subarray(i, Math.min(length, i + 4096)));
  }
  return text;
}

/** UCS-2 little endian. */
export function decodeUcs2(bytes: Uint8Array, length: number): string {
  return utf16.decode(bytes.subarray(0, length * 2));
}

/** UCS-4 little endian; invalid code points become U+FFFD. */
export function decodeUcs4(bytes: Uint8Array, length: number): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, length * 4);
  let text = "";
  for (let i = 0; i < length; i++) {
    const cp = view.getUint32(i * 4, true);
    text += String.fromCodePoint(cp <= 0x10ffff ? cp : 0xfffd);
  }
  return text;
}

/** Python 2 byte strings: UTF-8 when valid, else Latin-1. */
export function decodeBytesName(bytes: Uint8Array, length: number): string {
  try {
    return utf8.decode(bytes.subarray(0, length));
  } catch (e) {
    // A fatal decoder throws a TypeError on invalid UTF-8.
    if (!(e instanceof TypeError)) throw e;
    return decodeLatin1(bytes, length);
  }
}

/** Decodes `length` code points of `kind` bytes each. */
export function decodeKind(kind: number, bytes: Uint8Array, length: number): string | null {
  switch (kind) {
    case 1:
      return decodeLatin1(bytes, length);
    case 2:
      return decodeUcs2(bytes, length);
    case 4:
      return decodeUcs4(bytes, length);
    default:
      return null;
  }
}

/**
 * Reads the string object at `address`. Returns null when it cannot be read
 * or does not look like a string (bad kind, negative or excessive length).
 * `buffer` must hold at least `MAX_STRING_LENGTH * 4` bytes.
 */
export function readString(
  memory: RemoteMemory,
  buffer: ReadBuffer,
  address: number,
  offsets: StringOffsets,
): string | null {
  if (address === 0 || memory.read(address, HEADER, buffer) !== HEADER) return null;
  const view = buffer.view;
  const length = u64(view, offsets.unicodeLength);
  if (length > MAX_STRING_LENGTH) return null;
  if (offsets.bytesNames) {
    if (memory.read(address + offsets.bytesData, length, buffer) !== length) return null;
    return decodeBytesName(buffer.bytes, length);
  }
  const state = view.getUint32(offsets.unicodeState, true);
  const kind = (state >>> offsets.kindShift) & 7;
  const compact = (state >>> offsets.compactBit) & 1;
  const ascii = (state >>> offsets.asciiBit) & 1;
  if (kind !== 1 && kind !== 2 && kind !== 4) return null;
  let data: number;
  if (compact === 1) data = address + (ascii === 1 ? offsets.asciiData : offsets.compactData);
  else data = u64(view, offsets.legacyData);
  const size = length * kind;
  if (data === 0 || memory.read(data, size, buffer) !== size) return null;
  return decodeKind(kind, buffer.bytes, length);
}

/**
 * True if `name` can be a code object's file name or (qualified) name as
 * Python made it: not empty and without control characters. A string read
 * while it was being written holds what its memory held before (seen: a
 * name starting with a newline, which broke the sample's line in two).
 */
export function isWholeName(name: string): boolean {
  if (name === "") return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return false; // C0 controls and DEL
  }
  return true;
}

/** Reads the bytes object at `address` (e.g. a line table) into a new array. */
export function readBytesObject(
  memory: RemoteMemory,
  buffer: ReadBuffer,
  address: number,
  dataOffset: number,
  maxLength: number,
  sizeField: number = OBJECT_OFFSETS.size,
): Uint8Array | null {
  if (address === 0 || memory.read(address, sizeField + 8, buffer) !== sizeField + 8) return null;
  const length = u64(buffer.view, sizeField);
  if (length > maxLength || length > buffer.bytes.length) return null;
  if (memory.read(address + dataOffset, length, buffer) !== length) return null;
  return buffer.bytes.slice(0, length);
}
