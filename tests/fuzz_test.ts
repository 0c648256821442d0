/**
 * Fuzzing of the readers of recorded and binary files: the MOJO reader, the
 * Austin text reader and the ELF reader each read mutated copies of real
 * files (recordings of `tests/targets/nested.py` made here, small ELF files
 * of the system and a tiny program built with `cc`) and may only return or
 * raise their own one-line error (MojoError, AustinFormatError, ElfError),
 * within a time bound per input; a worker that stops answering is ended and
 * its input named.
 *
 * Environment:
 * - `AUSTIN_FUZZ_INPUTS`: inputs per reader (default 20 000, a few seconds);
 * - `AUSTIN_FUZZ_SEED`: the run's seed (default: a random one, printed);
 * - `AUSTIN_FUZZ_READERS`: e.g. `mojo,text` (default `mojo,text,elf`);
 * - `AUSTIN_FUZZ_INPUT_MS`: the time one input may take (default 2000: inputs take
 *   milliseconds, but a loaded machine can stop a worker for hundreds);
 * - `AUSTIN_FUZZ_CORPUS`: a corpus folder saved by a failing run, to read
 *   the same inputs again (recordings differ from run to run);
 * - `AUSTIN_FUZZ_INDEX`: read only this input, here, and show its error.
 *
 * A failure saves the corpus and the input under `tests/artifacts/fuzz/`
 * and prints the command that reads that input again.
 */

import assert from "node:assert/strict";
import { makeInput } from "./fuzz/mutate.ts";
import { badError, TARGETS } from "./fuzz/targets.ts";
import type { WorkerJob, WorkerResult } from "./fuzz/worker.ts";
import { mojoEvents, readMojo } from "../lib/output/mojo/reader.ts";
import { record, withTempDir } from "./recordings.ts";

const ARTIFACTS = new URL("./artifacts/fuzz/", import.meta.url).pathname;
const READERS = ["mojo", "text", "elf"] as const;
/** The longest input: a few times the largest seed. */
const MAX_SIZE = 1 << 16;
/** Small ELF files of the system (each about 14 KiB). */
const SYSTEM_ELF = [
  "/usr/lib/x86_64-linux-gnu/libdl.so.2",
  "/usr/lib/x86_64-linux-gnu/libanl.so.1",
];

/** A non-negative integer from the environment, or `fallback`. */
function envInt(name: string, fallback: number): number {
  const text = Deno.env.get(name);
  if (text === undefined || text === "") return fallback;
  if (!/^\d+$/.test(text)) throw new Error(`${name}=${text}: not a non-negative integer`);
  return Number(text);
}

const INPUTS = envInt("AUSTIN_FUZZ_INPUTS", 20_000);
const SEED = envInt("AUSTIN_FUZZ_SEED", crypto.getRandomValues(new Uint32Array(1))[0]) >>> 0;
const LIMIT_MS = envInt("AUSTIN_FUZZ_INPUT_MS", 2000);
const HANG_MS = Math.max(10_000, 5 * LIMIT_MS);
const ONLY = Deno.env.get("AUSTIN_FUZZ_INDEX");
const SELECTED = (Deno.env.get("AUSTIN_FUZZ_READERS") ?? READERS.join(",")).split(",");

const encoder = new TextEncoder();
const decoder = new TextDecoder();

type Corpus = Record<string, Uint8Array[]>;

// ---------------------------------------------------------------------------
// The corpus

/** A few lines of a text recording: its header, `count` samples from its middle, its footer. */
function excerpt(text: string, count: number): Uint8Array {
  const lines = text.split("\n");
  const header = lines.slice(0, lines.findIndex((l) => l.startsWith("P")));
  const samples = lines.filter((l) => l.startsWith("P"));
  const from = Math.floor(samples.length * 0.4);
  const footer = lines.slice(lines.findLastIndex((l) => l.startsWith("P")) + 1);
  return encoder.encode([...header, ...samples.slice(from, from + count), ...footer].join("\n"));
}

/** The first events of a MOJO stream that end before `size` bytes. */
function mojoPrefix(bytes: Uint8Array, size: number): Uint8Array {
  let end = 4;
  for (const e of mojoEvents(bytes)) {
    if (e.offset > size) break;
    end = e.offset;
  }
  return bytes.slice(0, end);
}

/** A tiny program with a symbol table, built with `cc`, or null without a compiler. */
async function tinyProgram(dir: string): Promise<Uint8Array | null> {
  const source = `${dir}/tiny.c`;
  await Deno.writeTextFile(
    source,
    'int fuzz_data[4] = {1, 2, 3, 4};\nconst char Py_Version[] = "3.11";\n' +
      "char _PyRuntime[64];\nint main(void) { return fuzz_data[0] + _PyRuntime[0]; }\n",
  );
  try {
    const out = await new Deno.Command("cc", { args: ["-O0", "-o", `${dir}/tiny`, source] })
      .output();
    return out.code === 0 ? await Deno.readFile(`${dir}/tiny`) : null;
  } catch {
    return null;
  }
}

/** Synthetic seeds for what the recordings lack: the alternative format, markers, memory. */
const SYNTHETIC_TEXT = "# austin: 3.7.0\n# interval: 100\n# mode: memory\n\n" +
  "P1;T0:1;a.py:<module>;L1;a.py:f;L-2 -100\nP1;T0:2;:INVALID: 5\n" +
  "P1;T0:2;b c.py:x:y:3;:GC: 7\nP12;T3:4 0\n\n# duration: 10\n";

/** A MOJO stream with a frame key of 64 bits (Austin's lasti == -1). */
function wideKeyMojo(): Uint8Array {
  const key = [0xbf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x03];
  const c = (t: string) => [...encoder.encode(t), 0];
  return new Uint8Array([
    ...[0x4d, 0x4f, 0x4a, 3, 1, ...c("mode"), ...c("full")],
    ...[2, 0x07, 0x00, ...c("7"), 11, 0x02, ...c("a.py"), 11, 0x03, ...c("f")],
    ...[3, ...key, 0x02, 0x03, 0x05, 0x05, 0x00, 0x00, 5, ...key, 7, 4, 9, 0x0a, 8, 10, 0x45],
  ]);
}

/** Records the seeds (or reads a saved corpus). */
async function buildCorpus(dir: string): Promise<Corpus> {
  const saved = Deno.env.get("AUSTIN_FUZZ_CORPUS");
  if (saved !== undefined) return readCorpus(saved);
  const text = await record(`${dir}/wall.txt`);
  const mojo = await record(`${dir}/wall.mojo`, ["-b"]);
  const full = await record(`${dir}/full.mojo`, ["-b", "-f"]);
  const elf: Uint8Array[] = [];
  for (const path of SYSTEM_ELF) {
    try {
      elf.push(await Deno.readFile(path));
    } catch {
      console.log(`fuzz: no ${path}`);
    }
  }
  const tiny = await tinyProgram(dir);
  if (tiny !== null) elf.push(tiny);
  else console.log("fuzz: no cc, so no tiny program among the ELF seeds");
  return {
    mojo: [mojoPrefix(mojo, 2500), mojoPrefix(full, 2500), mojo.slice(0, 1500), wideKeyMojo()],
    text: [
      excerpt(decoder.decode(text), 8),
      excerpt(readMojo(full).text, 8),
      text.slice(0, 3000),
      encoder.encode(SYNTHETIC_TEXT),
    ],
    elf,
  };
}

/** A corpus saved by {@link saveCorpus}. */
function readCorpus(path: string): Corpus {
  const corpus: Corpus = { mojo: [], text: [], elf: [] };
  const names = [...Deno.readDirSync(path)].map((e) => e.name).sort();
  for (const name of names) {
    const m = /^(\w+)-(\d+)\.bin$/.exec(name);
    if (m !== null && m[1] in corpus) {
      corpus[m[1]][Number(m[2])] = Deno.readFileSync(`${path}/${name}`);
    }
  }
  return corpus;
}

/** Saves the corpus so that a failing input can be made again; returns its folder. */
function saveCorpus(corpus: Corpus): string {
  const path = `${ARTIFACTS}corpus-${SEED}`;
  Deno.mkdirSync(path, { recursive: true });
  for (const [reader, seeds] of Object.entries(corpus)) {
    seeds.forEach((bytes, i) => Deno.writeFileSync(`${path}/${reader}-${i}.bin`, bytes));
  }
  return path;
}

// ---------------------------------------------------------------------------
// Running

/** Runs a job in a worker, ended if the input it reads stops moving for HANG_MS. */
async function inWorker(job: WorkerJob): Promise<WorkerResult | { hang: number }> {
  const worker = new Worker(new URL("./fuzz/worker.ts", import.meta.url).href, { type: "module" });
  const beat = new Int32Array(job.heartbeat);
  Atomics.store(beat, 0, job.from);
  let timer: ReturnType<typeof setInterval> | undefined;
  try {
    return await new Promise((resolve, reject) => {
      worker.onmessage = (e: MessageEvent<WorkerResult>) => resolve(e.data);
      worker.onerror = (e) => {
        e.preventDefault();
        reject(new Error(`the worker failed: ${e.message}`));
      };
      let last = -1;
      let since = Date.now();
      timer = setInterval(() => {
        const now = Atomics.load(beat, 0);
        if (now !== last) {
          last = now;
          since = Date.now();
        } else if (Date.now() - since > HANG_MS) resolve({ hang: now });
      }, 200);
      worker.postMessage(job);
    });
  } finally {
    clearInterval(timer);
    worker.terminate();
  }
}

/** Fails the test for input `index`, after saving it and the corpus. */
function fail(reader: string, corpus: Corpus, index: number, reason: string): never {
  const folder = saveCorpus(corpus);
  const input = `${ARTIFACTS}${reader}-${SEED}-${index}.bin`;
  Deno.writeFileSync(input, makeInput(SEED, reader, index, corpus[reader], MAX_SIZE));
  assert.fail(
    `fuzz ${reader}: input ${index} of seed ${SEED}: ${reason}\n` +
      `input saved as ${input}; read it again with\n` +
      `AUSTIN_FUZZ_CORPUS=${folder} AUSTIN_FUZZ_SEED=${SEED} AUSTIN_FUZZ_READERS=${reader} ` +
      `AUSTIN_FUZZ_INDEX=${index} npx deno test -A tests/fuzz_test.ts`,
  );
}

/** Reads one input here, for AUSTIN_FUZZ_INDEX. */
function readOne(reader: string, corpus: Corpus, index: number): void {
  const input = makeInput(SEED, reader, index, corpus[reader], MAX_SIZE);
  const target = TARGETS[reader];
  try {
    target.run(input);
    console.log(`fuzz ${reader}: input ${index} (${input.length} bytes) was read`);
  } catch (e) {
    const reason = badError(target, e);
    console.log(`fuzz ${reader}: input ${index} (${input.length} bytes): ${e}`);
    if (reason !== null) fail(reader, corpus, index, reason);
  }
}

/** Runs AUSTIN_FUZZ_INPUTS inputs through one reader and prints a summary. */
async function fuzz(reader: string, corpus: Corpus): Promise<void> {
  assert.ok(corpus[reader].length > 0, `no seeds for ${reader}`);
  const started = performance.now();
  const result = await inWorker({
    reader,
    seed: SEED,
    from: 0,
    to: INPUTS,
    corpus: corpus[reader],
    maxSize: MAX_SIZE,
    limitMs: LIMIT_MS,
    heartbeat: new SharedArrayBuffer(4),
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if ("hang" in result) fail(reader, corpus, result.hang, `no answer for ${HANG_MS} ms`);
  if (result.failure !== undefined) {
    fail(reader, corpus, result.failure.index, result.failure.reason);
  }
  const error = TARGETS[reader].error.name;
  console.log(
    `fuzz ${reader}: ${result.inputs} inputs, seed ${SEED}, ${seconds} s: ` +
      `${result.rejected} rejected with ${error}, ${result.inputs - result.rejected} read; ` +
      `slowest ${result.slowestMs.toFixed(1)} ms (input ${result.slowestIndex})`,
  );
  assert.equal(result.inputs, INPUTS);
}

Deno.test(`fuzz: the MOJO, text and ELF readers (seed ${SEED}, ${INPUTS} inputs each)`, async (t) => {
  await withTempDir("fuzz_test_", async (dir) => {
    const corpus = await buildCorpus(dir);
    for (const reader of SELECTED) {
      assert.ok(reader in TARGETS, `unknown reader ${reader}`);
      await t.step(reader, async () => {
        if (ONLY !== undefined) readOne(reader, corpus, Number(ONLY));
        else await fuzz(reader, corpus);
      });
    }
  });
});
