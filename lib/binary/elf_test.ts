/**
 * Tests for the ELF64 reader against real files on this machine: pyenv's shared
 * libpython builds, Debian's static non-PIE python3.11, stripped copies made with
 * objcopy, malformed files, and a live process read through /proc/PID/mem.
 *
 * Anything not installed is reported as skipped (an ignored test whose name says why).
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  ElfError,
  elfFromBytes,
  type ElfImage,
  loadBias,
  openElf,
  SHT_DYNSYM,
  SHT_SYMTAB,
} from "./elf.ts";

const PYENV = "/root/.pyenv/versions";
const DEBIAN_PYTHON = "/usr/bin/python3.11";
const STB_LOCAL = 0;
const decoder = new TextDecoder();

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** True if `path` exists (following symlinks). */
function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Full path of an executable found in PATH, if any. */
function which(command: string): string | undefined {
  const dirs = (Deno.env.get("PATH") ?? "/usr/bin:/bin").split(":");
  return dirs.map((dir) => `${dir}/${command}`).find(exists);
}

/** The libpython*.so.1.0 of a pyenv version, if installed. */
function pyenvLib(version: string): string | undefined {
  const dir = `${PYENV}/${version}/lib`;
  if (!exists(dir)) return undefined;
  for (const entry of Deno.readDirSync(dir)) {
    if (/^libpython\d\.\d+[a-z]*\.so\.1\.0$/.test(entry.name)) return `${dir}/${entry.name}`;
  }
  return undefined;
}

/** Registers a test, or an ignored one whose name and log line say why it was skipped. */
function testIf(name: string, skipReason: string | undefined, fn: () => void | Promise<void>) {
  if (skipReason) console.log(`SKIP ${name}: ${skipReason}`);
  Deno.test({
    name: skipReason ? `${name} [skipped: ${skipReason}]` : name,
    ignore: skipReason !== undefined,
    fn,
  });
}

/** Registers a test needing pyenv's libpython of `version`, skipped if it is not installed. */
function testLib(version: string, name: string, fn: (path: string) => void | Promise<void>) {
  const path = pyenvLib(version);
  testIf(
    `${name} (${version})`,
    path ? undefined : `pyenv ${version} not installed`,
    () => fn(path!),
  );
}

/** Little-endian u64 of the first 8 bytes, as a number. */
function u64(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.getUint32(0, true) + view.getUint32(4, true) * 0x1_0000_0000;
}

/** Looks a single symbol up and fails the test if it is missing. */
function symbol(image: ElfImage, name: string) {
  const sym = image.symbols([name]).get(name);
  assert.ok(sym, `${name} not found in ${image.path}`);
  return sym;
}

/** Asserts that `fn` throws an ElfError (and nothing else, e.g. no RangeError). */
function assertElfError(fn: () => unknown, what: string) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ElfError, `${what}: expected ElfError, got ${e}`);
    return true;
  });
}

/** Reads exactly `size` bytes at `offset` of an open file. */
function readFully(file: Deno.FsFile, offset: number, size: number): Uint8Array {
  const buf = new Uint8Array(size);
  file.seekSync(offset, Deno.SeekMode.Start);
  let done = 0;
  while (done < size) {
    const n = file.readSync(buf.subarray(done));
    if (n === null || n === 0) throw new Error(`short read at 0x${offset.toString(16)}`);
    done += n;
  }
  return buf;
}

/** Reads target memory through /proc/PID/mem (needs ptrace permission; tests run as root). */
function readMemory(pid: number, address: number, size: number): Uint8Array {
  const file = Deno.openSync(`/proc/${pid}/mem`, { read: true });
  try {
    return readFully(file, address, size);
  } finally {
    file.close();
  }
}

/** One file-backed line of /proc/PID/maps. */
interface Mapping {
  start: number;
  end: number;
  offset: number;
  path: string;
}

/** Parses /proc/PID/maps, keeping the mappings that have a path. */
function readMaps(pid: number): Mapping[] {
  const text = Deno.readTextFileSync(`/proc/${pid}/maps`);
  const result: Mapping[] = [];
  for (const line of text.split("\n")) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) \S+ ([0-9a-f]+) \S+ \d+\s+(\/.*)$/.exec(line);
    if (!m) continue;
    result.push({
      start: parseInt(m[1], 16),
      end: parseInt(m[2], 16),
      offset: parseInt(m[3], 16),
      path: m[4],
    });
  }
  return result;
}

/** Mappings of the first file whose path matches `pattern`, lowest offset first. */
function mappingsOf(maps: Mapping[], pattern: RegExp): Mapping[] {
  const path = maps.find((m) => pattern.test(m.path))?.path;
  return maps.filter((m) => m.path === path).sort((a, b) => a.offset - b.offset);
}

/** Number of open file descriptors of this process. */
/** Descriptors of this process open on `path` (other tests' descriptors do not count). */
function fdsOn(path: string): number {
  const real = Deno.realPathSync(path);
  let count = 0;
  for (const entry of Deno.readDirSync("/proc/self/fd")) {
    try {
      if (Deno.readLinkSync(`/proc/self/fd/${entry.name}`) === real) count++;
    } catch {
      // closed meanwhile
    }
  }
  return count;
}

/** Copies the first `size` bytes of `source` to a new file in `dir`. */
function truncatedCopy(source: string, dir: string, size: number): string {
  const file = Deno.openSync(source, { read: true });
  try {
    const path = `${dir}/truncated-${size}`;
    Deno.writeFileSync(path, readFully(file, 0, size));
    return path;
  } finally {
    file.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Malformed input
// ---------------------------------------------------------------------------------------------

/** A small ELF64 executable to corrupt, if there is one. */
const SMALL_ELF = ["/bin/true", "/usr/bin/true"].find(exists);

Deno.test("non-ELF, missing and directory paths throw ElfError", () => {
  const text = ["/etc/hostname", "/etc/passwd"].find(exists);
  if (text) assertElfError(() => openElf(text), text);
  else console.log("SKIP non-ELF text file: neither /etc/hostname nor /etc/passwd exists");
  assertElfError(() => openElf("/nonexistent/libpython3.12.so.1.0"), "missing file");
  assertElfError(() => openElf("/etc"), "directory");
});

Deno.test("truncated ELF files throw ElfError, not RangeError", () => {
  const source = SMALL_ELF ?? Deno.execPath(); // the deno binary is an ELF64 file too, but large
  const header = new DataView(truncatedBytes(source, 64).buffer);
  const shoff = Number(header.getBigUint64(40, true));
  const dir = Deno.makeTempDirSync({ prefix: "elf_test_" });
  try {
    for (const size of [0, 4, 40, 64, shoff + 100]) {
      const path = truncatedCopy(source, dir, size);
      assertElfError(() => openElf(path), `truncated to ${size} bytes`);
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

/** The first `size` bytes of a file. */
function truncatedBytes(path: string, size: number): Uint8Array {
  const file = Deno.openSync(path, { read: true });
  try {
    return readFully(file, 0, size);
  } finally {
    file.close();
  }
}

Deno.test("ELF32 and big-endian headers throw ElfError", () => {
  const dir = Deno.makeTempDirSync({ prefix: "elf_test_" });
  try {
    for (const [index, value, what] of [[4, 1, "ELF32"], [5, 2, "big-endian"]] as const) {
      const bytes = truncatedBytes(Deno.execPath(), 4096);
      bytes[index] = value;
      const path = `${dir}/${what}`;
      Deno.writeFileSync(path, bytes);
      assertElfError(() => openElf(path), what);
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

testIf(
  "a symbol table lying beyond the end of the file throws ElfError from symbols()",
  SMALL_ELF ? undefined : "no /bin/true",
  () => {
    const original = openElf(SMALL_ELF!);
    const index = original.sections.findIndex((s) => s.type === SHT_DYNSYM);
    assert.ok(index > 0, "no .dynsym in /bin/true");
    const bytes = Deno.readFileSync(SMALL_ELF!);
    const view = new DataView(bytes.buffer);
    const shoff = Number(view.getBigUint64(40, true));
    view.setBigUint64(shoff + index * 64 + 32, 1n << 40n, true); // sh_size of .dynsym
    const dir = Deno.makeTempDirSync({ prefix: "elf_test_" });
    try {
      Deno.writeFileSync(`${dir}/bad`, bytes);
      const image = openElf(`${dir}/bad`);
      assertElfError(() => image.symbols(["main"]), "huge .dynsym");
      assertElfError(() => image.readAt(bytes.length - 4, 8), "readAt past the end");
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
);

testIf(
  "elfFromBytes reads an image in memory as openElf reads its file",
  SMALL_ELF ? undefined : "no /bin/true",
  () => {
    const file = openElf(SMALL_ELF!);
    const bytes = Deno.readFileSync(SMALL_ELF!);
    const memory = elfFromBytes("true.bin", bytes);
    assert.equal(memory.path, "true.bin");
    assert.equal(memory.type, file.type);
    assert.deepEqual(memory.programHeaders, file.programHeaders);
    assert.deepEqual(memory.sections, file.sections);
    const names = file.sections.length > 0 ? ["getenv", "free", "main", "_start"] : [];
    assert.deepEqual(memory.symbols(names), file.symbols(names));
    assert.deepEqual(memory.readAt(0, 64), file.readAt(0, 64));
    assert.deepEqual(memory.readAt(0, 64), bytes.subarray(0, 64));
    assertElfError(() => memory.readAt(bytes.length - 4, 8), "readAt past the end");
    assertElfError(() => elfFromBytes("short", bytes.subarray(0, 40)), "too short");
  },
);

testIf(
  "section names from the file stay on one short line in messages",
  SMALL_ELF ? undefined : "no /bin/true",
  () => {
    const bytes = Deno.readFileSync(SMALL_ELF!);
    const image = elfFromBytes("true.bin", bytes);
    const index = image.sections.findIndex((s) => s.type === SHT_DYNSYM);
    assert.ok(index > 0, "no .dynsym in /bin/true");
    // Rename .dynsym "\n" followed by many "x" up to the table's end, and point it nowhere.
    const view = new DataView(bytes.buffer);
    const shoff = Number(view.getBigUint64(40, true));
    const shstrndx = view.getUint16(62, true);
    const names = image.sections[shstrndx];
    const nameAt = names.offset + view.getUint32(shoff + index * 64, true);
    bytes.fill(0x78, nameAt, names.offset + names.size - 1);
    bytes[nameAt + 1] = 0x0a;
    view.setUint32(shoff + index * 64 + 40, 0xffff, true); // sh_link
    const bad = elfFromBytes("bad.bin", bytes);
    assert.throws(() => bad.symbols(["main"]), (e: unknown) => {
      assert.ok(e instanceof ElfError, `${e}`);
      assert.ok(!/[\n\r]/.test(e.message), JSON.stringify(e.message));
      assert.ok(e.message.length < 200, e.message);
      return true;
    });
  },
);

// ---------------------------------------------------------------------------------------------
// pyenv shared libraries
// ---------------------------------------------------------------------------------------------

testLib("3.13.0", "_PyRuntime is in .PyRuntime and starts with the xdebugpy cookie", (path) => {
  const image = openElf(path);
  assert.equal(image.type, 3);
  assert.ok(image.hasSymtab);
  const runtime = symbol(image, "_PyRuntime");
  const section = image.section(".PyRuntime");
  assert.ok(section, "no .PyRuntime section");
  assert.equal(section.addr, runtime.value);
  assert.ok(runtime.value + runtime.size <= section.addr + section.size);
  const head = image.readVirtual(runtime.value, 24);
  assert.ok(head, "_PyRuntime not file-backed");
  assert.equal(decoder.decode(head.subarray(0, 8)), "xdebugpy");
  assert.equal(u64(head.subarray(8)), 0x030d00f0);
  // Section 7: file offset = section offset + (symbol address - section address).
  const direct = image.readAt(section.offset + (runtime.value - section.addr), 24);
  assert.deepEqual(direct, head);
  assert.equal(u64(image.readVirtual(symbol(image, "Py_Version").value, 8)!), 0x030d00f0);
});

for (const [version, hex] of [["3.11.7", 0x030b07f0], ["3.12.1", 0x030c01f0]] as const) {
  testLib(version, "Py_Version is readable through readVirtual", (path) => {
    const image = openElf(path);
    const found = image.symbols(["Py_Version", "_PyRuntime", "no_such_symbol_xyz"]);
    assert.deepEqual([...found.keys()].sort(), ["Py_Version", "_PyRuntime"]);
    const pyVersion = found.get("Py_Version")!;
    assert.equal(pyVersion.size, 8);
    assert.equal(u64(image.readVirtual(pyVersion.value, 8)!), hex);
    assert.equal(image.section(".PyRuntime")?.addr, found.get("_PyRuntime")!.value);
  });
}

testLib("3.8.18", "_PyRuntime lies in .bss, so readVirtual returns undefined", (path) => {
  const image = openElf(path);
  const runtime = symbol(image, "_PyRuntime");
  const bss = image.section(".bss");
  assert.ok(bss, "no .bss");
  assert.ok(runtime.value >= bss.addr && runtime.value + runtime.size <= bss.addr + bss.size);
  assert.equal(image.readVirtual(runtime.value, 8), undefined);
  assert.equal(image.section(".PyRuntime"), undefined);
});

for (const version of ["2.7.18", "3.6.15"]) {
  testLib(version, "interp_head is a LOCAL symbol found in .symtab", (path) => {
    const image = openElf(path);
    assert.ok(image.hasSymtab);
    const interpHead = symbol(image, "interp_head");
    assert.equal(interpHead.info >> 4, STB_LOCAL);
    assert.equal(interpHead.size, 8);
    assert.equal(image.sections[interpHead.shndx].name, ".bss");
    assert.ok(image.symbols(["_PyThreadState_Current"]).has("_PyThreadState_Current"));
  });
}

testLib("3.12.1", "openElf and symbols leak no file descriptors", (path) => {
  const before = fdsOn(path);
  const started = performance.now();
  for (let i = 0; i < 300; i++) {
    const image = openElf(path);
    image.readVirtual(symbol(image, "Py_Version").value, 8);
  }
  const elapsed = performance.now() - started;
  console.log(`300 x openElf + .dynsym lookup + readVirtual: ${elapsed.toFixed(0)} ms`);
  assert.equal(fdsOn(path), before);
  const image = openElf(path);
  const t0 = performance.now();
  assert.ok(image.symbols(["a_symbol_that_is_nowhere"]).size === 0); // scans .dynsym and .symtab
  console.log(`full .dynsym + .symtab scan: ${(performance.now() - t0).toFixed(1)} ms`);
});

// ---------------------------------------------------------------------------------------------
// Debian's static non-PIE python3.11
// ---------------------------------------------------------------------------------------------

testIf(
  "Debian static python3.11: EXEC, .dynsym symbols, no .symtab, bias 0",
  exists(DEBIAN_PYTHON) ? undefined : `${DEBIAN_PYTHON} not installed`,
  () => {
    const image = openElf(DEBIAN_PYTHON);
    assert.equal(image.type, 2);
    assert.equal(image.hasSymtab, false);
    assert.ok(image.sections.every((s) => s.type !== SHT_SYMTAB));
    const found = image.symbols(["_PyRuntime", "Py_Version"]);
    assert.equal(found.size, 2);
    const pyVersion = u64(image.readVirtual(found.get("Py_Version")!.value, 8)!);
    assert.equal(pyVersion >> 16, 0x030b);
    assert.equal(image.section(".PyRuntime")?.addr, found.get("_PyRuntime")!.value);
    assert.equal(loadBias(image, 0x400000, 0), 0);
  },
);

// ---------------------------------------------------------------------------------------------
// Stripped copies
// ---------------------------------------------------------------------------------------------

const OBJCOPY = which("objcopy");

const STRIP_CASES = [
  { version: "3.12.1", dynamic: ["_PyRuntime", "Py_Version", "PyCode_Type"], local: [] },
  { version: "2.7.18", dynamic: ["_PyThreadState_Current"], local: ["interp_head", "version.0"] },
];

for (const { version, dynamic, local } of STRIP_CASES) {
  const path = pyenvLib(version);
  const reason = !OBJCOPY
    ? "objcopy not found in PATH"
    : !path
    ? `pyenv ${version} not installed`
    : undefined;
  testIf(`objcopy --strip-all drops .symtab, keeps .dynsym (${version})`, reason, async () => {
    const dir = await Deno.makeTempDir({ prefix: "elf_test_" });
    try {
      const stripped = `${dir}/stripped.so`;
      const out = await new Deno.Command(OBJCOPY!, { args: ["--strip-all", path!, stripped] })
        .output();
      assert.ok(out.success, decoder.decode(out.stderr));
      const original = openElf(path!);
      const image = openElf(stripped);
      assert.ok(original.hasSymtab);
      assert.equal(image.hasSymtab, false);
      assert.equal(image.section(".symtab"), undefined);
      const before = original.symbols([...dynamic, ...local]);
      const after = image.symbols([...dynamic, ...local]);
      assert.deepEqual([...after.keys()].sort(), [...dynamic].sort());
      for (const name of local) assert.ok(before.has(name), `${name} missing before stripping`);
      for (const name of dynamic) {
        assert.equal(after.get(name)!.value, before.get(name)!.value, name);
        const bytes = image.readVirtual(after.get(name)!.value, 8);
        assert.deepEqual(bytes, original.readVirtual(before.get(name)!.value, 8), name);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Live processes
// ---------------------------------------------------------------------------------------------

const LIVE_CASES = [
  { label: "pyenv 3.12.1", exe: `${PYENV}/3.12.1/bin/python3.12`, file: /\/libpython3\.12\.so/ },
  { label: "pyenv 3.13.0", exe: `${PYENV}/3.13.0/bin/python3.13`, file: /\/libpython3\.13\.so/ },
  { label: "Debian static 3.11", exe: DEBIAN_PYTHON, file: /\/python3\.11$/ },
];

/** Resolves after `ms` milliseconds. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls the maps of `pid` until a file matching `pattern` is mapped (at most ~5 s). */
async function waitForMapping(pid: number, pattern: RegExp): Promise<Mapping[]> {
  for (let i = 0; i < 250; i++) {
    const found = mappingsOf(readMaps(pid), pattern);
    if (found.length > 0) {
      await sleep(300); // let the dynamic loader finish mapping and protecting the segments
      return mappingsOf(readMaps(pid), pattern);
    }
    await sleep(20);
  }
  throw new Error(`no mapping matching ${pattern} in process ${pid}`);
}

/** Checks bias and symbol addresses of one live process against the file. */
function checkLive(pid: number, mappings: Mapping[]) {
  const lowest = mappings[0];
  const image = openElf(lowest.path);
  const bias = loadBias(image, lowest.start, lowest.offset);
  if (image.type === 2) assert.equal(bias, 0);
  else assert.equal(bias, lowest.start); // first PT_LOAD at vaddr 0
  for (const m of mappings) assert.equal(loadBias(image, m.start, m.offset), bias, m.path);

  const pyVersion = symbol(image, "Py_Version");
  const fileBytes = image.readVirtual(pyVersion.value, 8);
  assert.ok(fileBytes);
  assert.deepEqual(readMemory(pid, bias + pyVersion.value, 8), fileBytes);

  const runtime = symbol(image, "_PyRuntime");
  const cookie = decoder.decode(readMemory(pid, bias + runtime.value, 8));
  if (u64(fileBytes) >= 0x030d0000) assert.equal(cookie, "xdebugpy");

  // The same file through the target's root and through map_files.
  const start = lowest.start.toString(16), end = lowest.end.toString(16);
  for (
    const alias of [`/proc/${pid}/root${lowest.path}`, `/proc/${pid}/map_files/${start}-${end}`]
  ) {
    const other = openElf(alias);
    assert.equal(loadBias(other, lowest.start, lowest.offset), bias, alias);
    assert.deepEqual(other.symbols(["Py_Version"]).get("Py_Version"), pyVersion, alias);
  }
}

for (const { label, exe, file } of LIVE_CASES) {
  testIf(
    `loadBias matches a live process (${label})`,
    exists(exe) ? undefined : `${exe} not installed`,
    async () => {
      const child = new Deno.Command(exe, {
        args: ["-c", "import time; time.sleep(5)"],
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
      try {
        checkLive(child.pid, await waitForMapping(child.pid, file));
      } finally {
        child.kill("SIGKILL");
        await child.status;
      }
    },
  );
}
