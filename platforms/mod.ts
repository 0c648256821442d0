/**
 * Picks the {@link Platform} implementation of the operating system we run on.
 *
 * @module
 */

import { LinuxPlatform } from "./linux.ts";
import type { Platform } from "./platform.ts";

export type * from "./platform.ts";

/** Returns the platform of this operating system, or throws if it has none yet. */
export function currentPlatform(): Platform {
  if (Deno.build.os === "linux") return new LinuxPlatform();
  throw new Error(`austin-deno does not support ${Deno.build.os} yet`);
}
