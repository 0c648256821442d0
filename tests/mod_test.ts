/**
 * mod.ts as a user's program uses it: its documented example run as a
 * script, `sample()` with a launched command that ends when the loop
 * breaks, `record()` into a file and into a writer of one's own, `where()`
 * on a running process, and `readProfile()` on a text and a MOJO recording
 * of the same run.
 */

import assert from "node:assert/strict";
import {
  type Metadata,
  readProfile,
  record,
  sample,
  SamplingError,
  type ThreadStack,
  where,
} from "../mod.ts";
import { MAIN, TARGETS } from "./austin.ts";

const MOD = new URL("../mod.ts", import.meta.url).href;
const DENO = Deno.execPath();
const PYTHON = "/root/.pyenv/versions/3.11.7/bin/python";

Deno.test("mod.ts's example runs as a user's script and prints true", async () => {
  const source = await Deno.readTextFile(new URL(MOD));
  const example = /```ts\n([\s\S]*?)```/.exec(source);
  assert.ok(example !== null, "mod.ts has a ts example");
  const script = example[1].replace(/^ \* ?/gm, "").replace('"./mod.ts"', JSON.stringify(MOD));
  const path = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(path, script);
    const out = await new Deno.Command(DENO, {
      args: ["run", "-A", path],
      env: { PATH: `${PYTHON.slice(0, PYTHON.lastIndexOf("/"))}:${Deno.env.get("PATH")}` },
    }).output();
    assert.equal(new TextDecoder().decode(out.stdout).trim(), "true");
    assert.equal(out.code, 0);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("sample({ command }) yields stacks and ends the child when the loop breaks", async () => {
  let pid = 0;
  let n = 0;
  for await (const s of sample({ command: [PYTHON, `${TARGETS}nested.py`, "30"], interval: 500 })) {
    pid = s.pid;
    if (s.frames.some((f) => f.scope === "<module>")) n++;
    if (n === 20) break;
  }
  assert.equal(n, 20);
  // The launched child was ended and reaped before the loop's end returned.
  assert.throws(() => Deno.statSync(`/proc/${pid}`), Deno.errors.NotFound);
});

Deno.test("where(pid) gives every thread's stack once; a missing pid is Austin's error", async () => {
  const child = new Deno.Command(PYTHON, {
    args: ["-c", "import time\nwhile True: time.sleep(0.01)"],
  }).spawn();
  try {
    let stacks: Awaited<ReturnType<typeof where>> = [];
    for (let i = 0; i < 200 && stacks[0]?.frames[0]?.scope !== "<module>"; i++) {
      stacks = await where(child.pid);
    }
    assert.equal(stacks.length, 1);
    assert.equal(stacks[0].pid, child.pid);
    assert.equal(stacks[0].frames[0].scope, "<module>");
  } finally {
    child.kill();
    await child.status;
  }
  await assert.rejects(() => where(2 ** 31), (e) => e instanceof SamplingError && e.code === 36);
});

Deno.test("readProfile reads Austin text and MOJO recordings of one run alike", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const text = `${dir}/s.austin`;
    const run = async (args: string[]) =>
      await new Deno.Command(DENO, {
        args: ["run", "-A", MAIN, "-i", "1ms", ...args, PYTHON, `${TARGETS}nested.py`, "1"],
        stdout: "null",
        stderr: "null",
      }).output();
    assert.equal((await run(["-o", text])).code, 0);
    assert.equal((await run(["-b", "-o", `${dir}/s.mojo`])).code, 0);
    const fromText = readProfile(await Deno.readFile(text));
    const fromMojo = readProfile(await Deno.readFile(`${dir}/s.mojo`));
    for (const r of [fromText, fromMojo]) {
      assert.equal(r.truncation, null);
      assert.ok(r.profile.records.length > 0);
      assert.equal(r.profile.mode, "wall");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("record({ output }) writes the file austin writes, text and MOJO", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const binary of [false, true]) {
      const path = `${dir}/r.${binary ? "mojo" : "austin"}`;
      const file = await Deno.open(path, { write: true, create: true, truncate: true });
      const done = await record({
        command: [PYTHON, `${TARGETS}nested.py`, "30"],
        interval: 1000,
        exposure: 1,
        binary,
        output: file,
      });
      file.close();
      assert.equal(done.exposed, true);
      assert.ok(done.samples > 100, `${done.samples} samples`);
      assert.ok(done.duration >= 1_000_000 && done.duration < 2_000_000, `${done.duration} µs`);
      const bytes = await Deno.readFile(path);
      const { profile, truncation } = readProfile(bytes);
      assert.equal(truncation, null);
      assert.equal(profile.mode, "wall");
      assert.ok(profile.records.some((r) => r.frames.some((f) => f.scope === "<module>")));
      if (!binary) {
        const text = new TextDecoder().decode(bytes);
        assert.ok(text.startsWith("# austin: 3.7.0\n# interval: 1000\n# mode: wall\n"));
        assert.match(text, /\n# duration: \d+\n/);
        const lines = text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
        assert.equal(lines.length, done.samples);
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("record({ writer }) hands every sample to the writer and stops on abort", async () => {
  const controller = new AbortController();
  const seen: string[] = [];
  let calls = 0;
  let pid = 0;
  let headers = 0;
  let footer: Metadata = [];
  const done = await record({
    command: [PYTHON, `${TARGETS}nested.py`, "30"],
    interval: 500,
    signal: controller.signal,
    writer: {
      header: () => headers++,
      footer: (meta) => footer = meta,
      sample(p: number, stack: ThreadStack) {
        pid = p;
        calls++;
        // The stack is reused, innermost first: what is kept is copied out.
        // Samples taken while the interpreter still starts up (site and
        // importlib at the bottom) are handed over too but not counted here.
        const outer = stack.depth > 0 ? stack.codes[stack.depth - 1] : null;
        if (outer?.scope === "<module>" && outer.filename.endsWith("nested.py")) {
          seen.push(outer.filename);
        }
        if (seen.length === 50) controller.abort();
      },
    },
  });
  assert.equal(headers, 1);
  assert.ok(footer.some(([key]) => key === "duration"));
  assert.equal(done.exposed, false);
  assert.ok(done.samples >= 50, `${done.samples} samples`);
  assert.ok(seen.length >= 50 && seen.length < 60, `${seen.length} stacks`);
  assert.equal(calls, done.samples);
  // The launched child was ended and reaped before record() resolved.
  assert.throws(() => Deno.statSync(`/proc/${pid}`), Deno.errors.NotFound);
});
