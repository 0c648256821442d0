/**
 * `deno task bench`: the performance benchmark of austin-deno (a script, not a test).
 *
 * It starts its own CPU-bound targets (`targets/bench_stack.py`: one thread, or
 * eight, every stack exactly 20 frames deep; `targets/bench_split.py`: f and g
 * splitting the time 3:1, the truth measured inside the target), profiles them
 * with austin-deno and prints, as medians over several runs:
 *
 * - the sampler's CPU time per sample at `-i 0`, text and MOJO (user + system
 *   of the sampler process, from the kernel's own accounting);
 * - the achieved samples per second at `-i 0` and at `-i 100us`;
 * - the sampler's CPU per profiled second at `-i 100us`;
 * - 8 busy threads at `-i 0`: thread stacks per CPU-second of the sampler;
 * - the tracee's slowdown at `-i 100us` against the same target run alone;
 * - the `:INVALID:` share, the sampler's peak RSS (VmHWM), bytes per sample
 *   for text and MOJO;
 * - attribution accuracy: f's share as sampled against the truth.
 *
 * It ends with one markdown table per Python version (figure, value, target,
 * met) to paste into the README.
 *
 * How the sampler's CPU time is measured: the sampler runs under
 * `sh -c '"$@"; cat /proc/$$/stat'`, so once it has exited and been reaped the
 * shell's cutime + cstime are exactly its user + system time. Each figure is
 * the difference between a run with `-x 1+SECONDS` and one with `-x 1`,
 * divided by the difference of their samples (or of their sampling
 * durations), so start-up (Deno's included) and shutdown cancel out. These
 * runs attach with `-p` to a target started by the benchmark, so the target's
 * own CPU time is never counted as the sampler's; the slowdown and accuracy
 * runs start the target through the sampler, as a user would.
 *
 * Options:
 * - `--python PATH`: the interpreter (default: `python3` on PATH);
 * - `--runs N`: runs per figure (default 3), `--seconds N`: sampling seconds
 *   per run (default 3, a whole number);
 * - `--against CMD`: also measure another Austin-compatible command (e.g.
 *   `/usr/local/bin/austin`) the same way, pair by pair, and print ours/theirs;
 * - `--all-versions`: also measure CPython 3.8, 3.12 and 3.13 when installed;
 * - `--long SECONDS`: instead of the above, sample the one-thread target at
 *   `-i 100us` for that long, printing VmHWM and VmRSS every 30 s.
 *
 * @module
 */

import { mojoEvents } from "../lib/output/mojo/reader.ts";
import { allInterpreters } from "./interpreters.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const STACK = new URL("./targets/bench_stack.py", import.meta.url).pathname;
const SPLIT = new URL("./targets/bench_split.py", import.meta.url).pathname;
/** The wrapper that reports the sampler's exact CPU time after it has been reaped. */
const WRAP = '"$@"; code=$?; echo; echo "bench-stat $(cat /proc/$$/stat)"; exit $code';
const THREADS = 8;
const WARMUP = 0.5;
const POLL_MS = 50;
const LONG_REPORT_S = 30;
const EXTRA_VERSIONS = [8, 12, 13, 14, 15];

const USAGE = `usage: deno task bench [--python PATH] [--runs N] [--seconds N]
                       [--against CMD] [--all-versions] [--long SECONDS]`;

// ---------------------------------------------------------------- options

interface Options {
  python: string;
  runs: number;
  seconds: number;
  against: string[] | null;
  allVersions: boolean;
  long: number;
}

function fail(message: string): never {
  console.error(`bench: ${message}\n${USAGE}`);
  Deno.exit(2);
}

/** Splits a command line into words, honouring single and double quotes. */
function splitCommand(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let quote = "";
  let started = false;
  for (const ch of line) {
    if (quote !== "") {
      if (ch === quote) quote = "";
      else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      started = true;
    } else if (/\s/.test(ch)) {
      if (started) words.push(word);
      word = "";
      started = false;
    } else {
      word += ch;
      started = true;
    }
  }
  if (quote !== "") fail(`unbalanced quote in ${JSON.stringify(line)}`);
  if (started) words.push(word);
  return words;
}

function wholeNumber(name: string, text: string, least: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < least) fail(`${name} needs a whole number ≥ ${least}`);
  return n;
}

function parseOptions(args: string[]): Options {
  const o: Options = {
    python: "python3",
    runs: 3,
    seconds: 3,
    against: null,
    allVersions: false,
    long: 0,
  };
  for (let i = 0; i < args.length; i++) {
    let name = args[i];
    let value: string | undefined;
    const eq = name.indexOf("=");
    if (name.startsWith("--") && eq > 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const take = () => {
      if (value !== undefined) return value;
      if (i + 1 >= args.length) fail(`${name} needs a value`);
      return args[++i];
    };
    switch (name) {
      case "--python":
        o.python = take();
        break;
      case "--runs":
        o.runs = wholeNumber(name, take(), 1);
        break;
      case "--seconds":
        o.seconds = wholeNumber(name, take(), 1);
        break;
      case "--against":
        o.against = splitCommand(take());
        if (o.against.length === 0) fail("--against needs a command");
        break;
      case "--all-versions":
        o.allVersions = true;
        break;
      case "--long":
        o.long = wholeNumber(name, take(), 1);
        break;
      case "-h":
      case "--help":
        console.log(USAGE);
        Deno.exit(0);
        break;
      default:
        fail(`unknown option ${args[i]}`);
    }
  }
  return o;
}

// ---------------------------------------------------------------- small helpers

const decoder = new TextDecoder();

function median(values: number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function fixed(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : "n/a";
}

function grouped(x: number): string {
  return Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "n/a";
}

function mib(kib: number): string {
  return Number.isFinite(kib) && kib > 0 ? `${(kib / 1024).toFixed(1)} MiB` : "n/a";
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function readProc(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return null;
  }
}

/** The fields of a /proc/PID/stat line after the command name (field 3 first). */
function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(")") + 2).trim().split(/\s+/);
}

function clockTicks(): number {
  try {
    const out = new Deno.Command("getconf", { args: ["CLK_TCK"], stderr: "null" }).outputSync();
    const n = Number(decoder.decode(out.stdout).trim());
    if (out.success && n > 0) return n;
  } catch {
    // no getconf: Linux's USER_HZ
  }
  return 100;
}

const TICKS = clockTicks();

// ---------------------------------------------------------------- running a sampler

/** A command that takes Austin's options. */
interface Sampler {
  name: string;
  argv: string[];
}

/** How a sampler process ended, with its own resource use. */
interface Exit {
  code: number;
  /** User + system CPU seconds of the sampler (the wrapper's cutime + cstime). */
  cpu: number;
  /** Peak and last resident set size in KiB, polled from /proc/PID/status. */
  hwm: number;
  rss: number;
  stdout: string;
  stderr: string;
}

function memoryOf(pid: number): { hwm: number; rss: number } | null {
  const status = readProc(`/proc/${pid}/status`);
  if (status === null) return null;
  const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return Number.isFinite(hwm) ? { hwm, rss } : null;
}

/**
 * Runs `argv` under the CPU-accounting wrapper, polling the sampler's memory
 * every 50 ms; `report` is called on every poll with the seconds elapsed.
 * Kills the sampler if it outlives `limit` seconds.
 */
async function runWrapped(
  argv: string[],
  limit: number,
  report?: (elapsed: number, hwm: number, rss: number) => void,
): Promise<Exit> {
  const shell = new Deno.Command("sh", {
    args: ["-c", WRAP, "sh", ...argv],
    env: { AUSTIN_NO_LOGGING: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const started = performance.now();
  let pid = 0;
  let hwm = NaN;
  let rss = NaN;
  let killed = false;
  const poll = setInterval(() => {
    if (pid === 0) {
      const children = readProc(`/proc/${shell.pid}/task/${shell.pid}/children`);
      pid = Number(children?.trim().split(/\s+/)[0] || 0);
    }
    const elapsed = (performance.now() - started) / 1000;
    if (pid > 0) {
      const m = memoryOf(pid);
      if (m !== null) {
        hwm = Number.isFinite(hwm) ? Math.max(hwm, m.hwm) : m.hwm;
        rss = m.rss;
        report?.(elapsed, hwm, rss);
      }
    }
    if (elapsed > limit && !killed && pid > 0) {
      killed = true;
      console.error(`bench: ${argv[0]} outlived ${limit} s: killing it`);
      try {
        Deno.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }, POLL_MS);
  const out = await shell.output();
  clearInterval(poll);
  const stdout = decoder.decode(out.stdout);
  const stat = /^bench-stat (.*)$/m.exec(stdout)?.[1];
  const fields = stat === undefined ? [] : statFields(stat);
  const cpu = (Number(fields[13]) + Number(fields[14])) / TICKS;
  return {
    code: killed ? -1 : out.code,
    cpu,
    hwm,
    rss,
    stdout: stdout.replace(/^bench-stat .*$/m, ""),
    stderr: decoder.decode(out.stderr),
  };
}

// ---------------------------------------------------------------- reading outputs

/** What one output file holds. */
interface Output {
  /** Thread stacks: sample lines in text, stack events in MOJO. */
  samples: number;
  invalid: number;
  bytes: number;
  /** Sampling duration in seconds, from the output's metadata. */
  duration: number;
}

/** Counts the samples of a text output without holding it in memory. */
async function scanText(path: string): Promise<Output> {
  const out: Output = { samples: 0, invalid: 0, bytes: 0, duration: NaN };
  const line = (l: string) => {
    if (l.startsWith("P")) {
      out.samples++;
      if (l.includes(":INVALID:")) out.invalid++;
    } else if (l.startsWith("# duration: ")) {
      out.duration = Number(l.slice(12)) / 1e6;
    }
  };
  const text = new TextDecoder();
  let carry = "";
  const file = await Deno.open(path);
  for await (const chunk of file.readable) {
    out.bytes += chunk.length;
    const lines = (carry + text.decode(chunk, { stream: true })).split("\n");
    carry = lines.pop() ?? "";
    for (const l of lines) line(l);
  }
  line(carry + text.decode());
  return out;
}

/** Counts the stacks and invalid samples of a MOJO output. */
async function scanMojo(path: string): Promise<Output> {
  const bytes = await Deno.readFile(path);
  const out: Output = { samples: 0, invalid: 0, bytes: bytes.length, duration: NaN };
  for (const e of mojoEvents(bytes)) {
    if (e.type === "stack") out.samples++;
    else if (e.type === "invalid") out.invalid++;
    else if (e.type === "metadata" && e.key === "duration") out.duration = Number(e.value) / 1e6;
  }
  return out;
}

/** f's share (percent) of the wall time sampled in f or g of bench_split.py. */
async function splitShare(path: string): Promise<number> {
  const text = await Deno.readTextFile(path);
  let f = 0;
  let g = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith("P")) continue;
    const space = line.lastIndexOf(" ");
    const stack = line.slice(0, space);
    const metric = Number(line.slice(space + 1));
    if (/bench_split\.py:f:\d+(;|$)/.test(stack)) f += metric;
    else if (/bench_split\.py:g:\d+(;|$)/.test(stack)) g += metric;
  }
  return f + g > 0 ? 100 * f / (f + g) : NaN;
}

// ---------------------------------------------------------------- targets

interface Python {
  path: string;
  version: string;
}

function probePython(command: string): Python | null {
  try {
    const out = new Deno.Command(command, {
      args: ["-c", "import sys; print(sys.executable); print('%d.%d.%d' % sys.version_info[:3])"],
      stderr: "null",
    }).outputSync();
    const [executable, version] = decoder.decode(out.stdout).trim().split("\n");
    // A path is run as it is: it may be a launcher (tests/pythons/cache/bin/…)
    // whose interpreter's sys.executable is a path inside another root.
    const path = command.includes("/") ? Deno.realPathSync(command) : executable;
    return out.success && executable && version ? { path, version } : null;
  } catch {
    return null;
  }
}

/** A bench_stack.py process running until it is stopped. */
interface Target {
  process: Deno.ChildProcess;
  pid: number;
}

async function startTarget(python: Python, threads: number): Promise<Target> {
  const process = new Deno.Command(python.path, {
    args: [STACK, String(threads), "0", "0"],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = process.stdout.getReader();
  let seen = "";
  while (!seen.includes("ready\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${python.path} ${STACK} ended before it was ready`);
    seen += decoder.decode(value);
  }
  await reader.cancel();
  await sleep(200); // let every thread reach its 20-frame loop
  return { process, pid: process.pid };
}

async function stopTarget(target: Target): Promise<void> {
  try {
    target.process.kill("SIGKILL");
  } catch {
    // already gone
  }
  await target.process.status;
}

// ---------------------------------------------------------------- measurements

/** One sampling configuration of the attach-mode runs. */
interface Config {
  label: string;
  args: string[];
  mojo: boolean;
}

const I0_TEXT: Config = { label: "-i 0, text", args: ["-i", "0"], mojo: false };
const I0_MOJO: Config = { label: "-i 0, MOJO", args: ["-i", "0", "-b"], mojo: true };
const I100_TEXT: Config = { label: "-i 100us, text", args: ["-i", "100"], mojo: false };

/** One attach-mode run: what the output holds and what the sampler used. */
interface Sampled extends Output {
  cpu: number;
  hwm: number;
}

async function sampleOnce(
  sampler: Sampler,
  config: Config,
  pid: number,
  exposure: number,
): Promise<Sampled | null> {
  const path = await Deno.makeTempFile({
    prefix: "bench-",
    suffix: config.mojo ? ".mojo" : ".txt",
  });
  try {
    const argv = [...sampler.argv, ...config.args, "-x", String(exposure), "-o", path];
    const exit = await runWrapped([...argv, "-p", String(pid)], exposure + 60);
    if (exit.code !== 0) {
      console.log(
        `    ${sampler.name} failed (exit ${exit.code}): ${exit.stderr.trim().slice(-300)}`,
      );
      return null;
    }
    const output = config.mojo ? await scanMojo(path) : await scanText(path);
    return { ...output, cpu: exit.cpu, hwm: exit.hwm };
  } finally {
    await Deno.remove(path).catch(() => {});
  }
}

/** The figures of one pair of runs (`-x 1` and `-x 1+SECONDS`). */
interface Pair {
  full: Sampled;
  /** Sampler CPU µs per sample (thread stack), start-up excluded. */
  cpuPerSample: number;
  /** Sampler CPU seconds per second of sampling, start-up excluded. */
  cpuPerSecond: number;
  /** Samples (thread stacks) per second in the long run. */
  rate: number;
}

async function samplePair(
  sampler: Sampler,
  config: Config,
  pid: number,
  seconds: number,
): Promise<Pair | null> {
  const base = await sampleOnce(sampler, config, pid, 1);
  const full = await sampleOnce(sampler, config, pid, 1 + seconds);
  if (base === null || full === null) return null;
  const cpu = full.cpu - base.cpu;
  const samples = full.samples - base.samples;
  const duration = full.duration - base.duration;
  return {
    full,
    cpuPerSample: cpu > 0 && samples > 0 ? 1e6 * cpu / samples : NaN,
    cpuPerSecond: cpu > 0 && duration > 0 ? cpu / duration : NaN,
    rate: full.duration > 0 ? full.samples / full.duration : NaN,
  };
}

/** Leaf calls per second reported by bench_stack.py, or NaN. */
function workRate(stdout: string): number {
  const m = /^work (\d+) ([\d.]+)$/m.exec(stdout);
  return m === null ? NaN : Number(m[1]) / Number(m[2]);
}

async function aloneRate(python: Python, seconds: number): Promise<number> {
  const out = await new Deno.Command(python.path, {
    args: [STACK, "1", String(seconds), String(WARMUP)],
    stdin: "null",
    stderr: "inherit",
  }).output();
  return workRate(decoder.decode(out.stdout));
}

/** Runs a target through the sampler (`-i 100us`, text); returns its stdout and output file. */
async function throughSampler(
  sampler: Sampler,
  python: Python,
  target: string[],
  seconds: number,
): Promise<{ stdout: string; path: string } | null> {
  const path = await Deno.makeTempFile({ prefix: "bench-", suffix: ".txt" });
  const exit = await runWrapped(
    [...sampler.argv, "-i", "100", "-o", path, python.path, ...target],
    seconds + 60,
  );
  if (exit.code !== 0) {
    console.log(
      `    ${sampler.name} failed (exit ${exit.code}): ${exit.stderr.trim().slice(-300)}`,
    );
    await Deno.remove(path).catch(() => {});
    return null;
  }
  return { stdout: exit.stdout, path };
}

/** Everything measured for one sampler on one Python version, run by run. */
class Results {
  cpuText: number[] = [];
  cpuMojo: number[] = [];
  cpu100: number[] = [];
  rate0: number[] = [];
  rate100: number[] = [];
  cpuPerSecond: number[] = [];
  threadStacksPerCpu: number[] = [];
  threadRate: number[] = [];
  threadCpu: number[] = [];
  slowdown: number[] = [];
  hwm: number[] = [];
  bytesText: number[] = [];
  bytesMojo: number[] = [];
  /** Per run: invalid and total thread stacks over the text runs. */
  invalid: number[] = [];
  stacks: number[] = [];
  sharesOurs: number[] = [];
  sharesTruth: number[] = [];
  sharesTruthCpu: number[] = [];
  errors: number[] = [];

  countInvalid(run: number, s: Sampled) {
    this.invalid[run] = (this.invalid[run] ?? 0) + s.invalid;
    this.stacks[run] = (this.stacks[run] ?? 0) + s.samples;
  }
}

/** The samplers in the order used for run `run`: alternated, so drift hits both alike. */
function inTurn<T>(items: T[], run: number): T[] {
  return run % 2 === 0 ? items : [...items].reverse();
}

function logPair(sampler: Sampler, config: Config, p: Pair) {
  console.log(
    `    ${sampler.name.padEnd(12)} ${config.label.padEnd(16)} ${
      grouped(p.full.samples).padStart(9)
    } stacks in ${fixed(p.full.duration, 2)} s: ${grouped(p.rate).padStart(7)}/s, ${
      fixed(p.cpuPerSample, 2)
    } µs CPU/stack, ${fixed(p.cpuPerSecond, 3)} CPU-s/s, ${p.full.invalid} invalid, ${
      grouped(p.full.bytes / p.full.samples)
    } B/stack, VmHWM ${mib(p.full.hwm)}`,
  );
}

async function measureVersion(
  python: Python,
  samplers: Sampler[],
  o: Options,
): Promise<Results[]> {
  const results = samplers.map(() => new Results());
  const all = samplers.map((s, i) => ({ s, r: results[i] }));

  console.log(`  one thread, 20 frames, attached with -p`);
  const single = await startTarget(python, 1);
  try {
    for (let run = 0; run < o.runs; run++) {
      console.log(`  run ${run + 1}/${o.runs}`);
      for (const config of [I0_TEXT, I0_MOJO, I100_TEXT]) {
        for (const { s, r } of inTurn(all, run)) {
          const p = await samplePair(s, config, single.pid, o.seconds);
          if (p === null) continue;
          logPair(s, config, p);
          if (!config.mojo) r.countInvalid(run, p.full);
          if (config === I0_TEXT) {
            r.cpuText.push(p.cpuPerSample);
            r.rate0.push(p.rate);
            r.hwm.push(p.full.hwm);
            r.bytesText.push(p.full.bytes / p.full.samples);
          } else if (config === I0_MOJO) {
            r.cpuMojo.push(p.cpuPerSample);
            r.bytesMojo.push(p.full.bytes / p.full.samples);
          } else {
            r.cpu100.push(p.cpuPerSample);
            r.rate100.push(p.rate);
            r.cpuPerSecond.push(p.cpuPerSecond);
          }
        }
      }
    }
  } finally {
    await stopTarget(single);
  }

  console.log(`  ${THREADS} busy threads, 20 frames each, attached with -p`);
  const many = await startTarget(python, THREADS);
  try {
    for (let run = 0; run < o.runs; run++) {
      for (const { s, r } of inTurn(all, run)) {
        const p = await samplePair(s, I0_TEXT, many.pid, o.seconds);
        if (p === null) continue;
        logPair(s, { ...I0_TEXT, label: `${THREADS} threads -i 0` }, p);
        r.countInvalid(run, p.full);
        r.threadStacksPerCpu.push(1e6 / p.cpuPerSample);
        r.threadCpu.push(p.cpuPerSample);
        r.threadRate.push(p.rate);
        r.hwm.push(p.full.hwm);
      }
    }
  } finally {
    await stopTarget(many);
  }

  console.log(`  tracee slowdown at -i 100us (leaf calls per second, alone vs sampled)`);
  const work = [STACK, "1", String(o.seconds), String(WARMUP)];
  for (let run = 0; run < o.runs; run++) {
    const rates: number[] = [];
    if (run % 2 === 0) rates.push(await aloneRate(python, o.seconds));
    const sampled = new Map<Results, number>();
    for (const { s, r } of inTurn(all, run)) {
      const out = await throughSampler(s, python, work, o.seconds);
      if (out === null) continue;
      await Deno.remove(out.path).catch(() => {});
      sampled.set(r, workRate(out.stdout));
    }
    if (run % 2 === 1) rates.push(await aloneRate(python, o.seconds));
    const alone = rates[0];
    const line = [`    run ${run + 1}: alone ${grouped(alone)}/s`];
    for (const { s, r } of all) {
      const rate = sampled.get(r) ?? NaN;
      r.slowdown.push(alone / rate);
      line.push(`${s.name} ${grouped(rate)}/s (${fixed(alone / rate, 3)}×)`);
    }
    console.log(line.join(", "));
  }

  console.log(`  attribution accuracy at -i 100us (f does 3× the work of g)`);
  for (let run = 0; run < o.runs; run++) {
    for (const { s, r } of inTurn(all, run)) {
      const out = await throughSampler(s, python, [SPLIT, String(o.seconds)], o.seconds);
      if (out === null) continue;
      const ours = await splitShare(out.path);
      await Deno.remove(out.path).catch(() => {});
      const m = /^truth wall ([\d.]+) [\d.]+ cpu ([\d.]+) [\d.]+$/m.exec(out.stdout);
      const truth = Number(m?.[1] ?? NaN);
      r.sharesOurs.push(ours);
      r.sharesTruth.push(truth);
      r.sharesTruthCpu.push(Number(m?.[2] ?? NaN));
      r.errors.push(Math.abs(ours - truth));
      console.log(
        `    ${s.name.padEnd(12)} f sampled ${fixed(ours, 2)} %, truth ${fixed(truth, 2)} % wall (${
          fixed(Number(m?.[2] ?? NaN), 2)
        } % CPU): off by ${fixed(Math.abs(ours - truth), 2)} pp`,
      );
    }
  }
  return results;
}

// ---------------------------------------------------------------- the tables

/** One row of the final table: how to read a figure out of the results. */
interface Figure {
  name: string;
  value: (r: Results) => number;
  show: (x: number, r: Results) => string;
  target: string;
  met?: (x: number, r: Results) => boolean;
}

function invalidShare(r: Results): number {
  return median(r.invalid.map((n, i) => 100 * n / r.stacks[i]));
}

const FIGURES: Figure[] = [
  {
    name: "sampler CPU per sample, `-i 0`, text",
    value: (r) => median(r.cpuText),
    show: (x) => `${fixed(x, 2)} µs (${grouped(1e6 / x)} samples per CPU-s)`,
    target: "≤ 5 µs",
    met: (x) => x <= 5,
  },
  {
    name: "sampler CPU per sample, `-i 0`, MOJO",
    value: (r) => median(r.cpuMojo),
    show: (x) => `${fixed(x, 2)} µs (${grouped(1e6 / x)} samples per CPU-s)`,
    target: "—",
  },
  {
    name: "samples/s at `-i 0`",
    value: (r) => median(r.rate0),
    show: (x) => `${grouped(x)}/s`,
    target: "—",
  },
  {
    name: "samples/s at `-i 100us`",
    value: (r) => median(r.rate100),
    show: (x) => `${grouped(x)}/s`,
    target: "≥ 9,500/s",
    met: (x) => x >= 9500,
  },
  {
    name: "sampler CPU per profiled second, `-i 100us`",
    value: (r) => median(r.cpuPerSecond),
    show: (x, r) => `${fixed(x, 3)} CPU-s/s (${fixed(median(r.cpu100), 2)} µs/sample)`,
    target: "≤ 0.2 CPU-s/s",
    met: (x) => x <= 0.2,
  },
  {
    name: "tracee slowdown, `-i 100us`",
    value: (r) => median(r.slowdown),
    show: (x) => `${fixed(x, 3)}×`,
    target: "≤ 1.02×",
    met: (x) => x <= 1.02,
  },
  {
    name: `${THREADS} busy threads, \`-i 0\`: thread stacks per sampler CPU-second`,
    value: (r) => median(r.threadStacksPerCpu),
    show: (x, r) =>
      `${grouped(x)} (${fixed(median(r.threadCpu), 2)} µs/stack, ${
        grouped(median(r.threadRate))
      } stacks/s)`,
    target: "≥ 180,000",
    met: (x) => x >= 180000,
  },
  {
    name: "sampler peak RSS (VmHWM)",
    value: (r) => median(r.hwm),
    show: (x, r) => `${mib(x)} (max ${mib(Math.max(...r.hwm))})`,
    target: "≤ 64 MiB",
    met: (_x, r) => Math.max(...r.hwm) <= 64 * 1024,
  },
  {
    name: "`:INVALID:` share",
    value: invalidShare,
    show: (x, r) => `${fixed(x, 4)} % (${sum(r.invalid)} of ${grouped(sum(r.stacks))})`,
    target: "≤ 0.01 %",
    met: (x) => x <= 0.01,
  },
  {
    name: "attribution accuracy, f:g = 3:1",
    value: (r) => median(r.errors),
    show: (x, r) =>
      `${fixed(x, 2)} pp (f: ${fixed(median(r.sharesOurs), 2)} % sampled, ${
        fixed(median(r.sharesTruth), 2)
      } % true, wall time)`,
    target: "within 0.5 pp",
    met: (x) => x <= 0.5,
  },
  {
    name: "bytes per sample, text",
    value: (r) => median(r.bytesText),
    show: (x) => grouped(x),
    target: "—",
  },
  {
    name: "bytes per sample, MOJO",
    value: (r) => median(r.bytesMojo),
    show: (x) => grouped(x),
    target: "—",
  },
];

function verdict(f: Figure, x: number, r: Results): string {
  if (f.met === undefined) return "—";
  if (!Number.isFinite(x)) return "not measured";
  return f.met(x, r) ? "met" : "not met";
}

function printTable(title: string, samplers: Sampler[], results: Results[]) {
  console.log(`\n### ${title}\n`);
  if (samplers.length === 1) {
    console.log("| figure | austin-deno | target | met |");
    console.log("|---|---:|---|---|");
  } else {
    console.log("| figure | austin-deno | against | ours/theirs | target | met (ours) |");
    console.log("|---|---:|---:|---:|---|---|");
  }
  const [ours, theirs] = results;
  for (const f of FIGURES) {
    const x = f.value(ours);
    const cells = [f.name, f.show(x, ours)];
    if (theirs !== undefined) {
      const y = f.value(theirs);
      cells.push(f.show(y, theirs), `${fixed(x / y, 2)}`);
    }
    cells.push(f.target, verdict(f, x, ours));
    console.log(`| ${cells.join(" | ")} |`);
  }
}

// ---------------------------------------------------------------- the long run

async function longRun(python: Python, samplers: Sampler[], seconds: number) {
  const rows: string[] = [];
  for (const s of samplers) {
    console.log(`\n${s.name}: sampling for ${seconds} s at -i 100us (output to /dev/null)`);
    const target = await startTarget(python, 1);
    let next = LONG_REPORT_S;
    let first = NaN;
    try {
      const argv = [...s.argv, "-i", "100", "-x", String(seconds), "-o", "/dev/null"];
      const exit = await runWrapped(
        [...argv, "-p", String(target.pid)],
        seconds + 60,
        (elapsed, hwm, rss) => {
          if (elapsed < next) return;
          next += LONG_REPORT_S;
          if (!Number.isFinite(first)) first = rss;
          console.log(
            `  ${elapsed.toFixed(0).padStart(5)} s: VmHWM ${mib(hwm)}, VmRSS ${mib(rss)}`,
          );
        },
      );
      const growth = exit.rss - first;
      console.log(
        `  done (exit ${exit.code}): VmHWM ${mib(exit.hwm)}, last VmRSS ${mib(exit.rss)}, ` +
          `${fixed(exit.cpu, 1)} CPU-s (${fixed(exit.cpu / seconds, 3)} CPU-s per second)`,
      );
      const flat = exit.hwm <= 64 * 1024 && Math.abs(growth) <= 2 * 1024;
      rows.push(
        `| ${s.name}: peak RSS over ${seconds} s | ${mib(exit.hwm)} (VmRSS ${
          growth >= 0 ? "+" : ""
        }${
          fixed(growth / 1024, 1)
        } MiB from ${LONG_REPORT_S} s to the end) | ≤ 64 MiB, flat (within 2 MiB) | ${
          Number.isFinite(growth) ? (flat ? "met" : "not met") : "not measured"
        } |`,
      );
    } finally {
      await stopTarget(target);
    }
  }
  console.log(`\n### Long run, CPython ${python.version}\n`);
  console.log("| figure | value | target | met |");
  console.log("|---|---:|---|---|");
  for (const row of rows) console.log(row);
}

// ---------------------------------------------------------------- main

async function main() {
  const o = parseOptions(Deno.args);
  const chosen = probePython(o.python);
  if (chosen === null) fail(`cannot run ${o.python}`);
  const samplers: Sampler[] = [{ name: "austin-deno", argv: [Deno.execPath(), "run", "-A", MAIN] }];
  if (o.against !== null) samplers.push({ name: "against", argv: o.against });
  for (const s of samplers) {
    // Warms Deno's module cache (and checks the command runs at all).
    const out = await new Deno.Command(s.argv[0], {
      args: [...s.argv.slice(1), "-V"],
      stdout: "piped",
      stderr: "piped",
    }).output().catch(() => null);
    if (out === null) fail(`cannot run ${s.argv.join(" ")}`);
    const version = decoder.decode(out.stdout).trim() || decoder.decode(out.stderr).trim();
    console.log(`${s.name}: ${s.argv.join(" ")} (${version.split("\n")[0]})`);
  }

  if (o.long > 0) {
    await longRun(chosen, samplers, o.long);
    return;
  }

  const pythons = [chosen];
  if (o.allVersions) {
    const known = allInterpreters();
    for (const minor of EXTRA_VERSIONS) {
      if (chosen.version.startsWith(`3.${minor}.`)) continue;
      const found = known.find((i) => i.major === 3 && i.minor === minor);
      const p = found === undefined ? null : probePython(found.path);
      if (p === null) console.log(`CPython 3.${minor}: not installed, skipped`);
      else pythons.push(p);
    }
  }
  const load = (readProc("/proc/loadavg") ?? "?").split(" ").slice(0, 3).join(" ");
  const host = `${Deno.build.os}/${Deno.build.arch}, ${navigator.hardwareConcurrency} CPUs`;
  console.log(
    `${o.runs} runs of ${o.seconds} s per figure (-x ${1 + o.seconds} minus -x 1), medians; ` +
      `${host}, load average ${load}`,
  );

  const tables: { title: string; results: Results[] }[] = [];
  for (const python of pythons) {
    console.log(`\nCPython ${python.version} (${python.path})`);
    const results = await measureVersion(python, samplers, o);
    tables.push({ title: `CPython ${python.version}`, results });
    printTable(`CPython ${python.version}`, samplers, results);
  }
  if (tables.length > 1) {
    console.log("\n## All versions");
    for (const t of tables) printTable(t.title, samplers, t.results);
  }
}

await main();
