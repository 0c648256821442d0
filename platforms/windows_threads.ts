/**
 * Processes and threads of a Windows system: the Toolhelp snapshots for
 * the process table and a process's thread ids, and the scheduler states
 * of threads from `NtQuerySystemInformation`.
 *
 * @module
 */

import {
  kernel32,
  PROCESSENTRY32W,
  TH32CS_SNAPPROCESS,
  TH32CS_SNAPTHREAD,
  THREADENTRY32,
} from "../ffi/kernel32.ts";
import {
  KTHREAD_STATE_RUNNING,
  ntdll,
  SPI,
  STATUS_INFO_LENGTH_MISMATCH,
  STATUS_SUCCESS,
  STI,
  SystemProcessInformation,
} from "../ffi/ntdll.ts";

/** `INVALID_HANDLE_VALUE`, what CreateToolhelp32Snapshot returns when it fails. */
const INVALID_HANDLE_VALUE = Deno.UnsafePointer.create(0xffffffffffffffffn);

/**
 * Calls `visit` with a view of each entry of a Toolhelp snapshot of `kind`
 * (`size`-byte entries walked with `first` / `next`). Nothing when no
 * snapshot can be taken.
 */
function walkSnapshot(
  kind: number,
  size: number,
  first: (snapshot: Deno.PointerObject, entry: Uint8Array) => number,
  next: (snapshot: Deno.PointerObject, entry: Uint8Array) => number,
  visit: (entry: DataView) => void,
): void {
  const k = kernel32();
  const snapshot = k.CreateToolhelp32Snapshot(kind, 0);
  if (snapshot === null || Deno.UnsafePointer.equals(snapshot, INVALID_HANDLE_VALUE)) return;
  try {
    const entry = new Uint8Array(size);
    const view = new DataView(entry.buffer);
    // dwSize, which the calls check, must be set before the first.
    view.setUint32(0, size, true);
    for (let ok = first(snapshot, entry); ok !== 0; ok = next(snapshot, entry)) visit(view);
  } finally {
    k.CloseHandle(snapshot);
  }
}

/** Every process of the system, pid → parent pid, from a Toolhelp process snapshot. */
export function windowsProcesses(): Map<number, number> {
  const table = new Map<number, number>();
  const k = kernel32();
  walkSnapshot(
    TH32CS_SNAPPROCESS,
    PROCESSENTRY32W.size,
    k.Process32FirstW,
    k.Process32NextW,
    (entry) => {
      table.set(
        entry.getUint32(PROCESSENTRY32W.processId, true),
        entry.getUint32(PROCESSENTRY32W.parentProcessId, true),
      );
    },
  );
  return table;
}

/**
 * The thread ids of a process, from a Toolhelp thread snapshot (which holds
 * every thread of the system, whatever pid it is given): empty when the
 * process is gone.
 */
export function windowsThreadIds(pid: number): number[] {
  const tids: number[] = [];
  const k = kernel32();
  walkSnapshot(TH32CS_SNAPTHREAD, THREADENTRY32.size, k.Thread32First, k.Thread32Next, (entry) => {
    if (entry.getUint32(THREADENTRY32.ownerProcessId, true) === pid) {
      tids.push(entry.getUint32(THREADENTRY32.threadId, true));
    }
  });
  return tids;
}

/**
 * How long one system snapshot answers {@link ThreadStates.idle}, in µs.
 * Windows has no per-thread state query: the only public source is the
 * whole system's process and thread list, a call that costs about as much
 * as a whole sampling pass. One pass asks for each thread of a target in
 * quick succession, so a snapshot younger than this serves them all; it
 * is short enough that the next pass (at Austin's 100 µs default interval,
 * or any longer one) usually takes a new snapshot, at worst seeing states
 * this much older.
 */
export const SNAPSHOT_TTL_US = 2000;

/** The first size tried for the system snapshot; it grows to what the system needs. */
const FIRST_SNAPSHOT_SIZE = 1 << 20;

/**
 * Threads' scheduler states from `NtQuerySystemInformation(SystemProcessInformation)`,
 * one snapshot for the many questions of a pass (see {@link SNAPSHOT_TTL_US}).
 */
export class ThreadStates {
  #buffer = new Uint8Array(FIRST_SNAPSHOT_SIZE);
  readonly #returned = new Uint32Array(1);
  /** When the snapshot in #buffer was taken; -Infinity when there is none. */
  #takenUs = -Infinity;
  /** Per pid, its threads' idleness in the current snapshot (tid → idle). */
  readonly #byPid = new Map<number, Map<number, boolean>>();

  /** @param nowUs the clock the snapshot's age is measured with. */
  constructor(readonly nowUs: () => number) {}

  /**
   * Whether a thread is idle: its `ThreadState` is not `Running` (as Austin
   * does on Windows: `Ready` and `Standby` threads, runnable but not on a
   * processor, count as idle). A thread not in the snapshot, or no
   * snapshot, counts as idle, as an unreadable thread does on Linux.
   */
  idle(pid: number, tid: number): boolean {
    const now = this.nowUs();
    if (now - this.#takenUs > SNAPSHOT_TTL_US || now < this.#takenUs) {
      this.#byPid.clear();
      this.#takenUs = this.#take() ? now : -Infinity;
    }
    let threads = this.#byPid.get(pid);
    if (threads === undefined) {
      threads = this.#threadsOf(pid);
      this.#byPid.set(pid, threads);
    }
    return threads.get(tid) ?? true;
  }

  /** Takes a snapshot into #buffer, growing it as needed; false when none could be taken. */
  #take(): boolean {
    const query = ntdll().NtQuerySystemInformation;
    for (let attempt = 0; attempt < 4; attempt++) {
      const status = query(
        SystemProcessInformation,
        this.#buffer,
        this.#buffer.length,
        this.#returned,
      );
      if (status === STATUS_SUCCESS) return true;
      if (status !== STATUS_INFO_LENGTH_MISMATCH) break;
      // Processes may start before the next try: room for them.
      this.#buffer = new Uint8Array(Math.max(this.#returned[0], this.#buffer.length) + (1 << 16));
    }
    return false;
  }

  /** The threads of `pid` in the current snapshot (none when there is none). */
  #threadsOf(pid: number): Map<number, boolean> {
    const threads = new Map<number, boolean>();
    if (this.#takenUs === -Infinity) return threads;
    const b = this.#buffer;
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    for (let at = 0; at + SPI.threads <= b.length;) {
      // Ids are below 2^32: the low half of the HANDLE-sized field.
      if (view.getUint32(at + SPI.uniqueProcessId, true) === pid) {
        const count = view.getUint32(at + SPI.numberOfThreads, true);
        for (let i = 0; i < count; i++) {
          const t = at + SPI.threads + i * STI.size;
          if (t + STI.size > b.length) break;
          const state = view.getUint32(t + STI.threadState, true);
          threads.set(view.getUint32(t + STI.uniqueThread, true), state !== KTHREAD_STATE_RUNNING);
        }
        break;
      }
      const next = view.getUint32(at + SPI.nextEntryOffset, true);
      if (next === 0) break;
      at += next;
    }
    return threads;
  }
}
