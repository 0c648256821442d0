/**
 * Reads a MOJO v3 stream: {@link mojoEvents} decodes its events, and
 * {@link mojoToText} turns it back into Austin's text format (what
 * austin-python's `mojo2austin` does; spec: austin-behaviour.md 8.7).
 * Malformed or truncated input raises a {@link MojoError} that names the
 * byte offset.
 *
 * @module
 */

import { EVENT, MAGIC, UNKNOWN_STRING_KEY } from "./format.ts";

/** A malformed MOJO stream. */
export class MojoError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} at byte ${offset}`);
  }
}

/** One decoded event, with the offset of its id byte. */
export type MojoEvent =
  & { offset: number }
  & (
    | { type: "metadata"; key: string; value: string }
    | { type: "stack"; pid: number; iid: number; tid: string }
    | {
      type: "frame";
      key: number;
      filename: number;
      scope: number;
      line: number;
      lineEnd: number;
      column: number;
      columnEnd: number;
    }
    | { type: "invalid" | "gc" | "idle" }
    | { type: "frame-ref"; key: number }
    | { type: "kernel"; scope: string }
    | { type: "time" | "memory"; value: number }
    | { type: "string"; key: number; text: string }
    | { type: "string-ref"; key: number }
  );

const utf8 = new TextDecoder("utf-8");

/** A cursor over the stream's bytes. */
class Cursor {
  at = 0;
  constructor(readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.at >= this.bytes.length;
  }

  byte(): number {
    if (this.at >= this.bytes.length) throw new MojoError("unexpected end of stream", this.at);
    return this.bytes[this.at++];
  }

  varint(): number {
    const start = this.at;
    const first = this.byte();
    let value = first & 0x3f;
    const negative = (first & 0x40) !== 0;
    let more = (first & 0x80) !== 0;
    let scale = 64;
    while (more) {
      if (scale > 2 ** 49) throw new MojoError("varint too long", start);
      const b = this.byte();
      value += (b & 0x7f) * scale;
      scale *= 128;
      more = (b & 0x80) !== 0;
    }
    return negative ? -value : value;
  }

  string(): string {
    const start = this.at;
    const end = this.bytes.indexOf(0, start);
    if (end < 0) throw new MojoError("unterminated string", start);
    this.at = end + 1;
    return utf8.decode(this.bytes.subarray(start, end));
  }
}

/** True if the bytes start with the MOJO magic. */
export function isMojo(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === MAGIC[0] && bytes[1] === MAGIC[1] &&
    bytes[2] === MAGIC[2];
}

/** Decodes the events of a stream, after checking its header. */
export function* mojoEvents(bytes: Uint8Array): Generator<MojoEvent> {
  const c = new Cursor(bytes);
  if (!isMojo(bytes)) throw new MojoError("not a MOJO stream (no MOJ header)", 0);
  c.at = 3;
  const version = c.varint();
  if (version !== 3) throw new MojoError(`unsupported MOJO version ${version}`, 3);
  while (!c.done) {
    const offset = c.at;
    const id = c.byte();
    switch (id) {
      case EVENT.METADATA:
        yield { offset, type: "metadata", key: c.string(), value: c.string() };
        break;
      case EVENT.STACK: {
        const pid = c.varint();
        const iid = c.varint();
        const tidAt = c.at;
        const tid = c.string();
        if (!/^[0-9a-f]+$/.test(tid)) throw new MojoError(`bad thread id '${tid}'`, tidAt);
        yield { offset, type: "stack", pid, iid, tid };
        break;
      }
      case EVENT.FRAME:
        yield {
          offset,
          type: "frame",
          key: c.varint(),
          filename: c.varint(),
          scope: c.varint(),
          line: c.varint(),
          lineEnd: c.varint(),
          column: c.varint(),
          columnEnd: c.varint(),
        };
        break;
      case EVENT.FRAME_INVALID:
        yield { offset, type: "invalid" };
        break;
      case EVENT.FRAME_REF:
        yield { offset, type: "frame-ref", key: c.varint() };
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
      case EVENT.METRIC_TIME:
        yield { offset, type: "time", value: c.varint() };
        break;
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

/** Per-process definitions. */
interface Tables {
  strings: Map<number, string>;
  frames: Map<number, string>;
}

/** A sample being read. */
interface Pending {
  line: string;
  time: number | null;
  idle: boolean;
  memory: number | null;
}

/**
 * Converts a whole MOJO stream to Austin's text format, line for line as
 * austin-python's reader renders it: metadata and samples in stream order,
 * thread ids in decimal, without the empty lines that separate text mode's
 * header and footer.
 */
export function mojoToText(bytes: Uint8Array): string {
  const lines: string[] = [];
  const tables = new Map<number, Tables>();
  let mode = "";
  let pid = -1;
  let pending: Pending | null = null;

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
    lines.push(`${p.line} ${metric}`);
    pending = null;
  };
  const sample = (at: number): Pending => {
    if (pending === null) throw new MojoError("sample data outside a sample", at);
    return pending;
  };
  const complete = (p: Pending) =>
    mode === "full" || mode === "memory" ? p.memory !== null : p.time !== null;

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
          line: `P${e.pid};T${e.iid}:${parseInt(e.tid, 16)}`,
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
        t.frames.set(e.key, `${file}:${name}:${e.line}`);
        break;
      }
      case "frame-ref": {
        const p = sample(e.offset);
        const frame = tablesOf(pid, e.offset).frames.get(e.key);
        if (frame === undefined) throw new MojoError(`undefined frame key ${e.key}`, e.offset);
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
  finish();
  return lines.map((l) => `${l}\n`).join("");
}
