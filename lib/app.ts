/**
 * One run of austin-deno from parsed arguments to exit code: open the
 * output, start or attach to the target (and its children with `-C`), find
 * the interpreters, then either sample until the end or, in where mode,
 * print every stack once (spec: austin-behaviour.md, sections 4, 7, 10).
 *
 * Whatever ends the run (its end, a signal, a failed write of the output,
 * an error), a command that austin-deno launched does not outlive it; an
 * attached process (`-p`) is never signalled.
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
  NO_PYTHON_CHILDREN,
  NOT_PYTHON,
  NOTHING_TO_DO,
  PERMISSIONS,
  UNKNOWN_VERSION,
} from "./cli/messages.ts";
import { type Options, parseArgs, resolveMode, warnings } from "./cli/options.ts";
import { ChildScanner } from "./sampler/children.ts";
import { type Logger, openLogger } from "./log.ts";
import { CollapsedWriter } from "./output/text/writer.ts";
import { footerMetadata, headerMetadata } from "./output/metadata.ts";
import { OutputError, type SampleWriter } from "./sample.ts";
import { MojoWriter } from "./output/mojo/writer.ts";
import { render } from "./output/pictures/render.ts";
import { ProfileWriter } from "./output/pictures/writer.ts";
import { OutputSink, type SyncWriter } from "./output/sink.ts";
import {
  banner,
  colourWanted,
  exposureLine,
  type Paint,
  plain,
  pythonVersionLine,
  statistics,
  withColour,
} from "./output/terminal.ts";
import { whereThread } from "./output/where.ts";
import type { DiscoveryFailure } from "./python/discovery.ts";
import { ThreadSample } from "./python/walker.ts";
import { liveThread, runSampler, type SamplingResult, type StopRequest } from "./sampler/loop.ts";
import { type Attach, attachStep, search, type Target } from "./sampler/targets.ts";

const encoder = new TextEncoder();

/** Writes all of `text` to a standard stream, ignoring a closed one (nowhere to report it). */
function writeAll(stream: typeof Deno.stdout | typeof Deno.stderr, text: string): void {
  try {
    const bytes = encoder.encode(text);
    let done = 0;
    while (done < bytes.length) done += stream.writeSync(bytes.subarray(done));
  } catch {
    // reader gone
  }
}

/** Writes text to stderr. */
const stderr = (text: string) => writeAll(Deno.stderr, text);
/** Writes text to stdout. */
const stdout = (text: string) => writeAll(Deno.stdout, text);

/** Children mode: how long each child gets per attach attempt (µs). */
const CHILD_TIMEOUT_US = 100_000;

/** How long a launched child has to end after a signal before it is killed (ms). */
const GRACE_MS = 2000;

/** Exit code of a failed write of the output: `EX_IOERR` of sysexits.h. */
const EXIT_IO_ERROR = 74;

/** Exit code when stdout's reader went away: what a shell reports for a death by SIGPIPE. */
const EXIT_BROKEN_PIPE = 128 + 13;

/** The signals that end a run, and the exit code after each (Austin's for SIGINT, SIGTERM). */
const STOP_SIGNALS = { SIGINT: 254, SIGTERM: 241, SIGHUP: 128 + 1 } as const;

/** Resolves after `ms` milliseconds with "timeout"; `clear` cancels it. */
function timeout(ms: number): { done: Promise<"timeout">; clear: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const done = new Promise<"timeout">((resolve) =>
    timer = setTimeout(() => resolve("timeout"), ms)
  );
  return { done, clear: () => clearTimeout(timer) };
}

/** Runs austin-deno with the given arguments; resolves to the exit code. */
export async function main(args: string[], platform: Platform): Promise<number> {
  const parsed = parseArgs(args);
  if (parsed.kind === "exit") {
    if (parsed.stdout !== "") stdout(parsed.stdout);
    if (parsed.stderr !== "") stderr(parsed.stderr);
    return parsed.code;
  }
  const options = parsed.options;
  let file: Deno.FsFile | null = null;
  if (options.output !== null) {
    try {
      file = Deno.openSync(options.output, { write: true, create: true, truncate: true });
    } catch {
      stdout(`${CANNOT_CREATE_OUTPUT}\n`);
      return 255;
    }
  }
  const log = openLogger();
  const run = new Run(options, platform, file, log);
  try {
    return await run.start();
  } catch (e) {
    if (e instanceof OutputError) return await run.outputFailed(e);
    throw e;
  } finally {
    await run.end();
    log.close();
    file?.close();
  }
}

/** The state of one run. */
class Run {
  readonly #options: Options;
  readonly #platform: Platform;
  readonly #file: Deno.FsFile | null;
  readonly #out: SyncWriter;
  readonly #outFd: number;
  readonly #log: Logger;
  readonly #paint: Paint;
  #child: ChildProcess | null = null;
  #top = 0;
  /** The signal that asked the run to end, set by the listeners. */
  readonly #stop: StopRequest = { signal: null };
  /** Resolves when a signal asks the run to end. */
  readonly #stopped = Promise.withResolvers<"signal">();
  readonly #listeners: Array<[Deno.Signal, () => void]> = [];

  constructor(options: Options, platform: Platform, file: Deno.FsFile | null, log: Logger) {
    this.#options = options;
    this.#platform = platform;
    this.#file = file;
    this.#out = file ?? Deno.stdout;
    this.#outFd = file === null ? 1 : -1;
    this.#log = log;
    this.#paint = colourWanted(platform.isTerminal(2)) ? withColour : plain;
    this.#sink = new OutputSink(this.#out);
  }

  #fail(fatal: Fatal, detail: string): number {
    this.#log.critical(detail);
    stderr(formatFatal(fatal));
    return fatal.code;
  }

  /**
   * From the start to the end of the run, SIGINT, SIGTERM and SIGHUP ask it
   * to end (instead of killing austin-deno and leaving a launched child
   * behind).
   */
  #listen(): void {
    for (const signal of Object.keys(STOP_SIGNALS) as Array<keyof typeof STOP_SIGNALS>) {
      const listener = () => {
        if (this.#stop.signal !== null) return;
        this.#stop.signal = signal;
        this.#stopped.resolve("signal");
      };
      Deno.addSignalListener(signal, listener);
      this.#listeners.push([signal, listener]);
    }
  }

  /**
   * Ends the launched child, if it still runs: `signal` (and SIGCONT, should
   * it be stopped), then SIGKILL if it has not ended within the grace time.
   * Resolves once it is reaped.
   */
  async #endChild(signal: Deno.Signal): Promise<void> {
    const child = this.#child;
    if (child === null) return;
    if (!child.exited()) {
      child.kill(signal);
      child.kill("SIGCONT");
    }
    const grace = timeout(GRACE_MS);
    try {
      if (await Promise.race([child.status, grace.done]) === "timeout") {
        this.#log.warning(`Process ${child.pid} did not end after ${signal}: killing it`);
        child.kill("SIGKILL");
        await child.status;
      }
    } finally {
      grace.clear();
    }
  }

  /** Ends a launched child that austin-deno gives up on. */
  async #stopChild(): Promise<void> {
    await this.#endChild("SIGTERM");
  }

  /** A signal asked the run to end: the launched child gets it too; the signal's exit code. */
  async #interrupted(): Promise<number> {
    const signal = this.#stop.signal ?? "SIGTERM";
    this.#log.info(`Interrupted by ${signal}`);
    await this.#endChild(signal);
    return STOP_SIGNALS[signal];
  }

  /**
   * The end of every run, whatever ended it: a launched child still running
   * is ended and reaped, and the signal listeners are removed.
   */
  async end(): Promise<void> {
    try {
      await this.#stopChild();
    } finally {
      for (const [signal, listener] of this.#listeners) Deno.removeSignalListener(signal, listener);
      this.#listeners.length = 0;
    }
  }

  /**
   * A write of the output failed: the launched child is ended, a text file
   * is cut after its last whole line, and the failure is reported in one
   * line (exit 74), or silently when stdout's reader went away (exit 141).
   */
  async outputFailed(e: OutputError): Promise<number> {
    const o = this.#options;
    const where = o.output ?? "stdout";
    this.#log.error(`Cannot write ${where}: ${e.message}`);
    await this.#stopChild();
    const text = o.where || (o.format === "austin" && !o.binary);
    if (text) this.#keepWholeLines();
    if (e.brokenPipe && this.#file === null) return EXIT_BROKEN_PIPE;
    stderr(`cannot write ${where}: ${e.message}\n`);
    return EXIT_IO_ERROR;
  }

  /** Cuts the output file after the last newline written, when it is a regular file. */
  #keepWholeLines(): void {
    const file = this.#file;
    if (file === null) return;
    try {
      const info = file.statSync();
      if (info.isFile && info.size > this.#sink.lineEnd) file.truncateSync(this.#sink.lineEnd);
    } catch {
      // not a file that can be cut: kept as written
    }
  }

  async start(): Promise<number> {
    this.#listen();
    const o = this.#options;
    if (!o.pipe) {
      this.#log.info("====[ AUSTIN ]====");
      stderr(banner(this.#paint));
    }
    for (const warning of warnings(o)) this.#log.warning(warning);
    if (o.command.length === 0 && o.pid === null) {
      return this.#fail(NOTHING_TO_DO, "No command or PID given");
    }
    if (o.output !== null) this.#log.info(`Output file: ${o.output}`);
    if (o.format !== "austin" && !o.where) {
      // A picture is written once sampling ends; it takes the place of -b.
      this.#writer = this.#pictures = new ProfileWriter(resolveMode(o));
    } else if (o.binary && !o.where) {
      // The MOJO header goes out before the command starts, even if it then fails.
      this.#writer = new MojoWriter(this.#sink, resolveMode(o));
      this.#sink.flush();
    }
    if (o.command.length > 0) {
      try {
        this.#child = this.#platform.spawn(o.command[0], o.command.slice(1), o.output === null);
      } catch (e) {
        this.#log.error(`Failed to fork process: ${e instanceof Error ? e.message : e}`);
        return this.#fail(CANNOT_LAUNCH, "> Cannot start the process");
      }
      this.#top = this.#child.pid;
    } else {
      this.#top = o.pid as number;
      if (this.#platform.processState(this.#top) === "missing") {
        this.#log.error(`Process ${this.#top} is not running.`);
        return this.#fail(CANNOT_ATTACH, "> Cannot attach the process");
      }
    }
    if (o.where) this.#log.info(`Where mode on process ${this.#top}`);

    const targets = o.children ? await this.#findFamily() : await this.#findOne();
    if (typeof targets === "number") return targets;
    if (this.#stop.signal !== null) return await this.#interrupted();
    return o.where ? this.#where(targets) : await this.#sample(targets);
  }

  /** The failure of the top process's search, as an exit code. */
  async #searchFailed(failure: DiscoveryFailure, detail: string): Promise<number> {
    if (failure === "missing" || failure === "exited") {
      if (this.#child !== null) {
        await this.#child.status;
        return this.#fail(CANNOT_LAUNCH, "> Cannot start the process");
      }
      return this.#fail(CANNOT_ATTACH, "> Cannot attach the process");
    }
    await this.#stopChild();
    if (failure === "permission") return this.#fail(PERMISSIONS, "Permission denied");
    if (failure === "version") return this.#fail(UNKNOWN_VERSION, "Cannot determine the version");
    if (failure === "unsupported") {
      return this.#fail({ code: NOT_PYTHON.code, message: detail }, detail);
    }
    return this.#fail(NOT_PYTHON, "Not a Python process");
  }

  #versionLine(target: Target): void {
    if (!this.#options.pipe) stderr(pythonVersionLine(this.#paint, target.version));
    this.#warn(target);
  }

  /** Austin logs an unknown version as a warning; austin-deno also tells the user. */
  #warn(target: Target): void {
    const warning = target.runtime.warning;
    if (warning === null) return;
    this.#log.warning(warning);
    stderr(`⚠️ ${warning}\n`);
  }

  /** Looks for the top process's interpreter; a signal meanwhile ends the run. */
  async #search(): Promise<Attach | number> {
    const stopped = () => this.#stop.signal !== null;
    const result = await search(this.#platform, this.#top, this.#options.timeout, stopped);
    return result ?? await this.#interrupted();
  }

  async #findOne(): Promise<Target[] | number> {
    const result = await this.#search();
    if (typeof result === "number") return result;
    if (!("target" in result)) return await this.#searchFailed(result.failure, result.detail);
    this.#versionLine(result.target);
    return [result.target];
  }

  /** Children mode: the top process if it is Python, and its Python descendants. */
  async #findFamily(): Promise<Target[] | number> {
    const o = this.#options;
    const heading = (text: string) => {
      if (!o.pipe) stderr(`\n${this.#paint("1", text)}\n`);
    };
    heading("Parent process");
    const result = await this.#search();
    if (typeof result === "number") return result;
    const targets: Target[] = [];
    if ("target" in result) {
      this.#versionLine(result.target);
      targets.push(result.target);
      heading("Child processes");
    } else if (result.failure === "not-python") {
      stderr("\n👽 Not a Python process.\n");
    } else {
      return await this.#searchFailed(result.failure, result.detail);
    }
    const scanner = new ChildScanner(this.#platform, this.#top);
    const found = scanner.scan(new Set([this.#top]), CHILD_TIMEOUT_US);
    for (const child of found) this.#childVersion(child);
    targets.unshift(...found);
    if (!("target" in result)) {
      if (targets.length === 0) {
        await this.#stopChild();
        return this.#fail(NO_PYTHON_CHILDREN, "Non-Python parent process has no Python children");
      }
      heading("Child processes");
    }
    this.#scanner = scanner;
    return targets;
  }

  #scanner: ChildScanner | null = null;
  #writer: SampleWriter | null = null;
  #pictures: ProfileWriter | null = null;
  readonly #sink: OutputSink;

  /** Reports a child's version: a stderr line, or `# python:` there in pipe mode. */
  #childVersion(child: Target): void {
    if (this.#options.pipe) stderr(`# python: ${child.version}\n`);
    else stderr(pythonVersionLine(this.#paint, child.version));
    this.#warn(child);
  }

  /** Where mode: one pass over every thread of every process, then exit 0. */
  #where(targets: Target[]): number {
    const o = this.#options;
    const isTerminal = this.#outFd === 1 && this.#platform.isTerminal(1);
    const paint = colourWanted(isTerminal) ? withColour : plain;
    const sink = this.#sink;
    if (o.pipe) sink.write(`# python: ${targets[targets.length - 1].version}\n`);
    // A failed write (OutputError) ends the run from main().
    const sample = new ThreadSample();
    for (const target of targets) {
      if (target.walker.beginPass() < 0) continue;
      while (target.walker.nextThread(sample)) {
        if (!liveThread(this.#platform, target, sample.threadId)) continue;
        if (o.excludeEmpty && sample.depth === 0 && !sample.invalid) continue;
        const idle = this.#platform.threadIdle(target.pid, sample.threadId);
        if (o.sleepless && idle) continue;
        sink.write(whereThread(target.pid, sample, idle, target.child, paint));
      }
    }
    sink.flush();
    return 0;
  }

  /** Whether a target's process has exec'd since its interpreter was found. */
  #execd(target: Target): boolean {
    const token = this.#platform.execToken(target.pid);
    if (token === "" || target.execToken === "" || token === target.execToken) return false;
    this.#log.info(`Process ${target.pid} executed a new program`);
    return true;
  }

  /**
   * Samples until the processes end, the exposure runs out, a signal
   * arrives or a write of the output fails.
   */
  async #sample(targets: Target[]): Promise<number> {
    const o = this.#options;
    const platform = this.#platform;
    const child = this.#child;
    const stop = this.#stop;

    if (!o.pipe && o.exposure > 0) stderr(exposureLine(o.exposure));
    const mode = resolveMode(o);
    this.#log.info(`Sampling interval: ${o.interval} μs`);
    if (mode === "full") this.#log.info("Producing full set of metrics (time +mem -mem)");
    const sink = this.#sink;
    const writer = this.#writer ?? new CollapsedWriter(sink, o.altFormat, mode);
    const top = targets.find((t) => t.pid === this.#top) ?? targets[targets.length - 1];
    const topAlive = () =>
      child === null ? platform.processState(this.#top) === "alive" : !child.exited();
    const scanner = this.#scanner;
    const known = () => new Set(targets.map((t) => t.pid).concat(this.#top));
    // The top process was Python: if its interpreter is lost while it lives
    // (it exec'd), it is looked for again, one attempt per housekeeping, for
    // as long as -t allows. True while it is looked for.
    let looking = false;
    let lookingSince = 0;
    let gaveUp = !targets.some((t) => t.pid === this.#top);
    const findTopAgain = (): boolean => {
      if (gaveUp || targets.some((t) => t.pid === this.#top)) return false;
      if (!topAlive()) return false;
      const now = platform.clock.nowUs();
      if (!looking) {
        looking = true;
        lookingSince = now;
        this.#log.info(`Looking for the interpreter of process ${this.#top} again`);
      }
      const found = attachStep(platform, this.#top, lookingSince + o.timeout - now);
      if (found === null) return true;
      looking = false;
      if (!("target" in found)) {
        // Gone, or not Python any more: the run goes on without it.
        this.#log.info(`Process ${this.#top} is no longer Python: ${found.detail}`);
        gaveUp = true;
        return false;
      }
      this.#log.info(`Found the interpreter of process ${this.#top} again`);
      this.#warn(found.target);
      targets.push(found.target);
      return true;
    };
    const housekeeping = (): boolean => {
      for (let i = targets.length - 1; i >= 0; i--) {
        const t = targets[i];
        const alive = t.pid === this.#top ? topAlive() : platform.processState(t.pid) === "alive";
        // A process that exec'd is another program: found again (or not) as a new one.
        if (!alive || this.#execd(t)) targets.splice(i, 1);
      }
      const lookingAgain = findTopAgain();
      if (scanner !== null) {
        const found = scanner.scan(known(), 0);
        for (const t of found) this.#childVersion(t);
        targets.unshift(...found);
        return targets.length > 0 || topAlive();
      }
      return targets.length > 0 || lookingAgain;
    };

    // A failed write of the header ends the run from main().
    writer.header(headerMetadata({
      intervalUs: o.interval,
      mode,
      memoryKiB: mode === "memory" || mode === "full" ? platform.physicalMemoryKiB() : undefined,
      multiprocess: o.children,
      python: o.pipe ? top.version : undefined,
    }));
    sink.flush();
    const result: SamplingResult = await runSampler(
      platform,
      targets,
      writer,
      sink,
      {
        intervalUs: o.interval,
        exposureS: o.exposure,
        mode,
        gc: o.gc,
        excludeEmpty: o.excludeEmpty,
      },
      stop,
      housekeeping,
    );
    let failure = result.failure;
    if (failure === null) {
      try {
        writer.footer(footerMetadata(result.durationUs, result.stats, o.gc, o.pipe));
        if (this.#pictures !== null && o.format !== "austin") {
          const title = o.command.length > 0 ? o.command.join(" ") : `PID ${this.#top}`;
          sink.writeBytes(await render(o.format, this.#pictures.profile(), title));
        }
        sink.flush();
      } catch (e) {
        if (!(e instanceof OutputError)) throw e;
        failure = e;
      }
    }
    this.#log.info("Sampling finished");
    // The reader of stdout went away: end quietly, as a process killed by SIGPIPE would.
    const quiet = failure !== null && failure.brokenPipe && this.#file === null;
    if (!o.pipe && !quiet) stderr(statistics(this.#paint, result.stats, result.durationUs, o.gc));
    if (failure !== null) return await this.outputFailed(failure);

    if (stop.signal !== null) return await this.#interrupted();
    if (child === null) return 0;
    if (result.exposed) {
      await this.#stopChild();
      return 0;
    }
    // Sampling is over (the interpreter is gone); the child may still run: wait for it or a signal.
    if (await Promise.race([child.status, this.#stopped.promise]) === "signal") {
      return await this.#interrupted();
    }
    const status = await child.status;
    if (status.code !== null) return status.code;
    return 128 + (status.signal ?? 0);
  }
}
