/**
 * A buffered byte sink for sample output: text is encoded into one large
 * reused buffer and written in big chunks, and flushed on demand. A failed
 * write is thrown as an {@link OutputError}, after which nothing more is
 * written.
 *
 * @module
 */

import { OutputError } from "../sample.ts";

/** The error a failed write throws (defined with the sampling contract, in lib/sample.ts). */
export { OutputError };

/** Something bytes can be written to synchronously. */
export interface SyncWriter {
  /** Writes some of `bytes` (at least one, or it throws); returns how many it took. */
  writeSync(bytes: Uint8Array): number;
}

/**
 * Writes all of `bytes` to `writer`: `writeSync` is called again on the rest
 * until every byte is taken (a file, pipe or terminal may take only part of a
 * write). What a write throws is thrown as it is; a write that takes no bytes
 * throws `Deno.errors.WriteZero` instead of looping for ever.
 *
 * @param writer Where the bytes go, e.g. `Deno.stdout`, `Deno.stderr` or an open file.
 * @param bytes What to write.
 * @param taken Called after each write with the bytes it took, in order.
 */
export function writeAllSync(
  writer: SyncWriter,
  bytes: Uint8Array,
  taken?: (chunk: Uint8Array) => void,
): void {
  let done = 0;
  while (done < bytes.length) {
    const n = writer.writeSync(bytes.subarray(done));
    if (n <= 0) throw new Deno.errors.WriteZero("the output takes no more bytes");
    taken?.(bytes.subarray(done, done + n));
    done += n;
  }
}

const encoder = new TextEncoder();

/** Buffers output and writes it in large chunks. */
export class OutputSink {
  readonly #writer: SyncWriter;
  readonly #buffer: Uint8Array;
  #used = 0;
  /** Bytes the writer has taken. */
  #written = 0;
  /** How many of them end with the last newline written. */
  #lineEnd = 0;
  #failure: OutputError | null = null;

  constructor(writer: SyncWriter, size = 1 << 20) {
    this.#writer = writer;
    this.#buffer = new Uint8Array(size);
  }

  /** Bytes waiting to be written. */
  get pending(): number {
    return this.#used;
  }

  /** Bytes written out so far. */
  get written(): number {
    return this.#written;
  }

  /**
   * The length of what was written up to and including its last newline:
   * where to cut a text output so that it holds whole lines only.
   */
  get lineEnd(): number {
    return this.#lineEnd;
  }

  /** The failed write that ended the output, or null. */
  get failure(): OutputError | null {
    return this.#failure;
  }

  /** Appends text, writing the buffer out when it fills up. */
  write(text: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 unit.
    if (this.#used + text.length * 3 > this.#buffer.length) {
      this.flush();
      if (text.length * 3 > this.#buffer.length) {
        this.#writeAll(encoder.encode(text));
        return;
      }
    }
    const { written } = encoder.encodeInto(text, this.#buffer.subarray(this.#used));
    this.#used += written;
  }

  /** Appends raw bytes. */
  writeBytes(bytes: Uint8Array): void {
    if (this.#used + bytes.length > this.#buffer.length) {
      this.flush();
      if (bytes.length > this.#buffer.length) {
        this.#writeAll(bytes);
        return;
      }
    }
    this.#buffer.set(bytes, this.#used);
    this.#used += bytes.length;
  }

  /**
   * Makes room for `n` more bytes to be appended with the `put` methods,
   * writing the buffer out if needed. False if the buffer can never hold
   * `n` bytes (then append with {@link OutputSink.write}).
   */
  reserve(n: number): boolean {
    if (this.#used + n <= this.#buffer.length) return true;
    this.flush();
    return n <= this.#buffer.length;
  }

  /** Appends bytes, in room made by {@link OutputSink.reserve}. */
  put(bytes: Uint8Array): void {
    this.#buffer.set(bytes, this.#used);
    this.#used += bytes.length;
  }

  /** Appends the first `length` bytes of `bytes` (no view is made of them when they fit). */
  writeFrom(bytes: Uint8Array, length: number): void {
    if (!this.reserve(length)) {
      this.#writeAll(bytes.subarray(0, length));
      return;
    }
    const buffer = this.#buffer;
    let at = this.#used;
    for (let i = 0; i < length; i++) buffer[at++] = bytes[i];
    this.#used = at;
  }

  /** Appends one byte, in room made by {@link OutputSink.reserve}. */
  putByte(byte: number): void {
    this.#buffer[this.#used++] = byte;
  }

  /**
   * Appends an integer in decimal (at most 17 bytes), in room made by
   * {@link OutputSink.reserve}.
   */
  putInt(value: number): void {
    const buffer = this.#buffer;
    let n = Math.round(value);
    if (n < 0) {
      buffer[this.#used++] = 45; // "-"
      n = -n;
    }
    let digits = 1;
    for (let m = n; m >= 10; m = Math.floor(m / 10)) digits++;
    let at = this.#used + digits;
    this.#used = at;
    do {
      buffer[--at] = 48 + (n % 10);
      n = Math.floor(n / 10);
    } while (n > 0);
  }

  /**
   * Writes out everything buffered. A failed write throws an
   * {@link OutputError}, and so does every write after it (the output is
   * over: what was buffered is dropped).
   */
  flush(): void {
    if (this.#used === 0) return;
    const used = this.#used;
    this.#used = 0;
    this.#writeAll(this.#buffer.subarray(0, used));
  }

  #writeAll(bytes: Uint8Array): void {
    if (this.#failure !== null) throw this.#failure;
    try {
      writeAllSync(this.#writer, bytes, (chunk) => this.#taken(chunk));
    } catch (e) {
      this.#failure = new OutputError(e);
      throw this.#failure;
    }
  }

  /** Counts bytes the writer took, and where the last newline among them is. */
  #taken(chunk: Uint8Array): void {
    const newline = chunk.lastIndexOf(10);
    if (newline >= 0) this.#lineEnd = this.#written + newline + 1;
    this.#written += chunk.length;
  }
}
