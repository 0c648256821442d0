/**
 * The export directory of a PE image (`IMAGE_EXPORT_DIRECTORY` and its three
 * tables: export addresses, name pointers, name ordinals), read from the file.
 * An export whose RVA lies inside the export directory is a forwarder: the
 * RVA points at a string such as `NTDLL.RtlAllocateHeap`, not at code or data.
 *
 * @module
 */

import {
  backedSize,
  fileOffsetOf,
  type PeDataDirectory,
  PeError,
  type PeSection,
} from "./pe_format.ts";
import { cString, hex, type Reader, viewOf } from "./reader.ts";

const DIRECTORY_SIZE = 40;

/** One exported name (or, with no name, one export by ordinal only). */
export interface PeExport {
  /** The exported name, or undefined for an export by ordinal only. */
  name: string | undefined;
  /** The export's ordinal (the ordinal base plus its index in the export address table). */
  ordinal: number;
  /** The RVA of the exported code or data (for a forwarder, of its string). */
  rva: number;
  /** For a forwarder, where it leads (`DLL.name` or `DLL.#ordinal`); otherwise undefined. */
  forwarder: string | undefined;
}

/** A DLL's export directory. */
export interface PeExportTable {
  /** The DLL's own name, as the directory spells it (e.g. `KERNEL32.dll`). */
  dllName: string;
  /** `OrdinalBase`: the ordinal of the first entry of the export address table. */
  ordinalBase: number;
  /** `TimeDateStamp` of the directory. */
  timeDateStamp: number;
  /** Named exports in name table order (sorted by name), then those by ordinal only. */
  exports: PeExport[];
}

/** RVAs read from the file: the export directory's bytes at once, other sections as needed. */
class RvaBytes {
  private readonly chunks: { rva: number; bytes: Uint8Array }[] = [];

  constructor(
    private readonly reader: Reader,
    private readonly sections: readonly PeSection[],
    private readonly sizeOfHeaders: number,
  ) {}

  /** Bytes at [rva, rva+size), or PeError if they are not in the file. */
  read(rva: number, size: number, what: string): Uint8Array {
    const chunk = this.chunks.find((c) => rva >= c.rva && rva + size <= c.rva + c.bytes.length);
    if (chunk) return chunk.bytes.subarray(rva - chunk.rva, rva - chunk.rva + size);
    const offset = fileOffsetOf(this.sections, this.sizeOfHeaders, rva, size);
    if (offset === undefined) {
      throw new PeError(
        this.reader.path,
        `${what} [${hex(rva)}, ${hex(rva + size)}) is not in the file's sections`,
      );
    }
    return this.reader.read(offset, size, what);
  }

  /** Keeps [rva, rva+size) in memory for the reads that follow. */
  load(rva: number, size: number, what: string) {
    this.chunks.push({ rva, bytes: this.read(rva, size, what) });
  }

  /** The NUL-terminated string at `rva` (its section's file part is read from `rva` on). */
  string(rva: number, what: string): string {
    let chunk = this.chunks.find((c) => rva >= c.rva && rva < c.rva + c.bytes.length);
    if (!chunk) {
      const section = this.sections.find((s) =>
        rva >= s.virtualAddress && rva < s.virtualAddress + backedSize(s)
      );
      const end = section
        ? section.virtualAddress + backedSize(section)
        : rva < this.sizeOfHeaders
        ? this.sizeOfHeaders
        : rva + 1;
      this.load(rva, end - rva, what);
      chunk = this.chunks[this.chunks.length - 1];
    }
    return cString(chunk.bytes, rva - chunk.rva);
  }
}

/**
 * Reads the export directory `directory` of an image.
 *
 * @param reader the image's file
 * @param sections the image's section table
 * @param sizeOfHeaders the image's SizeOfHeaders
 * @param directory the export data directory entry
 * @returns the table, or undefined when the image has no export directory
 * @throws {PeError} if the directory or its tables are not in the file, or an ordinal is out of
 * range
 */
export function readExports(
  reader: Reader,
  sections: readonly PeSection[],
  sizeOfHeaders: number,
  directory: PeDataDirectory | undefined,
): PeExportTable | undefined {
  if (!directory || directory.rva === 0 || directory.size === 0) return undefined;
  const path = reader.path;
  const rvas = new RvaBytes(reader, sections, sizeOfHeaders);
  const { rva: start, size: length } = directory;
  if (length < DIRECTORY_SIZE) throw new PeError(path, `export directory of ${length} bytes`);
  rvas.load(start, length, "export directory");
  const head = viewOf(rvas.read(start, DIRECTORY_SIZE, "export directory"));
  const ordinalBase = head.getUint32(16, true);
  const functionCount = head.getUint32(20, true);
  const nameCount = head.getUint32(24, true);
  const addresses = viewOf(
    rvas.read(head.getUint32(28, true), functionCount * 4, "export address table"),
  );
  const names = viewOf(rvas.read(head.getUint32(32, true), nameCount * 4, "export name table"));
  const ordinals = viewOf(
    rvas.read(head.getUint32(36, true), nameCount * 2, "export ordinal table"),
  );
  const entry = (index: number, name: string | undefined): PeExport => {
    const rva = addresses.getUint32(index * 4, true);
    const forwards = rva >= start && rva < start + length;
    return {
      name,
      ordinal: ordinalBase + index,
      rva,
      forwarder: forwards ? rvas.string(rva, "export forwarder") : undefined,
    };
  };
  const exports: PeExport[] = [];
  const named = new Set<number>();
  for (let i = 0; i < nameCount; i++) {
    const index = ordinals.getUint16(i * 2, true);
    if (index >= functionCount) {
      throw new PeError(
        path,
        `export name ${i} has ordinal index ${index}, past the ${functionCount} exports`,
      );
    }
    named.add(index);
    exports.push(entry(index, rvas.string(names.getUint32(i * 4, true), "export name")));
  }
  for (let index = 0; index < functionCount; index++) {
    if (named.has(index) || addresses.getUint32(index * 4, true) === 0) continue;
    exports.push(entry(index, undefined));
  }
  return {
    dllName: rvas.string(head.getUint32(12, true), "export DLL name"),
    ordinalBase,
    timeDateStamp: head.getUint32(4, true),
    exports,
  };
}
