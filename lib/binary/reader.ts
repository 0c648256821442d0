/**
 * Exact byte ranges of a binary image, from a file or from memory, for the
 * ELF, Mach-O and PE readers alike. Each reader passes its own error class,
 * so that a bad range or an unreadable file becomes that reader's one-line
 * error: no read past the end, no short read taken for whole, no stack trace.
 *
 * @module
 */

import { TWO_32 } from "../bytes.ts";

/** The error class of one reader, built as `new Fail(path, message, options)`. */
export type FailClass = new (path: string, message: string, options?: ErrorOptions) => Error;

/** Exact ranges of an image's bytes, or the reader's error. */
export interface Reader {
  readonly path: string;
  /** The size of the whole image in bytes. */
  readonly size: number;
  /** Reads exactly `size` bytes at `offset`, or throws the reader's error. */
  read(offset: number, size: number, what: string): Uint8Array;
}

/** Runs a function with a reader over an image's bytes (a file is opened for the call). */
export type Source = <T>(fn: (reader: Reader) => T) => T;

/** Formats a number as 0x-prefixed hexadecimal. */
export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** A name read from the file, as a message shows it: quoted, escaped and at most 40 characters. */
export function quote(name: string): string {
  return JSON.stringify(name.length > 40 ? `${name.slice(0, 37)}...` : name);
}

/** The message of an unknown thrown value. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A DataView over exactly the bytes of `bytes`. */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export { u64 } from "../bytes.ts";

/** Reads a big-endian u64 as a number (exact below 2^53). */
export function u64be(view: DataView, offset: number): number {
  return view.getUint32(offset) * TWO_32 + view.getUint32(offset + 4);
}

const decoder = new TextDecoder();

/** The NUL-terminated string at `offset` of `bytes` (`""` if out of range; no NUL: to the end). */
export function cString(bytes: Uint8Array, offset: number): string {
  if (offset < 0 || offset >= bytes.length) return "";
  const end = bytes.indexOf(0, offset);
  return decoder.decode(bytes.subarray(offset, end < 0 ? bytes.length : end));
}

/**
 * Throws `fail` unless [offset, offset+size) is a sane range inside an image of `fileSize` bytes.
 *
 * @param fail the reader's error class
 * @param path the image the range is in
 * @param fileSize the size of the image
 * @param offset start of the range
 * @param size length of the range
 * @param what what the range holds, for the message
 */
export function checkRangeOf(
  fail: FailClass,
  path: string,
  fileSize: number,
  offset: number,
  size: number,
  what: string,
) {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(size) || offset < 0 || size < 0) {
    throw new fail(path, `invalid range for ${what}: offset ${offset}, size ${size}`);
  }
  if (offset + size > fileSize) {
    throw new fail(
      path,
      `truncated or malformed: ${what} [${hex(offset)}, ${hex(offset + size)}) ` +
        `lies beyond the end of the file (${hex(fileSize)} bytes)`,
    );
  }
}

/** An open file with its size, reading exact ranges or failing with the reader's error. */
class FileReader implements Reader {
  constructor(
    private readonly fail: FailClass,
    readonly path: string,
    private readonly file: Deno.FsFile,
    readonly size: number,
  ) {}

  read(offset: number, size: number, what: string): Uint8Array {
    checkRangeOf(this.fail, this.path, this.size, offset, size, what);
    const buf = new Uint8Array(size);
    this.file.seekSync(offset, Deno.SeekMode.Start);
    let done = 0;
    while (done < size) {
      const n = this.file.readSync(buf.subarray(done));
      if (n === null || n === 0) {
        throw new this.fail(
          this.path,
          `truncated ${what}: ${done} of ${size} bytes at ${hex(offset)}`,
        );
      }
      done += n;
    }
    return buf;
  }
}

/** An image held in memory, failing with the reader's error past its end. */
export class BytesReaderOf implements Reader {
  readonly size: number;

  /**
   * @param fail the reader's error class
   * @param path the name the image goes by in errors
   * @param bytes the whole image (not copied)
   */
  constructor(private readonly fail: FailClass, readonly path: string, readonly bytes: Uint8Array) {
    this.size = bytes.length;
  }

  read(offset: number, size: number, what: string): Uint8Array {
    checkRangeOf(this.fail, this.path, this.size, offset, size, what);
    return this.bytes.slice(offset, offset + size);
  }
}

/** A window [base, base+size) of another reader, read with offsets relative to `base`. */
export class WindowReader implements Reader {
  /**
   * @param fail the reader's error class
   * @param inner the reader of the whole image
   * @param base where the window starts in `inner`
   * @param size the size of the window
   */
  constructor(
    private readonly fail: FailClass,
    private readonly inner: Reader,
    readonly base: number,
    readonly size: number,
  ) {}

  get path(): string {
    return this.inner.path;
  }

  read(offset: number, size: number, what: string): Uint8Array {
    checkRangeOf(this.fail, this.path, this.size, offset, size, what);
    return this.inner.read(this.base + offset, size, what);
  }
}

/**
 * Opens `path`, runs `fn` with a Reader and closes the file. OS errors become
 * `fail`, and so does any other failure, so that a file never ends a run with
 * a stack trace.
 *
 * @param fail the reader's error class
 * @param path the file to read
 * @param fn what to do with the file's reader
 * @returns what `fn` returns
 */
export function withReaderOf<T>(fail: FailClass, path: string, fn: (reader: Reader) => T): T {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (e) {
    throw new fail(path, `cannot open: ${errorMessage(e)}`, { cause: e });
  }
  try {
    return fn(new FileReader(fail, path, file, file.statSync().size));
  } catch (e) {
    if (e instanceof fail) throw e;
    throw new fail(path, `cannot read: ${errorMessage(e)}`, { cause: e });
  } finally {
    file.close();
  }
}
