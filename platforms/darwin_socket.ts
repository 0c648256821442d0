/**
 * A datagram socket connected to a Unix socket on macOS, through
 * libSystem: what syslog messages are sent over ({@link DatagramSocket}).
 * The macOS twin of `unix_datagram.ts`, which opens glibc: macOS's
 * `struct sockaddr_un` starts with a length byte, and it has neither
 * `SOCK_CLOEXEC` nor `MSG_NOSIGNAL` (FIOCLEX and `SO_NOSIGPIPE` instead).
 *
 * @module
 */

import {
  AF_UNIX,
  FIOCLEX,
  libsystem,
  MSG_DONTWAIT,
  SO_NOSIGPIPE,
  SOCK_DGRAM,
  SOL_SOCKET,
  SUN_PATH_MAX,
} from "../ffi/libsystem.ts";
import type { DatagramSocket } from "./platform.ts";

const encoder = new TextEncoder();

/**
 * Builds a macOS `struct sockaddr_un` for `path`: `u8 sun_len` (the
 * address's length), `u8 sun_family` (`AF_UNIX`), then the NUL-terminated
 * path. Null if the path (with its NUL) does not fit in `sun_path`.
 */
export function darwinSockaddrUn(path: string): Uint8Array | null {
  const bytes = encoder.encode(path);
  if (bytes.length === 0 || bytes.length + 1 > SUN_PATH_MAX) return null;
  const address = new Uint8Array(2 + bytes.length + 1);
  address[0] = address.length;
  address[1] = AF_UNIX;
  address.set(bytes, 2);
  return address;
}

/** A connected `SOCK_DGRAM` socket, by its file descriptor. */
class DarwinDatagram implements DatagramSocket {
  #fd: number;

  constructor(fd: number) {
    this.#fd = fd;
  }

  /** `send` with `MSG_DONTWAIT`: a reader that falls behind makes us drop messages, not stall. */
  send(bytes: Uint8Array): boolean {
    if (this.#fd < 0) return false;
    // `send` returns an `isize`: a number or a bigint.
    return Number(libsystem().send(this.#fd, bytes, bytes.length, MSG_DONTWAIT)) >= 0;
  }

  close(): void {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    libsystem().close(fd);
  }
}

/**
 * Connects a `SOCK_DGRAM` Unix socket to `path` (close-on-exec, no
 * SIGPIPE). Null when the path cannot be a socket's, nothing listens
 * there, or libSystem may not be opened (no FFI permission).
 */
export function connectDarwinDatagram(path: string): DatagramSocket | null {
  const address = darwinSockaddrUn(path);
  if (address === null) return null;
  let s;
  try {
    s = libsystem();
  } catch (e) {
    // No FFI permission: no socket, as when there is none to connect to.
    if (!(e instanceof Deno.errors.NotCapable)) throw e;
    return null;
  }
  const fd = s.socket(AF_UNIX, SOCK_DGRAM, 0);
  if (fd < 0) return null;
  s.ioctl(fd, FIOCLEX);
  s.setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, new Int32Array([1]), 4);
  if (s.connect(fd, address, address.length) < 0) {
    s.close(fd);
    return null;
  }
  return new DarwinDatagram(fd);
}
