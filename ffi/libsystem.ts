/**
 * Raw bindings to the few libSystem symbols austin-deno needs on macOS: the
 * Mach calls that read another task's memory and regions, libproc's
 * process and thread queries, and the libc basics (clocks, signals,
 * sockets).
 *
 * Only declarations and constants live here: no logic. As in `libc.ts`,
 * the library is opened on first use, never at import, and the signatures
 * are chosen for V8's fast FFI path: buffers are `"buffer"` parameters, and
 * the 64-bit values that change per call (remote and local addresses,
 * sizes, thread handles) are `"u64"` parameters passed as plain numbers:
 * Deno converts a number argument of a 64-bit parameter itself, without a
 * BigInt (checked on Deno 2.9), though its declarations type such
 * parameters `bigint` only, hence {@link LibSystem}'s wider type. Every
 * address austin-deno handles is below 2^53. No symbol returns a 64-bit
 * integer (Deno returns those as a BigInt, always).
 *
 * Widths: `mach_port_t` (and `vm_map_t`, `task_t`, `ipc_space_t`) is a
 * `u32`, `kern_return_t` an `i32`, `mach_vm_address_t` and `mach_vm_size_t`
 * `u64`, `pid_t` an `i32`, `mach_msg_type_number_t` a `u32` (passed by
 * pointer here).
 *
 * @module
 */

const SYMBOLS = {
  /** mach_port_t mach_task_self_ (the variable that mach_task_self() reads; set before main) */
  mach_task_self_: { type: "u32" },
  /** kern_return_t task_for_pid(mach_port_name_t target_tport, int pid, mach_port_name_t *t) */
  task_for_pid: { parameters: ["u32", "i32", "buffer"], result: "i32" },
  /** kern_return_t mach_port_deallocate(ipc_space_t task, mach_port_name_t name) */
  mach_port_deallocate: { parameters: ["u32", "u32"], result: "i32" },
  /**
   * kern_return_t mach_vm_read_overwrite(vm_map_read_t target_task, mach_vm_address_t address,
   * mach_vm_size_t size, mach_vm_address_t data, mach_vm_size_t *outsize)
   */
  mach_vm_read_overwrite: {
    parameters: ["u32", "u64", "u64", "u64", "buffer"],
    result: "i32",
  },
  /**
   * kern_return_t mach_vm_region(vm_map_read_t target_task, mach_vm_address_t *address,
   * mach_vm_size_t *size, vm_region_flavor_t flavor, vm_region_info_t info,
   * mach_msg_type_number_t *infoCnt, mach_port_t *object_name)
   */
  mach_vm_region: {
    parameters: ["u32", "buffer", "buffer", "i32", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  /** kern_return_t mach_timebase_info(mach_timebase_info_t info) */
  mach_timebase_info: { parameters: ["buffer"], result: "i32" },
  /** kern_return_t mach_wait_until(uint64_t deadline) */
  mach_wait_until: { parameters: ["u64"], result: "i32" },
  /** int clock_gettime(clockid_t clock_id, struct timespec *tp) */
  clock_gettime: { parameters: ["i32", "buffer"], result: "i32" },
  /** int proc_pidinfo(int pid, int flavor, uint64_t arg, void *buffer, int buffersize) */
  proc_pidinfo: { parameters: ["i32", "i32", "u64", "buffer", "i32"], result: "i32" },
  /** int proc_pidpath(int pid, void *buffer, uint32_t buffersize) */
  proc_pidpath: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  /** int proc_regionfilename(int pid, uint64_t address, void *buffer, uint32_t buffersize) */
  proc_regionfilename: { parameters: ["i32", "u64", "buffer", "u32"], result: "i32" },
  /** int proc_listallpids(void *buffer, int buffersize): returns a count of pids, not bytes */
  proc_listallpids: { parameters: ["buffer", "i32"], result: "i32" },
  /** int proc_pid_rusage(int pid, int flavor, rusage_info_t *buffer) */
  proc_pid_rusage: { parameters: ["i32", "i32", "buffer"], result: "i32" },
  /** int sysctlbyname(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen) */
  sysctlbyname: {
    parameters: ["buffer", "buffer", "buffer", "pointer", "usize"],
    result: "i32",
  },
  /** int *__error(void): the calling thread's errno */
  __error: { parameters: [], result: "pointer" },
  /** int kill(pid_t pid, int sig) */
  kill: { parameters: ["i32", "i32"], result: "i32" },
  /** pid_t getpid(void) */
  getpid: { parameters: [], result: "i32" },
  /** int isatty(int fd) */
  isatty: { parameters: ["i32"], result: "i32" },
  /** int socket(int domain, int type, int protocol) */
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  /** int setsockopt(int socket, int level, int option_name, const void *option_value, socklen_t option_len) */
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  /**
   * int ioctl(int fildes, unsigned long request, ...): variadic, so only
   * requests without an argument (FIOCLEX) may be made through this
   * two-argument declaration (arm64 passes variadic arguments on the stack)
   */
  ioctl: { parameters: ["i32", "u64"], result: "i32" },
  /** int connect(int socket, const struct sockaddr *address, socklen_t address_len) */
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  /** ssize_t send(int socket, const void *buffer, size_t length, int flags) */
  send: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  /** int close(int fildes) */
  close: { parameters: ["i32"], result: "i32" },
} as const;

/** The symbols as `Deno.dlopen` types them. */
type RawSymbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/** A function type whose `bigint` parameters also take a number. */
type NumberArgs<F> = F extends (...args: infer A) => infer R
  ? (...args: { [K in keyof A]: A[K] extends bigint ? number | bigint : A[K] }) => R
  : F;

/**
 * The libSystem symbols, as returned by `Deno.dlopen`, but with every
 * 64-bit integer parameter typed to take a number too (what Deno accepts).
 */
export type LibSystem = { readonly [K in keyof RawSymbols]: NumberArgs<RawSymbols[K]> };

let library: Deno.DynamicLibrary<typeof SYMBOLS> | null = null;

/** Opens libSystem once (on first use) and returns its symbols. */
export function libsystem(): LibSystem {
  if (library === null) library = Deno.dlopen("/usr/lib/libSystem.B.dylib", SYMBOLS);
  return library.symbols as LibSystem;
}

/** Reads the calling thread's `errno` (through `__error()`). */
export function errno(): number {
  const where = libsystem().__error();
  if (where === null) return 0;
  return new Deno.UnsafePointerView(where).getInt32(0);
}

// <sys/errno.h>: the BSD values, the same as Linux's for these four.

/** `EPERM`: operation not permitted. */
export const EPERM = 1;
/** `ESRCH`: no such process. */
export const ESRCH = 3;
/** `EACCES`: permission denied. */
export const EACCES = 13;
/** `EFAULT`: bad address (a remote range that is not mapped). */
export const EFAULT = 14;

// <mach/kern_return.h>

/** `KERN_SUCCESS`. */
export const KERN_SUCCESS = 0;
/** `KERN_INVALID_ADDRESS`: the address is not mapped (also: no region at or above it). */
export const KERN_INVALID_ADDRESS = 1;
/** `KERN_PROTECTION_FAILURE`: the range is mapped but not readable. */
export const KERN_PROTECTION_FAILURE = 2;

// <mach/vm_region.h>, <mach/vm_prot.h>

/** `VM_REGION_BASIC_INFO_64`: the `mach_vm_region` flavor of `struct vm_region_basic_info_64`. */
export const VM_REGION_BASIC_INFO_64 = 9;
/**
 * `VM_REGION_BASIC_INFO_COUNT_64`: `sizeof(struct vm_region_basic_info_64) / sizeof(int)`.
 * The struct is declared under `#pragma pack(push, 4)`: protection (i32) at
 * 0, max_protection 4, inheritance 8, shared (boolean_t) 12, reserved 16,
 * offset (u64) 20, behavior 28, user_wired_count (u16) 32; 36 bytes.
 */
export const VM_REGION_BASIC_INFO_COUNT_64 = 9;
/** Offset of `protection` in `struct vm_region_basic_info_64`. */
export const VM_BASIC_INFO_PROTECTION = 0;
/** Offset of `shared` in `struct vm_region_basic_info_64`. */
export const VM_BASIC_INFO_SHARED = 12;
/** Offset of `offset` (a u64 at a 4-byte-aligned offset) in `struct vm_region_basic_info_64`. */
export const VM_BASIC_INFO_OFFSET = 20;
/** `VM_PROT_READ`. */
export const VM_PROT_READ = 1;
/** `VM_PROT_WRITE`. */
export const VM_PROT_WRITE = 2;
/** `VM_PROT_EXECUTE`. */
export const VM_PROT_EXECUTE = 4;

// <sys/proc_info.h> (public) and <sys/proc_info_private.h> (XNU source)

/** `PROC_PIDTBSDINFO`: `struct proc_bsdinfo` (136 bytes; same-user or root only). */
export const PROC_PIDTBSDINFO = 3;
/** `PROC_PIDTHREADINFO`: `struct proc_threadinfo` of the thread whose handle is `arg`. */
export const PROC_PIDTHREADINFO = 5;
/** `sizeof(struct proc_threadinfo)`: two u64, eight i32, `char pth_name[64]`. */
export const PROC_THREADINFO_SIZE = 112;
/** Offset of `pth_run_state` (i32) in `struct proc_threadinfo`. */
export const PTH_RUN_STATE = 24;
/** `TH_STATE_RUNNING`, a `pth_run_state`. */
export const TH_STATE_RUNNING = 1;
/** `PROC_PIDLISTTHREADS`: the u64 handles (`cthread_self`, the TSD base) of the threads. */
export const PROC_PIDLISTTHREADS = 6;
/**
 * `PROC_PIDT_SHORTBSDINFO`: `struct proc_bsdshortinfo` (64 bytes). Unlike
 * `PROC_PIDTBSDINFO` the kernel gives it for any user's process, and (with
 * a non-zero `arg`) for a zombie too.
 */
export const PROC_PIDT_SHORTBSDINFO = 13;
/** `sizeof(struct proc_bsdshortinfo)`. */
export const PROC_BSDSHORTINFO_SIZE = 64;
/** Offset of `pbsi_ppid` (u32) in `struct proc_bsdshortinfo`. */
export const PBSI_PPID = 4;
/** Offset of `pbsi_status` (u32, a `p_stat` value) in `struct proc_bsdshortinfo`. */
export const PBSI_STATUS = 12;
/** `SZOMB` (<sys/proc.h>): the `p_stat` of a process awaiting collection by its parent. */
export const SZOMB = 5;
/**
 * `PROC_PIDUNIQIDENTIFIERINFO` (private, <sys/proc_info_private.h>): `struct
 * proc_uniqidentifierinfo`, for any user's process.
 */
export const PROC_PIDUNIQIDENTIFIERINFO = 17;
/**
 * `sizeof(struct proc_uniqidentifierinfo)`: `uint8_t p_uuid[16]` (the main
 * executable's UUID) at 0, `uint64_t p_uniqueid` 16, `p_puniqueid` 24,
 * `int32_t p_idversion` 32 (reported since macOS 11, xnu-7195; zero, then
 * reserved, before), reserved to 56.
 */
export const PROC_UNIQIDENTIFIERINFO_SIZE = 56;
/** Offset of `p_uuid` in `struct proc_uniqidentifierinfo`. */
export const P_UUID = 0;
/** Offset of `p_uniqueid` in `struct proc_uniqidentifierinfo`. */
export const P_UNIQUEID = 16;
/** Offset of `p_idversion` in `struct proc_uniqidentifierinfo`. */
export const P_IDVERSION = 32;
/** `PROC_PIDPATHINFO_MAXSIZE`: `4 * MAXPATHLEN`, the most `proc_pidpath` takes. */
export const PROC_PIDPATHINFO_MAXSIZE = 4096;
/** `MAXPATHLEN` (<sys/param.h>): the least buffer `proc_regionfilename` takes. */
export const MAXPATHLEN = 1024;
/** `PID_MAX` (<sys/proc_internal.h>): pids are below it (the kernel wraps at 99999 to 100). */
export const PID_MAX = 99999;

// <sys/resource.h>

/** `RUSAGE_INFO_V0`: the `proc_pid_rusage` flavor of `struct rusage_info_v0` (96 bytes). */
export const RUSAGE_INFO_V0 = 0;
/** `sizeof(struct rusage_info_v0)`: `ri_uuid[16]` then ten u64. */
export const RUSAGE_INFO_V0_SIZE = 96;
/** Offset of `ri_resident_size` (u64) in `struct rusage_info_v0`. */
export const RI_RESIDENT_SIZE = 64;

// <time.h>

/**
 * `CLOCK_UPTIME_RAW`: `mach_absolute_time()` in nanoseconds (stops while the
 * system sleeps): the clock of `mach_wait_until`'s deadlines.
 */
export const CLOCK_UPTIME_RAW = 8;

/**
 * `CLOCK_MONOTONIC_RAW`: `mach_continuous_time()` in nanoseconds: counts
 * while the system sleeps, is not slewed by NTP, and is read from the
 * commpage without a system call. (`CLOCK_MONOTONIC` = 6 also counts sleep
 * but has microsecond resolution and goes through the calendar clock;
 * `CLOCK_UPTIME_RAW` stops during sleep.)
 */
export const CLOCK_MONOTONIC_RAW = 4;

// <sys/socket.h>, <sys/un.h>, <sys/filio.h>

/** `AF_UNIX`. */
export const AF_UNIX = 1;
/** `SOCK_DGRAM`. */
export const SOCK_DGRAM = 2;
/** `SOL_SOCKET`: the level of socket options. */
export const SOL_SOCKET = 0xffff;
/** `SO_NOSIGPIPE`: no SIGPIPE on EPIPE (macOS has no `MSG_NOSIGNAL`). */
export const SO_NOSIGPIPE = 0x1022;
/** `MSG_DONTWAIT`: this send does not block. */
export const MSG_DONTWAIT = 0x80;
/** `sizeof(((struct sockaddr_un *)0)->sun_path)`: after `u8 sun_len` and `u8 sun_family`. */
export const SUN_PATH_MAX = 104;
/** `FIOCLEX` = `_IO('f', 1)`: set close-on-exec (macOS has no `SOCK_CLOEXEC`). */
export const FIOCLEX = 0x20006601;
