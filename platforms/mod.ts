/**
 * Picks the {@link Platform} implementation of the operating system we run on.
 *
 * Every back-end module loads on any OS (its system libraries are opened on
 * first use), so all of them type-check and can be constructed anywhere;
 * only Linux's is used for sampling so far: on macOS and Windows, finding
 * the Python runtime in Mach-O and PE images is not wired in yet.
 *
 * @module
 */

import { DarwinPlatform } from "./darwin.ts";
import { LinuxPlatform } from "./linux.ts";
import type { Platform } from "./platform.ts";
import { WindowsPlatform } from "./windows.ts";

export type * from "./platform.ts";

/** The operating systems that have a back-end. */
export type BackendOs = "linux" | "darwin" | "windows";

/** The back-end of `os`, constructed without calling the OS, or null if it has none. */
export function platformFor(os: string): Platform | null {
  switch (os) {
    case "linux":
      return new LinuxPlatform();
    case "darwin":
      return new DarwinPlatform();
    case "windows":
      return new WindowsPlatform();
    default:
      return null;
  }
}

/** Returns the platform of this operating system, or throws if it cannot sample there yet. */
export function currentPlatform(): Platform {
  if (Deno.build.os === "linux") return new LinuxPlatform();
  throw new Error(`austin-deno does not support ${Deno.build.os} yet`);
}
