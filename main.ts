/**
 * austin-deno: a frame stack sampler for CPython.
 *
 * Usage: `deno run -A main.ts [OPTION...] command [ARG...]` or
 * `deno run -A main.ts [OPTION...] -p PID`; see `--help`.
 *
 * @module
 */

import { main } from "./lib/app.ts";
import { unexpected } from "./lib/cli/messages.ts";
import { currentPlatform } from "./platforms/mod.ts";
import { isOsError } from "./platforms/platform.ts";

if (import.meta.main) {
  let code: number;
  try {
    code = await main(Deno.args, currentPlatform());
  } catch (e) {
    // Never a stack trace: one line, and Austin's generic message.
    const reason = e instanceof Error ? e.message : String(e);
    try {
      Deno.stderr.writeSync(new TextEncoder().encode(`austin: ${reason}\n`));
    } catch (e) {
      // stderr closed: nowhere to report it
      if (!isOsError(e)) throw e;
    }
    code = unexpected(1).code;
  }
  Deno.exit(code);
}
