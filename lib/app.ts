/**
 * One run of austin-deno from parsed arguments to exit code: open the
 * output, start or attach to the target, find its interpreter, sample it,
 * write the footer and statistics (spec: austin-behaviour.md, section 4).
 *
 * @module
 */

import type { ChildProcess, Platform } from "../platforms/platform.ts";
import {
  CANNOT_ATTACH,
  CANNOT_CREATE_OUTPUT,
  CANNOT_LAUNCH,
  type Fatal,
  formatFatal,
  NOT_PYTHON,
  NOTHING_TO_DO,
  PERMISSIONS,
} from "./cli/messages.ts";
import { type Options, parseArgs, resolveMode } from "./cli/options.ts";
import { CollapsedWriter, footer, header } from "./output/collapsed.ts";
import { OutputSink, type SyncWriter } from "./output/sink.ts";
import {
  banner,
  colourWanted,
  exposureLine,
  plain,
  pythonVersionLine,
  statistics,
  withColour,
} from "./output/terminal.ts";
import { CodeCache } from "./python/code_cache.ts";
import { type DiscoveryFailure, type Runtime, tryFindRuntime } from "./python/discovery.ts";
import { formatVersion } from "./python/version.ts";
import { StackWalker } from "./python/walker.ts";
import { runSampler, type StopRequest, type Target } from "./sampler.ts";

const encoder = new TextEncoder();

/** Writes text to stderr, ignoring a closed stream. */
function stderr(text: string): void {
  try {
    Deno.stderr.writeSync(encoder.encode(text));
  } catch {
    // nowhere to report it
  }
}

/** Writes text to stdout, ignoring a closed stream. */
function stdout(text: string): void {
  try {
    const bytes = encoder.encode(text);
    let done = 0;
    while (done < bytes.length) done += Deno.stdout.writeSync(bytes.subarray(done));
  } catch {
    // reader gone
  }
}

function fail(fatal: Fatal): number {
  stderr(formatFatal(fatal));
  return fatal.code;
}

/** How a discovery search ended. */
type Search = { runtime: Runtime } | { failure: DiscoveryFailure };

/** Retries the interpreter search until it succeeds or `timeoutUs` passes. */
function searchRuntime(platform: Platform, pid: number, timeoutUs: number): Search {
  const clock = platform.clock;
  const memory = platform.openMemory(pid);
  const deadline = clock.nowUs() + timeoutUs;
  let sawPermission = false;
  let last: DiscoveryFailure = "not-python";
  while (true) {
    const lastChance = clock.nowUs() >= deadline;
    const result = tryFindRuntime(platform, memory, pid, lastChance);
    if (result.ok) return { runtime: result.runtime };
    last = result.failure;
    if (last === "missing" || last === "exited") return { failure: last };
    if (last === "permission") sawPermission = true;
    if (lastChance) return { failure: sawPermission ? "permission" : last };
    clock.sleepUntilUs(Math.min(deadline, clock.nowUs() + 1000));
  }
}

/** Opens the `-o` file, or returns null when it cannot be created. */
function openOutput(path: string): Deno.FsFile | null {
  try {
    return Deno.openSync(path, { write: true, create: true, truncate: true });
  } catch {
    return null;
  }
}

/** Runs austin-deno with the given arguments; resolves to the exit code. */
export async function main(args: string[], platform: Platform): Promise<number> {
  const parsed = parseArgs(args);
  if (parsed.kind === "exit") {
    if (parsed.stdout !== "") stdout(parsed.stdout);
    if (parsed.stderr !== "") stderr(parsed.stderr);
    return parsed.code;
  }
  return await profile(parsed.options, platform);
}

async function profile(options: Options, platform: Platform): Promise<number> {
  let file: Deno.FsFile | null = null;
  if (options.output !== null) {
    file = openOutput(options.output);
    if (file === null) {
      stdout(`${CANNOT_CREATE_OUTPUT}\n`);
      return 255;
    }
  }
  const paint = colourWanted(platform.isTerminal(2)) ? withColour : plain;
  if (!options.pipe) stderr(banner(paint));
  if (options.command.length === 0 && options.pid === null) return fail(NOTHING_TO_DO);
  const writer: SyncWriter = file ?? Deno.stdout;
  try {
    return await session(options, platform, writer, paint);
  } finally {
    file?.close();
  }
}

async function session(
  options: Options,
  platform: Platform,
  out: SyncWriter,
  paint: typeof plain,
): Promise<number> {
  let child: ChildProcess | null = null;
  let pid: number;
  if (options.command.length > 0) {
    try {
      child = platform.spawn(options.command[0], options.command.slice(1), options.output === null);
    } catch {
      return fail(CANNOT_LAUNCH);
    }
    pid = child.pid;
  } else {
    pid = options.pid as number;
    if (platform.processState(pid) === "missing") return fail(CANNOT_ATTACH);
  }

  const search = searchRuntime(platform, pid, options.timeout);
  if (!("runtime" in search)) {
    if (child !== null) {
      if (search.failure === "missing" || search.failure === "exited") {
        await child.status;
        return fail(CANNOT_LAUNCH);
      }
      child.kill("SIGTERM");
      await child.status;
    } else if (search.failure === "missing" || search.failure === "exited") {
      return fail(CANNOT_ATTACH);
    }
    return fail(search.failure === "permission" ? PERMISSIONS : NOT_PYTHON);
  }
  const runtime = search.runtime;
  const version = formatVersion(runtime.version);

  const stop: StopRequest = { signal: null };
  const onInt = () => stop.signal = "SIGINT";
  const onTerm = () => stop.signal = "SIGTERM";
  Deno.addSignalListener("SIGINT", onInt);
  Deno.addSignalListener("SIGTERM", onTerm);

  if (!options.pipe) {
    stderr(pythonVersionLine(paint, version));
    if (options.exposure > 0 && !options.where) stderr(exposureLine(options.exposure));
  }
  const mode = resolveMode(options);
  const sink = new OutputSink(out);
  const writer = new CollapsedWriter(sink, options.altFormat);
  sink.write(header({
    intervalUs: options.interval,
    mode,
    memoryKiB: mode === "memory" || mode === "full" ? platform.physicalMemoryKiB() : undefined,
    multiprocess: options.children,
    python: options.pipe ? version : undefined,
  }));
  sink.flush();

  const memory = platform.openMemory(pid);
  const codes = new CodeCache(memory, runtime.layout, runtime.codeTypeAddress);
  const target: Target = {
    pid,
    runtime,
    memory,
    walker: new StackWalker(memory, runtime, codes),
    timestamp: platform.clock.nowUs(),
    rss: platform.residentBytes(pid),
  };
  const alive = () => child === null ? platform.processState(pid) === "alive" : !child.exited();
  let result;
  try {
    result = await runSampler(
      platform,
      [target],
      writer,
      sink,
      {
        intervalUs: options.interval,
        exposureS: options.exposure,
        mode,
        gc: options.gc,
        excludeEmpty: options.excludeEmpty,
      },
      stop,
      alive,
    );
    sink.write(footer(result.durationUs, result.stats, options.gc, options.pipe));
    sink.flush();
  } catch (e) {
    if (!(e instanceof Deno.errors.BrokenPipe)) throw e;
    child?.kill("SIGTERM");
    return 0;
  } finally {
    Deno.removeSignalListener("SIGINT", onInt);
    Deno.removeSignalListener("SIGTERM", onTerm);
  }
  if (!options.pipe) stderr(statistics(paint, result.stats, result.durationUs, options.gc));

  if (stop.signal !== null) {
    if (child !== null) {
      child.kill(stop.signal);
      await child.status;
    }
    return stop.signal === "SIGINT" ? 254 : 241;
  }
  if (child === null) return 0;
  if (result.exposed) {
    child.kill("SIGTERM");
    await child.status;
    return 0;
  }
  const status = await child.status;
  if (status.code !== null) return status.code;
  return 128 + (status.signal ?? 0);
}
