/**
 * Helpers shared by unit tests that read a live Python process: start a
 * Python that prints one JSON line (object ids, addresses) and then sleeps,
 * and register tests that are skipped with a message when a need is unmet.
 *
 * @module
 */

/** True if `path` exists. */
export function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** A Python child that printed one JSON line and now sleeps. */
export interface PythonChild {
  info: Record<string, number>;
  pid: number;
  /** Kills the child (and a `sleeper` pid it reported) and waits for it. */
  stop(): Promise<void>;
}

/** Runs `executable -c script` and waits for its first line of JSON. */
export async function startPython(executable: string, script: string): Promise<PythonChild> {
  const process = new Deno.Command(executable, {
    args: ["-c", script],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = process.stdout.getReader();
  let info: Record<string, number> = {};
  const stop = async () => {
    for (const pid of [info.sleeper, process.pid]) {
      if (pid === undefined) continue;
      try {
        Deno.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    await reader.cancel();
    await process.status;
  };
  try {
    const decoder = new TextDecoder();
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`${executable} exited before printing its line`);
      text += decoder.decode(value, { stream: true });
    }
    info = JSON.parse(text.slice(0, text.indexOf("\n")));
    return { info, pid: process.pid, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Registers a test, or logs and ignores it when `skip` gives a reason. */
export function testIf(
  name: string,
  skip: string | undefined,
  fn: (t: Deno.TestContext) => Promise<void> | void,
) {
  if (skip !== undefined) console.log(`SKIP ${name}: ${skip}`);
  Deno.test({ name, ignore: skip !== undefined, fn });
}
