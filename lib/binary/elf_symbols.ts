/**
 * The scan of an ELF symbol table for a few wanted names: the names grouped
 * by length so that most entries are passed over on one comparison, and
 * the first defined symbol of each name kept.
 *
 * @module
 */

import type { ElfSymbol } from "./elf.ts";
import { u64, viewOf } from "./elf_reader.ts";

/** `st_shndx` of an undefined (imported) symbol. */
export const SHN_UNDEF = 0;
/** The size of an `Elf64_Sym`. */
export const SYM_SIZE = 24;

/** Wanted names grouped by their UTF-8 byte length, for a cheap scan of a string table. */
export type WantedNames = Map<number, { name: string; bytes: Uint8Array }[]>;

/** Groups `names` by encoded length. */
export function groupByLength(names: readonly string[]): WantedNames {
  const encoder = new TextEncoder();
  const groups: WantedNames = new Map();
  for (const name of new Set(names)) {
    const bytes = encoder.encode(name);
    const group = groups.get(bytes.length) ?? [];
    group.push({ name, bytes });
    groups.set(bytes.length, group);
  }
  return groups;
}

/** True if `table[offset..]` starts with `bytes`. */
function bytesAt(table: Uint8Array, offset: number, bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    if (table[offset + i] !== bytes[i]) return false;
  }
  return true;
}

/**
 * Scans one symbol table for the wanted names, adding defined symbols not yet in `found`.
 * Stops early once `total` names are found.
 */
export function scanSymbols(
  table: Uint8Array,
  entsize: number,
  strings: Uint8Array,
  wanted: WantedNames,
  found: Map<string, ElfSymbol>,
  total: number,
) {
  const view = viewOf(table);
  for (let o = 0; o + SYM_SIZE <= table.length; o += entsize) {
    const nameOffset = view.getUint32(o, true);
    const shndx = view.getUint16(o + 6, true);
    if (nameOffset === 0 || nameOffset >= strings.length || shndx === SHN_UNDEF) continue;
    const end = strings.indexOf(0, nameOffset);
    const candidates = wanted.get((end < 0 ? strings.length : end) - nameOffset);
    if (!candidates) continue;
    for (const { name, bytes } of candidates) {
      if (found.has(name) || !bytesAt(strings, nameOffset, bytes)) continue;
      found.set(name, {
        name,
        value: u64(view, o + 8),
        size: u64(view, o + 16),
        info: table[o + 4],
        shndx,
      });
      if (found.size === total) return;
    }
  }
}
