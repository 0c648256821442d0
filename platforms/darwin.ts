/**
 * macOS implementation of {@link Platform}: Mach task ports for memory and
 * regions (`task_for_pid`, so root), libproc for processes and threads,
 * `mach_wait_until` for timing.
 *
 * Nothing here calls into the OS before it is used: libSystem is opened by
 * the first call that needs it, so this module can be imported, and a
 * {@link DarwinPlatform} constructed, on any OS.
 *
 * @module
 */

import { spawnChild } from "./child.ts";
import { u64 } from "../lib/bytes.ts";
import { NoMemory } from "./no_memory.ts";
import {
  CLOCK_MONOTONIC_RAW,
  CLOCK_UPTIME_RAW,
  EPERM,
  errno,
  ESRCH,
  libsystem,
  P_IDVERSION,
  P_UNIQUEID,
  P_UUID,
  PBSI_PPID,
  PBSI_STATUS,
  PROC_BSDSHORTINFO_SIZE,
  PROC_PIDLISTTHREADS,
  PROC_PIDPATHINFO_MAXSIZE,
  PROC_PIDT_SHORTBSDINFO,
  PROC_PIDTHREADINFO,
  PROC_PIDUNIQIDENTIFIERINFO,
  PROC_THREADINFO_SIZE,
  PROC_UNIQIDENTIFIERINFO_SIZE,
  PTH_RUN_STATE,
  RI_RESIDENT_SIZE,
  RUSAGE_INFO_V0,
  RUSAGE_INFO_V0_SIZE,
  SZOMB,
  TH_STATE_RUNNING,
} from "../ffi/libsystem.ts";
import type {
  ChildProcess,
  Clock,
  DatagramSocket,
  MemoryMap,
  Platform,
  ProcessState,
  RemoteMemory,
} from "./platform.ts";
import {
  osError,
  possiblePid,
  TaskBuffer,
  TaskMemory,
  TaskPorts,
  taskRegions,
} from "./darwin_memory.ts";
import { connectDarwinDatagram } from "./darwin_socket.ts";

/** macOS's signal numbers (<sys/signal.h>), by Deno's names. */
const SIGNAL_NUMBERS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGEMT: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGBUS: 10,
  SIGSEGV: 11,
  SIGSYS: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGUSR1: 30,
  SIGUSR2: 31,
};

/** Buffer of `struct proc_bsdshortinfo`, shared by the state probe and the process list. */
const shortInfo = new DataView(new ArrayBuffer(PROC_BSDSHORTINFO_SIZE));

/**
 * `kill(pid, 0)`, then the `p_stat` of the process: "exited" for a zombie
 * (`PROC_PIDT_SHORTBSDINFO` with a non-zero `arg` finds zombies; `kill`
 * succeeds on them).
 */
function darwinProcessState(pid: number): ProcessState {
  if (!possiblePid(pid)) return "missing";
  const s = libsystem();
  if (s.kill(pid, 0) !== 0) return errno() === EPERM ? "denied" : "missing";
  const n = s.proc_pidinfo(pid, PROC_PIDT_SHORTBSDINFO, 1, shortInfo, PROC_BSDSHORTINFO_SIZE);
  if (n < PROC_BSDSHORTINFO_SIZE) return errno() === ESRCH ? "missing" : "alive";
  return shortInfo.getUint32(PBSI_STATUS, true) === SZOMB ? "exited" : "alive";
}

/**
 * `clock_gettime(CLOCK_MONOTONIC_RAW)` for the time: nanoseconds that go on
 * while the Mac sleeps, unslewed, read from the commpage without a system
 * call. `mach_wait_until` to sleep: the precise wait (what audio threads
 * use), whose deadline is in `mach_absolute_time` ticks, a clock that stops
 * during sleep: the time left is added to `CLOCK_UPTIME_RAW` (that clock in
 * nanoseconds, read without the BigInt of `mach_absolute_time`'s u64) and
 * converted to ticks with `mach_timebase_info`.
 */
class DarwinClock implements Clock {
  readonly #spec = new Uint32Array(new ArrayBuffer(16));
  /** Ticks of `mach_absolute_time` per nanosecond (1 on Intel, 3/125 on Apple silicon); 0 until read. */
  #ticksPerNs = 0;

  nowUs(): number {
    return Math.floor(this.#ns(CLOCK_MONOTONIC_RAW) / 1000);
  }

  sleepUntilUs(deadlineUs: number): void {
    const leftNs = (deadlineUs - this.nowUs()) * 1000;
    if (leftNs <= 0) return;
    if (this.#ticksPerNs === 0) {
      const timebase = new Uint32Array(2); // struct mach_timebase_info { u32 numer, denom }
      libsystem().mach_timebase_info(timebase);
      this.#ticksPerNs = timebase[0] > 0 && timebase[1] > 0 ? timebase[1] / timebase[0] : 1;
    }
    const deadline = Math.floor((this.#ns(CLOCK_UPTIME_RAW) + leftNs) * this.#ticksPerNs);
    libsystem().mach_wait_until(deadline);
  }

  /** Nanoseconds on `clock` (a double: exact to the µs for centuries, to the ns for 104 days). */
  #ns(clock: number): number {
    const spec = this.#spec;
    libsystem().clock_gettime(clock, spec);
    return (spec[0] + spec[1] * 4294967296) * 1e9 + spec[2];
  }
}

/** Size of the growing buffers of pids and thread handles, at first. */
const FIRST_LIST_BYTES = 16384;

/** The macOS platform. */
export class DarwinPlatform implements Platform {
  readonly clock: Clock = new DarwinClock();
  readonly #ports = new TaskPorts();

  /**
   * A memory read through the process's task port, got once (at the first
   * read) and kept: without root, every read fails with -EPERM.
   */
  openMemory(pid: number): RemoteMemory {
    return possiblePid(pid)
      ? new TaskMemory(pid, this.#ports)
      : new NoMemory(pid, (size) => new TaskBuffer(size));
  }

  processState(pid: number): ProcessState {
    return darwinProcessState(pid);
  }

  /**
   * The process's `p_uniqueid`, `p_idversion` and main executable's UUID
   * (`PROC_PIDUNIQIDENTIFIERINFO`, which needs no privilege). The pid
   * version is new at each exec (xnu's `exec_handle_sugid` sets it from a
   * global counter and makes sure it differs), even when the same
   * executable is run again and address randomization is off; the unique
   * id, new at each fork and kept across exec, tells a reused pid apart.
   * macOS 10.15 and older report no pid version (0): there the UUID tells
   * only an exec of another executable. (The start time is kept across
   * exec, and dyld's image-info address needs the task port.)
   */
  execToken(pid: number): string {
    if (!possiblePid(pid)) return "";
    const info = this.#uniq;
    const n = libsystem().proc_pidinfo(
      pid,
      PROC_PIDUNIQIDENTIFIERINFO,
      0,
      info,
      PROC_UNIQIDENTIFIERINFO_SIZE,
    );
    if (n < PROC_UNIQIDENTIFIERINFO_SIZE) return "";
    let uuid = "";
    for (let i = 0; i < 16; i++) {
      uuid += info.getUint8(P_UUID + i).toString(16).padStart(2, "0");
    }
    return `${u64(info, P_UNIQUEID)}:${info.getInt32(P_IDVERSION, true)}:${uuid}`;
  }

  readonly #uniq = new DataView(new ArrayBuffer(PROC_UNIQIDENTIFIERINFO_SIZE));

  memoryMaps(pid: number): MemoryMap[] {
    return taskRegions(pid, this.#ports);
  }

  /** `proc_pidpath`. Throws as {@link osError} when the process is gone or may not be looked at. */
  executable(pid: number): string {
    if (!possiblePid(pid)) throw osError(`proc_pidpath(${pid})`, ESRCH);
    const path = new Uint8Array(PROC_PIDPATHINFO_MAXSIZE);
    const n = libsystem().proc_pidpath(pid, path, path.length);
    if (n <= 0) throw osError(`proc_pidpath(${pid})`, errno() || ESRCH);
    return new TextDecoder().decode(path.subarray(0, n));
  }

  /** The mapping's own path: macOS has no `/proc/PID/root` nor `map_files`. */
  mappedFileCandidates(_pid: number, map: MemoryMap): string[] {
    return map.path === "" ? [] : [map.path];
  }

  /** `proc_listallpids`, then each one's parent from `PROC_PIDT_SHORTBSDINFO` (pid 0, the kernel, left out). */
  listProcesses(): Map<number, number> {
    const s = libsystem();
    let pids = new Int32Array(FIRST_LIST_BYTES / 4);
    let n = s.proc_listallpids(pids, pids.byteLength);
    while (n >= pids.length) {
      pids = new Int32Array(pids.length * 2);
      n = s.proc_listallpids(pids, pids.byteLength);
    }
    const table = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const pid = pids[i];
      if (pid <= 0) continue;
      const got = s.proc_pidinfo(pid, PROC_PIDT_SHORTBSDINFO, 0, shortInfo, PROC_BSDSHORTINFO_SIZE);
      if (got < PROC_BSDSHORTINFO_SIZE) continue; // gone meanwhile
      table.set(pid, shortInfo.getUint32(PBSI_PPID, true));
    }
    return table;
  }

  /** The pid itself: macOS has no PID namespaces. */
  namespacePid(pid: number): number {
    return pid;
  }

  /**
   * `PROC_PIDLISTTHREADS`: the threads' kernel handles, each the thread's
   * `cthread_self`, its TSD base (`&pthread->tsd[0]`), which is a fixed
   * offset above the `pthread_t` that CPython stores as a thread's id, and
   * not a Mach thread port nor the 64-bit thread id. What
   * {@link threadIdle} takes.
   */
  threadIds(pid: number): number[] {
    if (!possiblePid(pid)) return [];
    const s = libsystem();
    let buffer = new DataView(new ArrayBuffer(FIRST_LIST_BYTES));
    let n = s.proc_pidinfo(pid, PROC_PIDLISTTHREADS, 0, buffer, buffer.byteLength);
    while (n >= buffer.byteLength) {
      buffer = new DataView(new ArrayBuffer(buffer.byteLength * 2));
      n = s.proc_pidinfo(pid, PROC_PIDLISTTHREADS, 0, buffer, buffer.byteLength);
    }
    const tids: number[] = [];
    for (let at = 0; at + 8 <= n; at += 8) tids.push(u64(buffer, at));
    return tids;
  }

  /**
   * `PROC_PIDTHREADINFO` of the thread whose handle ({@link threadIds}) is
   * `tid`: idle unless its `pth_run_state` is `TH_STATE_RUNNING`; a thread
   * that cannot be read counts as idle.
   */
  threadIdle(pid: number, tid: number): boolean {
    if (!possiblePid(pid)) return true;
    const info = this.#thread;
    const n = libsystem().proc_pidinfo(pid, PROC_PIDTHREADINFO, tid, info, PROC_THREADINFO_SIZE);
    if (n < PROC_THREADINFO_SIZE) return true;
    return info.getInt32(PTH_RUN_STATE, true) !== TH_STATE_RUNNING;
  }

  readonly #thread = new DataView(new ArrayBuffer(PROC_THREADINFO_SIZE));

  /** `ri_resident_size` of `proc_pid_rusage(RUSAGE_INFO_V0)`, or -1. */
  residentBytes(pid: number): number {
    if (!possiblePid(pid)) return -1;
    const usage = this.#usage;
    if (libsystem().proc_pid_rusage(pid, RUSAGE_INFO_V0, usage) !== 0) return -1;
    return u64(usage, RI_RESIDENT_SIZE);
  }

  readonly #usage = new DataView(new ArrayBuffer(RUSAGE_INFO_V0_SIZE));

  /** `hw.memsize` (bytes, a u64) in KiB; 0 when it cannot be read. */
  physicalMemoryKiB(): number {
    const value = new DataView(new ArrayBuffer(8));
    const length = new DataView(new ArrayBuffer(8));
    length.setUint32(0, 8, true);
    const name = new TextEncoder().encode("hw.memsize\0");
    if (libsystem().sysctlbyname(name, value, length, null, 0) !== 0) return 0;
    return Math.floor(u64(value, 0) / 1024);
  }

  spawn(command: string, args: string[], stdoutToNull: boolean): ChildProcess {
    return spawnChild(command, args, stdoutToNull, SIGNAL_NUMBERS, darwinProcessState);
  }

  isTerminal(fd: number): boolean {
    return libsystem().isatty(fd) === 1;
  }

  connectDatagram(path: string): DatagramSocket | null {
    return connectDarwinDatagram(path);
  }
}
