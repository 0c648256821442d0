/**
 * A buffered byte sink for sample output: text is encoded into one large
 * reused buffer and written in big chunks, and flushed on demand.
 *
 * @module
 */

/** Something bytes can be written to synchronously. */
export interface SyncWriter {
  writeSync(bytes: Uint8Array): number;
}

const encoder = new TextEncoder();

/** Buffers output and writes it in large chunks. */
export class OutputSink {
  readonly #writer: SyncWriter;
  readonly #buffer: Uint8Array;
  #used = 0;

  constructor(writer: SyncWriter, size = 1 << 20) {
    this.#writer = writer;
    this.#buffer = new Uint8Array(size);
  }

  /** Bytes waiting to be written. */
  get pending(): number {
    return this.#used;
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

  /** Writes out everything buffered. Throws what the writer throws (e.g. BrokenPipe). */
  flush(): void {
    if (this.#used === 0) return;
    const used = this.#used;
    this.#used = 0;
    this.#writeAll(this.#buffer.subarray(0, used));
  }

  #writeAll(bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) {
      const n = this.#writer.writeSync(bytes.subarray(done));
      if (n <= 0) throw new Deno.errors.WriteZero("the output accepts no more bytes");
      done += n;
    }
  }
}
