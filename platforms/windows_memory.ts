/**
 * A Windows process's memory as austin-deno reads it: `ReadProcessMemory`
 * through one process handle into buffers whose addresses never move,
 * failures told as the negative errno values the Linux back-end returns;
 * and the helpers the other Windows modules share (pids, handles, pointer
 * values from numbers, OS errors).
 *
 * @module
 */

import { SingleReadMemory } from "./single_reads.ts";
import { EFAULT, EPERM, ESRCH } from "../ffi/libc.ts";
import {
  ERROR_ACCESS_DENIED,
  ERROR_INVALID_PARAMETER,
  ERROR_NOACCESS,
  ERROR_PARTIAL_COPY,
  kernel32,
  PROCESS_QUERY_LIMITED_INFORMATION,
  PROCESS_VM_READ,
  STILL_ACTIVE,
} from "../ffi/kernel32.ts";
import type { ReadBuffer } from "./platform.ts";
import { TWO_32 } from "../lib/bytes.ts";

/** The page size of every Windows on x64 and arm64. */
const PAGE = 4096;

/** The highest process id: ids are DWORDs, multiples of 4. */
const PID_MAX = TWO_32 - 4;

/**
 * Whether `pid` can be the id of a process: a multiple of 4 from 4 to
 * 2^32 - 4 (0 is the Idle process, which cannot be opened). Windows ignores
 * the low two bits of an id, so anything else would open another process.
 */
export function possiblePid(pid: number): boolean {
  return Number.isInteger(pid) && pid >= 4 && pid <= PID_MAX && pid % 4 === 0;
}

/** The pointer value 1, what {@link pointerAt} offsets from. */
const ONE = Deno.UnsafePointer.create(1n) as Deno.PointerObject;

/**
 * A number (an address or a size, < 2^53) as a pointer-typed argument,
 * made without a BigInt; null for 0.
 */
export function pointerAt(value: number): Deno.PointerValue {
  return value === 0 ? null : Deno.UnsafePointer.offset(ONE, value - 1);
}

/**
 * An OS error for a failed Win32 call, as {@link isOsError} recognises it:
 * Deno.errors.PermissionDenied for ERROR_ACCESS_DENIED, NotFound for
 * ERROR_INVALID_PARAMETER (what OpenProcess says of a pid no process has),
 * a plain Error otherwise; the message ends in `(os error N)`.
 */
export function osError(what: string, code: number): Error {
  const message = `${what} (os error ${code})`;
  if (code === ERROR_ACCESS_DENIED) return new Deno.errors.PermissionDenied(message);
  if (code === ERROR_INVALID_PARAMETER) return new Deno.errors.NotFound(message);
  return new Error(message);
}

/** Opens process `pid` with `access`: the handle, or the Win32 error code why not. */
export function openProcess(pid: number, access: number): Deno.PointerObject | number {
  const k = kernel32();
  const handle = k.OpenProcess(access, 0, pid);
  return handle === null ? k.GetLastError() : handle;
}

/**
 * Runs `use` with a handle to `pid` opened with `access`, then closes it.
 * Throws the {@link osError} of OpenProcess when it cannot be opened.
 */
export function withProcess<T>(
  pid: number,
  access: number,
  use: (handle: Deno.PointerObject) => T,
): T {
  const handle = openProcess(pid, access);
  if (typeof handle === "number") throw osError(`OpenProcess(${pid})`, handle);
  try {
    return use(handle);
  } finally {
    kernel32().CloseHandle(handle);
  }
}

/** A local buffer with the address of its first byte, for ReadProcessMemory. */
export class WindowsBuffer implements ReadBuffer {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** Local address of `bytes[0]`. */
  readonly pointer: Deno.PointerValue;

  constructor(size: number) {
    // A buffer created from its own ArrayBuffer is never moved by the GC, so
    // its address can be taken once.
    const storage = new ArrayBuffer(Math.max(size, 64));
    this.bytes = new Uint8Array(storage, 0, size);
    this.view = new DataView(storage, 0, size);
    this.pointer = Deno.UnsafePointer.of(storage);
  }

  /** The local address of `bytes[at]`, as a pointer argument. */
  at(at: number): Deno.PointerValue {
    return at === 0 || this.pointer === null
      ? this.pointer
      : Deno.UnsafePointer.offset(this.pointer, at);
  }
}

/** Closes the handles of the memories the GC has collected. */
const handles = new FinalizationRegistry<Deno.PointerObject>((handle) => {
  kernel32().CloseHandle(handle);
});

/** Access a memory's handle is opened with: reads, and its exit code. */
const MEMORY_ACCESS = PROCESS_VM_READ | PROCESS_QUERY_LIMITED_INFORMATION;

/**
 * Remote memory of one process through `ReadProcessMemory`. The process is
 * opened on the first read (and again on later ones until it can be); the
 * handle is kept for the life of this object, which also keeps Windows from
 * giving the pid to another process meanwhile, and closed when the object
 * is collected. Windows has no vectored read: {@link readMany} and
 * {@link readSpans} are loops of single reads.
 */
export class WindowsMemory extends SingleReadMemory {
  readonly pid: number;
  #handle: Deno.PointerObject | null = null;
  /** The `SIZE_T` count of bytes read, an out-parameter. */
  readonly #count = new Uint32Array(2);
  readonly #exitCode = new Uint32Array(1);

  constructor(pid: number) {
    super();
    this.pid = pid;
  }

  buffer(size: number): ReadBuffer {
    return new WindowsBuffer(size);
  }

  read(address: number, length: number, into: ReadBuffer, at = 0): number {
    const local = into as WindowsBuffer;
    if (length < 0 || at < 0 || at + length > local.bytes.length) return -EFAULT;
    const handle = this.#open();
    if (typeof handle === "number") return handle;
    if (length === 0) return 0;
    if (this.#copy(handle, address, length, local, at)) return length;
    // Asked at once, before any other call can overwrite it.
    const error = kernel32().GetLastError();
    return this.#failed(handle, error, address, length, local, at);
  }

  /** The process handle, opened once; or -ESRCH / -EPERM when it cannot be opened. */
  #open(): Deno.PointerObject | number {
    if (this.#handle !== null) return this.#handle;
    const handle = openProcess(this.pid, MEMORY_ACCESS);
    if (typeof handle === "number") return handle === ERROR_ACCESS_DENIED ? -EPERM : -ESRCH;
    this.#handle = handle;
    handles.register(this, handle);
    return handle;
  }

  /** One ReadProcessMemory; true when the whole range was copied. */
  #copy(
    handle: Deno.PointerObject,
    address: number,
    length: number,
    local: WindowsBuffer,
    at: number,
  ): boolean {
    const count = this.#count;
    count[0] = 0;
    count[1] = 0;
    return kernel32().ReadProcessMemory(
      handle,
      pointerAt(address),
      local.at(at),
      pointerAt(length),
      count,
    ) !== 0;
  }

  /**
   * What a failed read returns: the readable prefix of the range when part
   * of it is unreadable (the count ReadProcessMemory reports, or, when it
   * reports none, what a page-by-page read copies); else -ESRCH when the
   * process has exited, -EPERM when it may not be read, -EFAULT otherwise.
   */
  #failed(
    handle: Deno.PointerObject,
    error: number,
    address: number,
    length: number,
    local: WindowsBuffer,
    at: number,
  ): number {
    if (error === ERROR_PARTIAL_COPY || error === ERROR_NOACCESS) {
      const reported = this.#count[0] + this.#count[1] * TWO_32;
      const copied = reported > 0 && reported < length
        ? reported
        : this.#prefix(handle, address, length, local, at);
      if (copied > 0) return copied;
    }
    if (this.#exited(handle)) return -ESRCH;
    return error === ERROR_ACCESS_DENIED ? -EPERM : -EFAULT;
  }

  /** Reads the range page by page up to the first unreadable page: the bytes copied. */
  #prefix(
    handle: Deno.PointerObject,
    address: number,
    length: number,
    local: WindowsBuffer,
    at: number,
  ): number {
    let done = 0;
    while (done < length) {
      const here = address + done;
      const chunk = Math.min(length - done, PAGE - (here % PAGE));
      if (!this.#copy(handle, here, chunk, local, at + done)) break;
      done += chunk;
    }
    return done;
  }

  /** Whether the process has exited (a process that exits with 259 reads as alive). */
  #exited(handle: Deno.PointerObject): boolean {
    const code = this.#exitCode;
    return kernel32().GetExitCodeProcess(handle, code) !== 0 && code[0] !== STILL_ACTIVE;
  }
}
