/**
 * A Linux process's memory as austin-deno reads it: `process_vm_readv` into
 * buffers whose addresses never move, one span, many spans or a scatter of
 * spans per call, and the check that a pid can exist at all.
 *
 * @module
 */

import { errno, libc } from "../ffi/libc.ts";
import { TWO_32 } from "../lib/bytes.ts";
import type { ReadBuffer, RemoteMemory } from "./platform.ts";
import { isOsError } from "./platform.ts";

/** Writes a non-negative integer < 2^53 as a little-endian u64 into two u32 slots. */
export function putU64(words: Uint32Array, index: number, value: number): void {
  words[index] = value >>> 0;
  words[index + 1] = Math.floor(value / TWO_32);
}

/** A local buffer together with the iovec that describes it to the kernel. */
export class IovecBuffer implements ReadBuffer {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** Local address of `bytes[0]`. */
  readonly base: number;
  /** `struct iovec` for this buffer: base and length, rewritten per read. */
  readonly iovec = new Uint32Array(new ArrayBuffer(16));

  constructor(size: number) {
    // A buffer created from its own ArrayBuffer is never moved by the GC, so
    // its address can be taken once.
    const storage = new ArrayBuffer(Math.max(size, 64));
    this.bytes = new Uint8Array(storage, 0, size);
    this.view = new DataView(storage, 0, size);
    this.base = Number(Deno.UnsafePointer.value(Deno.UnsafePointer.of(this.bytes)));
  }
}

/** The count 1 as a pointer-typed argument. */
export const ONE = Deno.UnsafePointer.create(1n);
/** IOV_MAX: the most iovecs one call takes. */
const MAX_IOV = 1024;
const COUNTS: Deno.PointerValue[] = [];

/** An iovec count as the pointer-typed argument (created once per value). */
function countPointer(n: number): Deno.PointerValue {
  return COUNTS[n] ??= Deno.UnsafePointer.create(BigInt(n));
}

/** The most any `pid_max` can be: a `pid_t` is a signed 32-bit integer. */
const PID_T_MAX = 2 ** 31 - 1;
/** The kernel's `PID_MAX_LIMIT` on 64-bit systems: what `pid_max` is read as if it cannot be. */
const PID_MAX_LIMIT = 2 ** 22;
let pidMax = 0;

/**
 * Whether `pid` can be the id of a process: an integer from 1 to the
 * kernel's `pid_max` (read once). Anything else would not even fit the
 * `pid_t` of the system calls.
 */
export function possiblePid(pid: number): boolean {
  if (pidMax === 0) {
    let max = PID_MAX_LIMIT;
    try {
      const read = Number(Deno.readTextFileSync("/proc/sys/kernel/pid_max").trim());
      if (Number.isInteger(read) && read > 0) max = read;
    } catch (e) {
      // no /proc/sys: the kernel's limit
      if (!isOsError(e)) throw e;
    }
    pidMax = Math.min(max, PID_T_MAX);
  }
  return Number.isInteger(pid) && pid > 0 && pid <= pidMax;
}

/** Remote memory of one process through `process_vm_readv`. */
export class VmReadvMemory implements RemoteMemory {
  readonly pid: number;
  readonly #remote = new Uint32Array(new ArrayBuffer(16));
  readonly #readv = libc().process_vm_readv;

  constructor(pid: number) {
    this.pid = pid;
  }

  buffer(size: number): ReadBuffer {
    return new IovecBuffer(size);
  }

  read(address: number, length: number, into: ReadBuffer, at = 0): number {
    const local = into as IovecBuffer;
    if (at + length > local.bytes.length) return -14;
    const iov = local.iovec;
    putU64(iov, 0, local.base + at);
    putU64(iov, 2, length);
    const remote = this.#remote;
    putU64(remote, 0, address);
    putU64(remote, 2, length);
    const n = this.#readv(this.pid, iov, ONE, remote, ONE, null);
    return n < 0 ? -errno() : n;
  }

  readMany(
    addresses: Float64Array,
    first: number,
    count: number,
    length: number,
    into: ReadBuffer,
  ): number {
    const local = into as IovecBuffer;
    const n = Math.min(count, MAX_IOV, Math.floor(local.bytes.length / length));
    if (n <= 0) return 0;
    const localIov = this.#manyLocal;
    const remoteIov = this.#manyRemote;
    for (let i = 0; i < n; i++) {
      putU64(localIov, i * 4, local.base + i * length);
      putU64(localIov, i * 4 + 2, length);
      putU64(remoteIov, i * 4, addresses[first + i]);
      putU64(remoteIov, i * 4 + 2, length);
    }
    const copied = this.#readIovecs(n);
    return copied < 0 ? copied : Math.floor(copied / length);
  }

  readSpans(
    addresses: Float64Array,
    lengths: Float64Array,
    count: number,
    into: ReadBuffer,
  ): number {
    const local = into as IovecBuffer;
    const localIov = this.#manyLocal;
    const remoteIov = this.#manyRemote;
    let n = 0;
    let at = 0;
    while (n < count && n < MAX_IOV && at + lengths[n] <= local.bytes.length) {
      putU64(localIov, n * 4, local.base + at);
      putU64(localIov, n * 4 + 2, lengths[n]);
      putU64(remoteIov, n * 4, addresses[n]);
      putU64(remoteIov, n * 4 + 2, lengths[n]);
      at += lengths[n];
      n++;
    }
    return n === 0 ? 0 : this.#readIovecs(n);
  }

  /** One `process_vm_readv` of the first `n` iovecs set up: bytes copied, or -errno. */
  #readIovecs(n: number): number {
    const count = countPointer(n);
    const copied = this.#readv(this.pid, this.#manyLocal, count, this.#manyRemote, count, null);
    return copied < 0 ? -errno() : copied;
  }

  readonly #manyLocal = new Uint32Array(new ArrayBuffer(16 * MAX_IOV));
  readonly #manyRemote = new Uint32Array(new ArrayBuffer(16 * MAX_IOV));
}
