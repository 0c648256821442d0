/**
 * Tests for the PE reader against real Windows files, cached by
 * tests/binaries/fetch.sh (run from here when the cache is missing): esbuild's
 * win32-x64 executable (npm) and Wine's ntdll.dll and kernel32.dll (Debian
 * bookworm's libwine); plus malformed copies.
 *
 * The expected values were read with binutils' `objdump -p` (export tables,
 * forwarders, data directories), `objdump -s` and `objdump -d` (bytes) and
 * `llvm-readobj --file-headers --sections --coff-exports` (header fields,
 * section table) on the pinned files and written down here. A file that could
 * not be fetched makes its tests ignored, each with a printed SKIP line.
 *
 * @module
 */

import assert from "node:assert/strict";
import { fetchMissing, testWith } from "../../tests/binaries/files.ts";
import {
  IMAGE_FILE_MACHINE_AMD64,
  openPe,
  PE32_PLUS_MAGIC,
  PeError,
  peFromBytes,
  type PeImage,
} from "./pe.ts";

await fetchMissing();

const latin1 = new TextDecoder("latin1");

/** Little-endian u32 of the first 4 bytes. */
function u32(bytes: Uint8Array | undefined): number {
  assert.ok(bytes, "bytes expected");
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
}

/** Asserts that `fn` throws a one-line PeError whose message matches `pattern`. */
function assertPeError(fn: () => unknown, pattern: RegExp) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof PeError, `expected PeError, got ${e}`);
    assert.ok(!e.message.includes("\n"), `message is one line: ${e.message}`);
    assert.match(e.message, pattern);
    return true;
  });
}

/** The sections as [name, VirtualSize, VirtualAddress, SizeOfRawData, PointerToRawData, flags]. */
function sectionRows(image: PeImage) {
  return image.sections.map((s) => [
    s.name,
    s.virtualSize,
    s.virtualAddress,
    s.sizeOfRawData,
    s.pointerToRawData,
    s.characteristics,
  ]);
}

/** A copy of `bytes` with the little-endian u32 (or u16) at `offset` replaced. */
function patched(bytes: Uint8Array, offset: number, value: number, width: 2 | 4 = 4): Uint8Array {
  const copy = bytes.slice();
  const view = new DataView(copy.buffer);
  if (width === 2) view.setUint16(offset, value, true);
  else view.setUint32(offset, value, true);
  return copy;
}

/** Offsets of the headers' fields in a PE file's bytes. */
function layout(bytes: Uint8Array) {
  const lfanew = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0x3c, true);
  const optional = lfanew + 24;
  return {
    lfanew,
    sectionCount: lfanew + 6,
    optionalSize: lfanew + 20,
    optional,
    directoryCount: optional + 108,
    exportDirectory: optional + 112,
  };
}

// ---------------------------------------------------------------------------------------------
// EXE: esbuild 0.25.0 for win32-x64 (Go; no export table)
// ---------------------------------------------------------------------------------------------

testWith("PE32+ executable: headers and sections", ["esbuildExe"], (path) => {
  const image = openPe(path);
  assert.equal(image.machine, IMAGE_FILE_MACHINE_AMD64);
  assert.equal(image.characteristics, 0x22); // executable, large address aware
  assert.equal(image.isDll, false);
  assert.equal(image.imageBase, 0x400000);
  assert.equal(image.sizeOfImage, 0xa60000);
  assert.equal(image.sizeOfHeaders, 0x600);
  assert.equal(image.entryPoint, 0x78c60);
  assert.equal(image.subsystem, 3); // Windows CUI
  assert.equal(image.dllCharacteristics, 0x8160);
  assert.equal(image.dataDirectories.length, 16);
  // objdump -p, "The Data Directory": Entry 1 00a47000 0000057a Import Directory
  assert.deepEqual(image.dataDirectories[0], { rva: 0, size: 0 });
  assert.deepEqual(image.dataDirectories[1], { rva: 0xa47000, size: 0x57a });
  assert.deepEqual(image.dataDirectories[5], { rva: 0xa48000, size: 0x160d0 });
  // llvm-readobj --sections
  assert.deepEqual(sectionRows(image), [
    [".text", 0x53c97b, 0x1000, 5491200, 0x600, 0x60000020],
    [".rdata", 0x447148, 0x53e000, 4485632, 0x53d000, 0x40000040],
    [".data", 0xaa430, 0x986000, 339456, 0x984200, 0xc0000040],
    [".pdata", 0x14e68, 0xa31000, 86016, 0x9d7000, 0x40000040],
    [".xdata", 0xb4, 0xa46000, 512, 0x9ec000, 0x40000040],
    [".idata", 0x57a, 0xa47000, 1536, 0x9ec200, 0xc0000040],
    [".reloc", 0x160d0, 0xa48000, 90624, 0x9ec800, 0x42000040],
    [".symtab", 0x4, 0xa5f000, 512, 0xa02a00, 0x42000000],
  ]);
  assert.equal(image.exports(), undefined);
  assert.equal(image.exported(["main"]).size, 0);
  // objdump -s --start-address=0xd86000: ff20476f 20627569 6c64696e 663a0802 (". Go buildinf:")
  assert.equal(latin1.decode(image.readRva(0x986000, 14)), "\xff Go buildinf:");
  assert.equal(u32(image.readAt(0, 4)) & 0xffff, 0x5a4d); // "MZ", the headers at RVA 0
  assert.deepEqual(image.readRva(0x10, 4), image.readAt(0x10, 4));
  // .data holds 339456 bytes of its 0xaa430: the rest is zero-fill.
  assert.notEqual(image.readRva(0x986000 + 339456 - 4, 4), undefined);
  assert.equal(image.readRva(0x986000 + 339456 - 2, 4), undefined);
  assert.equal(image.sectionOf(0x986000 + 0xaa000)?.name, ".data");
  assert.equal(image.readRva(0xa60000, 4), undefined, "past SizeOfImage");
});

// ---------------------------------------------------------------------------------------------
// DLLs: Wine 8.0 (Debian bookworm libwine 8.0~repack-4) ntdll.dll and kernel32.dll
// ---------------------------------------------------------------------------------------------

testWith("PE32+ DLL: exported function and data, zero-fill data", ["ntdll"], (path) => {
  const image = openPe(path);
  assert.equal(image.machine, IMAGE_FILE_MACHINE_AMD64);
  assert.equal(image.isDll, true);
  assert.equal(image.characteristics, 0x2026);
  assert.equal(image.imageBase, 0x170000000);
  assert.equal(image.sizeOfImage, 3543040);
  assert.equal(image.entryPoint, 0x68c10);
  assert.deepEqual(image.dataDirectories[0], { rva: 0x8a000, size: 0x129c1 });
  // llvm-readobj --sections: long names (/4, /19, ...) resolved through the COFF string table
  assert.equal(
    image.sections.map((s) => s.name).join(" "),
    ".text .data .rodata .rdata .pdata .xdata .bss .edata .idata .rsrc .reloc .debug_aranges " +
      ".debug_info .debug_abbrev .debug_line .debug_frame .debug_str .debug_loc .debug_ranges",
  );
  // objdump -p: Name 8d548 ntdll.dll, Ordinal Base 1, 0x54f entries and names, no forwarders
  const table = image.exports()!;
  assert.equal(table.dllName, "ntdll.dll");
  assert.equal(table.ordinalBase, 1);
  assert.equal(table.timeDateStamp, 0xa9acadd3);
  assert.equal(table.exports.length, 0x54f);
  assert.ok(table.exports.every((e) => e.name !== undefined && e.forwarder === undefined));
  const names = table.exports.map((e) => e.name!);
  assert.deepEqual(names, [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  // llvm-readobj --coff-exports: LdrInitializeThunk 78 0x34D90, LdrSystemDllInitBlock 94 0x696A0,
  // NlsAnsiCodePage 106 0x87964, NtReadVirtualMemory 268 0xE3D0, RtlGetVersion 594 0x66150
  const found = image.exported([
    "LdrInitializeThunk",
    "LdrSystemDllInitBlock",
    "NlsAnsiCodePage",
    "NtReadVirtualMemory",
    "RtlGetVersion",
    "NoSuchExport",
  ]);
  assert.deepEqual(
    [...found.values()].map((e) => [e.name, e.ordinal, e.rva, e.forwarder]),
    [
      ["LdrInitializeThunk", 78, 0x34d90, undefined],
      ["LdrSystemDllInitBlock", 94, 0x696a0, undefined],
      ["NlsAnsiCodePage", 106, 0x87964, undefined],
      ["NtReadVirtualMemory", 268, 0xe3d0, undefined],
      ["RtlGetVersion", 594, 0x66150, undefined],
    ],
  );
  // objdump -d: 170034d90: 41 57 (push %r15), 41 56 (push %r14)
  const thunk = found.get("LdrInitializeThunk")!.rva;
  assert.equal(image.sectionOf(thunk)?.name, ".text");
  assert.deepEqual([...image.readRva(thunk, 4)!], [0x41, 0x57, 0x41, 0x56]);
  // A data export with initialised data: objdump -s -j .data: 1700696a0 f0000000 (its size, 240)
  const block = found.get("LdrSystemDllInitBlock")!.rva;
  assert.equal(image.sectionOf(block)?.name, ".data");
  assert.equal(u32(image.readRva(block, 4)), 0xf0);
  // A data export in .bss (VirtualSize 0x3510, no raw data): not in the file.
  const codePage = found.get("NlsAnsiCodePage")!.rva;
  assert.equal(image.sectionOf(codePage)?.name, ".bss");
  assert.equal(image.readRva(codePage, 4), undefined);
});

testWith("PE32+ DLL: forwarders told apart", ["kernel32"], (path) => {
  const image = openPe(path);
  assert.equal(image.imageBase, 0x7b600000);
  assert.equal(image.sizeOfImage, 1658880);
  assert.deepEqual(image.dataDirectories[0], { rva: 0x3c000, size: 0xdace });
  // .edata is at RVA 0x3c000 but file offset 0x3b000 (llvm-readobj --sections).
  const edata = image.section(".edata")!;
  assert.deepEqual([edata.virtualAddress, edata.pointerToRawData], [0x3c000, 0x3b000]);
  // objdump -p: Name 3f384 KERNEL32.dll; 0x522 entries; 99 "Forwarder RVA" lines
  const table = image.exports()!;
  assert.equal(table.dllName, "KERNEL32.dll");
  assert.equal(latin1.decode(image.readRva(0x3f384, 13)), "KERNEL32.dll\0");
  assert.equal(table.exports.length, 0x522);
  assert.equal(table.exports.filter((e) => e.forwarder !== undefined).length, 99);
  // objdump -p: [   0] +base[   1] 4561f Forwarder RVA -- NTDLL.RtlAcquireSRWLockExclusive
  //             [ 673] +base[ 674] 45a12 Forwarder RVA -- NTDLL.RtlAllocateHeap
  //             [ 910] +base[ 911] eeec Export RVA   (ReadProcessMemory)
  //             [ 404] +base[ 405] 28080 Export RVA  (GetCurrentProcessId)
  const found = image.exported([
    "AcquireSRWLockExclusive",
    "HeapAlloc",
    "ReadProcessMemory",
    "GetCurrentProcessId",
  ]);
  assert.deepEqual(
    [...found.values()].map((e) => [e.name, e.ordinal, e.rva, e.forwarder]),
    [
      ["AcquireSRWLockExclusive", 1, 0x4561f, "NTDLL.RtlAcquireSRWLockExclusive"],
      ["GetCurrentProcessId", 405, 0x28080, undefined],
      ["HeapAlloc", 674, 0x45a12, "NTDLL.RtlAllocateHeap"],
      ["ReadProcessMemory", 911, 0xeeec, undefined],
    ],
  );
  // objdump -d: 7b60eeec: 48 8d a4 24 00 00 00 00 (lea 0x0(%rsp),%rsp), ff 25 (jmp *...)
  assert.deepEqual(
    [...image.readRva(0xeeec, 10)!],
    [0x48, 0x8d, 0xa4, 0x24, 0, 0, 0, 0, 0xff, 0x25],
  );
  // A forwarder's RVA is its string.
  assert.equal(latin1.decode(image.readRva(0x45a12, 21)), "NTDLL.RtlAllocateHeap");
});

// ---------------------------------------------------------------------------------------------
// Bad inputs: each gives a one-line PeError, never a RangeError or TypeError
// ---------------------------------------------------------------------------------------------

testWith("bad headers give PeError", ["kernel32"], (path) => {
  const dll = Deno.readFileSync(path);
  const at = layout(dll);
  const from = (bytes: Uint8Array) => () => peFromBytes("bad", bytes);
  assertPeError(from(new Uint8Array(10)), /^bad: too short for a DOS header \(10 bytes\)$/);
  assertPeError(from(new Uint8Array(64)), /^bad: not a PE file \(no MZ\)$/);
  assertPeError(
    from(patched(dll, 0x3c, 0x7ffffff0)),
    /PE signature and COFF header \[0x7ffffff0, 0x80000008\) lies beyond the end of the file/,
  );
  assertPeError(from(patched(dll, 0x3c, 0x40)), /: not a PE file \(no PE signature at 0x40\)$/);
  assertPeError(
    from(patched(dll, at.optional, 0x10b, 2)),
    /: PE32 \(32-bit\) images are not supported$/,
  );
  assertPeError(from(patched(dll, at.optional, 0x107, 2)), /optional header magic 0x107\)$/);
  assertPeError(
    from(patched(dll, at.optionalSize, 0, 2)),
    /: no optional header \(an object file\?\)$/,
  );
  assertPeError(
    from(patched(dll, at.optionalSize, 100, 2)),
    /: PE32\+ optional header of 100 bytes$/,
  );
  assertPeError(
    from(patched(dll, at.directoryCount, 17)),
    /: 17 data directories do not fit an optional header of 240 bytes$/,
  );
  assertPeError(from(patched(dll, at.sectionCount, 0xffff, 2)), /section table \[.*\) lies beyond/);
  assertPeError(from(dll.slice(0, 300)), /truncated or malformed: optional header \[0x/);
  assertPeError(() => openPe("/nonexistent/file.dll"), /file\.dll: cannot open: /);
  assertPeError(() => openPe(path).readAt(dll.length - 2, 4), /read \[.*\) lies beyond the end/);
  assert.equal(
    new DataView(dll.buffer).getUint16(at.optional, true),
    PE32_PLUS_MAGIC,
  );
});

testWith("bad export directories give PeError", ["kernel32"], (path) => {
  const dll = Deno.readFileSync(path);
  const at = layout(dll);
  const exportsOf = (bytes: Uint8Array) => () => peFromBytes("bad", bytes).exports();
  // Truncated: the headers are read, the export directory is past the end.
  assertPeError(
    exportsOf(dll.slice(0, 0x3b000 + 100)),
    /: truncated or malformed: export directory \[0x3b000, 0x48ace\) lies beyond the end/,
  );
  assertPeError(
    exportsOf(patched(dll, at.exportDirectory, 0x7fff0000)),
    /: export directory \[0x7fff0000, 0x7fffdace\) is not in the file's sections$/,
  );
  assertPeError(
    exportsOf(patched(dll, at.exportDirectory + 4, 20)),
    /export directory of 20 bytes$/,
  );
  const directory = 0x3b000; // the file offset of RVA 0x3c000
  assertPeError(
    exportsOf(patched(dll, directory + 20, 0x40000000)),
    /: export address table \[0x3c028, 0x10003c028\) is not in the file's sections$/,
  );
  assertPeError(exportsOf(patched(dll, directory + 24, 0x40000000)), /: export name table \[/);
  assertPeError(exportsOf(patched(dll, directory + 12, 0x7fff0000)), /: export DLL name \[/);
  const ordinals = new DataView(dll.buffer).getUint32(directory + 36, true) - 0x1000;
  assertPeError(
    exportsOf(patched(dll, ordinals, 0xffff, 2)),
    /: export name 0 has ordinal index 65535, past the 1314 exports$/,
  );
  // A name pointer out of every section.
  const names = new DataView(dll.buffer).getUint32(directory + 32, true) - 0x1000;
  assertPeError(exportsOf(patched(dll, names, 0x7fff0000)), /: export name \[0x7fff0000, /);
});

testWith("truncated and corrupted copies never throw other errors", ["kernel32"], (path) => {
  const dll = Deno.readFileSync(path);
  let rejected = 0;
  const tryBytes = (bytes: Uint8Array) => {
    try {
      const image = peFromBytes("fuzz", bytes);
      image.exported(["HeapAlloc", "ReadProcessMemory"]);
      for (const s of image.sections) image.readRva(s.virtualAddress, Math.min(s.virtualSize, 64));
    } catch (e) {
      if (!(e instanceof PeError)) throw e;
      assert.ok(!e.message.includes("\n"));
      rejected++;
    }
  };
  for (let n = 0; n < 1024; n += 5) tryBytes(dll.slice(0, n));
  for (const n of [0x3b000, 0x3b028, 0x3c4b0, 0x40000, 0x48ace]) tryBytes(dll.slice(0, n));
  let seed = 13;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < 300; i++) {
    const copy = dll.slice();
    // The headers and section table, or the export directory's first 40 bytes.
    const at = i % 2 === 0 ? Math.floor(random() * 0x400) : 0x3b000 + Math.floor(random() * 40);
    copy[at] = Math.floor(random() * 256);
    tryBytes(copy);
  }
  assert.ok(rejected > 200, `${rejected} copies rejected`);
});
