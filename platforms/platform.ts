/**
 * The operating-system services the sampler needs, behind one interface.
 * Each OS gets a module in this folder that implements {@link Platform}.
 *
 * A system call's failure is an OS error ({@link isOsError}): what the
 * methods that may fail throw, and what the callers that expect one catch.
 *
 * @module
 */

import type { MemoryMap, ProcessState, RemoteMemory } from "../lib/process.ts";

export type { MemoryMap, ProcessState, ReadBuffer, RemoteMemory } from "../lib/process.ts";

/** How a process exited. */
export interface ExitStatus {
  /** Exit code when it exited by itself, else null. */
  code: number | null;
  /** Number of the signal that killed it, else null. */
  signal: number | null;
}

/** A child process started by the sampler. */
export interface ChildProcess {
  /** Its process id. */
  readonly pid: number;
  /** Resolves when the child has exited and been reaped. */
  readonly status: Promise<ExitStatus>;
  /** True once the child has exited (zombie or reaped). */
  exited(): boolean;
  /** Sends a signal (e.g. "SIGTERM"); never throws. */
  kill(signal: Deno.Signal): void;
}

/** Monotonic time and precise sleeping. */
export interface Clock {
  /** Microseconds on a monotonic clock that also counts suspend time. */
  nowUs(): number;
  /** Sleeps until `deadlineUs` (a value of {@link Clock.nowUs}). */
  sleepUntilUs(deadlineUs: number): void;
}

/** A connected datagram socket: what syslog messages are sent over. */
export interface DatagramSocket {
  /**
   * Sends one datagram, without blocking; false when it was not sent (the
   * reader went away, or its queue is full).
   */
  send(bytes: Uint8Array): boolean;
  /** Closes the socket; later sends fail. Calling it again does nothing. */
  close(): void;
}

/** Everything the sampler asks of the operating system. */
export interface Platform {
  /**
   * Opens a process's memory for reading (for a number that cannot be a
   * process id, a memory whose every read fails with ESRCH).
   */
  openMemory(pid: number): RemoteMemory;
  /**
   * Whether a process exists and can be looked at. A number that cannot be
   * a process id (not an integer from 1 to the kernel's `pid_max`) is
   * "missing".
   */
  processState(pid: number): ProcessState;
  /**
   * A token of the program the process runs, new at each `exec`: the
   * process keeps its id but its memory is another's. "" when it cannot be
   * read (the process is gone, or may not be read).
   */
  execToken(pid: number): string;
  /** The memory map of a process. Throws Deno.errors.NotFound / PermissionDenied. */
  memoryMaps(pid: number): MemoryMap[];
  /** Path of the process's executable as the process sees it (without " (deleted)"). */
  executable(pid: number): string;
  /**
   * Paths under which this process can open a file the target has mapped,
   * best first: through the target's root directory, then the mapping itself.
   */
  mappedFileCandidates(pid: number, map: MemoryMap): string[];
  /** Every process of the system: pid → parent pid. */
  listProcesses(): Map<number, number>;
  /** The process's id in its own (innermost) PID namespace: what its threads see. */
  namespacePid(pid: number): number;
  /** Kernel thread ids of the process. */
  threadIds(pid: number): number[];
  /** Whether a thread is idle (its scheduler state is not running). */
  threadIdle(pid: number, tid: number): boolean;
  /** Resident set size of the process in bytes, or -1. */
  residentBytes(pid: number): number;
  /** Total physical memory in KiB. */
  physicalMemoryKiB(): number;
  /** Starts a command. Throws Deno.errors.NotFound when it cannot be run. */
  spawn(command: string, args: string[], stdoutToNull: boolean): ChildProcess;
  /** The clock. */
  readonly clock: Clock;
  /** Whether a file descriptor is a terminal. */
  isTerminal(fd: number): boolean;
  /**
   * Connects a datagram socket to the Unix socket at `path`; null when there
   * is none there, it cannot be connected, or this process may not.
   */
  connectDatagram(path: string): DatagramSocket | null;
}

/**
 * Whether `e` is the failure of a system call as Deno reports it: an Error
 * (a `Deno.errors` class, a TypeError for EINVAL, a plain Error for an
 * errno Deno does not classify, such as ESRCH) whose `code` is the errno's
 * name (`ENOENT`, `EACCES`...) or whose message ends in `(os error N)`.
 * Anything else thrown is not the system's answer but a bug.
 */
export function isOsError(e: unknown): e is Error {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  if (typeof code === "string" && /^E[A-Z0-9]+$/.test(code)) return true;
  return /\(os error \d+\)/.test(e.message);
}
