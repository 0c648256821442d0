/**
 * The fixed structures of a 64-bit little-endian Mach-O image (as Apple's
 * `mach-o/loader.h` lays them out): the header, the LC_SEGMENT_64 commands with
 * their sections, and the LC_SYMTAB command; plus {@link MachOError}, the
 * error every malformed or unreadable Mach-O file gives.
 *
 * @module
 */

import { cString, hex, type Reader, u64, viewOf } from "./reader.ts";

/** Raised when a file cannot be read or is not a well-formed Mach-O file of the wanted CPU. */
export class MachOError extends Error {
  /** The file the error is about. */
  readonly path: string;

  /**
   * @param path the file the error is about
   * @param message what is wrong with it
   * @param options standard error options (e.g. `cause`)
   */
  constructor(path: string, message: string, options?: ErrorOptions) {
    super(`${path}: ${message}`, options);
    this.name = "MachOError";
    this.path = path;
  }
}

/** `magic` of a 64-bit Mach-O header in the host's (little-endian) byte order. */
export const MH_MAGIC_64 = 0xfeedfacf;
/** `magic` of a 32-bit Mach-O header (not supported). */
export const MH_MAGIC = 0xfeedface;
/** `filetype` of an executable. */
export const MH_EXECUTE = 0x2;
/** `filetype` of a dynamic library (`.dylib`, a framework's binary). */
export const MH_DYLIB = 0x6;
/** `filetype` of a bundle (loaded with dlopen, e.g. a Python extension or a `.node` addon). */
export const MH_BUNDLE = 0x8;
/** `cputype` of x86_64 (CPU_TYPE_X86 | CPU_ARCH_ABI64). */
export const CPU_TYPE_X86_64 = 0x01000007;
/** `cputype` of arm64 (CPU_TYPE_ARM | CPU_ARCH_ABI64). */
export const CPU_TYPE_ARM64 = 0x0100000c;
/** Load command of a 64-bit segment. */
export const LC_SEGMENT_64 = 0x19;
/** Load command of the symbol table. */
export const LC_SYMTAB = 0x2;
/** `n_type` bits of a debugging (stab) entry. */
export const N_STAB = 0xe0;
/** `n_type` mask of the symbol's kind. */
export const N_TYPE = 0x0e;
/** `n_type & N_TYPE` of a symbol defined in a section (`n_sect`). */
export const N_SECT = 0x0e;
/** `n_type` bit of an external (global) symbol. */
export const N_EXT = 0x01;

/** The size of `mach_header_64`. */
export const HEADER_SIZE = 32;
const SEGMENT_SIZE = 72;
const SECTION_SIZE = 80;
const SYMTAB_SIZE = 24;
const SECTION_TYPE = 0xff;
/** Section types that occupy no file space: S_ZEROFILL, S_GB_ZEROFILL, S_THREAD_LOCAL_ZEROFILL. */
const ZEROFILL_TYPES = new Set([0x1, 0xc, 0x12]);

const CPU_NAMES = new Map<number, string>([
  [CPU_TYPE_X86_64, "x86_64"],
  [CPU_TYPE_ARM64, "arm64"],
  [7, "i386"],
  [12, "arm"],
  [0x0200000c, "arm64_32"],
  [18, "ppc"],
  [0x01000012, "ppc64"],
]);

/** The usual name of a `cputype` ("x86_64", "arm64", ...; hexadecimal if unknown). */
export function cpuName(cputype: number): string {
  return CPU_NAMES.get(cputype) ?? `cputype ${hex(cputype)}`;
}

/** The `cputype` of a CPU name ("x86_64", "arm64", ...), or undefined if unknown. */
export function cpuType(name: string): number | undefined {
  for (const [type, known] of CPU_NAMES) if (known === name) return type;
  return undefined;
}

/** An `LC_SEGMENT_64` command. */
export interface MachOSegment {
  /** `segname` (e.g. `__TEXT`, `__DATA`, `__LINKEDIT`). */
  name: string;
  /** `vmaddr`: the segment's preferred virtual address. */
  vmaddr: number;
  /** `vmsize`: bytes in memory (the part past `filesize` is zero-filled). */
  vmsize: number;
  /** `fileoff`: where the segment starts in the image (the slice, for a fat file). */
  fileoff: number;
  /** `filesize`: bytes of the segment backed by the file. */
  filesize: number;
  /** `initprot` (1 R, 2 W, 4 X). */
  initprot: number;
}

/** A `section_64` of a segment. */
export interface MachOSection {
  /** `segname`: the segment the section belongs to. */
  segname: string;
  /** `sectname` (e.g. `__text`, `__data`, `__bss`). */
  sectname: string;
  /** `addr`: the section's preferred virtual address. */
  addr: number;
  /** `size`: bytes in memory. */
  size: number;
  /** `offset`: where the section starts in the image (0 for zero-fill sections). */
  offset: number;
  /** `flags`: the section type in the low byte, attributes above. */
  flags: number;
}

/** The `LC_SYMTAB` command: where the nlist_64 entries and their string table are. */
export interface MachOSymtab {
  /** `symoff`: image offset of the first `nlist_64`. */
  symoff: number;
  /** `nsyms`: number of entries. */
  nsyms: number;
  /** `stroff`: image offset of the string table. */
  stroff: number;
  /** `strsize`: size of the string table in bytes. */
  strsize: number;
}

/** The header and load commands of one 64-bit Mach-O image. */
export interface MachOHeader {
  cputype: number;
  cpusubtype: number;
  filetype: number;
  flags: number;
  segments: MachOSegment[];
  sections: MachOSection[];
  symtab: MachOSymtab | undefined;
}

/** True if a section occupies no file space (its bytes are zero at run time). */
export function isZeroFill(section: MachOSection): boolean {
  return ZEROFILL_TYPES.has(section.flags & SECTION_TYPE);
}

/** A fixed-size name field (segname, sectname): up to 16 bytes, NUL-padded. */
function name16(bytes: Uint8Array, offset: number): string {
  return cString(bytes.subarray(offset, offset + 16), 0);
}

/** Parses one LC_SEGMENT_64 command (at `o` of `cmds`) and its sections. */
function parseSegment(
  path: string,
  cmds: Uint8Array,
  o: number,
  cmdsize: number,
  sections: MachOSection[],
): MachOSegment {
  const view = viewOf(cmds);
  const nsects = view.getUint32(o + 64, true);
  if (cmdsize < SEGMENT_SIZE + nsects * SECTION_SIZE) {
    throw new MachOError(
      path,
      `LC_SEGMENT_64 at ${hex(HEADER_SIZE + o)} is ${cmdsize} bytes, too short for ` +
        `${nsects} sections`,
    );
  }
  for (let i = 0; i < nsects; i++) {
    const s = o + SEGMENT_SIZE + i * SECTION_SIZE;
    sections.push({
      sectname: name16(cmds, s),
      segname: name16(cmds, s + 16),
      addr: u64(view, s + 32),
      size: u64(view, s + 40),
      offset: view.getUint32(s + 48, true),
      flags: view.getUint32(s + 64, true),
    });
  }
  return {
    name: name16(cmds, o + 8),
    vmaddr: u64(view, o + 24),
    vmsize: u64(view, o + 32),
    fileoff: u64(view, o + 40),
    filesize: u64(view, o + 48),
    initprot: view.getUint32(o + 60, true),
  };
}

/**
 * Reads the header and load commands of the 64-bit little-endian image `reader` reads (a thin
 * file, or one slice of a fat file through a window).
 *
 * @throws {MachOError} on a bad magic, a truncated image or a malformed load command
 */
export function readHeader(reader: Reader): MachOHeader {
  const path = reader.path;
  if (reader.size < HEADER_SIZE) {
    throw new MachOError(path, `too short for a Mach-O header (${reader.size} bytes)`);
  }
  const view = viewOf(reader.read(0, HEADER_SIZE, "Mach-O header"));
  const magic = view.getUint32(0, true);
  if (magic === MH_MAGIC) throw new MachOError(path, "32-bit Mach-O is not supported");
  if (view.getUint32(0, false) === MH_MAGIC_64 || view.getUint32(0, false) === MH_MAGIC) {
    throw new MachOError(path, "big-endian Mach-O is not supported");
  }
  if (magic !== MH_MAGIC_64) throw new MachOError(path, `not a Mach-O file (magic ${hex(magic)})`);
  const ncmds = view.getUint32(16, true);
  const sizeofcmds = view.getUint32(20, true);
  const cmds = reader.read(HEADER_SIZE, sizeofcmds, "load commands");
  const cmdView = viewOf(cmds);
  const segments: MachOSegment[] = [];
  const sections: MachOSection[] = [];
  let symtab: MachOSymtab | undefined;
  let o = 0;
  for (let i = 0; i < ncmds; i++) {
    if (o + 8 > sizeofcmds) {
      throw new MachOError(
        path,
        `load command ${i} of ${ncmds} lies past sizeofcmds ${sizeofcmds}`,
      );
    }
    const cmd = cmdView.getUint32(o, true);
    const cmdsize = cmdView.getUint32(o + 4, true);
    if (cmdsize < 8 || o + cmdsize > sizeofcmds) {
      throw new MachOError(path, `load command ${i} has a bad size ${cmdsize}`);
    }
    if (cmd === LC_SEGMENT_64) {
      if (cmdsize < SEGMENT_SIZE) throw new MachOError(path, `LC_SEGMENT_64 of ${cmdsize} bytes`);
      segments.push(parseSegment(path, cmds, o, cmdsize, sections));
    } else if (cmd === LC_SYMTAB) {
      if (cmdsize < SYMTAB_SIZE) throw new MachOError(path, `LC_SYMTAB of ${cmdsize} bytes`);
      symtab = {
        symoff: cmdView.getUint32(o + 8, true),
        nsyms: cmdView.getUint32(o + 12, true),
        stroff: cmdView.getUint32(o + 16, true),
        strsize: cmdView.getUint32(o + 20, true),
      };
    }
    o += cmdsize;
  }
  return {
    cputype: view.getUint32(4, true),
    cpusubtype: view.getUint32(8, true),
    filetype: view.getUint32(12, true),
    flags: view.getUint32(24, true),
    segments,
    sections,
    symtab,
  };
}
