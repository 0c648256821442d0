/**
 * Tests for the Mach-O reader against real macOS files from npm, cached by
 * tests/binaries/fetch.sh (run from here when the cache is missing): esbuild's
 * thin x86_64 and arm64 executables, @parcel/watcher's x86_64 bundle, sharp's
 * arm64 libvips dylib and fsevents' universal bundle; plus malformed copies.
 *
 * The expected values were read with llvm-objdump 14 (`llvm-objdump --macho
 * --private-headers`, `--universal-headers`, `--syms`, `-h`, `--section=SEG,sect -s`,
 * `--arch=... -d`) on the pinned files and written down here. A file that could
 * not be fetched makes its tests ignored, each with a printed SKIP line.
 *
 * @module
 */

import assert from "node:assert/strict";
import { fetchMissing, testWith } from "../../tests/binaries/files.ts";
import {
  CPU_TYPE_ARM64,
  CPU_TYPE_X86_64,
  FAT_MAGIC_64,
  MachOError,
  machOFromBytes,
  type MachOImage,
  machOSlices,
  MH_BUNDLE,
  MH_DYLIB,
  MH_EXECUTE,
  N_EXT,
  N_SECT,
  openMachO,
} from "./macho.ts";

await fetchMissing();

const MH_PIE = 0x200000;
const GO_BUILDINFO_MAGIC = "\xff Go buildinf:";
const latin1 = new TextDecoder("latin1");

/** Little-endian u32 of the first 4 bytes. */
function u32(bytes: Uint8Array | undefined): number {
  assert.ok(bytes, "bytes expected");
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
}

/** Asserts that `fn` throws a one-line MachOError whose message matches `pattern`. */
function assertMachOError(fn: () => unknown, pattern: RegExp) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof MachOError, `expected MachOError, got ${e}`);
    assert.ok(!e.message.includes("\n"), `message is one line: ${e.message}`);
    assert.match(e.message, pattern);
    return true;
  });
}

/** The segments as [name, vmaddr, vmsize, fileoff, filesize] rows. */
function segmentRows(image: MachOImage) {
  return image.segments.map((s) => [s.name, s.vmaddr, s.vmsize, s.fileoff, s.filesize]);
}

/** A copy of `bytes` with the u32 at `offset` replaced (little-endian unless `big`). */
function patched(bytes: Uint8Array, offset: number, value: number, big = false): Uint8Array {
  const copy = bytes.slice();
  new DataView(copy.buffer).setUint32(offset, value, !big);
  return copy;
}

/** The offset (in the load commands' image) of the first load command `cmd`. */
function commandOffset(bytes: Uint8Array, cmd: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ncmds = view.getUint32(16, true);
  let o = 32;
  for (let i = 0; i < ncmds; i++) {
    if (view.getUint32(o, true) === cmd) return o;
    o += view.getUint32(o + 4, true);
  }
  throw new Error(`no load command ${cmd}`);
}

// ---------------------------------------------------------------------------------------------
// Thin executables: esbuild 0.25.0 (Go; its symbol table lists only undefined symbols)
// ---------------------------------------------------------------------------------------------

testWith("thin x86_64 executable: header, segments, sections", ["esbuildX64"], (path) => {
  const image = openMachO(path);
  assert.equal(image.cputype, CPU_TYPE_X86_64);
  assert.equal(image.cpu, "x86_64");
  assert.equal(image.fileType, MH_EXECUTE);
  assert.equal(image.flags, 0x00200004); // DYLDLINK | PIE
  assert.ok((image.flags & MH_PIE) !== 0);
  assert.equal(image.slice, undefined);
  assert.deepEqual(image.slices, []);
  // llvm-objdump --macho --private-headers: LC_SEGMENT_64 vmaddr, vmsize, fileoff, filesize
  assert.deepEqual(segmentRows(image), [
    ["__PAGEZERO", 0, 0x1000000, 0, 0],
    ["__TEXT", 0x1000000, 0x620000, 0, 6422528],
    ["__DATA_CONST", 0x1620000, 0x359ed0, 6422528, 3514064],
    ["__DATA", 0x197a000, 0x7fb10, 9936896, 327168],
    ["__LINKEDIT", 0x19fa000, 0x361d0, 10264576, 221648],
  ]);
  assert.equal(image.preferredAddress, 0x1000000);
  assert.equal(image.sections.length, 14); // llvm-objdump -h: sections 0 to 13
  assert.deepEqual(image.section("__TEXT", "__text"), {
    segname: "__TEXT",
    sectname: "__text",
    addr: 0x1001000,
    size: 0x534b3b,
    offset: 4096,
    flags: 0x80000400,
  });
  const info = image.section("__DATA", "__go_buildinfo")!;
  assert.deepEqual([info.addr, info.size, info.offset], [0x197a000, 0x330, 9936896]);
  // llvm-objdump --macho --section=__DATA,__go_buildinfo -s: ff 20 47 6f 20 62 75 69 ...
  assert.equal(latin1.decode(image.readVirtual(info.addr, 14)), GO_BUILDINFO_MAGIC);
  assert.deepEqual(image.readAt(info.offset, 14), image.readVirtual(info.addr, 14));
  const bss = image.section("__DATA", "__bss")!;
  assert.equal(bss.addr, 0x19c9e00);
  assert.equal(image.readVirtual(bss.addr, 8), undefined, "__bss is zero-fill");
  assert.equal(image.readVirtual(0x1000, 8), undefined, "__PAGEZERO has no file bytes");
});

testWith("thin x86_64 executable: undefined symbols are not found", ["esbuildX64"], (path) => {
  const image = openMachO(path, { cpu: "x86_64" });
  assert.ok(image.hasSymtab);
  // llvm-objdump --macho --syms: 100 entries, all *UND* (e.g. _write, _getpid)
  assert.equal(image.symbols(["write", "getpid", "main", "runtime.main"]).size, 0);
  assert.equal(image.symbols([]).size, 0);
});

testWith("thin arm64 executable: header, segments, bytes", ["esbuildArm64"], (path) => {
  const image = openMachO(path, { cpu: CPU_TYPE_ARM64 });
  assert.equal(image.cpu, "arm64");
  assert.equal(image.fileType, MH_EXECUTE);
  assert.equal(image.flags, 0x00200004);
  assert.deepEqual(segmentRows(image), [
    ["__PAGEZERO", 0, 0x100000000, 0, 0],
    ["__TEXT", 0x100000000, 0x578000, 0, 5734400],
    ["__DATA_CONST", 0x100578000, 0x347c90, 5734400, 3439760],
    ["__DATA", 0x1008c0000, 0x86370, 9175040, 327648],
    ["__LINKEDIT", 0x100948000, 0x48ba2, 9502720, 297890],
  ]);
  assert.equal(image.preferredAddress, 0x100000000);
  const info = image.section("__DATA", "__go_buildinfo")!;
  assert.deepEqual([info.addr, info.size, info.offset], [0x1008c0000, 0x330, 9175040]);
  assert.equal(latin1.decode(image.readVirtual(info.addr, 14)), GO_BUILDINFO_MAGIC);
  assert.equal(image.symbols(["write"]).size, 0);
  // A thin file for another CPU than the wanted one.
  assertMachOError(() => openMachO(path, { cpu: "x86_64" }), /: a arm64 image, not x86_64$/);
  assertMachOError(() => openMachO(path, { cpu: "vax" }), /: unknown CPU "vax"$/);
});

// ---------------------------------------------------------------------------------------------
// Symbols: @parcel/watcher-darwin-x64 2.5.1 (bundle) and sharp-libvips-darwin-arm64 1.0.4 (dylib)
// ---------------------------------------------------------------------------------------------

testWith("thin x86_64 bundle: symbols by C name, bytes at a symbol", ["watcherX64"], (path) => {
  const image = openMachO(path);
  assert.equal(image.fileType, MH_BUNDLE);
  assert.equal(image.cpu, "x86_64");
  assert.equal(image.flags, 0x00018085);
  assert.equal(image.preferredAddress, 0);
  // llvm-objdump --macho --syms:
  //   0000000000044523  w    O __TEXT,__const __ZTS12WatcherError
  //   0000000000002710 g     F __TEXT,__text __Z14getEventsSinceRKN4Napi12CallbackInfoE
  const typeName = "_ZTS12WatcherError";
  const fn = "_Z14getEventsSinceRKN4Napi12CallbackInfoE";
  const found = image.symbols([typeName, fn, "no_such_symbol", "__ZTS12WatcherError"]);
  assert.deepEqual([...found.keys()].sort(), [fn, typeName].sort());
  const symbol = found.get(typeName)!;
  assert.equal(symbol.rawName, "__ZTS12WatcherError");
  assert.equal(symbol.value, 0x44523);
  assert.equal(symbol.type & 0x0e, N_SECT);
  assert.ok((symbol.type & N_EXT) !== 0);
  const section = image.sections[symbol.sect - 1];
  assert.deepEqual([section.segname, section.sectname], ["__TEXT", "__const"]);
  assert.equal(found.get(fn)!.value, 0x2710);
  assert.equal(image.sections[found.get(fn)!.sect - 1].sectname, "__text");
  // llvm-objdump --macho --section=__TEXT,__const -s: 44523: 31 32 57 61 ... 72 00 ("12WatcherError")
  assert.equal(latin1.decode(image.readVirtual(symbol.value, 15)), "12WatcherError\0");
  // __bss [0x486f0, 0x48780) lies inside __DATA's file part, yet holds no file bytes.
  const bss = image.section("__DATA", "__bss")!;
  assert.deepEqual([bss.addr, bss.size], [0x486f0, 0x90]);
  assert.ok(bss.addr + bss.size <= 0x48000 + 4096);
  assert.equal(image.readVirtual(bss.addr + 8, 4), undefined);
  assert.notEqual(image.readVirtual(bss.addr - 4, 4), undefined);
});

testWith("thin arm64 dylib: data symbols like Py_Version", ["libvipsArm64"], (path) => {
  const image = openMachO(path, { cpu: "arm64" });
  assert.equal(image.fileType, MH_DYLIB);
  assert.equal(image.cpu, "arm64");
  assert.equal(image.preferredAddress, 0);
  assert.equal(
    image.segments.map((s) => s.name).join(" "),
    "__TEXT __DATA_CONST __DATA __LINKEDIT",
  );
  assert.equal(image.sections.length, 31);
  // llvm-objdump --macho --syms: _rsvg_major_version acaf84, _rsvg_minor_version acaf88,
  // _rsvg_micro_version acaf8c (O __TEXT,__const), __vips__argument_id dcc680 (O __DATA,__data)
  const names = [
    "rsvg_major_version",
    "rsvg_minor_version",
    "rsvg_micro_version",
    "_vips__argument_id",
    "vips_version",
  ];
  const found = image.symbols(names);
  assert.deepEqual(
    names.map((name) => found.get(name)?.value),
    [0xacaf84, 0xacaf88, 0xacaf8c, 0xdcc680, 0x19ab2c],
  );
  // llvm-objdump --macho --section=__TEXT,__const -s: acaf80: 7374696e 00000002 0000003a 0000005d
  const version = names.slice(0, 3).map((name) =>
    u32(image.readVirtual(found.get(name)!.value, 4))
  );
  assert.deepEqual(version, [2, 58, 93]);
  // llvm-objdump --macho --section=__DATA,__data -s: dcc680: 00000001
  assert.equal(u32(image.readVirtual(0xdcc680, 4)), 1);
  // The slide of an image mapped at `start` (its header's address).
  const start = 0x104a5c000;
  assert.equal(start - image.preferredAddress + found.get("vips_version")!.value, 0x104bf6b2c);
  // __common (zero-fill) at fb4c40.
  assert.equal(image.readVirtual(0xfb4c40, 4), undefined);
});

// ---------------------------------------------------------------------------------------------
// Fat (universal) file: fsevents 2.3.3
// ---------------------------------------------------------------------------------------------

// llvm-objdump --macho --universal-headers: FAT_MAGIC, x86_64 offset 16384 size 81088 align 2^14,
// arm64 offset 98304 size 65322 align 2^14.
const FSEVENTS_SLICES = [
  { cputype: CPU_TYPE_X86_64, cpusubtype: 3, cpu: "x86_64", offset: 16384, size: 81088, align: 14 },
  { cputype: CPU_TYPE_ARM64, cpusubtype: 0, cpu: "arm64", offset: 98304, size: 65322, align: 14 },
];

testWith("fat file: slices listed, the right one picked per CPU", ["fsevents"], (path) => {
  assert.deepEqual(machOSlices(path), FSEVENTS_SLICES);
  const x86 = openMachO(path, { cpu: "x86_64" });
  const arm = openMachO(path, { cpu: "arm64" });
  assert.deepEqual(x86.slices, FSEVENTS_SLICES);
  assert.deepEqual(x86.slice, FSEVENTS_SLICES[0]);
  assert.deepEqual(arm.slice, FSEVENTS_SLICES[1]);
  assert.deepEqual([x86.cpu, x86.fileType, arm.cpu, arm.fileType], [
    "x86_64",
    MH_BUNDLE,
    "arm64",
    MH_BUNDLE,
  ]);
  // llvm-objdump --macho --arch=x86_64 --syms / --arch=arm64 --syms: _napi_register_module_v1
  const x86Symbol = x86.symbols(["napi_register_module_v1"]).get("napi_register_module_v1")!;
  const armSymbol = arm.symbols(["napi_register_module_v1"]).get("napi_register_module_v1")!;
  assert.equal(x86Symbol.value, 0x5760);
  assert.equal(armSymbol.value, 0x184c);
  // llvm-objdump --macho --arch=x86_64 -d: 5760: 55 (pushq %rbp), 5761: 48 89 e5 (movq %rsp, %rbp)
  assert.deepEqual([...x86.readVirtual(x86Symbol.value, 4)!], [0x55, 0x48, 0x89, 0xe5]);
  // llvm-objdump --macho --arch=arm64 -d: 184c: ab ff ff 17 (b _Init)
  assert.deepEqual([...arm.readVirtual(armSymbol.value, 4)!], [0xab, 0xff, 0xff, 0x17]);
  // Offsets are relative to the slice: its header starts at 0.
  assert.equal(u32(arm.readAt(0, 4)), 0xfeedfacf);
  // The default is the host's CPU.
  const host = openMachO(path);
  assert.equal(host.cpu, Deno.build.arch === "aarch64" ? "arm64" : "x86_64");
  assertMachOError(
    () => openMachO(path, { cpu: "i386" }),
    /fsevents\.node: no i386 slice in the fat file \(slices: x86_64, arm64\)$/,
  );
  assertMachOError(() => openMachO(path, { cpu: 18 }), /: no ppc slice in the fat file/);
});

testWith("fat file with 64-bit offsets (FAT_MAGIC_64)", ["fsevents"], (path) => {
  const original = Deno.readFileSync(path);
  const bytes = original.slice();
  const view = new DataView(bytes.buffer);
  bytes.fill(0, 0, 16384);
  view.setUint32(0, FAT_MAGIC_64);
  view.setUint32(4, 2);
  FSEVENTS_SLICES.forEach((slice, i) => {
    const o = 8 + i * 32;
    view.setUint32(o, slice.cputype);
    view.setUint32(o + 4, slice.cpusubtype);
    view.setUint32(o + 12, slice.offset); // high half 0
    view.setUint32(o + 20, slice.size);
    view.setUint32(o + 24, slice.align);
  });
  const arm = machOFromBytes("fat64", bytes, { cpu: "arm64" });
  assert.deepEqual(arm.slices, FSEVENTS_SLICES);
  assert.equal(
    arm.symbols(["napi_register_module_v1"]).get("napi_register_module_v1")?.value,
    0x184c,
  );
  assert.equal(machOFromBytes("fat64", bytes, { cpu: "x86_64" }).slice?.offset, 16384);
  // A slice past the end of the file.
  assertMachOError(
    () => machOFromBytes("fat64", patched(bytes, 8 + 32 + 20, 0x7fffffff, true)),
    /: truncated or malformed: arm64 slice \[0x18000, 0x80017fff\) lies beyond the end/,
  );
});

// ---------------------------------------------------------------------------------------------
// Bad inputs: each gives a one-line MachOError, never a RangeError or TypeError
// ---------------------------------------------------------------------------------------------

testWith("bad inputs give MachOError", ["watcherX64", "fsevents"], (watcher, fat) => {
  const thin = Deno.readFileSync(watcher);
  const universal = Deno.readFileSync(fat);
  const from = (bytes: Uint8Array) => () => machOFromBytes("bad", bytes);
  assertMachOError(from(new Uint8Array(0)), /^bad: too short for a Mach-O header \(0 bytes\)$/);
  assertMachOError(from(thin.slice(0, 20)), /too short for a Mach-O header \(20 bytes\)/);
  assertMachOError(
    from(new TextEncoder().encode("\x7fELF and some more bytes to pass 32")),
    /: not a Mach-O file \(magic 0x464c457f\)$/,
  );
  assertMachOError(from(patched(thin, 0, 0xfeedface)), /: 32-bit Mach-O is not supported$/);
  assertMachOError(
    from(patched(thin, 0, 0xfeedfacf, true)),
    /: big-endian Mach-O is not supported$/,
  );
  assertMachOError(
    from(thin.slice(0, 1000)),
    /truncated or malformed: load commands \[0x20, 0x788\) lies beyond the end of the file/,
  );
  assertMachOError(
    from(thin.slice(0, 200_000)),
    /truncated or malformed: segment "__TEXT" \[0x0, 0x46000\) lies beyond the end of the file \(0x30d40 bytes\)$/,
  );
  assertMachOError(from(patched(thin, 20, 0xfffffff0)), /load commands .* lies beyond the end/);
  assertMachOError(from(patched(thin, 16, 1000)), /load command 16 of 1000 lies past sizeofcmds/);
  assertMachOError(from(patched(thin, 32 + 4, 0)), /: load command 0 has a bad size 0$/);
  const segment = commandOffset(thin, 0x19);
  assertMachOError(
    from(patched(thin, segment + 64, 1000)),
    /: LC_SEGMENT_64 at 0x20 is \d+ bytes, too short for 1000 sections$/,
  );
  // LC_SYMTAB's symoff, stroff or strsize past the end: found when symbols are looked up.
  const symtab = commandOffset(thin, 0x2);
  for (
    const [field, value, what] of [[8, 0x7ffffff0, "symbol table"], [
      16,
      0x7ffffff0,
      "string table",
    ], [20, 0x7fffffff, "string table"]] as const
  ) {
    const image = machOFromBytes("bad", patched(thin, symtab + field, value));
    assertMachOError(
      () => image.symbols(["_ZTS12WatcherError"]),
      new RegExp(`truncated or malformed: ${what} `),
    );
  }
  assertMachOError(() => openMachO("/nonexistent/file.dylib"), /file\.dylib: cannot open: /);
  // Fat headers.
  assertMachOError(from(universal.slice(0, 6)), /: too short for a fat header \(6 bytes\)$/);
  assertMachOError(from(universal.slice(0, 30)), /fat slice table \[0x8, 0x30\) lies beyond/);
  assertMachOError(
    from(patched(universal, 4, 0, true)),
    /: not a fat Mach-O file \(0 slices listed\)$/,
  );
  assertMachOError(
    from(universal.slice(0, 100_000)),
    /: truncated or malformed: arm64 slice \[0x18000, 0x27f2a\) lies beyond the end of the file/,
  );
  assertMachOError(
    () => machOFromBytes("bad", patched(universal, 8, CPU_TYPE_ARM64, true), { cpu: "arm64" }),
    /: the arm64 slice at 0x4000 holds a x86_64 image$/,
  );
});

testWith("truncated and corrupted copies never throw other errors", ["watcherX64"], (path) => {
  const thin = Deno.readFileSync(path);
  let rejected = 0;
  const tryBytes = (bytes: Uint8Array) => {
    try {
      const image = machOFromBytes("fuzz", bytes, { cpu: "x86_64" });
      image.symbols(["_ZTS12WatcherError", "napi_register_module_v1"]);
      for (const s of image.sections) image.readVirtual(s.addr, Math.min(s.size, 64));
    } catch (e) {
      if (!(e instanceof MachOError)) throw e;
      assert.ok(!e.message.includes("\n"));
      rejected++;
    }
  };
  for (let n = 0; n < 2048; n += 7) tryBytes(thin.slice(0, n));
  for (const n of [299_008, 320_616, 320_617, 329_336, 340_000, thin.length - 1]) {
    tryBytes(thin.slice(0, n));
  }
  let seed = 13;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < 400; i++) {
    const copy = thin.slice();
    const at = Math.floor(random() * 1928); // the header and load commands
    copy[at] = Math.floor(random() * 256);
    tryBytes(copy);
  }
  assert.ok(rejected > 300, `${rejected} copies rejected`);
});
