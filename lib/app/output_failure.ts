/**
 * A failed write of the output ends the run: the launched child is ended,
 * a text file is cut after its last whole line, and the failure is
 * reported in one line (exit 74), or silently when stdout's reader went
 * away (exit 141, as for a death by SIGPIPE).
 *
 * @module
 */

import { isOsError } from "../../platforms/platform.ts";
import type { OutputError } from "../sample.ts";
import type { RunState } from "./state.ts";
import { stderr } from "./streams.ts";

/** Exit code of a failed write of the output: `EX_IOERR` of sysexits.h. */
const EXIT_IO_ERROR = 74;

/** Exit code when stdout's reader went away: what a shell reports for a death by SIGPIPE. */
const EXIT_BROKEN_PIPE = 128 + 13;

/** Whether the failure is that stdout's reader went away: the run ends quietly. */
export function quietFailure(run: RunState, e: OutputError): boolean {
  return e.brokenPipe && run.file === null;
}

/** Ends the run after a failed write of the output; its exit code. */
export async function outputFailed(run: RunState, e: OutputError): Promise<number> {
  const o = run.options;
  const where = o.output ?? "stdout";
  run.log.error(`Cannot write ${where}: ${e.message}`);
  await run.stopChild();
  const text = o.where || (o.format === "austin" && !o.binary);
  if (text) keepWholeLines(run);
  if (quietFailure(run, e)) return EXIT_BROKEN_PIPE;
  stderr(`cannot write ${where}: ${e.message}\n`);
  return EXIT_IO_ERROR;
}

/** Cuts the output file after the last newline written, when it is a regular file. */
function keepWholeLines(run: RunState): void {
  const file = run.file;
  if (file === null) return;
  const lineEnd = run.sink.lineEnd;
  try {
    const info = file.statSync();
    if (info.isFile && info.size > lineEnd) file.truncateSync(lineEnd);
  } catch (e) {
    // A file that cannot be cut is kept as written: the failure is reported already.
    if (!isOsError(e)) throw e;
  }
}
