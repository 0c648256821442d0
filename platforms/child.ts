/**
 * A child process started with `Deno.Command`, as every back-end hands it
 * to the sampler: its exit status told as a code or a signal number (each
 * OS numbers signals its own way), and a liveness probe of its own OS.
 *
 * @module
 */

import type { ChildProcess, ExitStatus, ProcessState } from "./platform.ts";
import { isOsError } from "./platform.ts";

/** Signal names as Deno reports them → this OS's signal numbers. */
export type SignalNumbers = Readonly<Record<string, number>>;

/** A child started with `Deno.Command`. */
export class CommandChild implements ChildProcess {
  readonly pid: number;
  readonly status: Promise<ExitStatus>;
  #done = false;
  readonly #process: Deno.ChildProcess;
  readonly #state: (pid: number) => ProcessState;

  /**
   * Wraps `process`; `signals` numbers the signal that killed it (Windows
   * reports none), and `state` tells whether it is still alive.
   */
  constructor(
    process: Deno.ChildProcess,
    signals: SignalNumbers,
    state: (pid: number) => ProcessState,
  ) {
    this.#process = process;
    this.#state = state;
    this.pid = process.pid;
    this.status = process.status.then((s) => {
      this.#done = true;
      if (s.signal !== null) {
        return { code: null, signal: signals[s.signal] ?? s.code - 128 };
      }
      return { code: s.code, signal: null };
    });
  }

  exited(): boolean {
    return this.#done || this.#state(this.pid) !== "alive";
  }

  kill(signal: Deno.Signal): void {
    if (this.#done) return;
    try {
      this.#process.kill(signal);
    } catch (e) {
      // Already gone: Deno throws a TypeError for a child it has reaped (or,
      // on Windows, for a signal it does not take), an OS error otherwise.
      if (!(e instanceof TypeError) && !isOsError(e)) throw e;
    }
  }
}

/**
 * Starts `command` with `args` as the sampler's child: stdin and stderr
 * inherited, stdout inherited or discarded. Throws Deno.errors.NotFound when
 * it cannot be run.
 */
export function spawnChild(
  command: string,
  args: string[],
  stdoutToNull: boolean,
  signals: SignalNumbers,
  state: (pid: number) => ProcessState,
): CommandChild {
  const process = new Deno.Command(command, {
    args,
    stdin: "inherit",
    stdout: stdoutToNull ? "null" : "inherit",
    stderr: "inherit",
  }).spawn();
  return new CommandChild(process, signals, state);
}
