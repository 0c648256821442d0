/**
 * Tests for the `austin2speedscope` and `austin2pprof` converters: text and
 * MOJO inputs give the same output, arguments behave like austin-python's
 * tools and `mojo2austin`, malformed input gives one line on stderr and exit
 * 1, and the progress indicator shows only on a terminal.
 */

import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { readProfile } from "../output/text/reader.ts";
import { toPprof } from "../output/pictures/pprof.ts";
import { toSpeedscope } from "../output/pictures/speedscope.ts";
import { AUSTIN2SPEEDSCOPE } from "./austin2speedscope.ts";
import { parseArguments, Progress, type ProgressStream } from "./converter.ts";

const FIXTURES = "/work/shared/fixtures/austin-3.7.0/";
const decoder = new TextDecoder();
const encoder = new TextEncoder();
const TOOLS = ["austin2speedscope", "austin2pprof"] as const;
type Tool = typeof TOOLS[number];

interface Run {
  code: number;
  stdout: Uint8Array;
  stderr: string;
}

async function run(tool: Tool, args: string[], input?: Uint8Array): Promise<Run> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(`./${tool}.ts`, import.meta.url).pathname, ...args],
    stdin: input === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (input !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(input);
    await writer.close();
  }
  const out = await child.output();
  return { code: out.code, stdout: out.stdout, stderr: decoder.decode(out.stderr) };
}

/** Exit 1 and one line `<tool>: <reason>` on stderr, nothing on stdout. */
function assertOneLineError(r: Run, tool: Tool, pattern?: RegExp): void {
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`^${tool}: [^\\n]+\\n$`), r.stderr);
  assert.ok(!/\bat .*:\d+:\d+/.test(r.stderr), `a stack trace: ${r.stderr}`);
  assert.equal(r.stdout.length, 0);
  if (pattern !== undefined) assert.match(r.stderr, pattern);
}

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "converter_test_" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

// ---------------------------------------------------------------------------
// Conversions

for (const name of ["wall-3.11", "full-gc-pipe-3.11", "wall-3.8"]) {
  Deno.test(`converters: ${name} as MOJO and as text give the same output`, async () => {
    await withDir(async (dir) => {
      // The same base name, since speedscope's file is named after its input.
      await Deno.mkdir(`${dir}/mojo`);
      await Deno.mkdir(`${dir}/text`);
      await Deno.copyFile(`${FIXTURES}${name}.mojo`, `${dir}/mojo/profile`);
      await Deno.copyFile(`${FIXTURES}${name}.mojo.txt`, `${dir}/text/profile`);
      for (const tool of TOOLS) {
        const ext = tool === "austin2pprof" ? "pprof" : "json";
        const fromMojo = await run(tool, [`${dir}/mojo/profile`, `${dir}/mojo.${ext}`]);
        assert.equal(fromMojo.code, 0, fromMojo.stderr);
        assert.equal(fromMojo.stderr, "");
        assert.equal(fromMojo.stdout.length, 0);
        const fromText = await run(tool, [`${dir}/text/profile`, `${dir}/text.${ext}`]);
        assert.equal(fromText.code, 0, fromText.stderr);
        assert.equal(fromText.stderr, "");
        const a = await Deno.readFile(`${dir}/mojo.${ext}`);
        const b = await Deno.readFile(`${dir}/text.${ext}`);
        assert.ok(a.length > 100);
        assert.deepEqual(a, b, tool);
      }
    });
  });
}

Deno.test("austin2speedscope: output is toSpeedscope's, named after the input", async () => {
  const path = `${FIXTURES}wall-3.11.txt`;
  const expected = toSpeedscope(readProfile(Deno.readFileSync(path)), "wall-3.11.txt");
  const r = await run("austin2speedscope", [path]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  assert.equal(decoder.decode(r.stdout), expected);
  const doc = JSON.parse(decoder.decode(r.stdout));
  assert.equal(doc.name, "wall-3.11.txt");
  // From stdin, with --indent.
  const mojo = Deno.readFileSync(`${FIXTURES}wall-3.8.mojo`);
  const piped = await run("austin2speedscope", ["--indent", "2", "-"], mojo);
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(decoder.decode(piped.stdout), toSpeedscope(readProfile(mojo), "<stdin>", 2));
  const eq = await run("austin2speedscope", ["-", "--indent=1"], mojo);
  assert.equal(decoder.decode(eq.stdout), toSpeedscope(readProfile(mojo), "<stdin>", 1));
});

Deno.test("austin2pprof: output is toPprof's, to stdout and from stdin", async () => {
  const path = `${FIXTURES}full-gc-pipe-3.11.mojo`;
  const bytes = Deno.readFileSync(path);
  const expected = toPprof(readProfile(bytes));
  const r = await run("austin2pprof", [path]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  assert.deepEqual(r.stdout, expected);
  assert.ok(gunzipSync(r.stdout).length > 0);
  const piped = await run("austin2pprof", ["-"], bytes);
  assert.equal(piped.code, 0, piped.stderr);
  assert.deepEqual(piped.stdout, expected);
});

Deno.test("converters: a MOJO frame key of 64 bits (lasti == -1) converts", async () => {
  // Austin 3.7 writes ((code & 0x7FFFFFF) << 16) | -1 as ten bytes: bf ff … ff 03.
  const key = [0xbf, ...new Array(8).fill(0xff), 0x03];
  const cstr = (text: string) => [...encoder.encode(text), 0];
  const mojo = new Uint8Array([
    ...encoder.encode("MOJ"),
    3,
    ...[1, ...cstr("mode"), ...cstr("wall")],
    ...[2, 0x07, 0x00, ...cstr("7")],
    ...[11, 0x02, ...cstr("a.py"), 11, 0x03, ...cstr("f")],
    ...[3, ...key, 0x02, 0x03, 0x05, 0x05, 0x00, 0x00],
    ...[5, ...key, 9, 0x0a],
  ]);
  const text = "# mode: wall\nP7;T0:7;a.py:f:5 10\n";
  for (const tool of TOOLS) {
    const fromMojo = await run(tool, ["-"], mojo);
    assert.equal(fromMojo.code, 0, fromMojo.stderr);
    assert.equal(fromMojo.stderr, "");
    const fromText = await run(tool, ["-"], encoder.encode(text));
    assert.deepEqual(fromMojo.stdout, fromText.stdout, tool);
  }
});

// ---------------------------------------------------------------------------
// Errors

Deno.test("converters: malformed input gives one line and exit 1", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/bad.txt`,
      "# mode: wall\n\nP1;T0:1;a.py:f:3 10\nP1;T0:1 ten\n",
    );
    await Deno.writeTextFile(`${dir}/garbage.txt`, "hello\n");
    await Deno.writeFile(`${dir}/binary`, new Uint8Array([0, 1, 2, 0xff, 10, 13]));
    await Deno.writeFile(`${dir}/empty`, new Uint8Array());
    await Deno.writeFile(`${dir}/bad.mojo`, new Uint8Array([0x4d, 0x4f, 0x4a, 3, 13]));
    for (const tool of TOOLS) {
      assertOneLineError(
        await run(tool, [`${dir}/bad.mojo`]),
        tool,
        /unknown event 13 at byte 4\n$/,
      );
      assertOneLineError(
        await run(tool, [`${dir}/bad.txt`, `${dir}/out`]),
        tool,
        /: line 4: bad wall metric "ten"\n$/,
      );
      assertOneLineError(await run(tool, [`${dir}/garbage.txt`]), tool, /: line 1: /);
      assertOneLineError(await run(tool, [`${dir}/binary`]), tool, /: line 1: /);
      assertOneLineError(await run(tool, [`${dir}/empty`]), tool, /no Austin metadata or samples/);
      assertOneLineError(await run(tool, [`${dir}/missing`]), tool, /missing/);
      assertOneLineError(await run(tool, ["-"], encoder.encode("P1;T0:x 5\n")), tool);
      assertOneLineError(await run(tool, [`${FIXTURES}wall-3.11.txt`, `${dir}/no/such/dir`]), tool);
      // Nothing was written where the conversion failed.
      await assert.rejects(Deno.stat(`${dir}/out`), Deno.errors.NotFound);
    }
  });
});

Deno.test("converters: -h, -V and usage errors", async () => {
  for (const tool of TOOLS) {
    for (const flag of ["-h", "--help"]) {
      const r = await run(tool, [flag]);
      assert.equal(r.code, 0);
      const text = decoder.decode(r.stdout);
      assert.match(text, new RegExp(`^usage: ${tool} \\[-h\\] \\[-V\\].* input \\[output\\]\\n`));
      assert.match(text, /positional arguments:/);
      assert.match(
        text,
        /\nexit status:\n {2}0 converted; 1 [^]*cut short[^]*; 2 bad arguments\n$/,
      );
      assert.equal(r.stderr, "");
    }
    for (const flag of ["-V", "--version"]) {
      const r = await run(tool, [flag]);
      assert.equal(r.code, 0);
      assert.match(decoder.decode(r.stdout), new RegExp(`^${tool} \\d+\\.\\d+\\.\\d+\\n$`));
    }
    for (const args of [[], ["a", "b", "c"], ["--bogus", "a"]]) {
      const r = await run(tool, args);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.stderr, new RegExp(`^usage: ${tool} .*\\n${tool}: error: [^\\n]+\\n$`));
      assert.equal(r.stdout.length, 0);
    }
  }
  const badIndent = await run("austin2speedscope", ["--indent", "x", "in"]);
  assert.equal(badIndent.code, 2);
  assert.match(badIndent.stderr, /error: argument --indent: invalid int value: 'x'\n$/);
  const pprofIndent = await run("austin2pprof", ["--indent", "2", "in"]);
  assert.equal(pprofIndent.code, 2);
});

Deno.test("parseArguments: positionals, options and --", () => {
  const c = AUSTIN2SPEEDSCOPE;
  assert.deepEqual(parseArguments(c, ["in"]), {
    kind: "run",
    input: "in",
    output: undefined,
    options: new Map(),
  });
  assert.deepEqual(parseArguments(c, ["--indent", "4", "in", "out"]), {
    kind: "run",
    input: "in",
    output: "out",
    options: new Map([["--indent", "4"]]),
  });
  assert.deepEqual(parseArguments(c, ["--", "-h", "-V"]), {
    kind: "run",
    input: "-h",
    output: "-V",
    options: new Map(),
  });
  assert.deepEqual(parseArguments(c, ["in", "-V"]), { kind: "version" });
  assert.equal(parseArguments(c, ["--indent"]).kind, "usage");
});

// ---------------------------------------------------------------------------
// Progress

/** A fake stderr that records what is written. */
function fakeStream(terminal: boolean): ProgressStream & { text: () => string } {
  const chunks: Uint8Array[] = [];
  return {
    isTerminal: () => terminal,
    writeSync: (b: Uint8Array) => {
      chunks.push(b.slice());
      return b.length;
    },
    text: () => chunks.map((c) => decoder.decode(c)).join(""),
  };
}

Deno.test("Progress: shown on a terminal, redrawn in place, cleared at the end", () => {
  let now = 0;
  const out = fakeStream(true);
  const p = new Progress("austin2x", out, 300, () => now);
  p.update("reading", 0.1);
  assert.equal(out.text(), "", "not before the delay");
  now = 400;
  p.update("reading", 0.25);
  now = 450;
  p.update("reading", 0.3); // too soon for the same stage
  now = 520;
  p.update("reading", 0.5);
  p.update("converting"); // a new stage shows at once
  p.done();
  assert.equal(
    out.text(),
    "\r\x1b[Kaustin2x: reading 25%\r\x1b[Kaustin2x: reading 50%\r\x1b[Kaustin2x: converting\r\x1b[K",
  );
});

Deno.test("Progress: nothing when stderr is not a terminal, or for a quick job", () => {
  let now = 0;
  const piped = fakeStream(false);
  const p = new Progress("austin2x", piped, 0, () => now);
  now = 10_000;
  p.update("reading", 0.5);
  p.done();
  assert.equal(piped.text(), "");
  const quick = fakeStream(true);
  const q = new Progress("austin2x", quick, 300, () => 100);
  q.update("reading", 1);
  q.done();
  assert.equal(quick.text(), "");
});

Deno.test("converters: a long conversion with stderr piped writes nothing to stderr", async () => {
  const line = "P1;T0:1;/home/user/app/a.py:f:3;/home/user/app/a.py:g:4 10000\n";
  const text = "# austin: 3.7.0\n# interval: 10000\n# mode: wall\n\n" + line.repeat(300_000);
  const r = await run("austin2speedscope", ["-"], encoder.encode(text));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  const doc = JSON.parse(decoder.decode(r.stdout));
  assert.deepEqual(doc.profiles[0].weights, [3_000_000_000]);
});
