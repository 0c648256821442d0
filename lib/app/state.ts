/**
 * The state of one run, shared by its steps (search, where mode, sampling,
 * output failure), and what ends it: a fatal message, a signal, or the end
 * of the launched child.
 *
 * @module
 */

import type { ChildProcess, Platform } from "../../platforms/platform.ts";
import { type Fatal, formatFatal } from "../cli/messages.ts";
import type { Options } from "../cli/options.ts";
import type { Logger } from "../log.ts";
import type { OutputSink } from "../output/sink.ts";
import { colourWanted, type Paint, plain, withColour } from "../output/terminal.ts";
import { endChild } from "./child.ts";
import { STOP_SIGNALS, StopSignals } from "./signals.ts";
import { stderr } from "./streams.ts";

/** The state of one run. */
export class RunState {
  /** How stderr is painted. */
  readonly paint: Paint;
  /** The signals that end the run. */
  readonly signals: StopSignals = new StopSignals();
  /** The command austin-deno launched, or null (`-p`). */
  child: ChildProcess | null = null;
  /** The pid of the top process: the launched command or the `-p` one. */
  top = 0;

  /**
   * @param options The parsed options.
   * @param platform The operating system.
   * @param file The `-o` file, or null for stdout.
   * @param sink The output, buffered.
   * @param log The syslog logger.
   */
  constructor(
    readonly options: Options,
    readonly platform: Platform,
    readonly file: Deno.FsFile | null,
    readonly sink: OutputSink,
    readonly log: Logger,
  ) {
    this.paint = colourWanted(platform.isTerminal(2)) ? withColour : plain;
  }

  /** Ends the run with a fatal condition: logs `detail`, writes its message; its exit code. */
  fail(fatal: Fatal, detail: string): number {
    this.log.critical(detail);
    stderr(formatFatal(fatal));
    return fatal.code;
  }

  /** Ends a launched child that austin-deno gives up on (SIGTERM). */
  async stopChild(): Promise<void> {
    if (this.child !== null) await endChild(this.child, "SIGTERM", this.log);
  }

  /** A signal asked the run to end: the launched child gets it too; the signal's exit code. */
  async interrupted(): Promise<number> {
    const signal = this.signals.request.signal ?? "SIGTERM";
    this.log.info(`Interrupted by ${signal}`);
    if (this.child !== null) await endChild(this.child, signal, this.log);
    return STOP_SIGNALS[signal];
  }

  /**
   * The end of every run, whatever ended it: a launched child still running
   * is ended and reaped, and the signal listeners are removed.
   */
  async end(): Promise<void> {
    try {
      await this.stopChild();
    } finally {
      this.signals.remove();
    }
  }
}
