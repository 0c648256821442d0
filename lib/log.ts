/**
 * Austin's syslog logging (spec: austin-behaviour.md, section 11).
 *
 * Austin calls `openlog("austin", LOG_PID | LOG_CONS | LOG_NDELAY, LOG_LOCAL1)`
 * and then `syslog(3)` once per message. This module does the same without
 * glibc's syslog: it connects a `SOCK_DGRAM` Unix socket to `/dev/log` once,
 * when the logger is opened (through the platform's
 * {@link Platform.connectDatagram}), and sends one datagram per message,
 * formatted as glibc formats it: `<PRI>Mmm dd hh:mm:ss austin[PID]: message`.
 *
 * The logger never throws and never writes to stdout or stderr: when the
 * socket is missing or cannot be connected, or a send fails (including when the
 * reader's queue is full: sends do not block), the message is dropped. (glibc's
 * `LOG_CONS` fallback to `/dev/console` is not reproduced.)
 * Any non-empty `AUSTIN_NO_LOGGING` turns logging off entirely.
 *
 * @module
 */

import type { Platform } from "../platforms/platform.ts";

/** A syslog severity Austin logs at. */
export type Level = "debug" | "info" | "warning" | "error" | "critical";

/** A message sink with one method per level. Every method is safe to call after `close()`. */
export interface Logger {
  /** Logs at `LOG_DEBUG`. */
  debug(m: string): void;
  /** Logs at `LOG_INFO`. */
  info(m: string): void;
  /** Logs at `LOG_WARNING`. */
  warning(m: string): void;
  /** Logs at `LOG_ERR`. */
  error(m: string): void;
  /** Logs at `LOG_CRIT`. */
  critical(m: string): void;
  /** Closes the socket; later messages are dropped. Calling it again does nothing. */
  close(): void;
}

/** The syslog facility Austin logs to: `LOG_LOCAL1` (17), already shifted (`17 << 3`). */
export const LOG_LOCAL1 = 17 << 3;

/** The syslog severity of each level (`LOG_CRIT` 2 ... `LOG_DEBUG` 7). */
export const SEVERITY: Readonly<Record<Level, number>> = Object.freeze({
  critical: 2,
  error: 3,
  warning: 4,
  info: 6,
  debug: 7,
});

/** The `<PRI>` value sent for each level: `LOG_LOCAL1 | severity` (138, 139, 140, 142, 143). */
export const PRIORITY: Readonly<Record<Level, number>> = Object.freeze({
  critical: LOG_LOCAL1 | SEVERITY.critical,
  error: LOG_LOCAL1 | SEVERITY.error,
  warning: LOG_LOCAL1 | SEVERITY.warning,
  info: LOG_LOCAL1 | SEVERITY.info,
  debug: LOG_LOCAL1 | SEVERITY.debug,
});

/** The socket syslog(3) writes to. */
export const DEFAULT_SOCKET_PATH = "/dev/log";

/** The ident Austin passes to `openlog`. */
export const DEFAULT_IDENT = "austin";

/** The environment variable that, when non-empty, turns logging off. */
export const NO_LOGGING_VARIABLE = "AUSTIN_NO_LOGGING";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const encoder = new TextEncoder();

/** Two-digit, zero-padded. */
function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

/**
 * Formats `date` in local time as glibc's syslog does with `strftime("%h %e %T")`
 * in the C locale: `Mmm dd hh:mm:ss`, with the day of month padded with a space.
 */
export function formatTimestamp(date: Date): string {
  const day = date.getDate();
  return `${MONTHS[date.getMonth()]} ${day < 10 ? ` ${day}` : day} ` +
    `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}`;
}

/**
 * The full datagram text glibc's `syslog(3)` sends with `LOG_PID`:
 * `<PRI>Mmm dd hh:mm:ss ident[pid]: message`.
 */
export function formatRecord(
  level: Level,
  message: string,
  date: Date,
  ident: string = DEFAULT_IDENT,
  pid: number = Deno.pid,
): string {
  return `<${PRIORITY[level]}>${formatTimestamp(date)} ${ident}[${pid}]: ${message}`;
}

/** True if `AUSTIN_NO_LOGGING` is set to a non-empty value (false if it cannot be read). */
function loggingDisabled(): boolean {
  try {
    const value = Deno.env.get(NO_LOGGING_VARIABLE);
    return value !== undefined && value !== "";
  } catch (e) {
    // Without permission to read the environment, logging stays on.
    if (!(e instanceof Deno.errors.NotCapable)) throw e;
    return false;
  }
}

const NO_OP = (): void => {};

/** A logger that drops everything. */
function disabledLogger(): Logger {
  return {
    debug: NO_OP,
    info: NO_OP,
    warning: NO_OP,
    error: NO_OP,
    critical: NO_OP,
    close: NO_OP,
  };
}

/** What the logger needs of the platform: a datagram socket to send over. */
export type Sockets = Pick<Platform, "connectDatagram">;

/**
 * Opens the logger: syslog over the /dev/log datagram socket with ident "austin",
 * facility LOCAL1, the process's pid, connected through `sockets`. Disabled (all
 * no-ops) when the env var AUSTIN_NO_LOGGING is non-empty; silently a no-op when
 * the socket does not exist or cannot be connected (this machine has no
 * /dev/log). `socketPath` is a test hook.
 */
export function openLogger(
  sockets: Sockets,
  options?: { socketPath?: string; ident?: string },
): Logger {
  if (loggingDisabled()) return disabledLogger();
  let socket = sockets.connectDatagram(options?.socketPath ?? DEFAULT_SOCKET_PATH);
  if (socket === null) return disabledLogger();
  const ident = options?.ident ?? DEFAULT_IDENT;
  const pid = Deno.pid;

  const log = (level: Level, message: string): void => {
    if (socket === null) return;
    const datagram = encoder.encode(formatRecord(level, String(message), new Date(), ident, pid));
    // A failed send (the reader went away, or its queue is full) only drops this message.
    socket.send(datagram);
  };

  return {
    debug: (m) => log("debug", m),
    info: (m) => log("info", m),
    warning: (m) => log("warning", m),
    error: (m) => log("error", m),
    critical: (m) => log("critical", m),
    close: () => {
      socket?.close();
      socket = null;
    },
  };
}
