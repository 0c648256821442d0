/**
 * What an interpreter is doing right now, beyond its stacks: which thread
 * holds the GIL and whether its garbage collector runs (spec:
 * cpython-layouts.md, section 6). Read once per pass, for the `-g` and `-G`
 * options; a failed read means "nobody" and "not collecting".
 *
 * @module
 */

import type { RemoteMemory } from "../process.ts";
import type { Runtime } from "./discovery.ts";
import { Remote } from "./remote.ts";

/** Reads an interpreter's GIL holder and GC state. */
export class InterpreterProbes {
  readonly #remote: Remote;
  readonly #runtime: Runtime;

  /** Probes for the interpreters of `runtime`, read through `memory`. */
  constructor(memory: RemoteMemory, runtime: Runtime) {
    this.#remote = new Remote(memory, 8);
    this.#runtime = runtime;
  }

  /** The thread state that holds the GIL of interpreter `interp`, or 0. */
  gilHolder(interp: number): number {
    const runtime = this.#runtime;
    const remote = this.#remote;
    const layout = runtime.layout;
    if (runtime.tstateCurrentAddress !== 0) {
      return Math.max(remote.pointer(runtime.tstateCurrentAddress), 0);
    }
    if (layout.interpreter.cevalGil < 0 || interp === 0) return 0;
    const gil = remote.pointer(interp + layout.interpreter.cevalGil);
    if (gil <= 0 || remote.u32(gil + layout.gil.locked) <= 0) return 0;
    return Math.max(remote.pointer(gil + layout.gil.lastHolder), 0);
  }

  /** Whether the garbage collector of interpreter `interp` is collecting. */
  collecting(interp: number): boolean {
    const runtime = this.#runtime;
    if (runtime.gcCollectingAddress !== 0) {
      return this.#remote.u32(runtime.gcCollectingAddress) > 0;
    }
    const offset = runtime.layout.interpreter.gcCollecting;
    return offset >= 0 && interp !== 0 && this.#remote.u32(interp + offset) > 0;
  }
}
