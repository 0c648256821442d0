/**
 * Finding the CPython runtime in a process: which ELF file holds it, where
 * it is loaded, which version it is and where the interpreter list starts
 * (spec: cpython-layouts.md, section 1; austin-behaviour.md, section 9).
 *
 * One call to {@link tryFindRuntime} is one attempt; the caller retries
 * until it succeeds or its timeout runs out, because a process that is
 * starting has not mapped or initialised its interpreter yet.
 *
 * @module
 */

import { ElfError, type ElfImage, type ElfSymbol, loadBias, openElf } from "../binary/elf.ts";
import type { MemoryMap, ProcessView } from "../process.ts";
import { Remote } from "./remote.ts";
import {
  DEBUG_OFFSETS_SIZE,
  DebugOffsetsError,
  debugOffsetsVersion,
  debugOffsetsWarning,
  hasDebugCookie,
  layoutFromDebugOffsets,
} from "./debug_offsets.ts";
import type { Layout } from "./layout.ts";
import { decodeLatin1 } from "./strings.ts";
import { tableLayout } from "./layouts.ts";
import { compareMinor, fromFileName, fromHex, fromText, type PythonVersion } from "./version.ts";
import { TWO_32 } from "../bytes.ts";

/** Where a Python runtime lives in a process, and how to read it. */
export interface Runtime {
  pid: number;
  /** The exact version (micro -1 if only major.minor could be found). */
  version: PythonVersion;
  layout: Layout;
  /** Address of the pointer to the newest interpreter (`interpreters.head` or `interp_head`). */
  interpretersHeadAddress: number;
  /** `_PyRuntime`, or 0 (2.7, 3.6). */
  runtimeAddress: number;
  /** Address of the thread state that holds the GIL (`tstate_current`), or 0. */
  tstateCurrentAddress: number;
  /** Address of the process-wide GC `collecting` flag (2.7–3.8), or 0 (per interpreter). */
  gcCollectingAddress: number;
  /** `PyCode_Type`, or 0 if unknown. */
  codeTypeAddress: number;
  /** Offset of the kernel TID inside glibc's `struct pthread` (before 3.11), or -1. */
  pthreadTidOffset: number;
  /** Path of the ELF file the runtime was found in. */
  binaryPath: string;
  /** A warning for the user (a version newer than the ones known), or null. */
  warning: string | null;
}

/** Why an attempt failed. */
export type DiscoveryFailure =
  | "missing" // the process does not exist
  | "exited" // the process has exited
  | "permission" // we may not read it
  | "not-python" // nothing that looks like Python (yet)
  | "not-ready" // Python, but not initialised yet
  | "version" // Python symbols, but no way to tell the version
  | "unsupported"; // a Python that austin-deno cannot read (e.g. free-threaded)

/** The outcome of one attempt. */
export type DiscoveryResult =
  | { ok: true; runtime: Runtime }
  | { ok: false; failure: DiscoveryFailure; detail: string };

const LIBPYTHON = /libpython(\d)\.(\d+)[a-z]*\.so/;

const SYMBOL_NAMES = [
  "_PyRuntime",
  "Py_Version",
  "interp_head",
  "_PyThreadState_Current",
  "PyCode_Type",
  "collecting",
  "version.0",
  "version.1",
] as const;

/** The glibc x86-64 offset of `tid` in `struct pthread` (spec section 6). */
const GLIBC_PTHREAD_TID = 720;

/** Bytes read at once by discovery's scans. */
const SCAN_CHUNK = 65536;

/** A candidate ELF file with the mapping it is loaded at. */
interface Module {
  path: string;
  image: ElfImage;
  bias: number;
  symbols: Map<string, ElfSymbol>;
  maps: MemoryMap[];
}

function lowestMapping(maps: MemoryMap[], path: string): MemoryMap | undefined {
  let best: MemoryMap | undefined;
  for (const m of maps) {
    if (m.path === path && (best === undefined || m.offset < best.offset)) best = m;
  }
  return best;
}

function openModule(process: ProcessView, maps: MemoryMap[], path: string): Module | null {
  const first = lowestMapping(maps, path);
  if (first === undefined) return null;
  for (const candidate of process.mappedFileCandidates(first)) {
    // The file can vanish or change at any time (the process may exit).
    try {
      const image = openElf(candidate);
      return {
        path,
        image,
        bias: loadBias(image, first.start, first.offset),
        symbols: image.symbols(SYMBOL_NAMES),
        maps: maps.filter((m) => m.path === path),
      };
    } catch (e) {
      // Gone, unreadable, or not (or no longer) a whole ELF file: try the next.
      if (!(e instanceof ElfError)) throw e;
    }
  }
  return null;
}

function address(module: Module, name: string): number {
  const symbol = module.symbols.get(name);
  return symbol === undefined || symbol.value === 0 ? 0 : module.bias + symbol.value;
}

/** The runtime section of 3.11+ gives `_PyRuntime` even without any symbol. */
function runtimeAddressOf(module: Module): number {
  const bySymbol = address(module, "_PyRuntime");
  if (bySymbol !== 0) return bySymbol;
  const section = module.image.section(".PyRuntime");
  return section === undefined ? 0 : module.bias + section.addr;
}

/** The module's writable mappings and the anonymous one after it (its .bss). */
function writableRegions(module: Module, all: MemoryMap[]): MemoryMap[] {
  const regions: MemoryMap[] = module.maps.filter((m) => m.perms.startsWith("rw"));
  const last = module.maps[module.maps.length - 1];
  const next = all[all.indexOf(last) + 1];
  if (next !== undefined && next.path === "" && next.perms.startsWith("rw")) regions.push(next);
  return regions;
}

/**
 * Calls `visit` with successive chunks of the regions' memory (in the
 * reader's scratch buffer) until it returns a non-null result.
 */
function scanRegions<T>(
  remote: Remote,
  regions: MemoryMap[],
  visit: (bytes: Uint8Array, address: number) => T | null,
): T | null {
  for (const region of regions) {
    for (let at = region.start; at < region.end; at += SCAN_CHUNK - 64) {
      const n = remote.fill(at, Math.min(SCAN_CHUNK, region.end - at));
      if (n <= 0) break;
      const found = visit(remote.scratch.subarray(0, n), at);
      if (found !== null) return found;
    }
  }
  return null;
}

/**
 * Scans the module's writable memory for `X.Y.Z (`, the start of the
 * interpreter's version buffer (2.7–3.10 builds without the symbol).
 */
function scanVersion(remote: Remote, module: Module, all: MemoryMap[]): PythonVersion | null {
  return scanRegions(remote, writableRegions(module, all), (bytes) => {
    const text = decodeLatin1(bytes.filter((b) => b !== 0), bytes.length);
    return fromText(text);
  });
}

/**
 * 2.7 and 3.6 without `interp_head` (stripped): the interpreter comes from
 * the thread that holds the GIL, and `interp_head` is the static pointer in
 * the module's data that holds that interpreter's address. Returns its
 * address, or 0 if no thread holds the GIL right now or none is found.
 */
function findInterpHead(
  remote: Remote,
  module: Module,
  all: MemoryMap[],
  layout: Layout,
  tstateCurrent: number,
): number {
  const ts = remote.pointer(tstateCurrent);
  if (ts <= 0) return 0;
  const interp = remote.pointer(ts + layout.thread.interp);
  if (interp <= 0) return 0;
  const lo = interp >>> 0;
  const hi = Math.floor(interp / TWO_32);
  const found = scanRegions(remote, writableRegions(module, all), (bytes, address) => {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i + 8 <= bytes.length; i += 8) {
      if (view.getUint32(i, true) === lo && view.getUint32(i + 4, true) === hi) {
        const at = address + i;
        if (at !== tstateCurrent) return at;
      }
    }
    return null;
  });
  return found ?? 0;
}

/** Version of a module: debug offsets, Py_Version, version buffer, then nothing. */
function exactVersion(remote: Remote, module: Module, runtime: number): PythonVersion | null {
  if (runtime !== 0) {
    const head = remote.bytes(runtime, 16);
    if (head !== null && hasDebugCookie(head)) return debugOffsetsVersion(head);
  }
  const pyVersion = address(module, "Py_Version");
  if (pyVersion !== 0) {
    const hex = remote.u32(pyVersion);
    if (hex > 0) return fromHex(hex);
  }
  for (const name of ["version.0", "version.1"]) {
    const buffer = address(module, name);
    if (buffer === 0) continue;
    const bytes = remote.bytes(buffer, 64);
    if (bytes !== null) {
      const v = fromText(String.fromCharCode(...bytes));
      if (v !== null) return v;
    }
  }
  return null;
}

/** The layout of the module's version: debug offsets for 3.13+, tables before. */
function layoutFor(
  remote: Remote,
  version: PythonVersion,
  runtime: number,
): Layout | string {
  if (compareMinor(version, 3, 13) >= 0) {
    const block = remote.bytes(runtime, DEBUG_OFFSETS_SIZE);
    if (block === null || !hasDebugCookie(block)) return "cannot read _Py_DebugOffsets";
    try {
      return layoutFromDebugOffsets(block);
    } catch (e) {
      return e instanceof DebugOffsetsError ? e.message : String(e);
    }
  }
  const table = tableLayout(version);
  return table ?? `unsupported Python version ${version.major}.${version.minor}`;
}

/** Finds the TID offset in glibc's struct pthread by looking for the main thread's TID. */
function findPthreadTidOffset(remote: Remote, pthread: number, pid: number): number {
  if (remote.u32(pthread + GLIBC_PTHREAD_TID) === pid) return GLIBC_PTHREAD_TID;
  const bytes = remote.bytes(pthread, 2048);
  if (bytes === null) return -1;
  const view = new DataView(bytes.buffer);
  for (let at = 0; at + 4 <= 2048; at += 4) if (view.getInt32(at, true) === pid) return at;
  return -1;
}

/**
 * Validates the interpreter list: the head interpreter's first thread must
 * point back to it. Returns the TID offset for old versions (or -1 where
 * not needed), or a reason string.
 */
function validate(
  remote: Remote,
  layout: Layout,
  headAddress: number,
  pid: number,
): number | string {
  const interp = remote.pointer(headAddress);
  if (interp <= 0) return "no interpreter yet";
  const ts = remote.pointer(interp + layout.interpreter.threadsHead);
  if (ts <= 0) return "no thread state yet";
  if (remote.pointer(ts + layout.thread.interp) !== interp) return "thread state does not match";
  if (layout.thread.nativeThreadId >= 0) return -1;
  // The main thread is the oldest, i.e. the last in the list; its TID is the PID.
  let last = ts;
  for (let i = 0; i < 4096; i++) {
    const next = remote.pointer(last + layout.thread.next);
    if (next <= 0) break;
    last = next;
  }
  const pthread = remote.pointer(last + layout.thread.threadId);
  if (pthread <= 0) return "no pthread yet";
  const offset = findPthreadTidOffset(remote, pthread, pid);
  return offset < 0 ? "cannot find the thread id in struct pthread" : offset;
}

function failure(failure: DiscoveryFailure, detail: string): DiscoveryResult {
  return { ok: false, failure, detail };
}

/** Makes one attempt at finding the Python runtime of a process. */
export function tryFindRuntime(process: ProcessView, lastChance = false): DiscoveryResult {
  const pid = process.pid;
  const state = process.state();
  if (state === "missing") return failure("missing", "No such process");
  if (state === "exited") return failure("exited", "Process exited");
  const image = process.image();
  if (image === "denied") return failure("permission", "Permission denied");
  if (image === "missing") {
    return failure(state === "denied" ? "permission" : "missing", "No such process");
  }
  const { maps, executable: exe } = image;
  const remote = new Remote(process.memory, SCAN_CHUNK);
  const libMap = maps.find((m) => LIBPYTHON.test(m.path.slice(m.path.lastIndexOf("/") + 1)));
  const candidates = [
    libMap?.path,
    maps.find((m) => m.path === exe || m.path === `${exe} (deleted)`)?.path,
  ]
    .filter((p): p is string => p !== undefined);
  let reason = "no Python symbols";
  let kind: DiscoveryFailure = "not-python";
  for (const path of candidates) {
    const module = openModule(process, maps, path);
    if (module === null) continue;
    const runtime = runtimeAddressOf(module);
    const interpHead = address(module, "interp_head");
    const tstateCurrent = address(module, "_PyThreadState_Current");
    if (runtime === 0 && interpHead === 0 && tstateCurrent === 0) continue;
    if (remote.errno(runtime || interpHead || tstateCurrent) === 1) {
      return failure("permission", "EPERM");
    }
    const exact = exactVersion(remote, module, runtime);
    const known = exact ?? fromFileName(path) ?? fromFileName(exe);
    if (known === null) {
      reason = "cannot determine the Python version";
      kind = "version";
      continue;
    }
    const layout = layoutFor(remote, known, runtime);
    if (typeof layout === "string") {
      return failure("unsupported", layout);
    }
    const headAddress = layout.runtime.interpretersHead >= 0 && runtime !== 0
      ? runtime + layout.runtime.interpretersHead
      : interpHead || findInterpHead(remote, module, maps, layout, tstateCurrent);
    if (headAddress === 0) {
      if (runtime === 0 && interpHead === 0) return failure("not-ready", "no thread holds the GIL");
      reason = "no interpreter list";
      continue;
    }
    // The TID search looks for the main thread's id as the target sees it.
    const valid = validate(remote, layout, headAddress, process.namespacePid());
    if (typeof valid === "string") return failure("not-ready", valid);
    const version = exact ?? scanVersion(remote, module, maps);
    // The version buffer is filled shortly after the interpreter exists.
    if (version === null && !lastChance) return failure("not-ready", "version not known yet");
    const finalVersion = version ?? known;
    layout.version = finalVersion;
    return {
      ok: true,
      runtime: {
        pid,
        version: finalVersion,
        layout,
        interpretersHeadAddress: headAddress,
        runtimeAddress: runtime,
        tstateCurrentAddress: runtime === 0
          ? tstateCurrent
          : layout.runtime.tstateCurrent >= 0
          ? runtime + layout.runtime.tstateCurrent
          : 0,
        gcCollectingAddress: runtime === 0
          ? address(module, "collecting")
          : layout.runtime.gcCollecting >= 0
          ? runtime + layout.runtime.gcCollecting
          : 0,
        codeTypeAddress: address(module, "PyCode_Type"),
        pthreadTidOffset: valid,
        binaryPath: path,
        warning: debugOffsetsWarning(finalVersion),
      },
    };
  }
  return failure(kind, reason);
}
