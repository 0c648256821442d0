/**
 * A small, frugal PE reader, enough to find CPython's exports in a Windows
 * EXE or DLL (PE32+, 64-bit) and to read initialised data from the file.
 *
 * Only the headers and the section table are read when a file is opened; the
 * export directory is read on demand, and no file descriptor stays open
 * between calls. Addresses are RVAs (relative to the image base) or plain
 * numbers below 2^53. {@link peFromBytes} reads an image held in memory the
 * same way (there, a failure that is not a PeError is not turned into one, so
 * that a fuzzer sees it). PE32 (32-bit) images are refused with a PeError.
 *
 * @module
 */

import { type PeExport, type PeExportTable, readExports } from "./pe_exports.ts";
import {
  fileOffsetOf,
  IMAGE_DIRECTORY_ENTRY_EXPORT,
  IMAGE_FILE_DLL,
  type PeDataDirectory,
  PeError,
  type PeHeaders,
  type PeSection,
  readHeaders,
} from "./pe_format.ts";
import { BytesReaderOf, checkRangeOf, type Source, withReaderOf } from "./reader.ts";

export {
  IMAGE_DIRECTORY_ENTRY_EXPORT,
  IMAGE_FILE_DLL,
  IMAGE_FILE_MACHINE_AMD64,
  IMAGE_FILE_MACHINE_ARM64,
  IMAGE_SCN_CNT_UNINITIALIZED_DATA,
  PE32_PLUS_MAGIC,
  PeError,
} from "./pe_format.ts";
export type { PeDataDirectory, PeExport, PeExportTable, PeSection };

/** An opened PE32+ image: its headers and sections, plus on-demand exports and bytes. */
export interface PeImage extends PeHeaders {
  /** Path the image was opened from. */
  path: string;
  /** true for a DLL, false for an EXE. */
  isDll: boolean;
  /** The first section with this name, if any. */
  section(name: string): PeSection | undefined;
  /** The section whose memory range [VirtualAddress, +VirtualSize) holds `rva`, if any. */
  sectionOf(rva: number): PeSection | undefined;
  /** Reads the export directory; undefined if the image has none. */
  exports(): PeExportTable | undefined;
  /**
   * Looks exported names up; returns the found ones, by name. PE does not tell code from data
   * exports: a data export's RVA is in a data section (see {@link PeImage.sectionOf}), and a
   * forwarder has `forwarder` set and no code or data of its own.
   */
  exported(names: readonly string[]): Map<string, PeExport>;
  /** Reads `size` bytes of the file at file offset `offset`. Throws PeError past the end. */
  readAt(offset: number, size: number): Uint8Array;
  /**
   * Bytes of the file backing RVAs [rva, rva+size), or undefined if they are not all in the file
   * (zero-fill such as `.bss`, or past a section's raw data).
   */
  readRva(rva: number, size: number): Uint8Array | undefined;
}

/** The PeImage implementation: headers in memory, everything else read on demand. */
class PeFile implements PeImage {
  readonly machine: number;
  readonly characteristics: number;
  readonly isDll: boolean;
  readonly timeDateStamp: number;
  readonly entryPoint: number;
  readonly imageBase: number;
  readonly sizeOfImage: number;
  readonly sizeOfHeaders: number;
  readonly subsystem: number;
  readonly dllCharacteristics: number;
  readonly dataDirectories: PeDataDirectory[];
  readonly sections: PeSection[];

  constructor(
    readonly path: string,
    headers: PeHeaders,
    private readonly fileSize: number,
    private readonly source: Source,
  ) {
    this.machine = headers.machine;
    this.characteristics = headers.characteristics;
    this.isDll = (headers.characteristics & IMAGE_FILE_DLL) !== 0;
    this.timeDateStamp = headers.timeDateStamp;
    this.entryPoint = headers.entryPoint;
    this.imageBase = headers.imageBase;
    this.sizeOfImage = headers.sizeOfImage;
    this.sizeOfHeaders = headers.sizeOfHeaders;
    this.subsystem = headers.subsystem;
    this.dllCharacteristics = headers.dllCharacteristics;
    this.dataDirectories = headers.dataDirectories;
    this.sections = headers.sections;
  }

  section(name: string): PeSection | undefined {
    return this.sections.find((s) => s.name === name);
  }

  sectionOf(rva: number): PeSection | undefined {
    return this.sections.find((s) =>
      rva >= s.virtualAddress && rva < s.virtualAddress + Math.max(s.virtualSize, s.sizeOfRawData)
    );
  }

  exports(): PeExportTable | undefined {
    const directory = this.dataDirectories[IMAGE_DIRECTORY_ENTRY_EXPORT];
    return this.source((reader) =>
      readExports(reader, this.sections, this.sizeOfHeaders, directory)
    );
  }

  exported(names: readonly string[]): Map<string, PeExport> {
    const found = new Map<string, PeExport>();
    if (names.length === 0) return found;
    const wanted = new Set(names);
    for (const entry of this.exports()?.exports ?? []) {
      if (entry.name !== undefined && wanted.has(entry.name) && !found.has(entry.name)) {
        found.set(entry.name, entry);
      }
    }
    return found;
  }

  readAt(offset: number, size: number): Uint8Array {
    checkRangeOf(PeError, this.path, this.fileSize, offset, size, "read");
    return this.source((reader) => reader.read(offset, size, "read"));
  }

  readRva(rva: number, size: number): Uint8Array | undefined {
    const offset = fileOffsetOf(this.sections, this.sizeOfHeaders, rva, size);
    return offset === undefined ? undefined : this.readAt(offset, size);
  }
}

/** Reads the headers of the image `source` reads. */
function readImage(path: string, source: Source): PeImage {
  return source((reader) => new PeFile(path, readHeaders(reader), reader.size, source));
}

/**
 * Opens a PE32+ file (EXE or DLL) and reads its headers and section table; the file is closed
 * again before returning.
 *
 * @param path the executable or DLL
 * @returns the image; exports and bytes are read from the file on demand
 * @throws {PeError} if the file is unreadable, truncated, PE32 or not a PE image
 */
export function openPe(path: string): PeImage {
  return readImage(path, (fn) => withReaderOf(PeError, path, fn));
}

/**
 * Reads a PE32+ image held in memory, as {@link openPe} reads a file.
 *
 * @param path the name the image goes by in errors
 * @param bytes the whole file (not copied: it must not change while the image is used)
 * @returns the image; exports and bytes are read from `bytes`
 * @throws {PeError} as {@link openPe} does
 */
export function peFromBytes(path: string, bytes: Uint8Array): PeImage {
  const reader = new BytesReaderOf(PeError, path, bytes);
  return readImage(path, (fn) => fn(reader));
}
