/**
 * The soak run, by hand (not part of the test suite): austin-deno samples
 * tests/targets/soak.py (new code objects all the time, thread churn,
 * recursion) at `-i 100us` for a long time, and its resident memory is read
 * every second. Bounded caches keep it flat after the first minute.
 *
 *     npx deno task soak [--minutes N] [--python PATH] [--interval I]
 *
 * Prints the RSS curve (first, at 1 minute, median, last, max, and the
 * growth from the first minute to the end), the samples and the
 * `:INVALID:` share, and exits 1 if the RSS grew by more than 10 % after the
 * first minute or the `:INVALID:` share is over 0.01 %.
 *
 * @module
 */

import { MAIN, TARGETS } from "./austin.ts";

const USAGE = "usage: deno task soak [--minutes N] [--python PATH] [--interval I]";

/** Reads the command line. */
function options(): { minutes: number; python: string; interval: string } {
  const o = { minutes: 10, python: "python3", interval: "100us" };
  const args = [...Deno.args];
  while (args.length > 0) {
    const flag = args.shift() as string;
    const value = args.shift();
    if (value === undefined) throw new Error(USAGE);
    if (flag === "--minutes") o.minutes = Number(value);
    else if (flag === "--python") o.python = value;
    else if (flag === "--interval") o.interval = value;
    else throw new Error(USAGE);
  }
  if (!(o.minutes > 0)) throw new Error(USAGE);
  return o;
}

/** The resident set of a process in KiB, or -1 once it is gone. */
function rssKiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
    return m === null ? -1 : Number(m[1]);
  } catch {
    return -1;
  }
}

/** Counts the samples and the `:INVALID:` ones of a text recording, as a stream. */
async function countSamples(path: string): Promise<{ samples: number; invalid: number }> {
  const file = await Deno.open(path);
  let samples = 0;
  let invalid = 0;
  let rest = "";
  const decoder = new TextDecoder();
  for await (const chunk of file.readable) {
    const lines = (rest + decoder.decode(chunk, { stream: true })).split("\n");
    rest = lines.pop() as string;
    for (const line of lines) {
      if (!line.startsWith("P")) continue;
      samples++;
      if (line.includes(":INVALID:")) invalid++;
    }
  }
  return { samples, invalid };
}

const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;

async function main(): Promise<number> {
  const o = options();
  const seconds = Math.round(o.minutes * 60);
  const out = await Deno.makeTempFile({ prefix: "austin-soak-", suffix: ".txt" });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      MAIN,
      "-i",
      o.interval,
      "-o",
      out,
      o.python,
      `${TARGETS}soak.py`,
      `${seconds}`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const curve: number[] = [];
  const started = Date.now();
  const timer = setInterval(() => {
    const kib = rssKiB(child.pid);
    if (kib > 0) curve.push(kib);
    if (curve.length % 60 === 0 && curve.length > 0) {
      console.log(`${curve.length / 60} min: ${mib(kib)}`);
    }
  }, 1000);
  const result = await child.output();
  clearInterval(timer);
  const text = new TextDecoder();
  console.log(text.decode(result.stdout).trim());
  console.log(
    text.decode(result.stderr).split("\n").filter((l) => /samples|Error rate/.test(l)).join("\n"),
  );
  const { samples, invalid } = await countSamples(out);
  await Deno.remove(out);
  if (curve.length < 2) {
    console.log("no RSS readings");
    return 1;
  }
  const sorted = [...curve].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const minute = curve[Math.min(59, curve.length - 1)];
  const last = curve[curve.length - 1];
  const max = sorted[sorted.length - 1];
  const growth = (last - minute) / minute;
  const share = samples === 0 ? 1 : invalid / samples;
  console.log(
    `soak ${((Date.now() - started) / 1000).toFixed(0)} s at -i ${o.interval} (${o.python}), ` +
      `exit ${result.code}: RSS first ${mib(curve[0])}, at 1 min ${mib(minute)}, ` +
      `median ${mib(median)}, last ${mib(last)}, max ${mib(max)}; ` +
      `growth after the first minute ${(100 * growth).toFixed(1)} %; ` +
      `${samples} samples, ${invalid} :INVALID: (${(100 * share).toFixed(4)} %)`,
  );
  return result.code === 0 && growth <= 0.1 && share <= 0.0001 ? 0 : 1;
}

Deno.exit(await main());
