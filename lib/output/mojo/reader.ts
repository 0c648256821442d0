/**
 * Turns a MOJO v3 stream back into Austin's text format: {@link readMojo}
 * and {@link mojoToText} (what austin-python's `mojo2austin` does; spec:
 * austin-behaviour.md 8.7). The events come from `events.ts`, whose names
 * this module exports too. Malformed input raises a {@link MojoError};
 * {@link readMojo} keeps the whole samples of a stream that was cut and
 * reports a {@link Truncation}, {@link mojoToText} fails on it.
 *
 * @module
 */

import type { Truncation } from "../truncation.ts";
import { UNKNOWN_STRING_KEY } from "./format.ts";
import { MojoError, mojoEvents, type MojoKey, MojoTruncatedError } from "./events.ts";

export {
  exactKey,
  isMojo,
  MojoError,
  type MojoEvent,
  mojoEvents,
  type MojoKey,
  MojoTruncatedError,
} from "./events.ts";

/**
 * The longest text a stream may render to: about V8's limit for one string
 * (a frame reference of 2 bytes can repeat a frame's whole text, so a small
 * stream can ask for more than that).
 */
const MAX_TEXT = 2 ** 29 - 64;

/** A key as an error message shows it. */
function hexKey(key: MojoKey): string {
  return key < 0 ? `-0x${(-key).toString(16)}` : `0x${key.toString(16)}`;
}

/** Per-process definitions. */
interface Tables {
  strings: Map<number, string>;
  frames: Map<MojoKey, string>;
}

/** A sample being read. */
interface Pending {
  /** The offset of its STACK event. */
  offset: number;
  line: string;
  time: number | null;
  idle: boolean;
  memory: number | null;
}

/** A MOJO stream as Austin's text, with what was cut if it ended early. */
export interface MojoText {
  /** The text of the metadata and of every whole sample. */
  text: string;
  /** The number of sample lines in it. */
  samples: number;
  /** Where the stream was cut, if it ended inside an event or a sample. */
  truncation: Truncation | null;
}

/** The error of a stream whose text would not fit in one string. */
function tooLong(offset: number): MojoError {
  return new MojoError(`the text of this stream would exceed ${MAX_TEXT} characters`, offset);
}

/** A thread id string (lowercase hexadecimal, at most 16 digits) in decimal. */
function decimalTid(tid: string): string {
  return tid.length <= 13 ? `${parseInt(tid, 16)}` : BigInt(`0x${tid}`).toString();
}

/**
 * Converts a MOJO stream to Austin's text format, line for line as
 * austin-python's reader renders it: metadata and samples in stream order,
 * thread ids in decimal, without the empty lines that separate text mode's
 * header and footer. A stream that ends inside an event, or inside a sample
 * before its metrics, gives the text up to the last whole sample and a
 * {@link Truncation}; malformed input raises a {@link MojoError}.
 */
export function readMojo(bytes: Uint8Array): MojoText {
  const { text, samples, truncation } = render(bytes);
  return { text, samples, truncation };
}

/**
 * Converts a whole MOJO stream to Austin's text format as {@link readMojo}
 * does, but fails on a stream that was cut: raises the
 * {@link MojoTruncatedError} of the cut.
 */
export function mojoToText(bytes: Uint8Array): string {
  const read = render(bytes);
  if (read.cut !== null) throw read.cut;
  return read.text;
}

/** {@link readMojo}'s work, with the error that ended a cut stream. */
function render(bytes: Uint8Array): MojoText & { cut: MojoTruncatedError | null } {
  const lines: string[] = [];
  const tables = new Map<number, Tables>();
  let mode = "";
  let pid = -1;
  let pending: Pending | null = null;
  let samples = 0;
  let cut: MojoTruncatedError | null = null;
  // The length of the text so far.
  let size = 0;

  const tablesOf = (p: number, at: number): Tables => {
    if (p < 0) throw new MojoError("definition before any stack", at);
    let t = tables.get(p);
    if (t === undefined) {
      t = { strings: new Map([[UNKNOWN_STRING_KEY, "<unknown>"]]), frames: new Map() };
      tables.set(p, t);
    }
    return t;
  };
  const finish = () => {
    if (pending === null) return;
    const p: Pending = pending;
    const metric = mode === "full"
      ? `${p.time ?? 0},${p.idle ? 1 : 0},${p.memory ?? 0}`
      : mode === "memory"
      ? `${p.memory ?? 0}`
      : `${p.time ?? p.memory ?? 0}`;
    const line = `${p.line} ${metric}`;
    size += line.length + 1;
    if (size > MAX_TEXT) throw tooLong(p.offset);
    lines.push(line);
    samples++;
    pending = null;
  };
  const sample = (at: number): Pending => {
    if (pending === null) throw new MojoError("sample data outside a sample", at);
    return pending;
  };
  const complete = (p: Pending) =>
    mode === "full" || mode === "memory" ? p.memory !== null : p.time !== null;
  // What a sample needs to count as whole when the stream ends.
  const whole = (p: Pending) =>
    mode === "full" || mode === "memory" ? p.memory !== null : p.time !== null || p.memory !== null;

  try {
    for (const e of mojoEvents(bytes)) {
      switch (e.type) {
        case "metadata":
          finish();
          if (e.key === "mode") mode = e.value;
          lines.push(`# ${e.key}: ${e.value}`);
          break;
        case "stack":
          finish();
          pid = e.pid;
          pending = {
            offset: e.offset,
            line: `P${e.pid};T${e.iid}:${decimalTid(e.tid)}`,
            time: null,
            idle: false,
            memory: null,
          };
          break;
        case "string":
          tablesOf(pid, e.offset).strings.set(e.key, e.text);
          break;
        case "frame": {
          const t = tablesOf(pid, e.offset);
          const file = t.strings.get(e.filename);
          const name = t.strings.get(e.scope);
          if (file === undefined || name === undefined) {
            throw new MojoError("frame refers to an undefined string", e.offset);
          }
          t.frames.set(e.bigKey ?? e.key, `${file}:${name}:${e.line}`);
          break;
        }
        case "frame-ref": {
          const p = sample(e.offset);
          const key = e.bigKey ?? e.key;
          const frame = tablesOf(pid, e.offset).frames.get(key);
          if (frame === undefined) {
            throw new MojoError(`undefined frame key ${hexKey(key)}`, e.offset);
          }
          if (size + p.line.length + frame.length > MAX_TEXT) throw tooLong(e.offset);
          p.line += `;${frame}`;
          break;
        }
        case "invalid":
          sample(e.offset).line += ";:INVALID:";
          break;
        case "kernel":
          sample(e.offset).line += `;kernel:${e.scope}:0`;
          break;
        case "gc":
          sample(e.offset).line += ";:GC:";
          break;
        case "idle":
          sample(e.offset).idle = true;
          break;
        case "time":
        case "memory": {
          const p = sample(e.offset);
          if (e.type === "time") p.time = e.value;
          else p.memory = e.value;
          if (complete(p)) finish();
          break;
        }
        case "string-ref":
          break;
      }
    }
  } catch (e) {
    if (!(e instanceof MojoTruncatedError)) throw e;
    pending = null;
    cut = e;
  }
  const last = pending as Pending | null;
  if (last !== null && !whole(last)) {
    pending = null;
    // Full mode's time without the memory metric that ends the sample, or no metric yet.
    const inside = last.time === null && last.memory === null
      ? "inside a sample, before its metrics"
      : "inside a sample, before its memory metric";
    cut = new MojoTruncatedError(`stream ends ${inside}`, bytes.length, last.offset, inside);
  }
  finish();
  const truncation = cut === null ? null : { offset: cut.event, inside: cut.inside, samples };
  return { text: lines.map((l) => `${l}\n`).join(""), samples, truncation, cut };
}
