/**
 * A small, frugal Mach-O reader, enough to find CPython's symbols in a macOS
 * executable, dylib or bundle and to read initialised data from the file:
 * 64-bit little-endian images (x86_64, arm64), thin or as one slice of a fat
 * (universal) file.
 *
 * Only the fat header, the Mach-O header and the load commands are read when
 * a file is opened; the symbol table and its strings are read on demand, and
 * no file descriptor stays open between calls. Addresses and offsets are plain
 * numbers (user-space values are below 2^53). {@link machOFromBytes} reads an
 * image held in memory the same way (there, a failure that is not a MachOError
 * is not turned into one, so that a fuzzer sees it).
 *
 * @module
 */

import { type FatSlice, isFat, pickSlice, readFatSlices } from "./macho_fat.ts";
import {
  CPU_TYPE_ARM64,
  CPU_TYPE_X86_64,
  cpuName,
  cpuType,
  isZeroFill,
  MachOError,
  type MachOSection,
  type MachOSegment,
  type MachOSymtab,
  readHeader,
} from "./macho_format.ts";
import { type MachOSymbol, NLIST_SIZE, scanNlist } from "./macho_symbols.ts";
import {
  BytesReaderOf,
  checkRangeOf,
  hex,
  quote,
  type Reader,
  type Source,
  WindowReader,
  withReaderOf,
} from "./reader.ts";

export {
  CPU_TYPE_ARM64,
  CPU_TYPE_X86_64,
  LC_SEGMENT_64,
  LC_SYMTAB,
  MachOError,
  MH_BUNDLE,
  MH_DYLIB,
  MH_EXECUTE,
  MH_MAGIC_64,
  N_EXT,
  N_SECT,
} from "./macho_format.ts";
export { FAT_MAGIC, FAT_MAGIC_64 } from "./macho_fat.ts";
export type { FatSlice, MachOSection, MachOSegment, MachOSymbol };

/** How to open a Mach-O file. */
export interface MachOOptions {
  /**
   * The CPU wanted, by name ("x86_64", "arm64") or `cputype`. A fat file gives its slice for
   * this CPU; a thin file must be for it. Without it, a thin file is taken as it is and a fat
   * file gives the slice of the CPU this program runs on.
   */
  cpu?: string | number;
}

/** An opened 64-bit Mach-O image: its load commands, plus on-demand symbols and bytes. */
export interface MachOImage {
  /** Path the image was opened from. */
  path: string;
  /** `cputype` (CPU_TYPE_X86_64, CPU_TYPE_ARM64). */
  cputype: number;
  /** The CPU's usual name ("x86_64", "arm64"). */
  cpu: string;
  /** `cpusubtype` as in the header. */
  cpusubtype: number;
  /** `filetype` (MH_EXECUTE, MH_DYLIB, MH_BUNDLE, ...). */
  fileType: number;
  /** `flags` of the header (MH_PIE is 0x200000). */
  flags: number;
  /** The slice read, for a fat file (undefined for a thin one). */
  slice: FatSlice | undefined;
  /** Every slice of a fat file, in file order (empty for a thin file). */
  slices: FatSlice[];
  /** The LC_SEGMENT_64 segments, in load command order. */
  segments: MachOSegment[];
  /** The sections of all segments, in order (`n_sect` - 1 is an index into it). */
  sections: MachOSection[];
  /** The first segment with this name, if any. */
  segment(name: string): MachOSegment | undefined;
  /** The section `sectname` of segment `segname`, if any. */
  section(segname: string, sectname: string): MachOSection | undefined;
  /**
   * The preferred load address: the `__TEXT` segment's vmaddr. Where the image is mapped at
   * `start` (the address of its Mach-O header), the slide is `start - preferredAddress`.
   */
  preferredAddress: number;
  /** true if an LC_SYMTAB command exists (it may still list no defined symbol). */
  hasSymtab: boolean;
  /**
   * Looks C names up in the LC_SYMTAB symbol table; returns the found ones, by C name. The table
   * spells C names with a leading underscore, which this adds: ask for `_PyRuntime` to find the
   * table's `__PyRuntime`, for `Py_Version` to find `_Py_Version`. Only symbols defined in a
   * section (N_SECT) count; an external definition wins over a local one.
   */
  symbols(names: readonly string[]): Map<string, MachOSymbol>;
  /** Reads `size` bytes at offset `offset` of the image (of the slice, for a fat file). */
  readAt(offset: number, size: number): Uint8Array;
  /**
   * Bytes of the file backing virtual addresses [vmaddr, vmaddr+size) (preferred addresses, as
   * symbol values are), or undefined if they are not all in the file (zero-fill, e.g. `__bss`).
   */
  readVirtual(vmaddr: number, size: number): Uint8Array | undefined;
}

/** The `cputype` this program runs on. */
function hostCpu(): number {
  return Deno.build.arch === "aarch64" ? CPU_TYPE_ARM64 : CPU_TYPE_X86_64;
}

/** The `cputype` of an option value. */
function wantedCpu(path: string, cpu: string | number): number {
  const type = typeof cpu === "number" ? cpu : cpuType(cpu);
  if (type === undefined) throw new MachOError(path, `unknown CPU ${quote(String(cpu))}`);
  return type;
}

/** The MachOImage implementation: load commands in memory, everything else read on demand. */
class MachOFile implements MachOImage {
  readonly cpu: string;
  readonly hasSymtab: boolean;
  readonly preferredAddress: number;

  constructor(
    readonly path: string,
    readonly cputype: number,
    readonly cpusubtype: number,
    readonly fileType: number,
    readonly flags: number,
    readonly slice: FatSlice | undefined,
    readonly slices: FatSlice[],
    readonly segments: MachOSegment[],
    readonly sections: MachOSection[],
    private readonly symtab: MachOSymtab | undefined,
    private readonly imageSize: number,
    private readonly source: Source,
  ) {
    this.cpu = cpuName(cputype);
    this.hasSymtab = symtab !== undefined;
    this.preferredAddress = this.segment("__TEXT")?.vmaddr ?? 0;
  }

  segment(name: string): MachOSegment | undefined {
    return this.segments.find((s) => s.name === name);
  }

  section(segname: string, sectname: string): MachOSection | undefined {
    return this.sections.find((s) => s.segname === segname && s.sectname === sectname);
  }

  symbols(names: readonly string[]): Map<string, MachOSymbol> {
    const symtab = this.symtab;
    if (!symtab || symtab.nsyms === 0 || names.length === 0) return new Map();
    return this.source((reader) => {
      const symbols = reader.read(symtab.symoff, symtab.nsyms * NLIST_SIZE, "symbol table");
      const strings = reader.read(symtab.stroff, symtab.strsize, "string table");
      return scanNlist(symbols, strings, names);
    });
  }

  readAt(offset: number, size: number): Uint8Array {
    checkRangeOf(MachOError, this.path, this.imageSize, offset, size, "read");
    return this.source((reader) => reader.read(offset, size, "read"));
  }

  readVirtual(vmaddr: number, size: number): Uint8Array | undefined {
    const offset = this.fileOffsetOf(vmaddr, size);
    return offset === undefined ? undefined : this.readAt(offset, size);
  }

  /** Image offset backing [vmaddr, vmaddr+size): inside a segment's file part, no zero-fill. */
  private fileOffsetOf(vmaddr: number, size: number): number | undefined {
    const end = vmaddr + size;
    const zeroFilled = this.sections.some((s) =>
      isZeroFill(s) && vmaddr < s.addr + s.size && s.addr < end
    );
    if (zeroFilled) return undefined;
    const segment = this.segments.find((s) =>
      s.filesize > 0 && vmaddr >= s.vmaddr && end <= s.vmaddr + Math.min(s.filesize, s.vmsize)
    );
    return segment && segment.fileoff + (vmaddr - segment.vmaddr);
  }
}

/** The slices of a fat file read by `reader` (empty for a thin file). */
function slicesOf(reader: Reader): FatSlice[] {
  return isFat(reader.read(0, Math.min(4, reader.size), "magic")) ? readFatSlices(reader) : [];
}

/** Reads the load commands of the image `source` reads, choosing a fat file's slice. */
function readImage(path: string, options: MachOOptions, source: Source): MachOImage {
  const wanted = options.cpu === undefined ? undefined : wantedCpu(path, options.cpu);
  return source((file) => {
    const slices = slicesOf(file);
    const slice = slices.length > 0 ? pickSlice(path, slices, wanted ?? hostCpu()) : undefined;
    const reader = slice ? new WindowReader(MachOError, file, slice.offset, slice.size) : file;
    const header = readHeader(reader);
    if (slice && header.cputype !== slice.cputype) {
      throw new MachOError(
        path,
        `the ${slice.cpu} slice at ${hex(slice.offset)} holds a ${cpuName(header.cputype)} image`,
      );
    }
    if (wanted !== undefined && header.cputype !== wanted) {
      throw new MachOError(path, `a ${cpuName(header.cputype)} image, not ${cpuName(wanted)}`);
    }
    for (const segment of header.segments) {
      checkRangeOf(
        MachOError,
        path,
        reader.size,
        segment.fileoff,
        segment.filesize,
        `segment ${quote(segment.name)}`,
      );
    }
    const sliceSource: Source = slice
      ? (fn) => source((r) => fn(new WindowReader(MachOError, r, slice.offset, slice.size)))
      : source;
    return new MachOFile(
      path,
      header.cputype,
      header.cpusubtype,
      header.filetype,
      header.flags,
      slice,
      slices,
      header.segments,
      header.sections,
      header.symtab,
      reader.size,
      sliceSource,
    );
  });
}

/**
 * Opens a 64-bit little-endian Mach-O file (thin, or the wanted slice of a fat one) and reads
 * its load commands; the file is closed again before returning.
 *
 * @param path the executable, dylib or bundle
 * @param options the CPU wanted (by default, the host's for a fat file)
 * @returns the image; symbols and bytes are read from the file on demand
 * @throws {MachOError} if the file is unreadable, truncated, not 64-bit little-endian Mach-O, or
 * has no slice (or is not an image) for the wanted CPU
 */
export function openMachO(path: string, options: MachOOptions = {}): MachOImage {
  return readImage(path, options, (fn) => withReaderOf(MachOError, path, fn));
}

/**
 * Reads a Mach-O image held in memory, as {@link openMachO} reads a file.
 *
 * @param path the name the image goes by in errors
 * @param bytes the whole file (not copied: it must not change while the image is used)
 * @param options the CPU wanted (by default, the host's for a fat file)
 * @returns the image; symbols and bytes are read from `bytes`
 * @throws {MachOError} as {@link openMachO} does
 */
export function machOFromBytes(
  path: string,
  bytes: Uint8Array,
  options: MachOOptions = {},
): MachOImage {
  const reader = new BytesReaderOf(MachOError, path, bytes);
  return readImage(path, options, (fn) => fn(reader));
}

/**
 * The slices of a fat (universal) file, in file order; empty for any other file.
 *
 * @param path the file
 * @throws {MachOError} if the file is unreadable or its fat header is malformed
 */
export function machOSlices(path: string): FatSlice[] {
  return withReaderOf(MachOError, path, slicesOf);
}
