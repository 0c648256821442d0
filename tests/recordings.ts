/**
 * Real recordings for the tests of the readers: austin-deno run on
 * `tests/targets/nested.py` for one second at 1 ms (`-i 1ms -o FILE python3
 * nested.py 1`), as text or MOJO, in any mode.
 *
 * @module
 */

import { austin, TARGETS } from "./austin.ts";

/**
 * Records `python3 tests/targets/nested.py 1` into `path` with `options`
 * (e.g. `-b` for MOJO, `-f` for full metrics) and returns the file's bytes.
 * Fails unless austin-deno exits 0 and writes samples.
 */
export async function record(path: string, options: string[] = []): Promise<Uint8Array> {
  // The interpreter itself, not pyenv's `python3` shim (a shell script that
  // execs it, which may take longer than the start-up timeout on a loaded
  // machine), and a start-up timeout for a loaded machine.
  const args = [
    ...options,
    "-t",
    "10s",
    "-i",
    "1ms",
    "-o",
    path,
    await python3(),
    `${TARGETS}nested.py`,
    "1",
  ];
  const run = await austin(args);
  if (run.code !== 0) {
    throw new Error(`recording ${options.join(" ")} exited ${run.code}: ${run.stderr.trim()}`);
  }
  const bytes = await Deno.readFile(path);
  if (bytes.length < 1000) throw new Error(`recording ${path} has only ${bytes.length} bytes`);
  return bytes;
}

let executable: string | null = null;

/** The executable that `python3` on PATH runs (`sys.executable`). */
async function python3(): Promise<string> {
  if (executable !== null) return executable;
  const out = await new Deno.Command("python3", {
    args: ["-c", "import sys; print(sys.executable)"],
    stdout: "piped",
  }).output();
  executable = new TextDecoder().decode(out.stdout).trim();
  if (!out.success || executable === "") throw new Error("python3 is not on PATH");
  return executable;
}

/** Runs `body` with a new temporary folder, removed afterwards. */
export async function withTempDir<T>(
  prefix: string,
  body: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix });
  try {
    return await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
