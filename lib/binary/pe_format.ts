/**
 * The fixed structures of a PE32+ image (as Microsoft's PE/COFF specification
 * lays them out): the DOS header's `e_lfanew`, the `PE\0\0` signature, the COFF
 * file header, the PE32+ optional header with its data directories, and the
 * section table; plus {@link PeError}, the error every malformed or unreadable
 * PE file gives.
 *
 * @module
 */

import { cString, hex, type Reader, u64, viewOf } from "./reader.ts";

/** Raised when a file cannot be read or is not a well-formed PE32+ image. */
export class PeError extends Error {
  /** The file the error is about. */
  readonly path: string;

  /**
   * @param path the file the error is about
   * @param message what is wrong with it
   * @param options standard error options (e.g. `cause`)
   */
  constructor(path: string, message: string, options?: ErrorOptions) {
    super(`${path}: ${message}`, options);
    this.name = "PeError";
    this.path = path;
  }
}

/** COFF `Machine` of x86_64 (AMD64). */
export const IMAGE_FILE_MACHINE_AMD64 = 0x8664;
/** COFF `Machine` of arm64. */
export const IMAGE_FILE_MACHINE_ARM64 = 0xaa64;
/** COFF `Characteristics` bit of a DLL. */
export const IMAGE_FILE_DLL = 0x2000;
/** Optional header `Magic` of PE32+ (64-bit). */
export const PE32_PLUS_MAGIC = 0x20b;
/** Optional header `Magic` of PE32 (32-bit, not supported). */
export const PE32_MAGIC = 0x10b;
/** Index of the export table in the data directories. */
export const IMAGE_DIRECTORY_ENTRY_EXPORT = 0;
/** Section `Characteristics` bit: the section holds uninitialised data. */
export const IMAGE_SCN_CNT_UNINITIALIZED_DATA = 0x80;

const DOS_HEADER_SIZE = 64;
const COFF_HEADER_SIZE = 20;
/** The PE32+ optional header before its data directories. */
const OPTIONAL_FIXED_SIZE = 112;
const SECTION_SIZE = 40;
const SYMBOL_SIZE = 18;

/** A data directory entry (`IMAGE_DATA_DIRECTORY`). */
export interface PeDataDirectory {
  /** `VirtualAddress`: RVA of the table (0 if absent). */
  rva: number;
  /** `Size` of the table in bytes. */
  size: number;
}

/** A section header (`IMAGE_SECTION_HEADER`). */
export interface PeSection {
  /** Name, with a `/n` long name resolved through the COFF string table when it can be. */
  name: string;
  /** `VirtualSize`: bytes in memory (the part past SizeOfRawData is zero-filled). */
  virtualSize: number;
  /** `VirtualAddress`: RVA of the section. */
  virtualAddress: number;
  /** `SizeOfRawData`: bytes of the section in the file. */
  sizeOfRawData: number;
  /** `PointerToRawData`: file offset of the section's bytes (0 if none). */
  pointerToRawData: number;
  /** `Characteristics` (0x20 code, 0x40 initialised data, 0x80 uninitialised data, ...). */
  characteristics: number;
}

/** The headers of a PE32+ image. */
export interface PeHeaders {
  /** COFF `Machine` (IMAGE_FILE_MACHINE_AMD64 0x8664, IMAGE_FILE_MACHINE_ARM64 0xaa64). */
  machine: number;
  /** COFF `Characteristics` (IMAGE_FILE_DLL 0x2000, ...). */
  characteristics: number;
  /** COFF `TimeDateStamp`. */
  timeDateStamp: number;
  /** `AddressOfEntryPoint` (an RVA; 0 if none). */
  entryPoint: number;
  /** `ImageBase`: the preferred load address (the slide is the mapped base minus this). */
  imageBase: number;
  /** `SizeOfImage`: bytes the image spans in memory. */
  sizeOfImage: number;
  /** `SizeOfHeaders`: bytes of headers, mapped at RVA 0. */
  sizeOfHeaders: number;
  /** `Subsystem` (2 GUI, 3 console). */
  subsystem: number;
  /** `DllCharacteristics` (0x40 DYNAMIC_BASE, ...). */
  dllCharacteristics: number;
  /** The data directories (index 0 export table, 1 import table, ...). */
  dataDirectories: PeDataDirectory[];
  /** The section table, in file order. */
  sections: PeSection[];
}

/** Reads the section table, resolving long names (`/n`) through the COFF string table. */
function readSections(
  reader: Reader,
  offset: number,
  count: number,
  stringTable: number,
): PeSection[] {
  const bytes = reader.read(offset, count * SECTION_SIZE, "section table");
  const view = viewOf(bytes);
  const sections: PeSection[] = [];
  for (let i = 0; i < count; i++) {
    const o = i * SECTION_SIZE;
    sections.push({
      name: cString(bytes.subarray(o, o + 8), 0),
      virtualSize: view.getUint32(o + 8, true),
      virtualAddress: view.getUint32(o + 12, true),
      sizeOfRawData: view.getUint32(o + 16, true),
      pointerToRawData: view.getUint32(o + 20, true),
      characteristics: view.getUint32(o + 36, true),
    });
  }
  if (!sections.some((s) => /^\/\d+$/.test(s.name))) return sections;
  const strings = readStringTable(reader, stringTable);
  if (!strings) return sections;
  return sections.map((s) => {
    const long = /^\/(\d+)$/.exec(s.name);
    const name = long ? cString(strings, Number(long[1])) : "";
    return name ? { ...s, name } : s;
  });
}

/**
 * The COFF string table at `offset`, or undefined when there is none or it does not lie inside
 * the file (long names then stay as `/n`: images rarely have one, and only debug sections use it).
 */
function readStringTable(reader: Reader, offset: number): Uint8Array | undefined {
  if (offset === 0 || offset + 4 > reader.size) return undefined;
  const size = viewOf(reader.read(offset, 4, "COFF string table size")).getUint32(0, true);
  if (size < 4 || offset + size > reader.size) return undefined;
  return reader.read(offset, size, "COFF string table");
}

/**
 * Reads the headers and section table of the PE32+ image `reader` reads.
 *
 * @throws {PeError} on a bad signature or magic, a PE32 image, or a truncated header
 */
export function readHeaders(reader: Reader): PeHeaders {
  const path = reader.path;
  if (reader.size < DOS_HEADER_SIZE) {
    throw new PeError(path, `too short for a DOS header (${reader.size} bytes)`);
  }
  const dos = reader.read(0, DOS_HEADER_SIZE, "DOS header");
  if (dos[0] !== 0x4d || dos[1] !== 0x5a) throw new PeError(path, "not a PE file (no MZ)");
  const lfanew = viewOf(dos).getUint32(0x3c, true);
  const pe = reader.read(lfanew, 4 + COFF_HEADER_SIZE, "PE signature and COFF header");
  if (pe[0] !== 0x50 || pe[1] !== 0x45 || pe[2] !== 0 || pe[3] !== 0) {
    throw new PeError(path, `not a PE file (no PE signature at ${hex(lfanew)})`);
  }
  const coff = viewOf(pe);
  const sectionCount = coff.getUint16(6, true);
  const symbolTable = coff.getUint32(12, true);
  const symbolCount = coff.getUint32(16, true);
  const optionalSize = coff.getUint16(20, true);
  const optionalOffset = lfanew + 4 + COFF_HEADER_SIZE;
  if (optionalSize < 2) throw new PeError(path, "no optional header (an object file?)");
  const magic = viewOf(reader.read(optionalOffset, 2, "optional header")).getUint16(0, true);
  if (magic === PE32_MAGIC) throw new PeError(path, "PE32 (32-bit) images are not supported");
  if (magic !== PE32_PLUS_MAGIC) {
    throw new PeError(path, `not a PE32+ image (optional header magic ${hex(magic)})`);
  }
  if (optionalSize < OPTIONAL_FIXED_SIZE) {
    throw new PeError(path, `PE32+ optional header of ${optionalSize} bytes`);
  }
  const optional = viewOf(reader.read(optionalOffset, optionalSize, "optional header"));
  const directoryCount = optional.getUint32(108, true);
  if (OPTIONAL_FIXED_SIZE + directoryCount * 8 > optionalSize) {
    throw new PeError(
      path,
      `${directoryCount} data directories do not fit an optional header of ${optionalSize} bytes`,
    );
  }
  const dataDirectories: PeDataDirectory[] = [];
  for (let i = 0; i < directoryCount; i++) {
    const o = OPTIONAL_FIXED_SIZE + i * 8;
    dataDirectories.push({
      rva: optional.getUint32(o, true),
      size: optional.getUint32(o + 4, true),
    });
  }
  const stringTable = symbolTable === 0 ? 0 : symbolTable + symbolCount * SYMBOL_SIZE;
  return {
    machine: coff.getUint16(4, true),
    characteristics: coff.getUint16(22, true),
    timeDateStamp: coff.getUint32(8, true),
    entryPoint: optional.getUint32(16, true),
    imageBase: u64(optional, 24),
    sizeOfImage: optional.getUint32(56, true),
    sizeOfHeaders: optional.getUint32(60, true),
    subsystem: optional.getUint16(68, true),
    dllCharacteristics: optional.getUint16(70, true),
    dataDirectories,
    sections: readSections(reader, optionalOffset + optionalSize, sectionCount, stringTable),
  };
}

/** The bytes of a section that the file holds (the rest of VirtualSize is zero-filled). */
export function backedSize(section: PeSection): number {
  if (section.pointerToRawData === 0) return 0;
  const memory = section.virtualSize === 0 ? section.sizeOfRawData : section.virtualSize;
  return Math.min(memory, section.sizeOfRawData);
}

/**
 * The file offset backing RVAs [rva, rva+size): in the headers, or in the file part of one
 * section; undefined if the range is not all in the file (zero-fill, or not mapped at all).
 */
export function fileOffsetOf(
  sections: readonly PeSection[],
  sizeOfHeaders: number,
  rva: number,
  size: number,
): number | undefined {
  if (rva < 0 || size < 0) return undefined;
  if (rva + size <= sizeOfHeaders) return rva;
  const section = sections.find((s) =>
    rva >= s.virtualAddress && rva + size <= s.virtualAddress + backedSize(s)
  );
  return section && section.pointerToRawData + (rva - section.virtualAddress);
}
