/**
 * Picks the line-table decoder of a layout's format and applies Austin's
 * rule for positions the table gives no line: the line reached so far.
 *
 * @module
 */

import type { LineFormat } from "./layout.ts";
import { linetable310LineOrReached, lnotabLine, locationTableLineOrReached } from "./line_table.ts";

/**
 * The line printed for a frame at `position` (f_lasti up to 3.10, the
 * code-unit index from `co_code_adaptive` from 3.11).
 */
export function lineAt(
  format: LineFormat,
  table: Uint8Array,
  firstLineNo: number,
  position: number,
): number {
  switch (format) {
    case "lnotab-unsigned":
      return lnotabLine(table, table.length, firstLineNo, position, false);
    case "lnotab":
      return lnotabLine(table, table.length, firstLineNo, position, true);
    case "linetable310":
      return linetable310LineOrReached(table, table.length, firstLineNo, position);
    case "locations":
      return locationTableLineOrReached(table, table.length, firstLineNo, position);
  }
}
