/**
 * A profiled process: its runtime, memory reader, code cache and walker,
 * and the search that finds its interpreter (spec: austin-behaviour.md 9.1).
 *
 * @module
 */

import type { Platform, RemoteMemory } from "../platforms/platform.ts";
import { CodeCache } from "./python/code_cache.ts";
import {
  type DiscoveryFailure,
  type DiscoveryResult,
  type Runtime,
  tryFindRuntime,
} from "./python/discovery.ts";
import { formatVersion } from "./python/version.ts";
import { StackWalker } from "./python/walker.ts";

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
}

/** The outcome of a search for a process's interpreter. */
export type Attach = { target: Target } | { failure: DiscoveryFailure; detail: string };

/** One discovery attempt; anything unexpected (a file vanishing mid-read) is a failed try. */
function tryOnce(
  platform: Platform,
  memory: RemoteMemory,
  pid: number,
  lastChance: boolean,
): DiscoveryResult {
  try {
    return tryFindRuntime(platform, memory, pid, lastChance);
  } catch (e) {
    return { ok: false, failure: "not-ready", detail: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Looks for the interpreter of `pid` until it is found or `timeoutUs` has
 * passed (a single attempt when `timeoutUs` is 0). Gives up at once when the
 * process is gone.
 */
export function attach(platform: Platform, pid: number, timeoutUs: number, child = false): Attach {
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
        },
      };
    }
    const { failure, detail } = result;
    if (failure === "missing" || failure === "exited" || failure === "unsupported") {
      return { failure, detail };
    }
    if (failure === "permission") sawPermission = true;
    if (lastChance) return { failure: sawPermission ? "permission" : failure, detail };
    clock.sleepUntilUs(Math.min(deadline, clock.nowUs() + 1000));
  }
}
