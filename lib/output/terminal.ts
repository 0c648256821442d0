/**
 * What austin-deno writes to stderr outside pipe mode: the banner, the
 * Python version, the exposure line and the statistics (spec:
 * austin-behaviour.md, section 5.7). Escapes are written only to a terminal
 * and never with `NO_COLOR` set (decision j).
 *
 * @module
 */

import type { SamplingStats } from "../sampler/stats.ts";
import { AUSTIN_VERSION } from "./metadata.ts";

/** Wraps text in an ANSI SGR sequence, or not. */
export type Paint = (sgr: string, text: string) => string;

/** A painter that writes escapes. */
export const withColour: Paint = (sgr, text) => `\x1b[${sgr}m${text}\x1b[0m`;
/** A painter that writes plain text. */
export const plain: Paint = (_sgr, text) => text;

/** Whether colour is wanted for a stream that is (or is not) a terminal. */
export function colourWanted(isTerminal: boolean): boolean {
  const noColor = Deno.env.get("NO_COLOR");
  return isTerminal && (noColor === undefined || noColor === "");
}

/** The four-line banner. */
export function banner(paint: Paint): string {
  const runtime = `[deno ${Deno.version.deno}]`;
  return paint("1", "              _   _      ") + " \n" +
    paint("1", " __ _ _  _ __| |_(_)_ _  ") + "\n" +
    paint("1", "/ _` | || (_-<  _| | ' \\ ") + "\n" +
    paint("1", "\\__,_|\\_,_/__/\\__|_|_||_|") + " " + paint("36;1", AUSTIN_VERSION) +
    ` ${runtime}\n`;
}

/** `\n🐍 Python version: X.Y.Z\n`. */
export function pythonVersionLine(paint: Paint, version: string): string {
  return `\n🐍 ${paint("1", "Python")} version: ${paint("33;1", version)}\n`;
}

/** `🕑 Sampling for N second(s)\n`. */
export function exposureLine(seconds: number): string {
  return `🕑 Sampling for ${seconds} second${seconds === 1 ? "" : "s"}\n`;
}

function percent(part: number, whole: number): string {
  return (whole === 0 ? 0 : (part * 100) / whole).toFixed(2);
}

/** The statistics block (with its leading empty line), or the no-samples line. */
export function statistics(
  paint: Paint,
  stats: SamplingStats,
  durationUs: number,
  gc: boolean,
): string {
  if (stats.count === 0) return "\n😣 No samples collected.\n";
  const b = (text: string) => paint("1", text);
  let text = `\n${b("Statistics")}\n`;
  text += `⌛ Sampling duration : ${b(`${(durationUs / 1e6).toFixed(2)} s`)}\n`;
  if (gc) {
    text += `🗑️  Garbage collector : ${b(`${(stats.gcTime / 1e6).toFixed(2)} s`)} (${
      b(`${percent(stats.gcTime, durationUs)} %`)
    })\n`;
  }
  text += `⏱️  Frame sampling (min/avg/max) : ${
    b(`${stats.min}/${stats.average}/${stats.max} μs`)
  }\n`;
  text += `🐢 Long sampling rate : ${b(`${stats.long}/${stats.count}`)} (${
    b(`${percent(stats.long, stats.count)} %`)
  }) samples took longer than the sampling interval to collect\n`;
  text += `💀 Error rate : ${b(`${stats.errors}/${stats.count}`)} (${
    b(`${percent(stats.errors, stats.count)} %`)
  }) invalid samples\n`;
  return text;
}
