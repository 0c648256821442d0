/**
 * The header of a fat (universal) Mach-O file, as Apple's `mach-o/fat.h` lays
 * it out: big-endian `fat_header` and `fat_arch` (FAT_MAGIC) or `fat_arch_64`
 * (FAT_MAGIC_64) entries, each a slice holding a whole Mach-O image for one CPU.
 *
 * @module
 */

import { cpuName, MachOError } from "./macho_format.ts";
import { hex, type Reader, u64be, viewOf } from "./reader.ts";

/** Big-endian `magic` of a fat file with 32-bit offsets. */
export const FAT_MAGIC = 0xcafebabe;
/** Big-endian `magic` of a fat file with 64-bit offsets. */
export const FAT_MAGIC_64 = 0xcafebabf;

const FAT_HEADER_SIZE = 8;
const FAT_ARCH_SIZE = 20;
const FAT_ARCH_64_SIZE = 32;
/** More slices than this is not a fat file (Java class files share FAT_MAGIC). */
const MAX_SLICES = 64;
/** `cpusubtype` bits that are capabilities, not the subtype. */
const CPU_SUBTYPE_MASK = 0x00ffffff;

/** One slice of a fat file. */
export interface FatSlice {
  /** `cputype` (see CPU_TYPE_X86_64, CPU_TYPE_ARM64). */
  cputype: number;
  /** `cpusubtype` without the capability bits. */
  cpusubtype: number;
  /** The CPU's usual name ("x86_64", "arm64", ...). */
  cpu: string;
  /** Where the slice's image starts in the file. */
  offset: number;
  /** The size of the slice's image. */
  size: number;
  /** Alignment of the slice as a power of two. */
  align: number;
}

/** True if the file starts with a fat magic (big-endian). */
export function isFat(first4: Uint8Array): boolean {
  if (first4.length < 4) return false;
  const magic = viewOf(first4).getUint32(0, false);
  return magic === FAT_MAGIC || magic === FAT_MAGIC_64;
}

/**
 * Reads the slices of the fat file `reader` reads, checking that each one lies inside the file.
 *
 * @throws {MachOError} if the header is truncated, lists no or too many slices, or a slice lies
 * past the end of the file
 */
export function readFatSlices(reader: Reader): FatSlice[] {
  const path = reader.path;
  if (reader.size < FAT_HEADER_SIZE) {
    throw new MachOError(path, `too short for a fat header (${reader.size} bytes)`);
  }
  const header = viewOf(reader.read(0, FAT_HEADER_SIZE, "fat header"));
  const wide = header.getUint32(0, false) === FAT_MAGIC_64;
  const count = header.getUint32(4, false);
  if (count === 0 || count > MAX_SLICES) {
    throw new MachOError(path, `not a fat Mach-O file (${count} slices listed)`);
  }
  const entrySize = wide ? FAT_ARCH_64_SIZE : FAT_ARCH_SIZE;
  const view = viewOf(reader.read(FAT_HEADER_SIZE, count * entrySize, "fat slice table"));
  const slices: FatSlice[] = [];
  for (let i = 0; i < count; i++) {
    const o = i * entrySize;
    const cputype = view.getUint32(o, false);
    const slice: FatSlice = {
      cputype,
      cpusubtype: view.getUint32(o + 4, false) & CPU_SUBTYPE_MASK,
      cpu: cpuName(cputype),
      offset: wide ? u64be(view, o + 8) : view.getUint32(o + 8, false),
      size: wide ? u64be(view, o + 16) : view.getUint32(o + 12, false),
      align: view.getUint32(o + (wide ? 24 : 16), false),
    };
    if (
      !Number.isSafeInteger(slice.offset + slice.size) || slice.offset + slice.size > reader.size
    ) {
      throw new MachOError(
        path,
        `truncated or malformed: ${slice.cpu} slice [${hex(slice.offset)}, ` +
          `${hex(slice.offset + slice.size)}) lies beyond the end of the file (${
            hex(reader.size)
          } bytes)`,
      );
    }
    slices.push(slice);
  }
  return slices;
}

/**
 * The slice of `cputype`.
 *
 * @throws {MachOError} naming the slices there are, if none is for `cputype`
 */
export function pickSlice(path: string, slices: FatSlice[], cputype: number): FatSlice {
  const slice = slices.find((s) => s.cputype === cputype);
  if (slice) return slice;
  const listed = slices.map((s) => s.cpu).join(", ");
  throw new MachOError(path, `no ${cpuName(cputype)} slice in the fat file (slices: ${listed})`);
}
