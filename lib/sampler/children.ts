/**
 * Children mode (`-C`): finds the descendants of the top process, through
 * non-Python intermediates too (decision g), and gives each new one a
 * single attach attempt per scan (spec: austin-behaviour.md 4.6).
 *
 * @module
 */

import { isOsError, type Platform } from "../../platforms/platform.ts";
import { attach, type Target } from "./targets.ts";

/** Scans after which a process that is not Python is no longer tried (until it execs). */
const MAX_TRIES = 10;

/** Finds and attaches to the Python descendants of one process. */
export class ChildScanner {
  /** pid → failed attempts, for processes that were not (yet) Python. */
  readonly #failed = new Map<number, { tries: number; exe: string }>();

  constructor(readonly platform: Platform, readonly top: number) {}

  /** The descendants of the top process, parents before children. */
  descendants(): number[] {
    const table = this.platform.listProcesses();
    const children = new Map<number, number[]>();
    for (const [pid, ppid] of table) {
      const list = children.get(ppid);
      if (list === undefined) children.set(ppid, [pid]);
      else list.push(pid);
    }
    const found: number[] = [];
    const queue = [this.top];
    while (queue.length > 0) {
      for (const child of children.get(queue.shift() as number) ?? []) {
        if (found.length > 4096) return found;
        found.push(child);
        queue.push(child);
      }
    }
    return found;
  }

  #exe(pid: number): string {
    try {
      return this.platform.executable(pid);
    } catch (e) {
      // gone, or may not be read: no executable to compare
      if (!isOsError(e)) throw e;
      return "";
    }
  }

  /**
   * Attaches to the descendants that are not in `known`; each gets one
   * attempt (a `timeoutUs` search) per scan. Returns the new targets,
   * children before parents as Austin lists them.
   */
  scan(known: ReadonlySet<number>, timeoutUs: number): Target[] {
    const found: Target[] = [];
    const alive = new Set<number>();
    for (const pid of this.descendants()) {
      alive.add(pid);
      if (known.has(pid)) continue;
      const failed = this.#failed.get(pid);
      if (failed !== undefined && failed.tries >= MAX_TRIES && failed.exe === this.#exe(pid)) {
        continue;
      }
      const result = attach(this.platform, pid, timeoutUs, true);
      if ("target" in result) {
        this.#failed.delete(pid);
        found.unshift(result.target);
      } else if (result.failure !== "missing" && result.failure !== "exited") {
        const exe = this.#exe(pid);
        const tries = failed !== undefined && failed.exe === exe ? failed.tries + 1 : 1;
        this.#failed.set(pid, { tries, exe });
      }
    }
    for (const pid of this.#failed.keys()) if (!alive.has(pid)) this.#failed.delete(pid);
    return found;
  }
}
