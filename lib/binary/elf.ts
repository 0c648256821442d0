/**
 * A small, frugal ELF64 little-endian reader, enough to find CPython's symbols
 * in an executable or shared library and to read initialised data from the file.
 *
 * Only the ELF header, the program headers, the section headers and the section
 * name table are read when a file is opened; symbol tables and their string
 * tables are read on demand, and no file descriptor stays open between calls.
 * Addresses and offsets are plain numbers (user-space values are below 2^53).
 * {@link elfFromBytes} reads an image held in memory the same way (the fuzzer's
 * way in: there, a failure that is not an ElfError is not turned into one).
 *
 * @module
 */

import {
  BytesReader,
  checkRange,
  ElfError,
  hex,
  quote,
  type Reader,
  type Source,
  u64,
  viewOf,
  withReader,
} from "./elf_reader.ts";
import {
  groupByLength,
  scanSymbols,
  SHN_UNDEF,
  SYM_SIZE,
  type WantedNames,
} from "./elf_symbols.ts";

export { ElfError, SHN_UNDEF };

/** `e_type` of an executable (non-PIE). */
export const ET_EXEC = 2;
/** `e_type` of a shared object or PIE executable. */
export const ET_DYN = 3;
/** `p_type` of a loadable segment. */
export const PT_LOAD = 1;
/** `sh_type` of the full (static) symbol table, `.symtab`. */
export const SHT_SYMTAB = 2;
/** `sh_type` of a string table. */
export const SHT_STRTAB = 3;
/** `sh_type` of a section that occupies no file space (`.bss`). */
export const SHT_NOBITS = 8;
/** `sh_type` of the dynamic symbol table, `.dynsym`. */
export const SHT_DYNSYM = 11;
/** `sh_flags` bit: the section is mapped in memory. */
export const SHF_ALLOC = 0x2;

const EHDR_SIZE = 64;
const PHDR_SIZE = 56;
const SHDR_SIZE = 64;
const PAGE_SIZE = 0x1000;
const PN_XNUM = 0xffff;
const SHN_XINDEX = 0xffff;
const ELFCLASS64 = 2;
const ELFDATA2LSB = 1;
const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];

/** A program header (`Elf64_Phdr`). */
export interface ProgramHeader {
  /** `p_type` (1 = PT_LOAD). */
  type: number;
  /** `p_flags` (1 X, 2 W, 4 R). */
  flags: number;
  /** `p_offset`: file offset of the segment. */
  offset: number;
  /** `p_vaddr`: virtual address of the segment before relocation. */
  vaddr: number;
  /** `p_filesz`: bytes of the segment backed by the file. */
  filesz: number;
  /** `p_memsz`: bytes of the segment in memory (>= filesz; the rest is zero-filled). */
  memsz: number;
}

/** A section header (`Elf64_Shdr`) with its name resolved. */
export interface SectionHeader {
  /** Name from the section header string table (`""` if unavailable). */
  name: string;
  /** `sh_type` (2 SYMTAB, 3 STRTAB, 8 NOBITS, 11 DYNSYM, ...). */
  type: number;
  /** `sh_flags` (2 = SHF_ALLOC). */
  flags: number;
  /** `sh_addr`: virtual address before relocation (0 if not allocated). */
  addr: number;
  /** `sh_offset`: file offset. */
  offset: number;
  /** `sh_size`: size in bytes (in memory only, for NOBITS). */
  size: number;
  /** `sh_link`: for symbol tables, the index of their string table. */
  link: number;
  /** `sh_entsize`: size of one entry for table sections. */
  entsize: number;
}

/** A symbol (`Elf64_Sym`) with its name resolved. */
export interface ElfSymbol {
  /** Symbol name. */
  name: string;
  /** `st_value`: the (unrelocated) address for defined data and code symbols. */
  value: number;
  /** `st_size`: size of the object in bytes. */
  size: number;
  /** `st_info`: binding in the high nibble (0 LOCAL, 1 GLOBAL, 2 WEAK), type in the low one. */
  info: number;
  /** `st_shndx`: index of the section the symbol is defined in. */
  shndx: number;
}

/** An opened ELF64 file: its headers, plus on-demand access to symbols and bytes. */
export interface ElfImage {
  /** Path the image was opened from. */
  path: string;
  /** `e_type` (2 EXEC, 3 DYN). */
  type: number;
  /** All program headers, in file order. */
  programHeaders: ProgramHeader[];
  /** All section headers, in file order (index = section index). */
  sections: SectionHeader[];
  /** The first section with this name, if any. */
  section(name: string): SectionHeader | undefined;
  /**
   * Looks the names up in .dynsym and .symtab (whichever exist); returns the found ones.
   * Undefined (imported) symbols are ignored; the first definition found wins, .dynsym first.
   */
  symbols(names: readonly string[]): Map<string, ElfSymbol>;
  /** true if a .symtab section exists (not stripped) */
  hasSymtab: boolean;
  /** Reads `size` bytes of the file at file offset `offset`. Throws ElfError past the end. */
  readAt(offset: number, size: number): Uint8Array;
  /**
   * Bytes of the file backing virtual address range [vaddr, vaddr+size) (via the PT_LOAD or
   * section mapping), or undefined if not file-backed (e.g. .bss).
   */
  readVirtual(vaddr: number, size: number): Uint8Array | undefined;
}

/** Parsed ELF header fields that the reader needs. */
interface ElfHeader {
  type: number;
  phoff: number;
  shoff: number;
  phentsize: number;
  phnum: number;
  shentsize: number;
  shnum: number;
  shstrndx: number;
}

/** Rounds down to a page boundary without 32-bit bitwise operators. */
function pageDown(n: number): number {
  return n - (n % PAGE_SIZE);
}

/** Parses and validates the 64-byte ELF header. */
function parseHeader(path: string, bytes: Uint8Array): ElfHeader {
  if (!ELF_MAGIC.every((b, i) => bytes[i] === b)) {
    throw new ElfError(path, "not an ELF file (bad magic)");
  }
  if (bytes[4] !== ELFCLASS64) throw new ElfError(path, `not ELF64 (EI_CLASS ${bytes[4]})`);
  if (bytes[5] !== ELFDATA2LSB) {
    throw new ElfError(path, `not little-endian (EI_DATA ${bytes[5]})`);
  }
  const view = viewOf(bytes);
  return {
    type: view.getUint16(16, true),
    phoff: u64(view, 32),
    shoff: u64(view, 40),
    phentsize: view.getUint16(54, true),
    phnum: view.getUint16(56, true),
    shentsize: view.getUint16(58, true),
    shnum: view.getUint16(60, true),
    shstrndx: view.getUint16(62, true),
  };
}

/** Applies the extended numbering of section 0 (PN_XNUM, shnum 0, SHN_XINDEX). */
function resolveExtendedCounts(reader: Reader, header: ElfHeader): ElfHeader {
  const extended = header.phnum === PN_XNUM || header.shnum === 0 ||
    header.shstrndx === SHN_XINDEX;
  if (header.shoff === 0 || !extended) return header;
  checkEntSize(reader.path, "section", header.shentsize, SHDR_SIZE);
  const first = viewOf(reader.read(header.shoff, SHDR_SIZE, "section header 0"));
  return {
    ...header,
    phnum: header.phnum === PN_XNUM ? first.getUint32(44, true) : header.phnum,
    shnum: header.shnum === 0 ? u64(first, 32) : header.shnum,
    shstrndx: header.shstrndx === SHN_XINDEX ? first.getUint32(40, true) : header.shstrndx,
  };
}

/** Throws ElfError if a header table's entry size is too small for its structure. */
function checkEntSize(path: string, what: string, entsize: number, minimum: number) {
  if (entsize < minimum) {
    throw new ElfError(path, `${what} header entry size ${entsize} < ${minimum}`);
  }
}

/** Reads the program header table. */
function readProgramHeaders(reader: Reader, header: ElfHeader): ProgramHeader[] {
  if (header.phnum === 0 || header.phoff === 0) return [];
  checkEntSize(reader.path, "program", header.phentsize, PHDR_SIZE);
  const bytes = reader.read(header.phoff, header.phnum * header.phentsize, "program headers");
  const view = viewOf(bytes);
  const result: ProgramHeader[] = [];
  for (let i = 0; i < header.phnum; i++) {
    const o = i * header.phentsize;
    result.push({
      type: view.getUint32(o, true),
      flags: view.getUint32(o + 4, true),
      offset: u64(view, o + 8),
      vaddr: u64(view, o + 16),
      filesz: u64(view, o + 32),
      memsz: u64(view, o + 40),
    });
  }
  return result;
}

/** Reads the section header table and resolves the section names. */
function readSections(reader: Reader, header: ElfHeader): SectionHeader[] {
  if (header.shnum === 0 || header.shoff === 0) return [];
  checkEntSize(reader.path, "section", header.shentsize, SHDR_SIZE);
  const bytes = reader.read(header.shoff, header.shnum * header.shentsize, "section headers");
  const view = viewOf(bytes);
  const raw: (SectionHeader & { nameOffset: number })[] = [];
  for (let i = 0; i < header.shnum; i++) {
    const o = i * header.shentsize;
    raw.push({
      nameOffset: view.getUint32(o, true),
      name: "",
      type: view.getUint32(o + 4, true),
      flags: u64(view, o + 8),
      addr: u64(view, o + 16),
      offset: u64(view, o + 24),
      size: u64(view, o + 32),
      link: view.getUint32(o + 40, true),
      entsize: u64(view, o + 56),
    });
  }
  const names = readSectionNames(reader, raw[header.shstrndx]);
  return raw.map(({ nameOffset, ...section }) => ({
    ...section,
    name: names ? cString(names, nameOffset) : "",
  }));
}

/** Reads the section name string table, if there is one. */
function readSectionNames(reader: Reader, table: SectionHeader | undefined) {
  if (!table || table.type === SHT_NOBITS || table.size === 0) return undefined;
  return reader.read(table.offset, table.size, "section name table");
}

const decoder = new TextDecoder();

/** The NUL-terminated string at `offset` of a string table (`""` if out of range). */
function cString(table: Uint8Array, offset: number): string {
  if (offset >= table.length) return "";
  const end = table.indexOf(0, offset);
  return decoder.decode(table.subarray(offset, end < 0 ? table.length : end));
}

/** The ElfImage implementation: headers in memory, everything else read on demand. */
class ElfFile implements ElfImage {
  readonly hasSymtab: boolean;

  constructor(
    readonly path: string,
    readonly type: number,
    readonly programHeaders: ProgramHeader[],
    readonly sections: SectionHeader[],
    private readonly fileSize: number,
    private readonly source: Source,
  ) {
    this.hasSymtab = sections.some((s) => s.type === SHT_SYMTAB);
  }

  section(name: string): SectionHeader | undefined {
    return this.sections.find((s) => s.name === name);
  }

  symbols(names: readonly string[]): Map<string, ElfSymbol> {
    const found = new Map<string, ElfSymbol>();
    const wanted = groupByLength(names);
    const total = [...wanted.values()].reduce((n, group) => n + group.length, 0);
    const tables = [SHT_DYNSYM, SHT_SYMTAB].flatMap((type) =>
      this.sections.filter((s) => s.type === type)
    );
    if (total === 0 || tables.length === 0) return found;
    this.source((reader) => {
      for (const table of tables) {
        if (found.size === total) break;
        this.scanTable(reader, table, wanted, found, total);
      }
    });
    return found;
  }

  /** Reads one symbol table and its string table and scans them. */
  private scanTable(
    reader: Reader,
    table: SectionHeader,
    wanted: WantedNames,
    found: Map<string, ElfSymbol>,
    total: number,
  ) {
    const strtab = this.sections[table.link];
    if (!strtab || strtab.type === SHT_NOBITS) {
      throw new ElfError(this.path, `symbol table ${quote(table.name)} has no string table`);
    }
    const symbols = reader.read(table.offset, table.size, `symbol table ${quote(table.name)}`);
    const strings = reader.read(strtab.offset, strtab.size, `string table ${quote(strtab.name)}`);
    const entsize = table.entsize >= SYM_SIZE ? table.entsize : SYM_SIZE;
    scanSymbols(symbols, entsize, strings, wanted, found, total);
  }

  readAt(offset: number, size: number): Uint8Array {
    checkRange(this.path, this.fileSize, offset, size, "read");
    return this.source((reader) => reader.read(offset, size, "read"));
  }

  readVirtual(vaddr: number, size: number): Uint8Array | undefined {
    const offset = this.fileOffsetOf(vaddr, size);
    return offset === undefined ? undefined : this.readAt(offset, size);
  }

  /** File offset backing [vaddr, vaddr+size): PT_LOAD segments first, then allocated sections. */
  private fileOffsetOf(vaddr: number, size: number): number | undefined {
    for (const ph of this.programHeaders) {
      if (ph.type === PT_LOAD && vaddr >= ph.vaddr && vaddr + size <= ph.vaddr + ph.filesz) {
        return ph.offset + (vaddr - ph.vaddr);
      }
    }
    for (const sh of this.sections) {
      const backed = (sh.flags & SHF_ALLOC) !== 0 && sh.type !== SHT_NOBITS;
      if (backed && vaddr >= sh.addr && vaddr + size <= sh.addr + sh.size) {
        return sh.offset + (vaddr - sh.addr);
      }
    }
    return undefined;
  }
}

/** Reads the headers of the image `source` reads. */
function readImage(path: string, source: Source): ElfImage {
  return source((reader) => {
    if (reader.size < EHDR_SIZE) {
      throw new ElfError(path, `too short for an ELF64 header (${reader.size} bytes)`);
    }
    const header = resolveExtendedCounts(
      reader,
      parseHeader(path, reader.read(0, EHDR_SIZE, "ELF header")),
    );
    const programHeaders = readProgramHeaders(reader, header);
    const sections = readSections(reader, header);
    return new ElfFile(path, header.type, programHeaders, sections, reader.size, source);
  });
}

/**
 * Opens an ELF64 little-endian file and reads its headers; the file is closed again before
 * returning. Any path works, including `/proc/PID/root/...` and `/proc/PID/map_files/lo-hi`.
 *
 * @param path the executable or shared library
 * @returns the image; symbols and bytes are read from the file on demand
 * @throws {ElfError} if the file is unreadable, truncated, or not ELF64 little-endian
 */
export function openElf(path: string): ElfImage {
  return readImage(path, (fn) => withReader(path, fn));
}

/**
 * Reads an ELF64 little-endian image held in memory, as {@link openElf} reads a file.
 *
 * @param path the name the image goes by in errors
 * @param bytes the whole image (not copied: it must not change while the image is used)
 * @returns the image; symbols and bytes are read from `bytes`
 * @throws {ElfError} if the image is truncated or not ELF64 little-endian
 */
export function elfFromBytes(path: string, bytes: Uint8Array): ElfImage {
  const reader = new BytesReader(path, bytes);
  return readImage(path, (fn) => fn(reader));
}

/** The PT_LOAD whose (page-aligned) file range contains `offset`, preferring one starting there. */
function segmentAt(image: ElfImage, offset: number): ProgramHeader | undefined {
  const loads = image.programHeaders.filter((ph) => ph.type === PT_LOAD);
  const exact = loads.find((ph) => pageDown(ph.offset) === offset);
  return exact ??
    loads.find((ph) =>
      offset >= pageDown(ph.offset) && offset < ph.offset + Math.max(ph.filesz, 1)
    );
}

/**
 * Load bias: addr(sym) = bias + st_value. mapStart/mapOffset from the file's mapping with the
 * lowest file offset in /proc/PID/maps.
 *
 * Computes `map_start - ((seg.p_vaddr & ~0xfff) + (map_off - (seg.p_offset & ~0xfff)))`, where
 * `seg` is the PT_LOAD whose file range contains `map_off`.
 *
 * @param image the opened file that is mapped
 * @param mapStart start address of the mapping
 * @param mapOffset file offset of the mapping
 * @returns the bias to add to symbol values (0 for a non-PIE executable)
 * @throws {ElfError} if no PT_LOAD segment contains `mapOffset`
 */
export function loadBias(image: ElfImage, mapStart: number, mapOffset: number): number {
  const seg = segmentAt(image, mapOffset);
  if (!seg) {
    throw new ElfError(image.path, `no PT_LOAD segment contains file offset ${hex(mapOffset)}`);
  }
  return mapStart - (pageDown(seg.vaddr) + (mapOffset - pageDown(seg.offset)));
}
