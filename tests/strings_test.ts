/**
 * Reading `str` / `bytes` objects out of real Python processes of every
 * installed version (spec: cpython-layouts.md, section 5). Interpreters
 * that are not installed are skipped with a log line.
 */

import assert from "node:assert/strict";
import { currentPlatform } from "../platforms/mod.ts";
import type { RemoteMemory } from "../lib/process.ts";
import { DEBUG_OFFSETS_SIZE, layoutFromDebugOffsets } from "../lib/python/debug_offsets.ts";
import type { Layout } from "../lib/python/layout.ts";
import { tableLayout } from "../lib/python/layouts.ts";
import { readBytesObject, readString } from "../lib/python/strings.ts";
import { exists, startPython, testIf } from "./python_child.ts";

const PYENV = "/root/.pyenv/versions";

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

// ---------------------------------------------------------------------------
// Real processes, 3.x

const SCRIPT_3 = String.raw`
import ctypes, json, sys, time

class S(str):
    pass

objects = {
    "ascii": "sleeping_beauty",
    "latin1": "schl\u00e4frig",
    "c1": "".join(map(chr, range(0x80, 0xa0))),
    "high": "".join(map(chr, range(0xa0, 0x100))),
    "ucs2": "\u7761\u7720",
    "ucs4": "\U00020000\u7720",
    "empty": "",
    "max1": "x" * 4096,
    "max4": "\U00020000" * 4096,
    "long": "x" * 4097,
    "legacy_ascii": S("plain"),
    "legacy_latin1": S("schl\u00e4frig"),
    "legacy_ucs2": S("\u7761\u7720"),
    "legacy_ucs4": S("\U00020000\u7720"),
    "bytes": b"line\x00table\xff\x80",
    "empty_bytes": b"",
}
ids = {name: id(value) for name, value in objects.items()}
ids["major"], ids["minor"], ids["micro"] = sys.version_info[:3]
ids["runtime"] = 0
if sys.version_info >= (3, 13):
    ids["runtime"] = ctypes.addressof(ctypes.c_char.in_dll(ctypes.pythonapi, "_PyRuntime"))
print(json.dumps(ids), flush=True)
time.sleep(60)
`;

const EXPECTED_3: Record<string, string | null> = {
  ascii: "sleeping_beauty",
  latin1: "schläfrig",
  c1: String.fromCharCode(...range(0x80, 0xa0)),
  high: String.fromCharCode(...range(0xa0, 0x100)),
  ucs2: "睡眠",
  ucs4: "𠀀眠",
  empty: "",
  max1: "x".repeat(4096),
  max4: "𠀀".repeat(4096),
  long: null,
  legacy_ascii: "plain",
  legacy_latin1: "schläfrig",
  legacy_ucs2: "睡眠",
  legacy_ucs4: "𠀀眠",
};

function layoutOf(memory: RemoteMemory, info: Record<string, number>): Layout {
  const version = { major: info.major, minor: info.minor, micro: info.micro };
  const table = tableLayout(version);
  if (table !== null) return table;
  const buffer = memory.buffer(DEBUG_OFFSETS_SIZE);
  assert.equal(memory.read(info.runtime, DEBUG_OFFSETS_SIZE, buffer), DEBUG_OFFSETS_SIZE);
  return layoutFromDebugOffsets(buffer.bytes);
}

const PYTHONS_3: [label: string, path: string][] = [
  ...["3.6.15", "3.7.16", "3.8.18", "3.9.18", "3.10.13", "3.11.7", "3.12.1", "3.13.0"].map((
    v,
  ): [string, string] => [v, `${PYENV}/${v}/bin/python`]),
  ["system 3.11", "/usr/bin/python3.11"],
];

for (const [label, path] of PYTHONS_3) {
  const name = `readString and readBytesObject on a live Python ${label}`;
  testIf(name, exists(path) ? undefined : `${path} is not installed`, async (t) => {
    const child = await startPython(path, SCRIPT_3);
    try {
      const memory = currentPlatform().openMemory(child.pid);
      const layout = layoutOf(memory, child.info);
      const buffer = memory.buffer(65536);
      const check = (keys: string[]) => {
        for (const key of keys) {
          const got = readString(memory, buffer, child.info[key], layout.strings);
          assert.equal(got, EXPECTED_3[key], `${label}: string ${key}`);
        }
      };

      await t.step("compact strings of every kind, and the length limit", () => {
        check(Object.keys(EXPECTED_3).filter((key) => !key.startsWith("legacy_")));
        assert.equal(readString(memory, buffer, 0, layout.strings), null);
      });

      await t.step("non-compact (legacy) strings: instances of a str subclass", () => {
        const keys = Object.keys(EXPECTED_3).filter((key) => key.startsWith("legacy_"));
        // Make sure these really are non-compact, so that the legacy path is exercised.
        const header = memory.buffer(64);
        for (const key of keys) {
          assert.equal(memory.read(child.info[key], 64, header), 64);
          const state = header.view.getUint32(layout.strings.unicodeState, true);
          assert.equal((state >>> 5) & 1, 0, `${key} is compact`);
        }
        check(keys);
      });

      await t.step("bytes objects", () => {
        const bytesAt = child.info.bytes;
        const dataAt = layout.strings.bytesData;
        assert.deepEqual(
          readBytesObject(memory, buffer, bytesAt, dataAt, 1 << 20),
          new Uint8Array([...new TextEncoder().encode("line\0table"), 0xff, 0x80]),
        );
        assert.equal(readBytesObject(memory, buffer, bytesAt, dataAt, 11), null);
        assert.deepEqual(
          readBytesObject(memory, buffer, child.info.empty_bytes, dataAt, 1 << 20),
          new Uint8Array(0),
        );
        assert.equal(readBytesObject(memory, buffer, 0, dataAt, 1 << 20), null);
      });
    } finally {
      await child.stop();
    }
  });
}

// ---------------------------------------------------------------------------
// Real process, 2.7: names are byte strings

const SCRIPT_2 = String.raw`
import json, sys, time
objects = {
    "ascii": "sleeping_beauty",
    "utf8": "schl\xc3\xa4frig",
    "utf8_cjk": "\xe7\x9d\xa1\xe7\x9c\xa0",
    "latin1": "schl\xe4frig",
    "c1": "".join(map(chr, range(0x80, 0xa0))),
    "empty": "",
    "max": "y" * 4096,
    "long": "y" * 4097,
    "binary": "line\x00table\xff\x80",
}
ids = dict((name, id(value)) for name, value in objects.items())
sys.stdout.write(json.dumps(ids) + "\n")
sys.stdout.flush()
time.sleep(60)
`;

const PYTHON_27 = `${PYENV}/2.7.18/bin/python`;

testIf(
  "readString and readBytesObject on a live Python 2.7",
  exists(PYTHON_27) ? undefined : `${PYTHON_27} is not installed`,
  async () => {
    const child = await startPython(PYTHON_27, SCRIPT_2);
    try {
      const memory = currentPlatform().openMemory(child.pid);
      const layout = tableLayout({ major: 2, minor: 7, micro: 18 })!;
      assert.equal(layout.strings.bytesNames, true);
      const buffer = memory.buffer(65536);
      const expected: Record<string, string | null> = {
        ascii: "sleeping_beauty",
        utf8: "schläfrig",
        utf8_cjk: "睡眠",
        latin1: "schläfrig",
        c1: String.fromCharCode(...range(0x80, 0xa0)),
        empty: "",
        max: "y".repeat(4096),
        long: null,
      };
      for (const [key, text] of Object.entries(expected)) {
        assert.equal(readString(memory, buffer, child.info[key], layout.strings), text, key);
      }
      assert.equal(readString(memory, buffer, 0, layout.strings), null);
      assert.deepEqual(
        readBytesObject(memory, buffer, child.info.binary, layout.strings.bytesData, 1 << 20),
        new Uint8Array([...new TextEncoder().encode("line\0table"), 0xff, 0x80]),
      );
    } finally {
      await child.stop();
    }
  },
);
