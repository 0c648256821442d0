/**
 * Exact byte ranges of an ELF image, from a file or from memory, and the
 * {@link ElfError} every malformed or unreadable image gives: no read
 * past the end, no short read taken for whole, no stack trace.
 *
 * @module
 */

/** Raised when a file cannot be read or is not a well-formed ELF64 little-endian file. */
export class ElfError extends Error {
  /** The file the error is about. */
  readonly path: string;

  /**
   * @param path the file the error is about
   * @param message what is wrong with it
   * @param options standard error options (e.g. `cause`)
   */
  constructor(path: string, message: string, options?: ErrorOptions) {
    super(`${path}: ${message}`, options);
    this.name = "ElfError";
    this.path = path;
  }
}

/** Exact ranges of an image's bytes, or an ElfError. */
export interface Reader {
  readonly path: string;
  /** The size of the whole image in bytes. */
  readonly size: number;
  /** Reads exactly `size` bytes at `offset`, or throws ElfError. */
  read(offset: number, size: number, what: string): Uint8Array;
}

/** An open file with its size, reading exact ranges or failing with ElfError. */
class FileReader implements Reader {
  constructor(readonly path: string, readonly file: Deno.FsFile, readonly size: number) {}

  read(offset: number, size: number, what: string): Uint8Array {
    checkRange(this.path, this.size, offset, size, what);
    const buf = new Uint8Array(size);
    this.file.seekSync(offset, Deno.SeekMode.Start);
    let done = 0;
    while (done < size) {
      const n = this.file.readSync(buf.subarray(done));
      if (n === null || n === 0) {
        throw new ElfError(
          this.path,
          `truncated ${what}: ${done} of ${size} bytes at ${hex(offset)}`,
        );
      }
      done += n;
    }
    return buf;
  }
}

/** An image held in memory. */
export class BytesReader implements Reader {
  readonly size: number;
  constructor(readonly path: string, readonly bytes: Uint8Array) {
    this.size = bytes.length;
  }

  read(offset: number, size: number, what: string): Uint8Array {
    checkRange(this.path, this.size, offset, size, what);
    return this.bytes.slice(offset, offset + size);
  }
}

/** Runs a function with a reader over an image's bytes (a file is opened for the call). */
export type Source = <T>(fn: (reader: Reader) => T) => T;

/** A name read from the file, as a message shows it: quoted, escaped and at most 40 characters. */
export function quote(name: string): string {
  return JSON.stringify(name.length > 40 ? `${name.slice(0, 37)}...` : name);
}

/** Formats a number as 0x-prefixed hexadecimal. */
export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** Throws ElfError unless [offset, offset+size) is a sane range inside a file of `fileSize` bytes. */
export function checkRange(
  path: string,
  fileSize: number,
  offset: number,
  size: number,
  what: string,
) {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(size) || offset < 0 || size < 0) {
    throw new ElfError(path, `invalid range for ${what}: offset ${offset}, size ${size}`);
  }
  if (offset + size > fileSize) {
    throw new ElfError(
      path,
      `truncated or malformed: ${what} [${hex(offset)}, ${hex(offset + size)}) ` +
        `lies beyond the end of the file (${hex(fileSize)} bytes)`,
    );
  }
}

/**
 * Opens `path`, runs `fn` with a Reader and closes the file. OS errors become
 * ElfError, and so does any other failure, so that a file never ends a run
 * with a stack trace (the in-memory path, {@link elfFromBytes}, leaves them
 * alone, so that a fuzzer sees them).
 */
export function withReader<T>(path: string, fn: (reader: Reader) => T): T {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (e) {
    throw new ElfError(path, `cannot open: ${errorMessage(e)}`, { cause: e });
  }
  try {
    return fn(new FileReader(path, file, file.statSync().size));
  } catch (e) {
    if (e instanceof ElfError) throw e;
    throw new ElfError(path, `cannot read: ${errorMessage(e)}`, { cause: e });
  } finally {
    file.close();
  }
}

/** The message of an unknown thrown value. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A DataView over exactly the bytes of `bytes`. */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Reads a little-endian u64 as a number (exact below 2^53). */
export function u64(view: DataView, offset: number): number {
  return view.getUint32(offset, true) + view.getUint32(offset + 4, true) * 0x1_0000_0000;
}
