/**
 * The search for the interpreters to sample: the top process's (`-p` or
 * the launched command), and with `-C` its Python descendants; what a
 * failed search exits with (spec: austin-behaviour.md, sections 9.1, 10).
 *
 * @module
 */

import {
  CANNOT_ATTACH,
  CANNOT_LAUNCH,
  type Fatal,
  NO_PYTHON_CHILDREN,
  NOT_PYTHON,
  PERMISSIONS,
  UNKNOWN_VERSION,
} from "../cli/messages.ts";
import { pythonVersionLine } from "../output/terminal.ts";
import type { DiscoveryFailure } from "../python/discovery.ts";
import { ChildScanner } from "../sampler/children.ts";
import { type Attach, search, type Target } from "../sampler/targets.ts";
import type { RunState } from "./state.ts";
import { stderr } from "./streams.ts";

/** Children mode: how long each child gets per attach attempt (µs). */
const CHILD_TIMEOUT_US = 100_000;

/** What the search found: the targets, and in children mode the scanner that finds more. */
export interface Found {
  targets: Target[];
  scanner: ChildScanner | null;
}

/** Austin logs an unknown version as a warning; austin-deno also tells the user. */
export function warnVersion(run: RunState, target: Target): void {
  const warning = target.runtime.warning;
  if (warning === null) return;
  run.log.warning(warning);
  stderr(`⚠️ ${warning}\n`);
}

/** Reports a child's version: a stderr line, or `# python:` there in pipe mode. */
export function childVersion(run: RunState, child: Target): void {
  if (run.options.pipe) stderr(`# python: ${child.version}\n`);
  else stderr(pythonVersionLine(run.paint, child.version));
  warnVersion(run, child);
}

/** Reports the top process's version (not in pipe mode). */
function versionLine(run: RunState, target: Target): void {
  if (!run.options.pipe) stderr(pythonVersionLine(run.paint, target.version));
  warnVersion(run, target);
}

/**
 * Finds what to sample: the top process's interpreter, or with `-C` the
 * top process if it is Python and its Python descendants. A failed search
 * or a signal meanwhile ends the run: its exit code.
 */
export function findTargets(run: RunState): Promise<Found | number> {
  return run.options.children ? findFamily(run) : findOne(run);
}

/** Austin's message and exit code for a failed search, and the line logged for it. */
export function searchFatal(
  failure: DiscoveryFailure,
  launched: boolean,
  detail: string,
): { fatal: Fatal; log: string } {
  switch (failure) {
    case "missing":
    case "exited":
      return launched
        ? { fatal: CANNOT_LAUNCH, log: "> Cannot start the process" }
        : { fatal: CANNOT_ATTACH, log: "> Cannot attach the process" };
    case "permission":
      return { fatal: PERMISSIONS, log: "Permission denied" };
    case "version":
      return { fatal: UNKNOWN_VERSION, log: "Cannot determine the version" };
    case "unsupported":
      return { fatal: { code: NOT_PYTHON.code, message: detail }, log: detail };
    default:
      return { fatal: NOT_PYTHON, log: "Not a Python process" };
  }
}

/** The failure of the top process's search, as an exit code. */
async function searchFailed(
  run: RunState,
  failure: DiscoveryFailure,
  detail: string,
): Promise<number> {
  const gone = failure === "missing" || failure === "exited";
  // A launched child that is gone is waited for; one still running is ended.
  if (gone && run.child !== null) await run.child.status;
  if (!gone) await run.stopChild();
  const { fatal, log } = searchFatal(failure, run.child !== null, detail);
  return run.fail(fatal, log);
}

/** Looks for the top process's interpreter; a signal meanwhile ends the run. */
async function searchTop(run: RunState): Promise<Attach | number> {
  const stopped = () => run.signals.received;
  const result = await search(run.platform, run.top, run.options.timeout, stopped);
  return result ?? await run.interrupted();
}

async function findOne(run: RunState): Promise<Found | number> {
  const result = await searchTop(run);
  if (typeof result === "number") return result;
  if (!("target" in result)) return await searchFailed(run, result.failure, result.detail);
  versionLine(run, result.target);
  return { targets: [result.target], scanner: null };
}

/** Children mode: the top process if it is Python, and its Python descendants. */
async function findFamily(run: RunState): Promise<Found | number> {
  const heading = (text: string) => {
    if (!run.options.pipe) stderr(`\n${run.paint("1", text)}\n`);
  };
  heading("Parent process");
  const result = await searchTop(run);
  if (typeof result === "number") return result;
  const targets: Target[] = [];
  if ("target" in result) {
    versionLine(run, result.target);
    targets.push(result.target);
    heading("Child processes");
  } else if (result.failure === "not-python") {
    stderr("\n👽 Not a Python process.\n");
  } else {
    return await searchFailed(run, result.failure, result.detail);
  }
  const scanner = new ChildScanner(run.platform, run.top);
  const found = scanner.scan(new Set([run.top]), CHILD_TIMEOUT_US);
  for (const child of found) childVersion(run, child);
  targets.unshift(...found);
  if (!("target" in result)) {
    if (targets.length === 0) {
      await run.stopChild();
      return run.fail(NO_PYTHON_CHILDREN, "Non-Python parent process has no Python children");
    }
    heading("Child processes");
  }
  return { targets, scanner };
}
