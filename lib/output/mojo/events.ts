/**
 * Decodes a MOJO v3 stream into its events (spec: austin-behaviour.md 8.1 –
 * 8.3): {@link mojoEvents}. Malformed input raises a {@link MojoError} that
 * names the byte offset, in one line; input that ends inside an event raises
 * its subclass {@link MojoTruncatedError}, which names the event.
 *
 * Integers are read as numbers, exact below 2^53 (every field Austin writes
 * but frame keys stays far below). A frame key may take all 64 bits (Austin's
 * `((code & 0x7FFFFFF) << 16) | lasti` with `lasti == -1` is
 * 0xFFFFFFFFFFFFFFFF): such a key also comes as a `bigint` in `bigKey`, so
 * that keys stay distinct; only varints of more than 7 bytes take that slow
 * path.
 *
 * @module
 */

import { EVENT, MAGIC } from "./format.ts";

/** A malformed MOJO stream. */
export class MojoError extends Error {
  /**
   * @param message what is wrong, in one line
   * @param offset the byte it is about
   */
  constructor(message: string, readonly offset: number) {
    super(`${message} at byte ${offset}`);
    this.name = "MojoError";
  }
}

/** A MOJO stream that ends inside an event (or inside its header). */
export class MojoTruncatedError extends MojoError {
  /**
   * @param message what was missing
   * @param offset where the stream ended
   * @param event the offset of the event that was cut
   * @param inside what was cut, e.g. `inside a frame event`
   */
  constructor(
    message: string,
    offset: number,
    readonly event: number,
    readonly inside: string,
  ) {
    super(message, offset);
    this.name = "MojoTruncatedError";
  }
}

/** The exact key of a frame or frame reference: a number below 2^53, a bigint above. */
export type MojoKey = number | bigint;

/** One decoded event, with the offset of its id byte. */
export type MojoEvent =
  & { offset: number }
  & (
    | { type: "metadata"; key: string; value: string }
    | { type: "stack"; pid: number; iid: number; tid: string }
    | {
      type: "frame";
      /** The key; exact below 2^53, and then the only field. */
      key: number;
      /** The exact key, present only when it does not fit 53 bits. */
      bigKey?: bigint;
      filename: number;
      scope: number;
      line: number;
      lineEnd: number;
      column: number;
      columnEnd: number;
    }
    | { type: "invalid" | "gc" | "idle" }
    | { type: "frame-ref"; key: number; bigKey?: bigint }
    | { type: "kernel"; scope: string }
    | { type: "time" | "memory"; value: number }
    | { type: "string"; key: number; text: string }
    | { type: "string-ref"; key: number }
  );

/** The exact key of a frame or frame reference event. */
export function exactKey(e: { key: number; bigKey?: bigint }): MojoKey {
  return e.bigKey ?? e.key;
}

const utf8 = new TextDecoder("utf-8");

/** What each event id's fields are called in a truncation report. */
const EVENT_NAMES: readonly string[] = [
  "reserved",
  "metadata",
  "stack",
  "frame",
  "invalid frame",
  "frame reference",
  "kernel frame",
  "GC",
  "idle",
  "time metric",
  "memory metric",
  "string",
  "string reference",
];

/** The largest integer a number holds exactly, 2^53 - 1. */
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** 2^64: no varint Austin writes reaches it. */
const TWO_64 = 1n << 64n;
/** The longest varint Austin writes: 6 + 9 × 7 bits hold 64. */
const MAX_VARINT_BYTES = 10;
/** The longest thread id: 64 bits in hexadecimal. */
const MAX_TID_DIGITS = 16;
/** A short, one-line rendering of some input text for an error message. */
function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 37)}...` : text);
}

/** A cursor over the stream's bytes. */
class Cursor {
  at = 0;
  /** The offset of the event being read (for a truncation report). */
  event = 0;
  /** Its id; -1 while reading the header. */
  eventId = -1;
  constructor(readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.at >= this.bytes.length;
  }

  /** Throws the error of a stream that ends at `at`, inside the current event. */
  end(message: string, at: number): never {
    const inside = this.eventId < 0
      ? "inside the header"
      : `inside a ${EVENT_NAMES[this.eventId] ?? "unknown"} event`;
    throw new MojoTruncatedError(message, at, this.event, inside);
  }

  byte(): number {
    if (this.at >= this.bytes.length) this.end("unexpected end of stream", this.at);
    return this.bytes[this.at++];
  }

  /**
   * A varint as a number. Up to 7 bytes (48 bits) on the fast path; a
   * longer one is read exactly by {@link wide} and rounded.
   */
  varint(): number {
    const bytes = this.bytes;
    const start = this.at;
    let at = start;
    if (at >= bytes.length) this.end("unexpected end of stream", at);
    let b = bytes[at++];
    const negative = (b & 0x40) !== 0;
    let value = b & 0x3f;
    let scale = 64;
    while (b >= 0x80) {
      if (scale > 2 ** 41) return Number(this.wide(start));
      if (at >= bytes.length) this.end("unexpected end of stream", at);
      b = bytes[at++];
      value += (b & 0x7f) * scale;
      scale *= 128;
    }
    this.at = at;
    return negative ? -value : value;
  }

  /**
   * The varint at `start` read exactly, up to 64 bits (10 bytes); leaves
   * the cursor after it.
   */
  wide(start: number): bigint {
    const bytes = this.bytes;
    let at = start;
    let b = bytes[at++];
    const negative = (b & 0x40) !== 0;
    let value = BigInt(b & 0x3f);
    let shift = 6n;
    while (b >= 0x80) {
      if (at - start >= MAX_VARINT_BYTES) throw new MojoError("varint longer than 64 bits", start);
      if (at >= bytes.length) this.end("unexpected end of stream", at);
      b = bytes[at++];
      value |= BigInt(b & 0x7f) << shift;
      shift += 7n;
    }
    if (value >= TWO_64) throw new MojoError("varint longer than 64 bits", start);
    this.at = at;
    return negative ? -value : value;
  }

  /**
   * The exact value of the varint read from `start`, if it has more than 7
   * bytes and a number cannot hold it (|value| ≥ 2^53); else undefined.
   */
  exact(start: number): bigint | undefined {
    if (this.at - start <= 7) return undefined;
    const value = this.wide(start);
    return value > MAX_SAFE || value < -MAX_SAFE ? value : undefined;
  }

  string(): string {
    const start = this.at;
    const end = this.bytes.indexOf(0, start);
    if (end < 0) this.end("unterminated string", start);
    this.at = end + 1;
    return utf8.decode(this.bytes.subarray(start, end));
  }
}

/** True if the bytes start with the MOJO magic. */
export function isMojo(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === MAGIC[0] && bytes[1] === MAGIC[1] &&
    bytes[2] === MAGIC[2];
}

/** Reads a frame event's fields after its id. */
function frameEvent(c: Cursor, offset: number): MojoEvent {
  const keyAt = c.at;
  const key = c.varint();
  const bigKey = c.exact(keyAt);
  const e: MojoEvent & { type: "frame" } = {
    offset,
    type: "frame",
    key,
    filename: c.varint(),
    scope: c.varint(),
    line: c.varint(),
    lineEnd: c.varint(),
    column: c.varint(),
    columnEnd: c.varint(),
  };
  if (bigKey !== undefined) e.bigKey = bigKey;
  return e;
}

/** Reads a frame reference event's key after its id. */
function frameRefEvent(c: Cursor, offset: number): MojoEvent {
  const keyAt = c.at;
  const key = c.varint();
  const bigKey = c.exact(keyAt);
  return bigKey === undefined
    ? { offset, type: "frame-ref", key }
    : { offset, type: "frame-ref", key, bigKey };
}

/** Reads a stack event's fields after its id. */
function stackEvent(c: Cursor, offset: number): MojoEvent {
  const pid = c.varint();
  const iid = c.varint();
  if (pid < 0 || iid < 0) throw new MojoError(`negative process or interpreter id`, offset);
  const tidAt = c.at;
  const tid = c.string();
  if (tid.length > MAX_TID_DIGITS || !/^[0-9a-f]+$/.test(tid)) {
    throw new MojoError(`bad thread id ${quote(tid)}`, tidAt);
  }
  return { offset, type: "stack", pid, iid, tid };
}

/**
 * Decodes the events of a stream, after checking its header. Throws a
 * {@link MojoTruncatedError} where the stream ends inside an event, after
 * the events before it.
 */
export function* mojoEvents(bytes: Uint8Array): Generator<MojoEvent> {
  const c = new Cursor(bytes);
  if (!isMojo(bytes)) throw new MojoError("not a MOJO stream (no MOJ header)", 0);
  c.at = 3;
  const version = c.varint();
  if (version !== 3) throw new MojoError(`unsupported MOJO version ${version}`, 3);
  while (!c.done) {
    const offset = c.at;
    const id = c.byte();
    c.event = offset;
    c.eventId = id;
    switch (id) {
      case EVENT.METADATA:
        yield { offset, type: "metadata", key: c.string(), value: c.string() };
        break;
      case EVENT.STACK:
        yield stackEvent(c, offset);
        break;
      case EVENT.FRAME:
        yield frameEvent(c, offset);
        break;
      case EVENT.FRAME_INVALID:
        yield { offset, type: "invalid" };
        break;
      case EVENT.FRAME_REF:
        yield frameRefEvent(c, offset);
        break;
      case EVENT.FRAME_KERNEL:
        yield { offset, type: "kernel", scope: c.string() };
        break;
      case EVENT.GC:
        yield { offset, type: "gc" };
        break;
      case EVENT.IDLE:
        yield { offset, type: "idle" };
        break;
      case EVENT.METRIC_TIME: {
        const value = c.varint();
        if (value < 0) throw new MojoError(`negative time ${value}`, offset);
        yield { offset, type: "time", value };
        break;
      }
      case EVENT.METRIC_MEMORY:
        yield { offset, type: "memory", value: c.varint() };
        break;
      case EVENT.STRING:
        yield { offset, type: "string", key: c.varint(), text: c.string() };
        break;
      case EVENT.STRING_REF:
        yield { offset, type: "string-ref", key: c.varint() };
        break;
      default:
        throw new MojoError(`unknown event ${id}`, offset);
    }
  }
}
