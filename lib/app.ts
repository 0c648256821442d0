/**
 * One run of austin-deno from parsed arguments to exit code: open the
 * output, start or attach to the target (and its children with `-C`), find
 * the interpreters, then either sample until the end or, in where mode,
 * print every stack once (spec: austin-behaviour.md, sections 4, 7, 10).
 * The steps are in lib/app/.
 *
 * Whatever ends the run (its end, a signal, a failed write of the output,
 * an error), a command that austin-deno launched does not outlive it; an
 * attached process (`-p`) is never signalled.
 *
 * @module
 */

import { isOsError, type Platform } from "../platforms/platform.ts";
import { CANNOT_CREATE_OUTPUT } from "./cli/messages.ts";
import { parseArgs } from "./cli/options.ts";
import { openLogger } from "./log.ts";
import { OutputSink } from "./output/sink.ts";
import { OutputError } from "./sample.ts";
import { outputFailed } from "./app/output_failure.ts";
import { start } from "./app/run.ts";
import { RunState } from "./app/state.ts";
import { stderr, stdout } from "./app/streams.ts";

/** Runs austin-deno with the given arguments; resolves to the exit code. */
export async function main(args: string[], platform: Platform): Promise<number> {
  const parsed = parseArgs(args);
  if (parsed.kind === "exit") {
    if (parsed.stdout !== "") stdout(parsed.stdout);
    if (parsed.stderr !== "") stderr(parsed.stderr);
    return parsed.code;
  }
  const options = parsed.options;
  let file: Deno.FsFile | null = null;
  if (options.output !== null) {
    try {
      file = Deno.openSync(options.output, { write: true, create: true, truncate: true });
    } catch (e) {
      if (!isOsError(e)) throw e;
      stdout(`${CANNOT_CREATE_OUTPUT}\n`);
      return 255;
    }
  }
  const log = openLogger(platform);
  const run = new RunState(options, platform, file, new OutputSink(file ?? Deno.stdout), log);
  try {
    return await start(run);
  } catch (e) {
    if (e instanceof OutputError) return await outputFailed(run, e);
    throw e;
  } finally {
    await run.end();
    log.close();
    file?.close();
  }
}
