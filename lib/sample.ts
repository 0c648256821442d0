/**
 * The contract between sampling and output: what one thread sample holds,
 * the metric modes, metadata, and the interface every output format
 * implements. The walker (lib/python/) fills a {@link Stack}; writers
 * (lib/output/) read it through {@link ThreadStack} and keep their own
 * caches (encoded text, MOJO keys), keyed by the {@link Code} objects,
 * which stay the same object for as long as the sampler caches them.
 *
 * A failed write of the output is an {@link OutputError}: the sampler
 * stops on it and hands it back; output throws it.
 *
 * Nothing here reads a process: this module imports nothing.
 *
 * @module
 */

/** The metric modes: wall time, CPU time (`-s`), memory (`-m`), all three (`-f`). */
export type Mode = "wall" | "cpu" | "memory" | "full";

/** Metadata of a header or footer, as ordered key/value pairs. */
export type Metadata = ReadonlyArray<readonly [key: string, value: string]>;

/** The most frames a stack holds; deeper stacks are cut to their innermost frames. */
export const MAX_FRAMES = 2048;

/**
 * Where in its source a frame is. Lines are 1-based; columns are 0-based
 * with an exclusive end, as CPython's location tables give them. A part
 * that is not known is -1: before 3.11 everything but the line; from 3.11
 * the columns of an entry without them (its `endLine` is then its line).
 */
export interface Location {
  line: number;
  endLine: number;
  column: number;
  endColumn: number;
}

/** What output sees of a code object: its names and how to locate a position in it. */
export interface Code {
  /** The source file name, as the code object holds it. */
  readonly filename: string;
  /** The function's name, or its qualified name from 3.11. */
  readonly scope: string;
  /**
   * Keys of the filename and scope strings in the target: equal keys of one
   * process name the same text for as long as the code object is cached.
   */
  readonly filenameKey: number;
  readonly scopeKey: number;
  /** The source location of `position` (see {@link ThreadStack.positions}), written into `out`. */
  location(position: number, out: Location): Location;
}

/**
 * A read-only view of one thread's stack at one sample, innermost frame
 * first (index 0). It is reused: what it holds is valid until the sampler
 * takes its next sample.
 */
export interface ThreadStack {
  /** Interpreter id (0 for the main interpreter). */
  readonly interpreterId: number;
  /** Kernel thread id. */
  readonly threadId: number;
  /** Frames held, in `codes[0..depth)` and the arrays beside it. */
  readonly depth: number;
  /** The walk failed or was cut short: the frames held are the innermost ones that were read. */
  readonly invalid: boolean;
  /** The code object of each frame. */
  readonly codes: ArrayLike<Code>;
  /** The line being executed in each frame. */
  readonly lines: ArrayLike<number>;
  /**
   * Each frame's code object address in the target and its position in it
   * (the bytecode offset up to 3.10, the code unit from 3.11): together,
   * a frame's identity. The position is what {@link Code.location} takes.
   */
  readonly codeAddresses: ArrayLike<number>;
  readonly positions: ArrayLike<number>;
}

/** A {@link ThreadStack} that can be filled: what the walker writes into and tests build. */
export class Stack implements ThreadStack {
  interpreterId = 0;
  threadId = 0;
  depth = 0;
  invalid = false;
  readonly codes: Code[] = new Array(MAX_FRAMES);
  readonly lines = new Int32Array(MAX_FRAMES);
  readonly codeAddresses = new Float64Array(MAX_FRAMES);
  readonly positions = new Float64Array(MAX_FRAMES);
}

/** A writer of samples in one output format. */
export interface SampleWriter {
  /** The header's metadata. */
  header(meta: Metadata): void;
  /**
   * One thread sample of process `pid` and its metrics: `time` in µs,
   * `idle` (the thread was not running), `memory` (the change of resident
   * memory, in bytes), `gc` (the interpreter was collecting garbage).
   */
  sample(
    pid: number,
    stack: ThreadStack,
    gc: boolean,
    time: number,
    idle: boolean,
    memory: number,
  ): void;
  /** The footer's metadata. */
  footer(meta: Metadata): void;
}

/**
 * A code object known by its names alone, for stacks that were not read
 * out of a process (tests, stacks built from a recording): its locations
 * are not known.
 */
export class NamedCode implements Code {
  constructor(
    readonly filename: string,
    readonly scope: string,
    readonly filenameKey = 0,
    readonly scopeKey = 0,
  ) {}

  /** Nothing is known: every part is -1. */
  location(_position: number, out: Location): Location {
    out.line =
      out.endLine =
      out.column =
      out.endColumn =
        -1;
    return out;
  }
}

/** A write of the output failed: the reason, and whether a pipe's reader went away. */
export class OutputError extends Error {
  /** The write failed with EPIPE: nobody reads the pipe any more. */
  readonly brokenPipe: boolean;

  /** Wraps what the writer threw; the message is its reason without Deno's "(os error N)". */
  constructor(cause: unknown) {
    const text = cause instanceof Error ? cause.message : String(cause);
    super(text.replace(/\s*\(os error \d+\)$/, ""), { cause });
    this.name = "OutputError";
    this.brokenPipe = cause instanceof Deno.errors.BrokenPipe;
  }
}

/** What the sampler flushes the output through: written out, or an {@link OutputError} thrown. */
export interface Flushable {
  /** Writes out everything buffered; throws an {@link OutputError} when a write fails. */
  flush(): void;
}
