/**
 * Linux implementation of {@link Platform}: `process_vm_readv` for memory,
 * `/proc` for maps, threads and states, `clock_nanosleep` for timing.
 *
 * @module
 */

import { spawnChild } from "./child.ts";
import { NoMemory } from "./no_memory.ts";
import {
  CLOCK_MONOTONIC,
  errno,
  libc,
  O_RDONLY_CLOEXEC,
  PR_SET_TIMERSLACK,
  TIMER_ABSTIME,
} from "../ffi/libc.ts";
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
import { IovecBuffer, ONE, possiblePid, putU64, VmReadvMemory } from "./linux_memory.ts";
import { TWO_32 } from "../lib/bytes.ts";
import { connectUnixDatagram } from "./unix_datagram.ts";

/** `AT_NULL`: the end of the auxiliary vector. */
const AT_NULL = 0;
/** `AT_RANDOM`: the address of 16 random bytes the kernel wrote at exec. */
const AT_RANDOM = 25;

/** Parses the text of `/proc/PID/maps`. */
export function parseMaps(text: string): MemoryMap[] {
  const maps: MemoryMap[] = [];
  for (const line of text.split("\n")) {
    const m = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S+)\s+([0-9a-f]+)\s+\S+\s+\d+\s*(.*)$/.exec(line);
    if (m === null) continue;
    maps.push({
      start: parseInt(m[1], 16),
      end: parseInt(m[2], 16),
      perms: m[3],
      offset: parseInt(m[4], 16),
      path: m[5],
    });
  }
  return maps;
}

/** Extracts the scheduler state letter from the text of a `/proc/.../stat` file. */
export function statState(text: string): string {
  const close = text.lastIndexOf(")");
  if (close < 0) return "?";
  let i = close + 1;
  while (text[i] === " ") i++;
  return text[i] ?? "?";
}

const DELETED = " (deleted)";

/** Strips the ` (deleted)` suffix the kernel adds to paths of removed files. */
export function undeleted(path: string): string {
  return path.endsWith(DELETED) ? path.slice(0, -DELETED.length) : path;
}

const SIGNAL_NUMBERS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
};

function linuxProcessState(pid: number): ProcessState {
  if (!possiblePid(pid)) return "missing";
  if (libc().kill(pid, 0) !== 0) {
    return errno() === 1 ? "denied" : "missing";
  }
  try {
    return statState(Deno.readTextFileSync(`/proc/${pid}/stat`)) === "Z" ? "exited" : "alive";
  } catch (e) {
    // gone since the kill probe
    if (!isOsError(e)) throw e;
    return "missing";
  }
}

class LinuxClock implements Clock {
  readonly #spec = new Uint32Array(new ArrayBuffer(16));
  readonly #gettime = libc().clock_gettime;
  readonly #sleep = libc().clock_nanosleep;

  constructor() {
    // A small timer slack lets short sleeps end when asked to.
    libc().prctl(PR_SET_TIMERSLACK, ONE, null, null, null);
  }

  nowUs(): number {
    const spec = this.#spec;
    this.#gettime(CLOCK_MONOTONIC, spec);
    return (spec[0] + spec[1] * TWO_32) * 1e6 + Math.floor(spec[2] / 1000);
  }

  sleepUntilUs(deadlineUs: number): void {
    const spec = this.#spec;
    const seconds = Math.floor(deadlineUs / 1e6);
    putU64(spec, 0, seconds);
    putU64(spec, 2, Math.round((deadlineUs - seconds * 1e6) * 1000));
    this.#sleep(CLOCK_MONOTONIC, TIMER_ABSTIME, spec, null);
  }
}

/** Bytes read of a stat file: enough to reach the state. */
const STAT_SIZE = Deno.UnsafePointer.create(512n);
/** Most per-thread stat files kept open at once. */
const MAX_OPEN_STATS = 256;

/**
 * Reads threads' scheduler states from `/proc/PID/task/TID/stat`, keeping
 * each file open and re-reading it with `pread` (a third of the cost of
 * opening it again for every sample).
 */
class ThreadStats {
  readonly #fds = new Map<number, number>();
  readonly #buffer = new Uint8Array(new ArrayBuffer(512));
  readonly #path = new Uint8Array(64);

  /**
   * True unless the thread's state is `R`; a thread we cannot read counts as
   * idle. The state follows the LAST `)` of the line, the end of the thread's
   * name (Austin takes the first, which misreads every thread that Python 3.14+
   * names `Thread-N (target)`).
   */
  idle(pid: number, tid: number): boolean {
    const c = libc();
    let fd = this.#fds.get(tid);
    if (fd === undefined) {
      if (this.#fds.size >= MAX_OPEN_STATS) this.#closeAll();
      const { written } = new TextEncoder().encodeInto(
        `/proc/${pid}/task/${tid}/stat\0`,
        this.#path,
      );
      if (written === 0) return true;
      fd = c.open(this.#path, O_RDONLY_CLOEXEC);
      if (fd < 0) return true;
      this.#fds.set(tid, fd);
    }
    const n = c.pread(fd, this.#buffer, STAT_SIZE, null);
    if (n <= 0) {
      c.close(fd);
      this.#fds.delete(tid);
      return true;
    }
    const b = this.#buffer;
    let i = b.lastIndexOf(41, n - 1); // ')'
    if (i < 0) return true;
    i++;
    while (i < n && b[i] === 32) i++;
    return b[i] !== 82; // 'R'
  }

  #closeAll(): void {
    for (const fd of this.#fds.values()) libc().close(fd);
    this.#fds.clear();
  }
}

/** The Linux platform. */
export class LinuxPlatform implements Platform {
  readonly clock: Clock = new LinuxClock();

  openMemory(pid: number): RemoteMemory {
    return possiblePid(pid)
      ? new VmReadvMemory(pid)
      : new NoMemory(pid, (size) => new IovecBuffer(size));
  }

  processState(pid: number): ProcessState {
    return linuxProcessState(pid);
  }

  /**
   * The 16 random bytes the kernel puts on a new program's stack at each
   * exec (where the `AT_RANDOM` entry of `/proc/PID/auxv` points), in hex,
   * after that address: unlike every address, they change even when address
   * randomization is off and the same executable is run again.
   */
  execToken(pid: number): string {
    if (!possiblePid(pid)) return "";
    let auxv: Uint8Array;
    try {
      auxv = Deno.readFileSync(`/proc/${pid}/auxv`);
    } catch (e) {
      // gone, or may not be read
      if (!isOsError(e)) throw e;
      return "";
    }
    const view = new DataView(auxv.buffer, auxv.byteOffset, auxv.byteLength);
    let address = 0;
    for (let at = 0; at + 16 <= auxv.length; at += 16) {
      const type = view.getUint32(at, true) + view.getUint32(at + 4, true) * TWO_32;
      if (type === AT_NULL) break;
      if (type === AT_RANDOM) {
        address = view.getUint32(at + 8, true) + view.getUint32(at + 12, true) * TWO_32;
        break;
      }
    }
    if (address === 0) return "";
    const buffer = this.#token;
    putU64(buffer.iovec, 0, buffer.base);
    putU64(buffer.iovec, 2, 16);
    const remote = this.#tokenRemote;
    putU64(remote, 0, address);
    putU64(remote, 2, 16);
    if (libc().process_vm_readv(pid, buffer.iovec, ONE, remote, ONE, null) !== 16) return "";
    let token = `${address.toString(16)}:`;
    for (const byte of buffer.bytes) token += byte.toString(16).padStart(2, "0");
    return token;
  }

  readonly #token = new IovecBuffer(16);
  readonly #tokenRemote = new Uint32Array(new ArrayBuffer(16));

  memoryMaps(pid: number): MemoryMap[] {
    return parseMaps(Deno.readTextFileSync(`/proc/${pid}/maps`));
  }

  executable(pid: number): string {
    return undeleted(Deno.readLinkSync(`/proc/${pid}/exe`));
  }

  mappedFileCandidates(pid: number, map: MemoryMap): string[] {
    const viaRoot = `/proc/${pid}/root${undeleted(map.path)}`;
    const viaMap = `/proc/${pid}/map_files/${map.start.toString(16)}-${map.end.toString(16)}`;
    return map.path.endsWith(DELETED) ? [viaMap, viaRoot] : [viaRoot, viaMap];
  }

  listProcesses(): Map<number, number> {
    const table = new Map<number, number>();
    for (const entry of Deno.readDirSync("/proc")) {
      const pid = Number(entry.name);
      if (!Number.isInteger(pid)) continue;
      try {
        const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        table.set(pid, Number(fields[1]));
      } catch (e) {
        // gone meanwhile
        if (!isOsError(e)) throw e;
      }
    }
    return table;
  }

  namespacePid(pid: number): number {
    try {
      const m = /^NSpid:\s+([\d\s]+)$/m.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
      if (m !== null) return Number(m[1].trim().split(/\s+/).pop());
    } catch (e) {
      // gone (a missing NSpid line, on kernels before 4.1, is no match above)
      if (!isOsError(e)) throw e;
    }
    return pid;
  }

  threadIds(pid: number): number[] {
    const tids: number[] = [];
    try {
      for (const entry of Deno.readDirSync(`/proc/${pid}/task`)) {
        const tid = Number(entry.name);
        if (Number.isInteger(tid)) tids.push(tid);
      }
    } catch (e) {
      // process gone
      if (!isOsError(e)) throw e;
    }
    return tids;
  }

  threadIdle(pid: number, tid: number): boolean {
    return this.#stats.idle(pid, tid);
  }

  readonly #stats = new ThreadStats();

  residentBytes(pid: number): number {
    try {
      const fields = Deno.readTextFileSync(`/proc/${pid}/statm`).split(" ");
      return Number(fields[1]) * 4096;
    } catch (e) {
      // process gone
      if (!isOsError(e)) throw e;
      return -1;
    }
  }

  physicalMemoryKiB(): number {
    try {
      const m = /MemTotal:\s+(\d+)/.exec(Deno.readTextFileSync("/proc/meminfo"));
      return m === null ? 0 : Number(m[1]);
    } catch (e) {
      // no /proc/meminfo: not known
      if (!isOsError(e)) throw e;
      return 0;
    }
  }

  spawn(command: string, args: string[], stdoutToNull: boolean): ChildProcess {
    return spawnChild(command, args, stdoutToNull, SIGNAL_NUMBERS, linuxProcessState);
  }

  isTerminal(fd: number): boolean {
    return libc().isatty(fd) === 1;
  }

  connectDatagram(path: string): DatagramSocket | null {
    return connectUnixDatagram(path);
  }
}
