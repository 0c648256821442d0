/**
 * A Windows process's memory map: its loaded modules (psapi) and its
 * committed regions (`VirtualQueryEx`), in the shape of `/proc/PID/maps`;
 * and the path of its executable.
 *
 * @module
 */

import {
  ERROR_ACCESS_DENIED,
  kernel32,
  LIST_MODULES_ALL,
  MBI,
  MEM_COMMIT,
  MEM_IMAGE,
  MEM_MAPPED,
  MODULEINFO,
  PAGE_EXECUTE,
  PAGE_EXECUTE_READ,
  PAGE_EXECUTE_READWRITE,
  PAGE_EXECUTE_WRITECOPY,
  PAGE_GUARD,
  PAGE_READONLY,
  PAGE_READWRITE,
  PAGE_WRITECOPY,
  PROCESS_QUERY_INFORMATION,
  PROCESS_QUERY_LIMITED_INFORMATION,
  PROCESS_VM_READ,
} from "../ffi/kernel32.ts";
import type { MemoryMap } from "./platform.ts";
import { openProcess, osError, pointerAt, withProcess } from "./windows_memory.ts";
import { u64 } from "../lib/bytes.ts";

/** One loaded module: where its image is and the file it was loaded from. */
interface Module {
  base: number;
  end: number;
  path: string;
}

/** The longest path a `W` function returns, in WCHARs (the `\\?\` limit). */
const PATH_CHARS = 32768;
/** Most regions walked: a guard against a map that changes under the walk. */
const MAX_REGIONS = 1 << 20;
/** The first address past what a number holds exactly. */
const TWO_53 = 2 ** 53;
/** The size of an `HMODULE`. */
const HMODULE_SIZE = 8;

const UTF16 = new TextDecoder("utf-16le");

/** Decodes the first `chars` WCHARs of a buffer. */
function wide(buffer: Uint16Array, chars: number): string {
  return UTF16.decode(buffer.subarray(0, chars));
}

/**
 * Runs `use` with a handle to `pid` that can enumerate modules and query
 * regions: the psapi and VirtualQueryEx documentation asks for
 * PROCESS_QUERY_INFORMATION, which some processes refuse while they grant
 * the limited right (enough on Windows 8.1+), so that is tried second.
 */
function withQueryHandle<T>(pid: number, use: (handle: Deno.PointerObject) => T): T {
  const full = openProcess(pid, PROCESS_QUERY_INFORMATION | PROCESS_VM_READ);
  if (typeof full === "number") {
    if (full !== ERROR_ACCESS_DENIED) throw osError(`OpenProcess(${pid})`, full);
    return withProcess(pid, PROCESS_QUERY_LIMITED_INFORMATION | PROCESS_VM_READ, use);
  }
  try {
    return use(full);
  } finally {
    kernel32().CloseHandle(full);
  }
}

/** The path of module `module` (null: the executable) of a process, or "" if unknown. */
function moduleFileName(handle: Deno.PointerObject, module: Deno.PointerValue): string {
  const name = new Uint16Array(PATH_CHARS);
  const chars = kernel32().K32GetModuleFileNameExW(handle, module, name, PATH_CHARS);
  return chars === 0 ? "" : wide(name, chars);
}

/**
 * The modules of a process, by base address: none when they cannot be
 * listed yet. Throws Deno.errors.PermissionDenied when they may not be.
 */
function modules(pid: number, handle: Deno.PointerObject): Module[] {
  const k = kernel32();
  let list = new Uint8Array(1024 * HMODULE_SIZE);
  const needed = new Uint32Array(1);
  for (let attempt = 0;; attempt++) {
    if (k.K32EnumProcessModulesEx(handle, list, list.length, needed, LIST_MODULES_ALL) === 0) {
      const error = k.GetLastError();
      if (error === ERROR_ACCESS_DENIED) throw osError(`EnumProcessModulesEx(${pid})`, error);
      // ERROR_PARTIAL_COPY while a new process's loader has not yet set up
      // its module list: no module yet, and discovery tries again later.
      return [];
    }
    if (needed[0] <= list.length || attempt === 3) break;
    // More modules than room (they are loaded meanwhile): again, with room to spare.
    list = new Uint8Array(needed[0] + 64 * HMODULE_SIZE);
  }
  const view = new DataView(list.buffer);
  const info = new Uint8Array(MODULEINFO.size);
  const infoView = new DataView(info.buffer);
  const found: Module[] = [];
  const count = Math.min(needed[0], list.length) / HMODULE_SIZE;
  for (let i = 0; i < count; i++) {
    const module = pointerAt(u64(view, i * HMODULE_SIZE));
    // A module unloaded since the list was taken: skip it.
    if (k.K32GetModuleInformation(handle, module, info, info.length) === 0) continue;
    const base = u64(infoView, MODULEINFO.baseOfDll);
    const size = infoView.getUint32(MODULEINFO.sizeOfImage, true);
    found.push({ base, end: base + size, path: moduleFileName(handle, module) });
  }
  return found.sort((a, b) => a.base - b.base);
}

/** The `/proc/PID/maps`-style permissions of a region's `Protect` and `Type`. */
export function permissions(protect: number, type: number): string {
  const shared = type === MEM_MAPPED ? "s" : "p";
  if ((protect & PAGE_GUARD) !== 0) return `---${shared}`;
  switch (protect & 0xff) {
    case PAGE_READONLY:
      return `r--${shared}`;
    case PAGE_READWRITE:
    case PAGE_WRITECOPY:
      return `rw-${shared}`;
    case PAGE_EXECUTE:
      return `--x${shared}`;
    case PAGE_EXECUTE_READ:
      return `r-x${shared}`;
    case PAGE_EXECUTE_READWRITE:
    case PAGE_EXECUTE_WRITECOPY:
      return `rwx${shared}`;
    default:
      return `---${shared}`;
  }
}

/**
 * The committed regions of a process from `VirtualQueryEx`, lowest first.
 * A region of an image (`MEM_IMAGE`) inside a listed module gets the
 * module's path and its offset from the module's base (an RVA: for a PE
 * file what a file offset is for an ELF mapping); every other region has
 * path "". Empty when not even the first query succeeds.
 */
function regions(handle: Deno.PointerObject, loaded: Module[]): MemoryMap[] {
  const query = kernel32().VirtualQueryEx;
  const info = new Uint8Array(MBI.size);
  const view = new DataView(info.buffer);
  const length = pointerAt(MBI.size);
  const maps: MemoryMap[] = [];
  let next = 0;
  let m = 0;
  for (let i = 0; i < MAX_REGIONS && next < TWO_53; i++) {
    // 0 past the highest user address (ERROR_INVALID_PARAMETER): the end.
    if (query(handle, pointerAt(next), info, length) === 0) break;
    const start = u64(view, MBI.baseAddress);
    const end = start + u64(view, MBI.regionSize);
    if (end <= next) break;
    next = end;
    if (view.getUint32(MBI.state, true) !== MEM_COMMIT) continue;
    const type = view.getUint32(MBI.type, true);
    let path = "";
    let offset = 0;
    if (type === MEM_IMAGE) {
      while (m < loaded.length && loaded[m].end <= start) m++;
      if (m < loaded.length && loaded[m].base <= start) {
        path = loaded[m].path;
        offset = start - loaded[m].base;
      }
    }
    const perms = permissions(view.getUint32(MBI.protect, true), type);
    maps.push({ start, end, perms, offset, path });
  }
  return maps;
}

/**
 * The memory map of a process: every committed region, those of loaded
 * modules under the module's path with their real protections (so the
 * readers find a DLL's writable `.data` as on Linux), the rest anonymous.
 * When the regions cannot be queried, one `r-xp` map per module, whole.
 * Throws Deno.errors.NotFound / PermissionDenied when the process is gone /
 * may not be looked at. A process still starting (its loader has not yet
 * listed its modules) has only anonymous maps.
 */
export function windowsMemoryMaps(pid: number): MemoryMap[] {
  return withQueryHandle(pid, (handle) => {
    const loaded = modules(pid, handle);
    const maps = regions(handle, loaded);
    if (maps.length > 0) return maps;
    return loaded.map((m) => ({
      start: m.base,
      end: m.end,
      perms: "r-xp",
      offset: 0,
      path: m.path,
    }));
  });
}

/**
 * The path of a process's executable. The loader's name of its main module
 * comes first, being what {@link windowsMemoryMaps} names the executable's
 * regions with (so the two compare equal); QueryFullProcessImageNameW (the
 * kernel's name, in the Win32 form) when the loader's list cannot be read
 * yet or with the limited right alone. Throws Deno.errors.NotFound /
 * PermissionDenied when the process is gone / may not be looked at.
 */
export function windowsExecutable(pid: number): string {
  const loader = (() => {
    const full = openProcess(pid, PROCESS_QUERY_INFORMATION | PROCESS_VM_READ);
    if (typeof full === "number") return "";
    try {
      return moduleFileName(full, null);
    } finally {
      kernel32().CloseHandle(full);
    }
  })();
  if (loader !== "") return loader;
  return withProcess(pid, PROCESS_QUERY_LIMITED_INFORMATION, (handle) => {
    const k = kernel32();
    const name = new Uint16Array(PATH_CHARS);
    const size = new Uint32Array([PATH_CHARS]);
    if (k.QueryFullProcessImageNameW(handle, 0, name, size) === 0) {
      throw osError(`QueryFullProcessImageNameW(${pid})`, k.GetLastError());
    }
    return wide(name, size[0]);
  });
}
