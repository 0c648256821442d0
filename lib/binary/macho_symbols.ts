/**
 * The scan of a Mach-O symbol table (`nlist_64` entries, as Apple's
 * `mach-o/nlist.h` lays them out) for a few wanted names: only symbols defined
 * in a section (N_SECT, not stabs) count, and an external definition wins over
 * a local one of the same name.
 *
 * @module
 */

import { groupByLength } from "./elf_symbols.ts";
import { N_EXT, N_SECT, N_STAB, N_TYPE } from "./macho_format.ts";
import { u64, viewOf } from "./reader.ts";

/** The size of an `nlist_64`. */
export const NLIST_SIZE = 16;

/** A defined symbol (`nlist_64`) found by its C name. */
export interface MachOSymbol {
  /** The C name that was looked up (e.g. `_PyRuntime`). */
  name: string;
  /** The name in the symbol table, with the leading underscore (e.g. `__PyRuntime`). */
  rawName: string;
  /** `n_strx`: offset of the name in the string table. */
  strx: number;
  /** `n_type`: N_SECT in the N_TYPE bits, N_EXT (1) if external. */
  type: number;
  /** `n_sect`: 1-based index of the section the symbol is in (over all segments). */
  sect: number;
  /** `n_desc`: reference and weak-definition flags. */
  desc: number;
  /** `n_value`: the symbol's preferred (unslid) virtual address. */
  value: number;
}

/** True if `table[offset..]` starts with `bytes`. */
function bytesAt(table: Uint8Array, offset: number, bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    if (table[offset + i] !== bytes[i]) return false;
  }
  return true;
}

/**
 * Scans the `nlist_64` entries of `symbols` for the C names `names` (each looked up as `_` +
 * name, the C compiler's prefix on Apple's platforms).
 *
 * @param symbols the `nsyms * 16` bytes of the symbol table
 * @param strings the string table
 * @param names the C names wanted
 * @returns the defined symbols found, by C name
 */
export function scanNlist(
  symbols: Uint8Array,
  strings: Uint8Array,
  names: readonly string[],
): Map<string, MachOSymbol> {
  const found = new Map<string, MachOSymbol>();
  const wanted = groupByLength(names.map((name) => `_${name}`));
  const total = [...wanted.values()].reduce((n, group) => n + group.length, 0);
  if (total === 0) return found;
  const view = viewOf(symbols);
  let externals = 0;
  for (let o = 0; o + NLIST_SIZE <= symbols.length && externals < total; o += NLIST_SIZE) {
    const type = symbols[o + 4];
    if ((type & N_STAB) !== 0 || (type & N_TYPE) !== N_SECT) continue;
    const strx = view.getUint32(o, true);
    if (strx === 0 || strx >= strings.length) continue;
    const end = strings.indexOf(0, strx);
    const candidates = wanted.get((end < 0 ? strings.length : end) - strx);
    if (!candidates) continue;
    const external = (type & N_EXT) !== 0;
    for (const { name: rawName, bytes } of candidates) {
      if (!bytesAt(strings, strx, bytes)) continue;
      const name = rawName.slice(1);
      const previous = found.get(name);
      if (previous && ((previous.type & N_EXT) !== 0 || !external)) continue;
      found.set(name, {
        name,
        rawName,
        strx,
        type,
        sect: symbols[o + 5],
        desc: view.getUint16(o + 6, true),
        value: u64(view, o + 8),
      });
      if (external) externals++;
    }
  }
  return found;
}
