/**
 * One run of austin-deno from parsed arguments to exit code: open the
 * output, start or attach to the target (and its children with `-C`), find
 * the interpreters, then either sample until the end or, in where mode,
 * print every stack once (spec: austin-behaviour.md, sections 4, 7, 10).
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
import { ChildScanner } from "./children.ts";
import { type Logger, openLogger } from "./log.ts";
import { CollapsedWriter } from "./output/collapsed.ts";
import { footerMetadata, headerMetadata, type SampleWriter } from "./output/format.ts";
import { MojoWriter } from "./mojo/writer.ts";
import { render } from "./profile/render.ts";
import { ProfileWriter } from "./profile/writer.ts";
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
import { liveThread, runSampler, type StopRequest } from "./sampler.ts";
import { attach, type Target } from "./target.ts";

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
  try {
    return await new Run(options, platform, file, log).start();
  } finally {
    log.close();
    file?.close();
  }
}

/** The state of one run. */
class Run {
  readonly #options: Options;
  readonly #platform: Platform;
  readonly #out: SyncWriter;
  readonly #outFd: number;
  readonly #log: Logger;
  readonly #paint: Paint;
  #child: ChildProcess | null = null;
  #top = 0;

  constructor(options: Options, platform: Platform, file: Deno.FsFile | null, log: Logger) {
    this.#options = options;
    this.#platform = platform;
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

  /** Ends a launched child that austin-deno gives up on. */
  async #stopChild(): Promise<void> {
    if (this.#child === null) return;
    this.#child.kill("SIGTERM");
    await this.#child.status;
  }

  async start(): Promise<number> {
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

  async #findOne(): Promise<Target[] | number> {
    const result = attach(this.#platform, this.#top, this.#options.timeout);
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
    const result = attach(this.#platform, this.#top, o.timeout);
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
    try {
      sink.flush();
    } catch {
      // reader gone
    }
    return 0;
  }

  /** Samples until the processes end, the exposure runs out or a signal arrives. */
  async #sample(targets: Target[]): Promise<number> {
    const o = this.#options;
    const platform = this.#platform;
    const child = this.#child;
    const stop: StopRequest = { signal: null };
    const onInt = () => stop.signal = "SIGINT";
    const onTerm = () => stop.signal = "SIGTERM";
    Deno.addSignalListener("SIGINT", onInt);
    Deno.addSignalListener("SIGTERM", onTerm);

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
    const housekeeping = (): boolean => {
      for (let i = targets.length - 1; i >= 0; i--) {
        const t = targets[i];
        const alive = t.pid === this.#top ? topAlive() : platform.processState(t.pid) === "alive";
        if (!alive) targets.splice(i, 1);
      }
      if (scanner !== null) {
        const found = scanner.scan(known(), 0);
        for (const t of found) this.#childVersion(t);
        targets.unshift(...found);
        return targets.length > 0 || topAlive();
      }
      return targets.length > 0;
    };

    let result;
    try {
      writer.header(headerMetadata({
        intervalUs: o.interval,
        mode,
        memoryKiB: mode === "memory" || mode === "full" ? platform.physicalMemoryKiB() : undefined,
        multiprocess: o.children,
        python: o.pipe ? top.version : undefined,
      }));
      sink.flush();
      result = await runSampler(
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
      writer.footer(footerMetadata(result.durationUs, result.stats, o.gc, o.pipe));
      if (this.#pictures !== null && o.format !== "austin") {
        const title = o.command.length > 0 ? o.command.join(" ") : `PID ${this.#top}`;
        sink.writeBytes(await render(o.format, this.#pictures.profile(), title));
      }
      sink.flush();
    } catch (e) {
      if (!(e instanceof Deno.errors.BrokenPipe)) throw e;
      // The reader went away: end quietly, as a process killed by SIGPIPE would.
      this.#log.error("Output pipe closed");
      return 141;
    } finally {
      Deno.removeSignalListener("SIGINT", onInt);
      Deno.removeSignalListener("SIGTERM", onTerm);
    }
    this.#log.info("Sampling finished");
    if (!o.pipe) stderr(statistics(this.#paint, result.stats, result.durationUs, o.gc));

    if (stop.signal !== null) {
      if (child !== null) {
        child.kill(stop.signal);
        await child.status;
      }
      return stop.signal === "SIGINT" ? 254 : 241;
    }
    if (child === null) return 0;
    if (result.exposed) {
      await this.#stopChild();
      return 0;
    }
    const status = await child.status;
    if (status.code !== null) return status.code;
    return 128 + (status.signal ?? 0);
  }
}
