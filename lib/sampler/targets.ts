/**
 * A profiled process: its runtime, memory reader, code cache and walker,
 * and the search that finds its interpreter (spec: austin-behaviour.md 9.1).
 *
 * @module
 */

import { isOsError, type Platform, type RemoteMemory } from "../../platforms/platform.ts";
import type { ProcessView } from "../process.ts";
import { CodeCache } from "../python/code_cache.ts";
import {
  type DiscoveryFailure,
  type DiscoveryResult,
  type Runtime,
  tryFindRuntime,
} from "../python/discovery.ts";
import { formatVersion } from "../python/version.ts";
import { StackWalker } from "../python/walker.ts";

/** One Python process being sampled. */
export interface Target {
  pid: number;
  runtime: Runtime;
  /** `X.Y.Z` of its interpreter. */
  version: string;
  memory: RemoteMemory;
  walker: StackWalker;
  /** Found as a child with `-C`. */
  child: boolean;
  /** End of the previous pass (µs). */
  timestamp: number;
  /** Last resident set size read, for memory deltas. */
  rss: number;
  /**
   * The process's threads as last listed, to reject torn thread ids; null
   * when the process is in another PID namespace (its ids are not ours).
   */
  threads: Set<number> | null;
  /**
   * The program the process ran when its interpreter was found
   * ({@link Platform.execToken}): another one means it has exec'd since,
   * and this target reads the memory of a program that is gone.
   */
  execToken: string;
}

/** The outcome of a search for a process's interpreter. */
export type Attach = { target: Target } | { failure: DiscoveryFailure; detail: string };

/**
 * The platform's view of process `pid` as discovery sees it: failures to
 * read its map become values ("denied" when it may not be looked at).
 */
export function processView(platform: Platform, pid: number, memory: RemoteMemory): ProcessView {
  return {
    pid,
    memory,
    state: () => platform.processState(pid),
    image: () => {
      try {
        return { maps: platform.memoryMaps(pid), executable: platform.executable(pid) };
      } catch (e) {
        if (e instanceof Deno.errors.PermissionDenied) return "denied";
        if (isOsError(e)) return "missing";
        throw e;
      }
    },
    mappedFileCandidates: (map) => platform.mappedFileCandidates(pid, map),
    namespacePid: () => platform.namespacePid(pid),
  };
}

/**
 * One discovery attempt. The one catch of anything, by design: a process
 * that starts or execs changes under the reads, so whatever one attempt
 * throws (an OS error for a file vanishing mid-read, a RangeError for a torn
 * table) is a failed try, retried until the timeout, its reason the detail.
 */
function tryOnce(
  platform: Platform,
  memory: RemoteMemory,
  pid: number,
  lastChance: boolean,
): DiscoveryResult {
  try {
    return tryFindRuntime(processView(platform, pid, memory), lastChance);
  } catch (e) {
    return { ok: false, failure: "not-ready", detail: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * The search for the interpreter of `pid`, one attempt per step: yields the
 * time (µs) to wait until before the next attempt, returns the outcome.
 * Gives up at once when the process is gone.
 */
function* searching(
  platform: Platform,
  pid: number,
  timeoutUs: number,
  child: boolean,
): Generator<number, Attach> {
  const clock = platform.clock;
  const memory = platform.openMemory(pid);
  const deadline = clock.nowUs() + timeoutUs;
  let sawPermission = false;
  while (true) {
    const lastChance = clock.nowUs() >= deadline;
    const result = tryOnce(platform, memory, pid, lastChance);
    if (result.ok) {
      const runtime = result.runtime;
      const codes = new CodeCache(memory, runtime.layout, runtime.codeTypeAddress);
      return {
        target: {
          pid,
          runtime,
          version: formatVersion(runtime.version),
          memory,
          walker: new StackWalker(memory, runtime, codes),
          child,
          timestamp: clock.nowUs(),
          rss: platform.residentBytes(pid),
          threads: platform.namespacePid(pid) === pid ? new Set() : null,
          execToken: platform.execToken(pid),
        },
      };
    }
    const { failure, detail } = result;
    if (failure === "missing" || failure === "exited" || failure === "unsupported") {
      return { failure, detail };
    }
    if (failure === "permission") sawPermission = true;
    if (lastChance) return { failure: sawPermission ? "permission" : failure, detail };
    yield Math.min(deadline, clock.nowUs() + 1000);
  }
}

/**
 * Looks for the interpreter of `pid` until it is found or `timeoutUs` has
 * passed (a single attempt when `timeoutUs` is 0). Gives up at once when the
 * process is gone. Blocks between attempts.
 */
export function attach(platform: Platform, pid: number, timeoutUs: number, child = false): Attach {
  const steps = searching(platform, pid, timeoutUs, child);
  while (true) {
    const step = steps.next();
    if (step.done) return step.value;
    platform.clock.sleepUntilUs(step.value);
  }
}

/**
 * One attempt of a search that has `remainingUs` left (the last one when
 * that is 0 or less): the outcome, or null when the interpreter is not
 * there yet and later attempts may find it.
 */
export function attachStep(
  platform: Platform,
  pid: number,
  remainingUs: number,
  child = false,
): Attach | null {
  const step = searching(platform, pid, Math.max(0, remainingUs), child).next();
  return step.done ? step.value : null;
}

/**
 * {@link attach} that lets the event loop run between attempts (signals
 * are heard), and stops early when `stopped()` turns true: then null.
 */
export async function search(
  platform: Platform,
  pid: number,
  timeoutUs: number,
  stopped: () => boolean,
): Promise<Attach | null> {
  const clock = platform.clock;
  const steps = searching(platform, pid, timeoutUs, false);
  while (true) {
    if (stopped()) return null;
    const step = steps.next();
    if (step.done) return step.value;
    const ms = Math.max(0, (step.value - clock.nowUs()) / 1000);
    await new Promise((resolve) => setTimeout(resolve, ms));
  }
}
