/**
 * Raw bindings to the one ntdll.dll symbol austin-deno needs on Windows,
 * `NtQuerySystemInformation`, with the x64 layout of the process and
 * thread records it returns.
 *
 * Only declarations live here: no logic. The library is opened on the
 * first call of {@link ntdll}, never at import.
 *
 * The layouts are not in the Windows SDK's public headers in full
 * (winternl.h has reserved fields); they follow the Process Hacker / System
 * Informer "phnt" headers (ntexapi.h `SYSTEM_PROCESS_INFORMATION`, which
 * static_asserts that the process record before `Threads` is 0x100 bytes on
 * `_WIN64`, and `SYSTEM_THREAD_INFORMATION`; ntkeapi.h `KTHREAD_STATE`),
 * which agree with winternl.h's documented members and with Microsoft's
 * MS-TSTS description of `SYSTEM_PROCESS_INFORMATION`.
 *
 * @module
 */

const SYMBOLS = {
  /**
   * NTSTATUS NtQuerySystemInformation(SYSTEM_INFORMATION_CLASS, PVOID buffer, ULONG length, PULONG returnLength).
   * NTSTATUS is a LONG, read here as its u32 bits.
   */
  NtQuerySystemInformation: { parameters: ["u32", "buffer", "u32", "buffer"], result: "u32" },
} as const;

/** The ntdll symbols, as returned by `Deno.dlopen`. */
export type Ntdll = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

let library: Deno.DynamicLibrary<typeof SYMBOLS> | null = null;

/** Opens ntdll.dll once and returns its symbols. */
export function ntdll(): Ntdll {
  if (library === null) library = Deno.dlopen("ntdll.dll", SYMBOLS);
  return library.symbols;
}

/** `SystemProcessInformation` (winternl.h `SYSTEM_INFORMATION_CLASS`): every process with its threads. */
export const SystemProcessInformation = 5;
/** `STATUS_SUCCESS` (ntstatus.h). */
export const STATUS_SUCCESS = 0;
/** `STATUS_INFO_LENGTH_MISMATCH` (ntstatus.h): the buffer is too small; returnLength says how big. */
export const STATUS_INFO_LENGTH_MISMATCH = 0xc0000004;

/**
 * `SYSTEM_PROCESS_INFORMATION` (phnt ntexapi.h), x64: NextEntryOffset 0x00,
 * NumberOfThreads 0x04 (ULONGs), WorkingSetPrivateSize 0x08, HardFaultCount
 * 0x10, NumberOfThreadsHighWatermark 0x14, CycleTime 0x18, CreateTime 0x20,
 * UserTime 0x28, KernelTime 0x30, ImageName 0x38 (UNICODE_STRING, 16
 * bytes), BasePriority 0x48 (LONG, then padding), UniqueProcessId 0x50,
 * InheritedFromUniqueProcessId 0x58 (HANDLEs), HandleCount 0x60, ...,
 * OtherTransferCount 0xF8: the thread records start at 0x100.
 */
export const SPI = {
  nextEntryOffset: 0x00,
  numberOfThreads: 0x04,
  uniqueProcessId: 0x50,
  inheritedFromUniqueProcessId: 0x58,
  threads: 0x100,
} as const;

/**
 * `SYSTEM_THREAD_INFORMATION` (phnt ntexapi.h, winternl.h), x64:
 * KernelTime 0x00, UserTime 0x08, CreateTime 0x10 (LARGE_INTEGERs),
 * WaitTime 0x18 (ULONG, then padding), StartAddress 0x20, ClientId 0x28
 * (CLIENT_ID: UniqueProcess 0x28, UniqueThread 0x30), Priority 0x38,
 * BasePriority 0x3C (LONGs), ContextSwitches 0x40, ThreadState 0x44,
 * WaitReason 0x48 (ULONG-sized enums), then padding: 0x50 = 80 bytes.
 */
export const STI = {
  size: 0x50,
  uniqueThread: 0x30,
  threadState: 0x44,
  waitReason: 0x48,
} as const;

/** `Running` of `KTHREAD_STATE` (phnt ntkeapi.h: Initialized 0, Ready 1, Running 2, Standby 3, ...). */
export const KTHREAD_STATE_RUNNING = 2;
