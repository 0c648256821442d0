/**
 * Writes samples as a MOJO v3 stream (spec: austin-behaviour.md, section 8),
 * with per-process string and frame definitions emitted on first use.
 *
 * @module
 */

import {
  type Code,
  type Location,
  MAX_FRAMES,
  type Metadata,
  type Mode,
  type SampleWriter,
  type ThreadStack,
} from "../../sample.ts";
import type { OutputSink } from "../sink.ts";
import { EVENT, MAGIC, MOJO_VERSION, putVarint, ref } from "./format.ts";

/** Definitions remembered per process before the caches start over. */
const MAX_KEYS = 1 << 16;

const encoder = new TextEncoder();
const LOCATION: Location = { line: 0, endLine: 0, column: 0, endColumn: 0 };

/**
 * What a process has already defined in the stream: the text of each
 * string key and the code object of each frame key. Keys are addresses, so
 * a key whose address now holds another string or code object is defined
 * again (readers take the latest definition).
 */
interface Defined {
  strings: Map<number, string>;
  frames: Map<number, Code>;
}

/** The MOJO writer. */
export class MojoWriter implements SampleWriter {
  readonly #sink: OutputSink;
  readonly #mode: Mode;
  #buffer = new Uint8Array(1 << 16);
  #at = 0;
  readonly #defined = new Map<number, Defined>();
  /** The frame keys of the sample being written. */
  readonly #keys = new Float64Array(MAX_FRAMES);

  /** Writes the `MOJ` header at once: it precedes everything, even a failed launch. */
  constructor(sink: OutputSink, mode: Mode) {
    this.#sink = sink;
    this.#mode = mode;
    sink.writeBytes(new Uint8Array([...MAGIC, MOJO_VERSION]));
  }

  #room(bytes: number): void {
    if (this.#at + bytes <= this.#buffer.length) return;
    const bigger = new Uint8Array(Math.max(this.#buffer.length * 2, this.#at + bytes));
    bigger.set(this.#buffer.subarray(0, this.#at));
    this.#buffer = bigger;
  }

  #byte(b: number): void {
    this.#room(1);
    this.#buffer[this.#at++] = b;
  }

  #varint(n: number): void {
    this.#room(10);
    this.#at = putVarint(this.#buffer, this.#at, n);
  }

  /** A NUL-terminated UTF-8 string. */
  #string(text: string): void {
    this.#room(text.length * 3 + 1);
    const { written } = encoder.encodeInto(text, this.#buffer.subarray(this.#at));
    this.#at += written;
    this.#buffer[this.#at++] = 0;
  }

  /** A number in lower-case hexadecimal, NUL-terminated (as a string event would hold it). */
  #hexString(n: number): void {
    this.#room(16);
    const buffer = this.#buffer;
    let digits = 1;
    for (let m = n; m >= 16; m = Math.floor(m / 16)) digits++;
    let at = this.#at + digits;
    this.#at = at + 1;
    buffer[at] = 0;
    do {
      const d = n % 16;
      buffer[--at] = d < 10 ? 48 + d : 87 + d;
      n = Math.floor(n / 16);
    } while (n > 0);
  }

  #flush(): void {
    this.#sink.writeFrom(this.#buffer, this.#at);
    this.#at = 0;
  }

  #metadata(meta: Metadata): void {
    for (const [key, value] of meta) {
      this.#byte(EVENT.METADATA);
      this.#string(key);
      this.#string(value);
    }
    this.#flush();
  }

  /** METADATA events. */
  header(meta: Metadata): void {
    this.#metadata(meta);
  }

  /** METADATA events. */
  footer(meta: Metadata): void {
    this.#metadata(meta);
  }

  #definedBy(pid: number): Defined {
    let defined = this.#defined.get(pid);
    if (defined === undefined) {
      defined = { strings: new Map(), frames: new Map() };
      this.#defined.set(pid, defined);
    }
    return defined;
  }

  #defineString(defined: Defined, key: number, text: string): void {
    if (defined.strings.get(key) === text) return;
    if (defined.strings.size >= MAX_KEYS) defined.strings.clear();
    defined.strings.set(key, text);
    this.#byte(EVENT.STRING);
    this.#varint(key);
    this.#string(text);
  }

  /** Defines a frame (and its strings) unless the process already did. */
  #defineFrame(defined: Defined, key: number, code: Code, position: number): void {
    const filename = ref(code.filenameKey);
    const scope = ref(code.scopeKey);
    // The strings first: a frame can be the same while a string key changed hands.
    this.#defineString(defined, filename, code.filename);
    this.#defineString(defined, scope, code.scope);
    if (defined.frames.get(key) === code) return;
    if (defined.frames.size >= MAX_KEYS) defined.frames.clear();
    defined.frames.set(key, code);
    // MOJO's location (spec 8.5): 1-based columns with an exclusive end, 0 where not known.
    const location = code.location(position, LOCATION);
    this.#byte(EVENT.FRAME);
    this.#varint(key);
    this.#varint(filename);
    this.#varint(scope);
    this.#varint(location.line);
    this.#varint(Math.max(0, location.endLine));
    this.#varint(location.column < 0 ? 0 : location.column + 1);
    this.#varint(location.endColumn < 0 ? 0 : location.endColumn + 1);
  }

  /** STACK, definitions, [FRAME_INVALID], FRAME_REFs, [GC], metrics (spec 8.4). */
  sample(pid: number, s: ThreadStack, gc: boolean, time: number, idle: boolean, memory: number) {
    const defined = this.#definedBy(pid);
    this.#byte(EVENT.STACK);
    this.#varint(pid);
    this.#varint(s.interpreterId);
    if (s.threadId >= 0) this.#hexString(s.threadId);
    else this.#string(s.threadId.toString(16));
    const depth = s.depth;
    const keys = this.#keys;
    for (let i = 0; i < depth; i++) {
      const position = Math.max(0, s.positions[i]);
      const key = (s.codeAddresses[i] & 0x7ffffff) * 65536 + (position % 65536);
      keys[i] = key;
      this.#defineFrame(defined, key, s.codes[i], s.positions[i]);
    }
    if (s.invalid) this.#byte(EVENT.FRAME_INVALID);
    for (let i = depth - 1; i >= 0; i--) {
      this.#byte(EVENT.FRAME_REF);
      this.#varint(keys[i]);
    }
    if (gc) this.#byte(EVENT.GC);
    if (this.#mode === "memory") {
      this.#byte(EVENT.METRIC_MEMORY);
      this.#varint(memory);
    } else {
      this.#byte(EVENT.METRIC_TIME);
      this.#varint(time);
      if (this.#mode === "full") {
        if (idle) this.#byte(EVENT.IDLE);
        this.#byte(EVENT.METRIC_MEMORY);
        this.#varint(memory);
      }
    }
    this.#flush();
  }
}
