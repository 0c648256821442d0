/**
 * Windows implementation of {@link Platform}: `ReadProcessMemory` for
 * memory, psapi and `VirtualQueryEx` for maps, Toolhelp snapshots for
 * processes and threads, `NtQuerySystemInformation` for thread states,
 * `QueryPerformanceCounter` and a high-resolution waitable timer for time.
 *
 * Nothing here calls the OS before it is first asked something: kernel32
 * and ntdll are opened on first use, so the module loads, and a
 * {@link WindowsPlatform} is constructed, on any OS.
 *
 * @module
 */

import { spawnChild } from "./child.ts";
import { TWO_32, u64 } from "../lib/bytes.ts";
import { NoMemory } from "./no_memory.ts";
import {
  CREATE_WAITABLE_TIMER_HIGH_RESOLUTION,
  ERROR_ACCESS_DENIED,
  INFINITE,
  kernel32,
  MEMORYSTATUSEX,
  PROCESS_MEMORY_COUNTERS,
  PROCESS_QUERY_LIMITED_INFORMATION,
  STILL_ACTIVE,
  SYNCHRONIZE,
  TIMER_ALL_ACCESS,
  WAIT_OBJECT_0,
  WAIT_TIMEOUT,
} from "../ffi/kernel32.ts";
import type {
  ChildProcess,
  Clock,
  DatagramSocket,
  MemoryMap,
  Platform,
  ProcessState,
  RemoteMemory,
} from "./platform.ts";
import { isOsError } from "./platform.ts";
import { windowsExecutable, windowsMemoryMaps } from "./windows_maps.ts";
import {
  openProcess,
  possiblePid,
  WindowsBuffer,
  WindowsMemory,
  withProcess,
} from "./windows_memory.ts";
import { ThreadStates, windowsProcesses, windowsThreadIds } from "./windows_threads.ts";

/**
 * Whether a process exists and can be looked at. A handle that can wait
 * tells exit exactly (the process object is signalled); with the limited
 * right alone, the exit code does (a process that exited with 259,
 * `STILL_ACTIVE`, then reads as alive). An exited process whose object
 * someone still holds open is "exited" (Linux's zombie); once the last
 * handle is closed its pid is unknown: "missing".
 */
function windowsProcessState(pid: number): ProcessState {
  if (!possiblePid(pid)) return "missing";
  const k = kernel32();
  let handle = openProcess(pid, PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE);
  let canWait = true;
  if (handle === ERROR_ACCESS_DENIED) {
    handle = openProcess(pid, PROCESS_QUERY_LIMITED_INFORMATION);
    canWait = false;
  }
  if (typeof handle === "number") return handle === ERROR_ACCESS_DENIED ? "denied" : "missing";
  try {
    if (canWait) {
      const waited = k.WaitForSingleObject(handle, 0);
      if (waited === WAIT_OBJECT_0) return "exited";
      if (waited === WAIT_TIMEOUT) return "alive";
    }
    const code = new Uint32Array(1);
    if (k.GetExitCodeProcess(handle, code) === 0) return "denied";
    return code[0] === STILL_ACTIVE ? "alive" : "exited";
  } finally {
    k.CloseHandle(handle);
  }
}

/** Spin only this close to a deadline: the waitable timer never wakes early by more. */
const SPIN_US = 50;

/**
 * Time from `QueryPerformanceCounter`, which Microsoft documents as counting
 * the ticks since boot including the time the machine was in standby,
 * hibernation or connected standby: the monotonic, suspend-counting clock
 * {@link Clock} asks for (Linux's CLOCK_BOOTTIME, not CLOCK_MONOTONIC).
 * Sleeps wait on a high-resolution waitable timer (Windows 10 1803+; a
 * normal one, at the system timer's resolution, before), then spin the
 * last few µs if the timer fired before the deadline.
 */
class WindowsClock implements Clock {
  /** Counter ticks per second; 0 until first read. */
  #frequency = 0;
  readonly #counter = new Uint32Array(2);
  /** The due time of the timer: a LARGE_INTEGER, negative (relative), in 100 ns. */
  readonly #due = new Uint32Array(2);
  #timer: Deno.PointerValue | undefined = undefined;

  nowUs(): number {
    const k = kernel32();
    if (this.#frequency === 0) {
      k.QueryPerformanceFrequency(this.#counter);
      this.#frequency = this.#counter[0] + this.#counter[1] * TWO_32;
    }
    k.QueryPerformanceCounter(this.#counter);
    const ticks = this.#counter[0] + this.#counter[1] * TWO_32;
    const f = this.#frequency;
    // Seconds and the remainder apart: ticks * 1e6 would lose precision past 2^53.
    const seconds = Math.floor(ticks / f);
    return seconds * 1e6 + Math.floor(((ticks - seconds * f) * 1e6) / f);
  }

  sleepUntilUs(deadlineUs: number): void {
    let left = deadlineUs - this.nowUs();
    if (left > SPIN_US) {
      const timer = this.#waitableTimer();
      if (timer !== null) {
        this.#setDue(Math.round(left * 10));
        const k = kernel32();
        if (k.SetWaitableTimer(timer, this.#due, 0, null, null, 0) !== 0) {
          k.WaitForSingleObject(timer, INFINITE);
        }
      }
      left = deadlineUs - this.nowUs();
    }
    while (left > 0) left = deadlineUs - this.nowUs();
  }

  /** The timer, made on first use: high-resolution where Windows has them; null if none. */
  #waitableTimer(): Deno.PointerValue {
    if (this.#timer === undefined) {
      const k = kernel32();
      this.#timer = k.CreateWaitableTimerExW(
        null,
        null,
        CREATE_WAITABLE_TIMER_HIGH_RESOLUTION,
        TIMER_ALL_ACCESS,
      ) ?? k.CreateWaitableTimerExW(null, null, 0, TIMER_ALL_ACCESS);
    }
    return this.#timer;
  }

  /** Writes `-units` as the two's-complement LARGE_INTEGER due time. */
  #setDue(units: number): void {
    const lo = units % TWO_32;
    const hi = Math.floor(units / TWO_32);
    this.#due[0] = -lo >>> 0;
    this.#due[1] = (~hi + (lo === 0 ? 1 : 0)) >>> 0;
  }
}

/** The Windows platform. */
export class WindowsPlatform implements Platform {
  readonly clock: Clock = new WindowsClock();
  readonly #threads = new ThreadStates(() => this.clock.nowUs());

  openMemory(pid: number): RemoteMemory {
    return possiblePid(pid)
      ? new WindowsMemory(pid)
      : new NoMemory(pid, (size) => new WindowsBuffer(size));
  }

  processState(pid: number): ProcessState {
    return windowsProcessState(pid);
  }

  /**
   * Windows has no exec: a process runs one program for its life. The
   * token is its creation time (GetProcessTimes, in hex), which tells
   * apart a later process that is given the same pid.
   */
  execToken(pid: number): string {
    if (!possiblePid(pid)) return "";
    const handle = openProcess(pid, PROCESS_QUERY_LIMITED_INFORMATION);
    if (typeof handle === "number") return "";
    const k = kernel32();
    try {
      const times = new Uint32Array(8);
      const ok = k.GetProcessTimes(
        handle,
        times.subarray(0, 2),
        times.subarray(2, 4),
        times.subarray(4, 6),
        times.subarray(6, 8),
      );
      if (ok === 0) return "";
      return `${times[1].toString(16)}:${times[0].toString(16).padStart(8, "0")}`;
    } finally {
      k.CloseHandle(handle);
    }
  }

  /** See {@link windowsMemoryMaps}. */
  memoryMaps(pid: number): MemoryMap[] {
    return windowsMemoryMaps(pid);
  }

  /** See {@link windowsExecutable}. */
  executable(pid: number): string {
    return windowsExecutable(pid);
  }

  /** The map's own path: any process may open a file another has loaded. */
  mappedFileCandidates(_pid: number, map: MemoryMap): string[] {
    return map.path === "" ? [] : [map.path];
  }

  listProcesses(): Map<number, number> {
    return windowsProcesses();
  }

  /** Windows has no PID namespaces: the pid itself. */
  namespacePid(pid: number): number {
    return pid;
  }

  threadIds(pid: number): number[] {
    return windowsThreadIds(pid);
  }

  /** See {@link ThreadStates.idle}: one system snapshot serves a whole pass. */
  threadIdle(pid: number, tid: number): boolean {
    return this.#threads.idle(pid, tid);
  }

  /** The working set (K32GetProcessMemoryInfo), Windows' resident set. */
  residentBytes(pid: number): number {
    if (!possiblePid(pid)) return -1;
    try {
      return withProcess(pid, PROCESS_QUERY_LIMITED_INFORMATION, (handle) => {
        const counters = new Uint8Array(PROCESS_MEMORY_COUNTERS.size);
        const view = new DataView(counters.buffer);
        view.setUint32(0, counters.length, true);
        if (kernel32().K32GetProcessMemoryInfo(handle, counters, counters.length) === 0) return -1;
        return u64(view, PROCESS_MEMORY_COUNTERS.workingSetSize);
      });
    } catch (e) {
      // gone, or may not be looked at
      if (!isOsError(e)) throw e;
      return -1;
    }
  }

  /** GlobalMemoryStatusEx's total physical memory; 0 when not known. */
  physicalMemoryKiB(): number {
    const status = new Uint8Array(MEMORYSTATUSEX.size);
    const view = new DataView(status.buffer);
    view.setUint32(0, status.length, true);
    if (kernel32().GlobalMemoryStatusEx(status) === 0) return 0;
    return Math.floor(u64(view, MEMORYSTATUSEX.totalPhys) / 1024);
  }

  spawn(command: string, args: string[], stdoutToNull: boolean): ChildProcess {
    return spawnChild(command, args, stdoutToNull, {}, windowsProcessState);
  }

  /**
   * Whether fd 0, 1 or 2 is a terminal, as Deno tells it (a console, and
   * also an MSYS2 / Cygwin pty, which GetConsoleMode alone calls a pipe);
   * no other fd is.
   */
  isTerminal(fd: number): boolean {
    if (fd === 0) return Deno.stdin.isTerminal();
    if (fd === 1) return Deno.stdout.isTerminal();
    if (fd === 2) return Deno.stderr.isTerminal();
    return false;
  }

  /** Windows has no syslog socket (Austin logs to a file there): always null. */
  connectDatagram(_path: string): DatagramSocket | null {
    return null;
  }
}
