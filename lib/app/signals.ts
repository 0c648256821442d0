/**
 * The signals that end a run: from its start to its end, SIGINT, SIGTERM
 * and SIGHUP ask it to end (instead of killing austin-deno and leaving a
 * launched child behind), and each has its exit code.
 *
 * @module
 */

/** The signals that end a run, and the exit code after each (Austin's for SIGINT, SIGTERM). */
export const STOP_SIGNALS = { SIGINT: 254, SIGTERM: 241, SIGHUP: 128 + 1 } as const;

/** A signal that ends a run. */
export type StopSignal = keyof typeof STOP_SIGNALS;

/** Listens for the signals that end a run; the first one to arrive is kept. */
export class StopSignals {
  /** The signal that asked the run to end, set by the listeners (null: none yet). */
  readonly request: { signal: StopSignal | null } = { signal: null };
  readonly #stopped = Promise.withResolvers<"signal">();
  readonly #listeners: Array<[Deno.Signal, () => void]> = [];

  /** Resolves when a signal asks the run to end. */
  get stopped(): Promise<"signal"> {
    return this.#stopped.promise;
  }

  /** Whether a signal asked the run to end. */
  get received(): boolean {
    return this.request.signal !== null;
  }

  /** Starts listening. */
  listen(): void {
    for (const signal of Object.keys(STOP_SIGNALS) as StopSignal[]) {
      const listener = () => {
        if (this.request.signal !== null) return;
        this.request.signal = signal;
        this.#stopped.resolve("signal");
      };
      Deno.addSignalListener(signal, listener);
      this.#listeners.push([signal, listener]);
    }
  }

  /** Stops listening (the signals kill austin-deno again). Calling it again does nothing. */
  remove(): void {
    for (const [signal, listener] of this.#listeners) Deno.removeSignalListener(signal, listener);
    this.#listeners.length = 0;
  }
}
