/**
 * The command austin-deno launched: it does not outlive the run. When the
 * run ends first, the child gets a signal, then SIGKILL after a grace time.
 *
 * @module
 */

import type { ChildProcess } from "../../platforms/platform.ts";
import type { Logger } from "../log.ts";

/** How long a launched child has to end after a signal before it is killed (ms). */
const GRACE_MS = 2000;

/** Resolves after `ms` milliseconds with "timeout"; `clear` cancels it. */
function timeout(ms: number): { done: Promise<"timeout">; clear: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const done = new Promise<"timeout">((resolve) =>
    timer = setTimeout(() => resolve("timeout"), ms)
  );
  return { done, clear: () => clearTimeout(timer) };
}

/**
 * Ends `child`, if it still runs: `signal` (and SIGCONT, should it be
 * stopped), then SIGKILL if it has not ended within the grace time.
 * Resolves once it is reaped.
 */
export async function endChild(
  child: ChildProcess,
  signal: Deno.Signal,
  log?: Logger,
): Promise<void> {
  if (!child.exited()) {
    child.kill(signal);
    child.kill("SIGCONT");
  }
  const grace = timeout(GRACE_MS);
  try {
    if (await Promise.race([child.status, grace.done]) === "timeout") {
      log?.warning(`Process ${child.pid} did not end after ${signal}: killing it`);
      child.kill("SIGKILL");
      await child.status;
    }
  } finally {
    grace.clear();
  }
}

/** The exit code of a run that waited for its child: the child's own, or 128 + its signal. */
export async function childExitCode(child: ChildProcess): Promise<number> {
  const status = await child.status;
  if (status.code !== null) return status.code;
  return 128 + (status.signal ?? 0);
}
