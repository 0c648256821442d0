/**
 * Raw bindings to the kernel32.dll symbols austin-deno needs on Windows
 * (x64, LLP64: `DWORD`, `BOOL` and `LONG` are 32-bit; `HANDLE`, `SIZE_T`
 * and pointers 64-bit; strings UTF-16, so the `W` functions), with the
 * constants and x64 structure offsets that go with them.
 *
 * Only declarations live here: no logic. The library is opened on the
 * first call of {@link kernel32}, never at import, so this module loads on
 * any OS. As in `libc.ts`, the signatures keep to V8's fast FFI call path:
 * handles, remote addresses and sizes are `"pointer"` parameters (a
 * pointer value is made from a plain number with `Deno.UnsafePointer.offset`,
 * no BigInt), out-parameters are `"buffer"`s, and the `SIZE_T` result of
 * `VirtualQueryEx` (0 or 48) is read as `i32`.
 *
 * The psapi functions are taken under their `K32` names, which kernel32
 * has exported since Windows 7, so no psapi.dll is needed.
 *
 * @module
 */

const SYMBOLS = {
  /** HANDLE OpenProcess(DWORD dwDesiredAccess, BOOL bInheritHandle, DWORD dwProcessId) */
  OpenProcess: { parameters: ["u32", "i32", "u32"], result: "pointer" },
  /** BOOL ReadProcessMemory(HANDLE, LPCVOID lpBaseAddress, LPVOID lpBuffer, SIZE_T nSize, SIZE_T *lpNumberOfBytesRead) */
  ReadProcessMemory: {
    parameters: ["pointer", "pointer", "pointer", "pointer", "buffer"],
    result: "i32",
  },
  /** BOOL CloseHandle(HANDLE) */
  CloseHandle: { parameters: ["pointer"], result: "i32" },
  /** DWORD GetLastError(void) */
  GetLastError: { parameters: [], result: "u32" },
  /** BOOL K32EnumProcessModulesEx(HANDLE, HMODULE *lphModule, DWORD cb, LPDWORD lpcbNeeded, DWORD dwFilterFlag) */
  K32EnumProcessModulesEx: {
    parameters: ["pointer", "buffer", "u32", "buffer", "u32"],
    result: "i32",
  },
  /** DWORD K32GetModuleFileNameExW(HANDLE, HMODULE, LPWSTR lpFilename, DWORD nSize) (nSize in WCHARs) */
  K32GetModuleFileNameExW: { parameters: ["pointer", "pointer", "buffer", "u32"], result: "u32" },
  /** BOOL K32GetModuleInformation(HANDLE, HMODULE, LPMODULEINFO lpmodinfo, DWORD cb) */
  K32GetModuleInformation: { parameters: ["pointer", "pointer", "buffer", "u32"], result: "i32" },
  /** BOOL QueryFullProcessImageNameW(HANDLE, DWORD dwFlags, LPWSTR lpExeName, PDWORD lpdwSize) */
  QueryFullProcessImageNameW: {
    parameters: ["pointer", "u32", "buffer", "buffer"],
    result: "i32",
  },
  /** SIZE_T VirtualQueryEx(HANDLE, LPCVOID lpAddress, PMEMORY_BASIC_INFORMATION lpBuffer, SIZE_T dwLength) */
  VirtualQueryEx: { parameters: ["pointer", "pointer", "buffer", "pointer"], result: "i32" },
  /** HANDLE CreateToolhelp32Snapshot(DWORD dwFlags, DWORD th32ProcessID) */
  CreateToolhelp32Snapshot: { parameters: ["u32", "u32"], result: "pointer" },
  /** BOOL Process32FirstW(HANDLE hSnapshot, LPPROCESSENTRY32W lppe) */
  Process32FirstW: { parameters: ["pointer", "buffer"], result: "i32" },
  /** BOOL Process32NextW(HANDLE hSnapshot, LPPROCESSENTRY32W lppe) */
  Process32NextW: { parameters: ["pointer", "buffer"], result: "i32" },
  /** BOOL Thread32First(HANDLE hSnapshot, LPTHREADENTRY32 lpte) */
  Thread32First: { parameters: ["pointer", "buffer"], result: "i32" },
  /** BOOL Thread32Next(HANDLE hSnapshot, LPTHREADENTRY32 lpte) */
  Thread32Next: { parameters: ["pointer", "buffer"], result: "i32" },
  /** BOOL GetExitCodeProcess(HANDLE, LPDWORD lpExitCode) */
  GetExitCodeProcess: { parameters: ["pointer", "buffer"], result: "i32" },
  /** BOOL GetProcessTimes(HANDLE, LPFILETIME creation, LPFILETIME exit, LPFILETIME kernel, LPFILETIME user) */
  GetProcessTimes: {
    parameters: ["pointer", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  /** DWORD WaitForSingleObject(HANDLE, DWORD dwMilliseconds) */
  WaitForSingleObject: { parameters: ["pointer", "u32"], result: "u32" },
  /** BOOL K32GetProcessMemoryInfo(HANDLE, PPROCESS_MEMORY_COUNTERS ppsmemCounters, DWORD cb) */
  K32GetProcessMemoryInfo: { parameters: ["pointer", "buffer", "u32"], result: "i32" },
  /** BOOL GlobalMemoryStatusEx(LPMEMORYSTATUSEX lpBuffer) */
  GlobalMemoryStatusEx: { parameters: ["buffer"], result: "i32" },
  /** BOOL QueryPerformanceCounter(LARGE_INTEGER *lpPerformanceCount) */
  QueryPerformanceCounter: { parameters: ["buffer"], result: "i32" },
  /** BOOL QueryPerformanceFrequency(LARGE_INTEGER *lpFrequency) */
  QueryPerformanceFrequency: { parameters: ["buffer"], result: "i32" },
  /** HANDLE CreateWaitableTimerExW(LPSECURITY_ATTRIBUTES, LPCWSTR lpTimerName, DWORD dwFlags, DWORD dwDesiredAccess) */
  CreateWaitableTimerExW: { parameters: ["pointer", "pointer", "u32", "u32"], result: "pointer" },
  /** BOOL SetWaitableTimer(HANDLE, const LARGE_INTEGER *lpDueTime, LONG lPeriod, PTIMERAPCROUTINE, LPVOID, BOOL fResume) */
  SetWaitableTimer: {
    parameters: ["pointer", "buffer", "i32", "pointer", "pointer", "i32"],
    result: "i32",
  },
  /** DWORD GetCurrentProcessId(void) */
  GetCurrentProcessId: { parameters: [], result: "u32" },
} as const;

/** The kernel32 symbols, as returned by `Deno.dlopen`. */
export type Kernel32 = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

let library: Deno.DynamicLibrary<typeof SYMBOLS> | null = null;

/** Opens kernel32.dll once and returns its symbols. */
export function kernel32(): Kernel32 {
  if (library === null) library = Deno.dlopen("kernel32.dll", SYMBOLS);
  return library.symbols;
}

// ---- Access rights (winnt.h) ----------------------------------------------

/** `PROCESS_VM_READ` (winnt.h): ReadProcessMemory. */
export const PROCESS_VM_READ = 0x0010;
/** `PROCESS_QUERY_INFORMATION` (winnt.h): what the psapi and VirtualQueryEx docs ask for. */
export const PROCESS_QUERY_INFORMATION = 0x0400;
/** `PROCESS_QUERY_LIMITED_INFORMATION` (winnt.h): exit code, times, image name, counters. */
export const PROCESS_QUERY_LIMITED_INFORMATION = 0x1000;
/** `SYNCHRONIZE` (winnt.h): waiting on the handle. */
export const SYNCHRONIZE = 0x00100000;
/** `TIMER_ALL_ACCESS` (winnt.h). */
export const TIMER_ALL_ACCESS = 0x001f0003;

// ---- Error codes (winerror.h) ---------------------------------------------

/** `ERROR_ACCESS_DENIED` (winerror.h). */
export const ERROR_ACCESS_DENIED = 5;
/** `ERROR_INVALID_PARAMETER` (winerror.h): what OpenProcess says of a pid no process has. */
export const ERROR_INVALID_PARAMETER = 87;
/** `ERROR_PARTIAL_COPY` (winerror.h): part of a ReadProcessMemory range is unreadable. */
export const ERROR_PARTIAL_COPY = 299;
/** `ERROR_NOACCESS` (winerror.h): invalid access to a memory location. */
export const ERROR_NOACCESS = 998;

// ---- Other constants ------------------------------------------------------

/** `STILL_ACTIVE` (minwinbase.h, = STATUS_PENDING): GetExitCodeProcess of a running process. */
export const STILL_ACTIVE = 259;
/** `WAIT_OBJECT_0` (winbase.h). */
export const WAIT_OBJECT_0 = 0;
/** `WAIT_TIMEOUT` (winerror.h). */
export const WAIT_TIMEOUT = 0x102;
/** `INFINITE` (winbase.h). */
export const INFINITE = 0xffffffff;
/** `LIST_MODULES_ALL` (psapi.h): 32- and 64-bit modules. */
export const LIST_MODULES_ALL = 3;
/** `TH32CS_SNAPPROCESS` (tlhelp32.h). */
export const TH32CS_SNAPPROCESS = 0x2;
/** `TH32CS_SNAPTHREAD` (tlhelp32.h). */
export const TH32CS_SNAPTHREAD = 0x4;
/** `CREATE_WAITABLE_TIMER_HIGH_RESOLUTION` (synchapi.h, Windows 10 1803+). */
export const CREATE_WAITABLE_TIMER_HIGH_RESOLUTION = 0x2;

/** `MEM_COMMIT` (winnt.h): a MEMORY_BASIC_INFORMATION.State. */
export const MEM_COMMIT = 0x1000;
/** `MEM_IMAGE` (winnt.h): a MEMORY_BASIC_INFORMATION.Type, pages of a mapped executable image. */
export const MEM_IMAGE = 0x1000000;
/** `MEM_MAPPED` (winnt.h): pages of a mapped (shareable) section. */
export const MEM_MAPPED = 0x40000;
/** `PAGE_NOACCESS` (winnt.h). */
export const PAGE_NOACCESS = 0x01;
/** `PAGE_READONLY` (winnt.h). */
export const PAGE_READONLY = 0x02;
/** `PAGE_READWRITE` (winnt.h). */
export const PAGE_READWRITE = 0x04;
/** `PAGE_WRITECOPY` (winnt.h). */
export const PAGE_WRITECOPY = 0x08;
/** `PAGE_EXECUTE` (winnt.h). */
export const PAGE_EXECUTE = 0x10;
/** `PAGE_EXECUTE_READ` (winnt.h). */
export const PAGE_EXECUTE_READ = 0x20;
/** `PAGE_EXECUTE_READWRITE` (winnt.h). */
export const PAGE_EXECUTE_READWRITE = 0x40;
/** `PAGE_EXECUTE_WRITECOPY` (winnt.h). */
export const PAGE_EXECUTE_WRITECOPY = 0x80;
/** `PAGE_GUARD` (winnt.h): a modifier; touching such a page faults once. */
export const PAGE_GUARD = 0x100;

// ---- x64 structure layouts --------------------------------------------------
// Each offset follows from the C declaration in the named header under the
// x64 (LLP64) rules: DWORD/LONG/BOOL 4 bytes, WORD 2, pointers, HANDLEs,
// SIZE_T and ULONG_PTR 8 and 8-aligned, and sizeof rounded up to the
// largest member's alignment.

/**
 * `MEMORY_BASIC_INFORMATION` (winnt.h, the `_WIN64` layout): BaseAddress 0,
 * AllocationBase 8, AllocationProtect 16 (DWORD), PartitionId 20 (WORD,
 * newer SDKs; padding before), RegionSize 24, State 32, Protect 36, Type 40
 * (DWORDs), then 4 bytes of padding: 48 bytes.
 */
export const MBI = {
  size: 48,
  baseAddress: 0,
  regionSize: 24,
  state: 32,
  protect: 36,
  type: 40,
} as const;

/**
 * `MODULEINFO` (psapi.h): lpBaseOfDll 0 (LPVOID), SizeOfImage 8 (DWORD,
 * then padding), EntryPoint 16 (LPVOID): 24 bytes.
 */
export const MODULEINFO = { size: 24, baseOfDll: 0, sizeOfImage: 8 } as const;

/**
 * `PROCESSENTRY32W` (tlhelp32.h): dwSize 0, cntUsage 4, th32ProcessID 8
 * (DWORDs), th32DefaultHeapID 16 (ULONG_PTR, 8-aligned after 12),
 * th32ModuleID 24, cntThreads 28, th32ParentProcessID 32, pcPriClassBase 36
 * (LONG), dwFlags 40, szExeFile 44 (WCHAR[260], 520 bytes, to 564), rounded
 * up to 8: 568 bytes (556 on x86).
 */
export const PROCESSENTRY32W = {
  size: 568,
  processId: 8,
  parentProcessId: 32,
  exeFile: 44,
} as const;

/**
 * `THREADENTRY32` (tlhelp32.h), all DWORD/LONG: dwSize 0, cntUsage 4,
 * th32ThreadID 8, th32OwnerProcessID 12, tpBasePri 16, tpDeltaPri 20,
 * dwFlags 24: 28 bytes on every architecture.
 */
export const THREADENTRY32 = { size: 28, threadId: 8, ownerProcessId: 12 } as const;

/**
 * `PROCESS_MEMORY_COUNTERS` (psapi.h): cb 0, PageFaultCount 4 (DWORDs),
 * then nine SIZE_Ts from 8: PeakWorkingSetSize 8, WorkingSetSize 16, ...,
 * PeakPagefileUsage 64: 72 bytes.
 */
export const PROCESS_MEMORY_COUNTERS = { size: 72, workingSetSize: 16 } as const;

/**
 * `MEMORYSTATUSEX` (sysinfoapi.h): dwLength 0, dwMemoryLoad 4 (DWORDs),
 * then seven DWORDLONGs from 8 (ullTotalPhys first): 64 bytes.
 */
export const MEMORYSTATUSEX = { size: 64, totalPhys: 8 } as const;
