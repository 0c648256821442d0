/**
 * Raw bindings to the few glibc symbols austin-deno needs on Linux.
 *
 * Only declarations live here: no logic. The signatures are chosen to stay
 * on V8's fast FFI call path (see the spec's performance notes): counts and
 * flags that are always the same are declared `"pointer"` and passed as
 * pointer values created once, buffers are `"buffer"` parameters, and
 * results that are `ssize_t` are read as `i32` (on x86-64 the low half of
 * `rax` carries every count we ask for, and -1 stays -1), which avoids a
 * BigInt per call.
 *
 * @module
 */

const SYMBOLS = {
  /** ssize_t process_vm_readv(pid_t, const iovec *local, unsigned long n, const iovec *remote, unsigned long n, unsigned long flags) */
  process_vm_readv: {
    parameters: ["i32", "buffer", "pointer", "buffer", "pointer", "pointer"],
    result: "i32",
  },
  /** int *__errno_location(void) */
  __errno_location: { parameters: [], result: "pointer" },
  /** int kill(pid_t, int) */
  kill: { parameters: ["i32", "i32"], result: "i32" },
  /** pid_t getpid(void) */
  getpid: { parameters: [], result: "i32" },
  /** int clock_gettime(clockid_t, struct timespec *) */
  clock_gettime: { parameters: ["i32", "buffer"], result: "i32" },
  /** int clock_nanosleep(clockid_t, int flags, const struct timespec *, struct timespec *) */
  clock_nanosleep: { parameters: ["i32", "i32", "buffer", "pointer"], result: "i32" },
  /** int prctl(int option, unsigned long arg2, ...): only PR_SET_TIMERSLACK is used */
  prctl: { parameters: ["i32", "pointer", "pointer", "pointer", "pointer"], result: "i32" },
  /** int isatty(int fd) */
  isatty: { parameters: ["i32"], result: "i32" },
  /** int socket(int domain, int type, int protocol) */
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  /** int connect(int fd, const struct sockaddr *, socklen_t) */
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  /** ssize_t send(int fd, const void *, size_t, int flags) */
  send: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  /** int close(int fd) */
  close: { parameters: ["i32"], result: "i32" },
  /** ssize_t pread(int fd, void *, size_t, off_t): count and offset as pointer values, for speed */
  pread: { parameters: ["i32", "buffer", "pointer", "pointer"], result: "i32" },
  /** int open(const char *path, int flags) (no mode: never creates) */
  open: { parameters: ["buffer", "i32"], result: "i32" },
} as const;

/** The glibc symbols, as returned by `Deno.dlopen`. */
export type Libc = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

let library: Deno.DynamicLibrary<typeof SYMBOLS> | null = null;

/** Opens libc once and returns its symbols. */
export function libc(): Libc {
  if (library === null) library = Deno.dlopen("libc.so.6", SYMBOLS);
  return library.symbols;
}

/** Reads the calling thread's `errno`. */
export function errno(): number {
  const where = libc().__errno_location();
  if (where === null) return 0;
  return new Deno.UnsafePointerView(where).getInt32(0);
}

/** Linux errno values the callers test for. */
export const ESRCH = 3;
/** Operation not permitted. */
export const EPERM = 1;
/** Bad address (a remote range that is not mapped). */
export const EFAULT = 14;
/** Permission denied. */
export const EACCES = 13;

/** `AF_UNIX`. */
export const AF_UNIX = 1;
/** `SOCK_DGRAM`. */
export const SOCK_DGRAM = 2;
/** `SOCK_CLOEXEC`. */
export const SOCK_CLOEXEC = 0o2000000;
/** `O_RDONLY | O_CLOEXEC`. */
export const O_RDONLY_CLOEXEC = 0o2000000;

/** `CLOCK_MONOTONIC`. */
export const CLOCK_MONOTONIC = 1;
/** `CLOCK_BOOTTIME`, the clock Austin measures time with. */
export const CLOCK_BOOTTIME = 7;
/** `TIMER_ABSTIME` flag of `clock_nanosleep`. */
export const TIMER_ABSTIME = 1;
/** `PR_SET_TIMERSLACK` option of `prctl`. */
export const PR_SET_TIMERSLACK = 29;
