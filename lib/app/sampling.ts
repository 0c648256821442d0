/**
 * Sampling mode: samples until the processes end, the exposure runs out, a
 * signal arrives or a write of the output fails; between passes the
 * housekeeping drops processes that ended, finds the top process's
 * interpreter again after an exec, and with `-C` attaches to new children
 * (spec: austin-behaviour.md, sections 4 and 6).
 *
 * @module
 */

import { resolveMode } from "../cli/options.ts";
import { render } from "../output/pictures/render.ts";
import type { ProfileWriter } from "../output/pictures/writer.ts";
import { exposureLine, statistics } from "../output/terminal.ts";
import { CollapsedWriter } from "../output/text/writer.ts";
import { OutputError, type SampleWriter } from "../sample.ts";
import { attachStep, type Target } from "../sampler/targets.ts";
import { childExitCode } from "./child.ts";
import { outputFailed, quietFailure } from "./output_failure.ts";
import { recordTargets } from "./record.ts";
import { childVersion, type Found, warnVersion } from "./search.ts";
import type { RunState } from "./state.ts";
import { stderr } from "./streams.ts";

/** Whether a target's process has exec'd since its interpreter was found. */
function execd(run: RunState, target: Target): boolean {
  const token = run.platform.execToken(target.pid);
  if (token === "" || target.execToken === "" || token === target.execToken) return false;
  run.log.info(`Process ${target.pid} executed a new program`);
  return true;
}

/**
 * The housekeeping between passes: removes the targets that ended, looks
 * for the top process's interpreter again, scans for new children. False
 * when the run is over.
 */
function housekeeper(run: RunState, found: Found): () => boolean {
  const { platform, options: o } = run;
  const { targets, scanner } = found;
  const top = run.top;
  const child = run.child;
  const topAlive = () => child === null ? platform.processState(top) === "alive" : !child.exited();
  const known = () => new Set(targets.map((t) => t.pid).concat(top));
  // The top process was Python: if its interpreter is lost while it lives
  // (it exec'd), it is looked for again, one attempt per housekeeping, for
  // as long as -t allows. True while it is looked for.
  let looking = false;
  let lookingSince = 0;
  let gaveUp = !targets.some((t) => t.pid === top);
  const findTopAgain = (): boolean => {
    if (gaveUp || targets.some((t) => t.pid === top)) return false;
    if (!topAlive()) return false;
    const now = platform.clock.nowUs();
    if (!looking) {
      looking = true;
      lookingSince = now;
      run.log.info(`Looking for the interpreter of process ${top} again`);
    }
    const attached = attachStep(platform, top, lookingSince + o.timeout - now);
    if (attached === null) return true;
    looking = false;
    if (!("target" in attached)) {
      // Gone, or not Python any more: the run goes on without it.
      run.log.info(`Process ${top} is no longer Python: ${attached.detail}`);
      gaveUp = true;
      return false;
    }
    run.log.info(`Found the interpreter of process ${top} again`);
    warnVersion(run, attached.target);
    targets.push(attached.target);
    return true;
  };
  return (): boolean => {
    for (let i = targets.length - 1; i >= 0; i--) {
      const t = targets[i];
      const alive = t.pid === top ? topAlive() : platform.processState(t.pid) === "alive";
      // A process that exec'd is another program: found again (or not) as a new one.
      if (!alive || execd(run, t)) targets.splice(i, 1);
    }
    const lookingAgain = findTopAgain();
    if (scanner !== null) {
      const added = scanner.scan(known(), 0);
      for (const t of added) childVersion(run, t);
      targets.unshift(...added);
      return targets.length > 0 || topAlive();
    }
    return targets.length > 0 || lookingAgain;
  };
}

/**
 * Samples `found` into `writer` (the collapsed-stack writer when null);
 * with `pictures`, renders the picture at the end. Resolves to the exit
 * code: the launched child's when sampling ended before it.
 */
export async function sample(
  run: RunState,
  found: Found,
  writer: SampleWriter | null,
  pictures: ProfileWriter | null,
): Promise<number> {
  const { options: o, platform, child, sink } = run;
  const stop = run.signals.request;
  const targets = found.targets;

  if (!o.pipe && o.exposure > 0) stderr(exposureLine(o.exposure));
  const mode = resolveMode(o);
  run.log.info(`Sampling interval: ${o.interval} μs`);
  if (mode === "full") run.log.info("Producing full set of metrics (time +mem -mem)");
  const out = writer ?? new CollapsedWriter(sink, o.altFormat, mode);
  const top = targets.find((t) => t.pid === run.top) ?? targets[targets.length - 1];
  const housekeeping = housekeeper(run, found);

  // A failed write of the header ends the run from main().
  const result = await recordTargets(
    platform,
    targets,
    top,
    out,
    sink,
    {
      intervalUs: o.interval,
      exposureS: o.exposure,
      mode,
      gc: o.gc,
      excludeEmpty: o.excludeEmpty,
      children: o.children,
      pipe: o.pipe,
    },
    stop,
    housekeeping,
  );
  let failure = result.failure;
  if (failure === null && pictures !== null && o.format !== "austin") {
    try {
      const title = o.command.length > 0 ? o.command.join(" ") : `PID ${run.top}`;
      sink.writeBytes(await render(o.format, pictures.profile(), title));
    } catch (e) {
      if (!(e instanceof OutputError)) throw e;
      failure = e;
    }
  }
  if (failure === null) {
    try {
      sink.flush();
    } catch (e) {
      if (!(e instanceof OutputError)) throw e;
      failure = e;
    }
  }
  run.log.info("Sampling finished");
  // The reader of stdout went away: end quietly, as a process killed by SIGPIPE would.
  const quiet = failure !== null && quietFailure(run, failure);
  if (!o.pipe && !quiet) stderr(statistics(run.paint, result.stats, result.durationUs, o.gc));
  if (failure !== null) return await outputFailed(run, failure);

  if (stop.signal !== null) return await run.interrupted();
  if (child === null) return 0;
  if (result.exposed) {
    await run.stopChild();
    return 0;
  }
  // Sampling is over (the interpreter is gone); the child may still run: wait for it or a signal.
  if (await Promise.race([child.status, run.signals.stopped]) === "signal") {
    return await run.interrupted();
  }
  return await childExitCode(child);
}
