/**
 * A macOS process's memory as austin-deno reads it: the task port of the
 * process (`task_for_pid`, which needs root), `mach_vm_read_overwrite`
 * into buffers whose addresses never move, the walk of its regions with
 * `mach_vm_region`, and the check that a pid can exist at all.
 *
 * @module
 */

import { SingleReadMemory } from "./single_reads.ts";
import {
  EACCES,
  EFAULT,
  EPERM,
  errno,
  ESRCH,
  KERN_INVALID_ADDRESS,
  KERN_PROTECTION_FAILURE,
  KERN_SUCCESS,
  libsystem,
  MAXPATHLEN,
  PID_MAX,
  VM_BASIC_INFO_OFFSET,
  VM_BASIC_INFO_PROTECTION,
  VM_BASIC_INFO_SHARED,
  VM_PROT_EXECUTE,
  VM_PROT_READ,
  VM_PROT_WRITE,
  VM_REGION_BASIC_INFO_64,
  VM_REGION_BASIC_INFO_COUNT_64,
} from "../ffi/libsystem.ts";
import type { MemoryMap, ReadBuffer } from "./platform.ts";
import { setU64, u64 } from "../lib/bytes.ts";

/**
 * Whether `pid` can be the id of a process: an integer from 1 to 99998
 * (the kernel hands out pids below `PID_MAX`, 99999).
 */
export function possiblePid(pid: number): boolean {
  return Number.isInteger(pid) && pid > 0 && pid < PID_MAX;
}

const ERRNO_NAMES: Record<number, string> = {
  [EPERM]: "EPERM",
  [ESRCH]: "ESRCH",
  [EACCES]: "EACCES",
  [EFAULT]: "EFAULT",
};

/**
 * The error a failed call throws, as Deno would have made it (so that
 * {@link isOsError} knows it): Deno.errors.PermissionDenied for EPERM and
 * EACCES, Deno.errors.NotFound for the rest (a process that is gone), with
 * the errno's name as `code` and `(os error N)` in the message.
 */
export function osError(what: string, errnoValue: number): Error {
  const denied = errnoValue === EPERM || errnoValue === EACCES;
  const message = `${what} (os error ${errnoValue})`;
  const error = denied
    ? new Deno.errors.PermissionDenied(message)
    : new Deno.errors.NotFound(message);
  const code = ERRNO_NAMES[errnoValue];
  if (code !== undefined) Object.assign(error, { code });
  return error;
}

/**
 * Why a process's task cannot be had, as a negative errno: -ESRCH when
 * the process is gone, else -EPERM (`task_for_pid` needs root, and SIP
 * refuses it for Apple's signed binaries even then).
 */
function taskFailure(pid: number): number {
  if (libsystem().kill(pid, 0) !== 0 && errno() === ESRCH) return -ESRCH;
  return -EPERM;
}

/**
 * Task ports by pid, each got once with `task_for_pid` and kept until a
 * call on it fails for another reason than the address (the task died:
 * its port became a dead name, which is then given back).
 */
export class TaskPorts {
  readonly #ports = new Map<number, number>();
  readonly #out = new Uint32Array(1);

  /** The task port of `pid`, or a negative errno (-ESRCH, -EPERM). */
  get(pid: number): number {
    const known = this.#ports.get(pid);
    if (known !== undefined) return known;
    if (!possiblePid(pid)) return -ESRCH;
    const s = libsystem();
    const out = this.#out;
    out[0] = 0;
    if (s.task_for_pid(s.mach_task_self_, pid, out) !== KERN_SUCCESS || out[0] === 0) {
      return taskFailure(pid);
    }
    this.#ports.set(pid, out[0]);
    return out[0];
  }

  /** Forgets (and deallocates) the port of `pid`, so that the next {@link get} asks again. */
  drop(pid: number): void {
    const port = this.#ports.get(pid);
    if (port === undefined) return;
    this.#ports.delete(pid);
    const s = libsystem();
    s.mach_port_deallocate(s.mach_task_self_, port);
  }
}

/** A local buffer whose address is taken once: what remote memory is copied into. */
export class TaskBuffer implements ReadBuffer {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** Local address of `bytes[0]`. */
  readonly base: number;

  constructor(size: number) {
    // A buffer created from its own ArrayBuffer is never moved by the GC, so
    // its address can be taken once.
    const storage = new ArrayBuffer(Math.max(size, 64));
    this.bytes = new Uint8Array(storage, 0, size);
    this.view = new DataView(storage, 0, size);
    this.base = Number(Deno.UnsafePointer.value(Deno.UnsafePointer.of(new Uint8Array(storage))));
  }
}

/**
 * The granule of the page-by-page retry after a failed read: 4 KiB, the
 * page of x86-64 Macs; Apple silicon's 16 KiB pages are whole numbers of it.
 */
const PAGE = 4096;

/**
 * Remote memory of one process through `mach_vm_read_overwrite`, one range
 * per call. macOS has no vectored read like `process_vm_readv`:
 * `mach_vm_read_list` copies into memory the kernel allocates (a
 * `vm_deallocate` per call) and stops at nothing, so {@link readMany} and
 * {@link readSpans} are loops of single reads.
 */
export class TaskMemory extends SingleReadMemory {
  readonly pid: number;
  readonly #ports: TaskPorts;
  readonly #outsize = new Uint8Array(8);
  #readOverwrite: ReturnType<typeof libsystem>["mach_vm_read_overwrite"] | null = null;

  constructor(pid: number, ports: TaskPorts) {
    super();
    this.pid = pid;
    this.#ports = ports;
  }

  buffer(size: number): ReadBuffer {
    return new TaskBuffer(size);
  }

  read(address: number, length: number, into: ReadBuffer, at = 0): number {
    const local = into as TaskBuffer;
    if (at + length > local.bytes.length) return -EFAULT;
    if (length <= 0) return 0;
    return this.#read(address, length, local.base + at);
  }

  /**
   * Copies `length` (> 0) bytes at `address` to local address `local`:
   * the count copied (the readable prefix when the range runs into
   * unmapped memory, as `process_vm_readv` does) or a negative errno.
   */
  #read(address: number, length: number, local: number): number {
    let task = this.#ports.get(this.pid);
    if (task < 0) return task;
    const read = this.#readOverwrite ??= libsystem().mach_vm_read_overwrite;
    let kr = read(task, address, length, local, this.#outsize);
    if (kr === KERN_SUCCESS) return length;
    if (kr !== KERN_INVALID_ADDRESS && kr !== KERN_PROTECTION_FAILURE) {
      // Not the address: the task may have died (or exec'd). Ask for its port again, once.
      this.#ports.drop(this.pid);
      task = this.#ports.get(this.pid);
      if (task < 0) return task;
      kr = read(task, address, length, local, this.#outsize);
      if (kr === KERN_SUCCESS) return length;
      if (kr !== KERN_INVALID_ADDRESS && kr !== KERN_PROTECTION_FAILURE) {
        return taskFailure(this.pid) === -ESRCH ? -ESRCH : -EFAULT;
      }
    }
    // Some page of the range is not readable: the prefix before it, page by page.
    let done = 0;
    while (done < length) {
      const from = address + done;
      const chunk = Math.min(length - done, PAGE - (from % PAGE));
      if (read(task, from, chunk, local + done, this.#outsize) !== KERN_SUCCESS) break;
      done += chunk;
    }
    return done > 0 ? done : -EFAULT;
  }
}

/** The Linux-like permission string of a region: `r-xp`, `rw-s`... */
function perms(protection: number, shared: boolean): string {
  return (protection & VM_PROT_READ ? "r" : "-") +
    (protection & VM_PROT_WRITE ? "w" : "-") +
    (protection & VM_PROT_EXECUTE ? "x" : "-") +
    (shared ? "s" : "p");
}

const decoder = new TextDecoder();

/**
 * The regions of a task, from address 0 upward, by `mach_vm_region`
 * (`VM_REGION_BASIC_INFO_64`), each with the path of its file from
 * `proc_regionfilename` ("" for anonymous memory). The dyld shared cache
 * is one region (a submap) without a path: its libraries are Apple's, not
 * Python's. Throws Deno.errors.NotFound / PermissionDenied (as
 * {@link osError}) when the task cannot be had.
 */
export function taskRegions(pid: number, ports: TaskPorts): MemoryMap[] {
  let task = ports.get(pid);
  if (task < 0) throw osError(`task_for_pid(${pid})`, -task);
  const s = libsystem();
  const address = new DataView(new ArrayBuffer(8));
  const size = new DataView(new ArrayBuffer(8));
  const info = new DataView(new ArrayBuffer(4 * VM_REGION_BASIC_INFO_COUNT_64));
  const count = new Uint32Array(1);
  const objectName = new Uint32Array(1);
  const path = new Uint8Array(MAXPATHLEN);
  const maps: MemoryMap[] = [];
  let retried = false;
  let next = 0;
  while (true) {
    setU64(address, 0, next);
    count[0] = VM_REGION_BASIC_INFO_COUNT_64;
    objectName[0] = 0;
    const kr = s.mach_vm_region(
      task,
      address,
      size,
      VM_REGION_BASIC_INFO_64,
      info,
      count,
      objectName,
    );
    if (objectName[0] !== 0) s.mach_port_deallocate(s.mach_task_self_, objectName[0]);
    if (kr === KERN_INVALID_ADDRESS) break; // no region at or above `next`
    if (kr !== KERN_SUCCESS) {
      // The task died (or exec'd) since its port was had: ask again, once.
      ports.drop(pid);
      if (retried) throw osError(`mach_vm_region(${pid}): kern_return ${kr}`, ESRCH);
      retried = true;
      task = ports.get(pid);
      if (task < 0) throw osError(`task_for_pid(${pid})`, -task);
      continue;
    }
    const start = u64(address, 0);
    const end = start + u64(size, 0);
    const n = s.proc_regionfilename(pid, start, path, path.length);
    maps.push({
      start,
      end,
      perms: perms(
        info.getInt32(VM_BASIC_INFO_PROTECTION, true),
        info.getUint32(VM_BASIC_INFO_SHARED, true) !== 0,
      ),
      offset: u64(info, VM_BASIC_INFO_OFFSET),
      path: n > 0 ? decoder.decode(path.subarray(0, Math.min(n, path.length - 1))) : "",
    });
    if (end <= next) break; // no progress: never loop
    next = end;
  }
  return maps;
}
