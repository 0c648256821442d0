/**
 * A datagram socket connected to a Unix socket, through libc: what syslog
 * messages are sent over ({@link DatagramSocket}). Apart from linux.ts,
 * which cannot even be loaded without FFI permission: this module opens
 * libc only to connect, so that without the permission there is no
 * socket, as when nothing listens.
 *
 * @module
 */

import { AF_UNIX, libc, SOCK_CLOEXEC, SOCK_DGRAM } from "../ffi/libc.ts";
import type { DatagramSocket } from "./platform.ts";

/** `sizeof(((struct sockaddr_un *)0)->sun_path)` on Linux. */
const SUN_PATH_MAX = 108;

/**
 * `send` flags: `MSG_NOSIGNAL` (as glibc's syslog) and `MSG_DONTWAIT`, so that a
 * reader that falls behind makes us drop messages instead of stalling the sampler.
 */
const SEND_FLAGS = 0x4000 | 0x40;

const encoder = new TextEncoder();

/**
 * Builds a `struct sockaddr_un` for `path`: a native-endian u16 `sun_family` of
 * `AF_UNIX`, then the NUL-terminated path. Returns null if the path (with its
 * NUL) does not fit in `sun_path`.
 */
export function sockaddrUn(path: string): Uint8Array | null {
  const bytes = encoder.encode(path);
  if (bytes.length === 0 || bytes.length + 1 > SUN_PATH_MAX) return null;
  const address = new Uint8Array(2 + bytes.length + 1);
  new DataView(address.buffer).setUint16(0, AF_UNIX, true);
  address.set(bytes, 2);
  return address;
}

/** A connected `SOCK_DGRAM` socket, by its file descriptor. */
class UnixDatagram implements DatagramSocket {
  #fd: number;

  constructor(fd: number) {
    this.#fd = fd;
  }

  send(bytes: Uint8Array): boolean {
    if (this.#fd < 0) return false;
    // `send` returns an `isize`: a number or a bigint.
    return Number(libc().send(this.#fd, bytes, BigInt(bytes.length), SEND_FLAGS)) >= 0;
  }

  close(): void {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    libc().close(fd);
  }
}

/**
 * Connects a `SOCK_DGRAM` Unix socket to `path`. Null when the path cannot
 * be a socket's, nothing listens there, or libc may not be opened (no FFI
 * permission).
 */
export function connectUnixDatagram(path: string): DatagramSocket | null {
  const address = sockaddrUn(path);
  if (address === null) return null;
  let c;
  try {
    c = libc();
  } catch (e) {
    // No FFI permission: no socket, as when there is none to connect to.
    if (!(e instanceof Deno.errors.NotCapable)) throw e;
    return null;
  }
  const fd = c.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return null;
  if (c.connect(fd, address, address.length) < 0) {
    c.close(fd);
    return null;
  }
  return new UnixDatagram(fd);
}
