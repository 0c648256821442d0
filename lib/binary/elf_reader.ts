/**
 * Exact byte ranges of an ELF image, from a file or from memory, and the
 * {@link ElfError} every malformed or unreadable image gives: no read
 * past the end, no short read taken for whole, no stack trace. The work is
 * done by the format-neutral {@link ./reader.ts}, with ElfError as its error.
 *
 * @module
 */

import { BytesReaderOf, checkRangeOf, type Reader, withReaderOf } from "./reader.ts";

export { errorMessage, hex, quote, type Reader, type Source, u64, viewOf } from "./reader.ts";

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

/** An image held in memory, failing with ElfError past its end. */
export class BytesReader extends BytesReaderOf {
  /**
   * @param path the name the image goes by in errors
   * @param bytes the whole image (not copied)
   */
  constructor(path: string, bytes: Uint8Array) {
    super(ElfError, path, bytes);
  }
}

/** Throws ElfError unless [offset, offset+size) is a sane range inside a file of `fileSize` bytes. */
export function checkRange(
  path: string,
  fileSize: number,
  offset: number,
  size: number,
  what: string,
) {
  checkRangeOf(ElfError, path, fileSize, offset, size, what);
}

/**
 * Opens `path`, runs `fn` with a Reader and closes the file. OS errors become
 * ElfError, and so does any other failure, so that a file never ends a run
 * with a stack trace (the in-memory path, `elfFromBytes`, leaves them
 * alone, so that a fuzzer sees them).
 */
export function withReader<T>(path: string, fn: (reader: Reader) => T): T {
  return withReaderOf(ElfError, path, fn);
}
