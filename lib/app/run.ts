/**
 * The steps of one run, in order: the banner and warnings, the output
 * format, the start of the command or the check of the `-p` process, the
 * search for interpreters, then where mode or sampling.
 *
 * @module
 */

import { isOsError } from "../../platforms/platform.ts";
import { CANNOT_ATTACH, CANNOT_LAUNCH, NOTHING_TO_DO } from "../cli/messages.ts";
import { resolveMode, warnings } from "../cli/options.ts";
import { MojoWriter } from "../output/mojo/writer.ts";
import { ProfileWriter } from "../output/pictures/writer.ts";
import { banner } from "../output/terminal.ts";
import type { SampleWriter } from "../sample.ts";
import { sample } from "./sampling.ts";
import { findTargets } from "./search.ts";
import type { RunState } from "./state.ts";
import { stderr } from "./streams.ts";
import { where } from "./where.ts";

/**
 * Runs `run` from its start to the end of where mode or sampling; the exit
 * code. A failed write of the output throws an OutputError, for the caller
 * to end the run with; {@link RunState.end} must follow, whatever happens.
 */
export async function start(run: RunState): Promise<number> {
  run.signals.listen();
  const o = run.options;
  const { platform, sink } = run;
  if (!o.pipe) {
    run.log.info("====[ AUSTIN ]====");
    stderr(banner(run.paint));
  }
  for (const warning of warnings(o)) run.log.warning(warning);
  if (o.command.length === 0 && o.pid === null) {
    return run.fail(NOTHING_TO_DO, "No command or PID given");
  }
  if (o.output !== null) run.log.info(`Output file: ${o.output}`);
  let writer: SampleWriter | null = null;
  let pictures: ProfileWriter | null = null;
  if (o.format !== "austin" && !o.where) {
    // A picture is written once sampling ends; it takes the place of -b.
    writer = pictures = new ProfileWriter(resolveMode(o));
  } else if (o.binary && !o.where) {
    // The MOJO header goes out before the command starts, even if it then fails.
    writer = new MojoWriter(sink, resolveMode(o));
    sink.flush();
  }
  if (o.command.length > 0) {
    try {
      run.child = platform.spawn(o.command[0], o.command.slice(1), o.output === null);
    } catch (e) {
      // A command that cannot be run: any OS error of the spawn.
      if (!isOsError(e)) throw e;
      run.log.error(`Failed to fork process: ${e.message}`);
      return run.fail(CANNOT_LAUNCH, "> Cannot start the process");
    }
    run.top = run.child.pid;
  } else {
    run.top = o.pid as number;
    if (platform.processState(run.top) === "missing") {
      run.log.error(`Process ${run.top} is not running.`);
      return run.fail(CANNOT_ATTACH, "> Cannot attach the process");
    }
  }
  if (o.where) run.log.info(`Where mode on process ${run.top}`);

  const found = await findTargets(run);
  if (typeof found === "number") return found;
  if (run.signals.received) return await run.interrupted();
  return o.where ? where(run, found.targets) : await sample(run, found, writer, pictures);
}
