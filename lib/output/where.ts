/**
 * The text of where mode (`-w PID`): one block per thread, a header line
 * with the process and thread, then the frames outermost first (spec:
 * austin-behaviour.md, section 7).
 *
 * Colour is the caller's choice: pass `withColour` (from `terminal.ts`) only
 * when the output stream is a terminal and `NO_COLOR` is unset or empty
 * (decision j), `plain` otherwise. The layout is the same either way.
 *
 * @module
 */

import type { ThreadStack } from "../sample.ts";
import type { Paint } from "./terminal.ts";

/** SGR of the pid in the header. */
const PID_SGR = "35;1";
/** SGR of `<iid>:<tid>` in the header. */
const THREAD_SGR = "34;1";
/** SGR of a frame's scope. */
const SCOPE_SGR = "33;1";
/** SGR of a frame's file name. */
const FILENAME_SGR = "36;1";
/** SGR of a frame's line number. */
const LINE_SGR = "32;1";

/** 💤: the thread is idle. */
const IDLE = "\u{1F4A4}";
/** 🚀: the thread is running. */
const RUNNING = "\u{1F680}";
/** 🧒: the process was found as a child under `-C`. */
const CHILD = "\u{1F9D2}";
/** 🧵: precedes the thread id. */
const THREAD = "\u{1F9F5}";

/**
 * The line written in place of the missing outer frames of an invalid
 * sample: four spaces, `:INVALID:`, a newline, never painted.
 */
export const INVALID_LINE = "    :INVALID:\n";

/**
 * Formats one thread of where mode: the `\n\n` + emoji header line + `\n\n`, then one line per
 * frame, outermost first.
 *
 * The header is `\n\n`, `💤` (idle) or `🚀` (running), `🧒` if `child`,
 * ` Process <pid> 🧵 Thread <iid>:<tid>` and `\n\n`; each frame line is
 * `    <scope> (<filename>:<line>)\n`. With `withColour` the pid,
 * `<iid>:<tid>`, scope, file name and line are wrapped in the SGR escapes
 * `35;1`, `34;1`, `33;1`, `36;1` and `32;1`; with `plain` the text is
 * the same without them. A thread with no frames is the header alone.
 *
 * Shim frames are not shown (decision i): the walker leaves them out. An invalid sample is written as its header, the line
 * {@link INVALID_LINE} where the outermost frame would be, then the frames
 * that were resolved (the innermost ones, when the walk was cut short).
 * This keeps the text-mode convention of `:INVALID:` coming before the
 * surviving frames, where Austin 3.7 would print a raw `;:INVALID:` with no
 * newline that runs into the next thread's block.
 *
 * @param pid The process id shown after `Process`.
 * @param sample The thread's stack, innermost frame first at indices `0..depth-1`.
 * @param idle Whether the thread is idle (`💤`) rather than running (`🚀`).
 * @param child Whether the process was found as a child under `-C` (adds `🧒`).
 * @param paint How to colour the fields.
 * @returns The block for this thread, ending with a newline after the
 * last frame (or with `\n\n` after the header when there is none).
 */
export function whereThread(
  pid: number,
  sample: ThreadStack,
  idle: boolean,
  child: boolean,
  paint: Paint,
): string {
  let text = `\n\n${idle ? IDLE : RUNNING}${child ? CHILD : ""} Process ${
    paint(PID_SGR, `${pid}`)
  } ${THREAD} Thread ${paint(THREAD_SGR, `${sample.interpreterId}:${sample.threadId}`)}\n\n`;
  if (sample.invalid) text += INVALID_LINE;
  const codes = sample.codes;
  const lines = sample.lines;
  for (let i = sample.depth - 1; i >= 0; i--) {
    const code = codes[i];
    text += `    ${paint(SCOPE_SGR, code.scope)} (${paint(FILENAME_SGR, code.filename)}:${
      paint(LINE_SGR, `${lines[i]}`)
    })\n`;
  }
  return text;
}
