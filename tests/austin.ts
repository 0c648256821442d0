/**
 * Runs austin-deno (main.ts) as a separate process and reads its output
 * the way Austin's own functional tests do (spec: austin-behaviour.md 12.1).
 *
 * @module
 */

/** Absolute path of main.ts. */
export const MAIN = new URL("../main.ts", import.meta.url).pathname;
/** Absolute path of the test targets folder. */
export const TARGETS = new URL("./targets/", import.meta.url).pathname;

/** What a run printed and how it ended. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const decoder = new TextDecoder();

/** Runs austin-deno with `args`; `env` is added to the environment. */
export async function austin(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    env: { AUSTIN_NO_LOGGING: "1", ...env },
    stdin: "null",
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** The sample lines of an output. */
export function samples(output: string): string[] {
  return output.split("\n").filter((l) => l.startsWith("P"));
}

/** The `# key: value` metadata of an output. */
export function metadata(output: string): Map<string, string> {
  const meta = new Map<string, string>();
  for (const line of output.split("\n")) {
    if (!line.startsWith("# ")) continue;
    const at = line.indexOf(": ");
    if (at > 0) meta.set(line.slice(2, at), line.slice(at + 2));
  }
  return meta;
}

/** The stack part of a sample line (without the metric). */
export function stackOf(sample: string): string {
  return sample.slice(0, sample.lastIndexOf(" "));
}

/** The metric of a sample line. */
export function metricOf(sample: string): string {
  return sample.slice(sample.lastIndexOf(" ") + 1);
}

/** The sum of the (integer) metrics. */
export function metricSum(lines: string[]): number {
  return lines.reduce((sum, l) => sum + Number(metricOf(l)), 0);
}

/** Distinct `T<iid>:<tid>` of the samples of a process. */
export function threadsOf(lines: string[]): Set<string> {
  return new Set(lines.map((l) => stackOf(l).split(";")[1]));
}

/** Line numbers of `# mark:NAME` comments in a target file. */
export function markers(file: string): Map<string, number> {
  const found = new Map<string, number>();
  Deno.readTextFileSync(file).split("\n").forEach((line, i) => {
    const m = /# mark:([\w-]+)/.exec(line);
    if (m !== null) found.set(m[1], i + 1);
  });
  return found;
}

/** Starts a Python target directly (for attach tests). */
export function startTarget(python: string, script: string, args: string[]): Deno.ChildProcess {
  return new Deno.Command(python, {
    args: [script, ...args],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Collects a stream's text in the background; `text` grows as chunks arrive. */
export class Capture {
  text = "";
  readonly done: Promise<string>;

  constructor(stream: ReadableStream<Uint8Array>) {
    const streaming = new TextDecoder();
    this.done = (async () => {
      for await (const chunk of stream) this.text += streaming.decode(chunk, { stream: true });
      this.text += streaming.decode();
      return this.text;
    })();
  }

  /** Waits until the text matches `pattern`; throws after `ms`. */
  async waitFor(pattern: RegExp, ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (!pattern.test(this.text)) {
      if (Date.now() > until) throw new Error(`no ${pattern} within ${ms} ms:\n${this.text}`);
      await sleep(20);
    }
  }
}
