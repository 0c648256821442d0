/**
 * Reads Austin's text format (spec: austin-behaviour.md, section 5) into the
 * aggregated {@link Profile}: metadata lines `# key: value`, sample lines
 * `P<pid>;T<iid>:<tid>[;frames...] <metric>` with frames
 * `<file>:<scope>:<line>` or, in the alternative format, `<file>:<scope>;L<line>`,
 * and the `:INVALID:` and `:GC:` markers. {@link readRecording} and
 * {@link readProfile} also take a MOJO stream, recognised by its magic,
 * through {@link readMojo}.
 *
 * A malformed line raises an {@link AustinFormatError} whose one-line message
 * starts with `line <n>: `. A text whose last line has no newline was cut
 * (`head -c`, a full disk, a killed writer) if that line starts as a sample
 * or metadata line does: {@link parseRecording} and {@link readRecording}
 * drop it and report a {@link Truncation} after the samples before it;
 * {@link parseAustin} and {@link readProfile} raise an error instead.
 *
 * @module
 */

import type { Mode } from "../../sample.ts";
import { isMojo, mojoToText, readMojo } from "../mojo/reader.ts";
import type { Truncation } from "../truncation.ts";
import { type Frame, type Profile, ProfileBuilder } from "../pictures/model.ts";

/** A malformed line of Austin's text format. */
export class AustinFormatError extends Error {
  constructor(reason: string, readonly line: number) {
    super(`line ${line}: ${reason}`);
    this.name = "AustinFormatError";
  }
}

/** Options of {@link parseAustin} and {@link readProfile}. */
export interface ParseOptions {
  /**
   * Called now and then while parsing with the fraction of the text read so
   * far (0 to 1), and once with 1 at the end.
   */
  onProgress?: (fraction: number) => void;
}

const MODES: readonly Mode[] = ["wall", "cpu", "memory", "full"];

/** The stack part of a sample line, parsed. */
interface Stack {
  frames: Frame[];
  invalid: boolean;
  gc: boolean;
}

const INTEGER = /^-?\d+$/;
const ALT_LINE = /^L-?\d+$/;
const SPACE = /\s/;
/** How a line that was cut can start: metadata, or a sample up to its thread field. */
const CUT_LINE = /^(?:#|P\d*(?:$|;(?:$|T)))/;
const TIME = /^\d+$/;
const MEMORY = /^-?\d+$/;
const FULL = /^(\d+),([01]),(-?\d+)$/;

/** A short, one-line rendering of some input text for an error message. */
function quote(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
}

/**
 * A metadata line `# key: value` as its key and value (the key trimmed, one
 * blank after the colon dropped), or null if it has no key. Read by hand:
 * a regular expression for it backtracks cubically on long blank runs.
 */
function parseMetadata(line: string): [string, string] | null {
  const colon = line.indexOf(":");
  if (colon < 0) return null;
  const key = line.slice(1, colon).trim();
  if (key === "") return null;
  const from = colon + 1 < line.length && SPACE.test(line[colon + 1]) ? colon + 2 : colon + 1;
  return [key, line.slice(from)];
}

/** Parses the frames of a sample line (the fields after the thread). */
function parseStack(text: string, lineNo: number): Stack {
  const stack: Stack = { frames: [], invalid: false, gc: false };
  if (text === "") return stack;
  const fields = text.split(";");
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i];
    if (field === ":INVALID:") {
      stack.invalid = true;
      continue;
    }
    if (field === ":GC:") {
      stack.gc = true;
      continue;
    }
    const next = fields[i + 1];
    if (next !== undefined && ALT_LINE.test(next)) {
      // Alternative format: `<file>:<scope>;L<line>`.
      const colon = field.lastIndexOf(":");
      if (colon < 0) throw new AustinFormatError(`bad frame ${quote(`${field};${next}`)}`, lineNo);
      stack.frames.push({
        filename: field.slice(0, colon),
        scope: field.slice(colon + 1),
        line: Number(next.slice(1)),
      });
      i++;
      continue;
    }
    // `<file>:<scope>:<line>`, where the file name may itself contain colons.
    const last = field.lastIndexOf(":");
    const middle = last > 0 ? field.lastIndexOf(":", last - 1) : -1;
    const line = field.slice(last + 1);
    if (middle < 0 || !INTEGER.test(line)) {
      throw new AustinFormatError(`bad frame ${quote(field)}`, lineNo);
    }
    stack.frames.push({
      filename: field.slice(0, middle),
      scope: field.slice(middle + 1, last),
      line: Number(line),
    });
  }
  return stack;
}

/** The mode a sample's metric implies when no `# mode:` line came before it. */
function guessMode(metric: string): Mode {
  return metric.includes(",") ? "full" : "wall";
}

/** A profile read from a recording, with what was cut if it ended early. */
export interface Recording {
  profile: Profile;
  /** Where the recording was cut; null if it was whole. */
  truncation: Truncation | null;
}

/** {@link parseText}'s result: the profile, and the line that was cut, if any. */
interface Parsed {
  profile: Profile;
  samples: number;
  cut: { index: number; line: number } | null;
}

/** Parses Austin's text format; a last line without a newline that looks cut is left out. */
function parseText(text: string, options: ParseOptions): Parsed {
  const builder = new ProfileBuilder();
  const stacks = new Map<string, Stack>();
  const onProgress = options.onProgress;
  const step = Math.max(1 << 16, Math.floor(text.length / 200));
  let nextProgress = step;
  let modeFixed = false;
  let lineNo = 0;
  let start = 0;
  let samples = 0;
  let cut: Parsed["cut"] = null;

  while (start < text.length) {
    let end = text.indexOf("\n", start);
    const whole = end >= 0;
    if (!whole) end = text.length;
    let line = text.slice(start, end);
    const lineStart = start;
    start = end + 1;
    lineNo++;
    if (!whole && CUT_LINE.test(line)) {
      cut = { index: lineStart, line: lineNo };
      break;
    }
    if (onProgress !== undefined && start >= nextProgress) {
      onProgress(Math.min(start / text.length, 1));
      nextProgress = start + step;
    }
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line === "") continue;

    if (line[0] === "#") {
      const m = parseMetadata(line);
      if (m === null) throw new AustinFormatError(`bad metadata ${quote(line)}`, lineNo);
      const [key, value] = m;
      if (key === "mode") {
        const mode = MODES.find((x) => x === value);
        if (mode === undefined) throw new AustinFormatError(`unknown mode ${quote(value)}`, lineNo);
        if (modeFixed && mode !== builder.mode) {
          throw new AustinFormatError(`mode changes from ${builder.mode} to ${mode}`, lineNo);
        }
        builder.mode = mode;
        modeFixed = true;
      }
      builder.metadata.set(key, value);
      continue;
    }

    if (line[0] !== "P") {
      throw new AustinFormatError(`not a sample or metadata line: ${quote(line)}`, lineNo);
    }
    const space = line.lastIndexOf(" ");
    if (space < 0) throw new AustinFormatError(`sample without a metric: ${quote(line)}`, lineNo);
    const metric = line.slice(space + 1);
    const head = line.slice(0, space);

    // `P<pid>;T<iid>:<tid>` then the stack.
    const semi = head.indexOf(";");
    const pidText = semi < 0 ? head : head.slice(0, semi);
    if (semi < 0 || !/^P\d+$/.test(pidText)) {
      throw new AustinFormatError(`bad process field ${quote(pidText)}`, lineNo);
    }
    const semi2 = head.indexOf(";", semi + 1);
    const threadText = semi2 < 0 ? head.slice(semi + 1) : head.slice(semi + 1, semi2);
    const thread = /^T(\d+):(\d+)$/.exec(threadText);
    if (thread === null) {
      throw new AustinFormatError(`bad thread field ${quote(threadText)}`, lineNo);
    }
    const key = semi2 < 0 ? "" : head.slice(semi2 + 1);

    if (!modeFixed) {
      builder.mode = guessMode(metric);
      modeFixed = true;
    }
    let time = 0;
    let idle = false;
    let memory = 0;
    const mode = builder.mode;
    if (mode === "full") {
      const m = FULL.exec(metric);
      if (m === null) {
        throw new AustinFormatError(`bad full metric ${quote(metric)} (expected t,i,m)`, lineNo);
      }
      time = Number(m[1]);
      idle = m[2] === "1";
      memory = Number(m[3]);
    } else if (mode === "memory") {
      if (!MEMORY.test(metric)) {
        throw new AustinFormatError(`bad memory metric ${quote(metric)}`, lineNo);
      }
      memory = Number(metric);
    } else {
      if (!TIME.test(metric)) {
        throw new AustinFormatError(`bad ${mode} metric ${quote(metric)}`, lineNo);
      }
      time = Number(metric);
    }

    let stack = stacks.get(key);
    if (stack === undefined) {
      stack = parseStack(key, lineNo);
      stacks.set(key, stack);
    }
    const s = stack;
    builder.add(
      Number(pidText.slice(1)),
      Number(thread[1]),
      Number(thread[2]),
      key,
      () => s.frames.map((f) => ({ ...f })),
      s.invalid,
      s.gc,
      time,
      idle,
      memory,
    );
    samples++;
  }
  onProgress?.(1);
  return { profile: builder.build(), samples, cut };
}

/**
 * Parses a whole profile in Austin's text format. Identical stacks of a
 * thread are merged (see {@link ProfileBuilder}). Without a `# mode:` line
 * before the first sample, the mode is taken from that sample's metric: full
 * for `t,i,m`, wall otherwise. A text that was cut inside its last line
 * raises an {@link AustinFormatError} (see {@link parseRecording}).
 */
export function parseAustin(text: string, options: ParseOptions = {}): Profile {
  const parsed = parseText(text, options);
  if (parsed.cut !== null) throw cutError(parsed.cut.line);
  return parsed.profile;
}

/** The error of a text cut inside line `line`. */
function cutError(line: number): AustinFormatError {
  return new AustinFormatError("the text ends inside this line (no newline after it)", line);
}

const encoder = new TextEncoder();

/**
 * Parses a profile in Austin's text format as {@link parseAustin} does, but
 * keeps the samples of a text cut inside its last line: that line is left
 * out and named in the {@link Truncation} (its byte offset in UTF-8).
 */
export function parseRecording(text: string, options: ParseOptions = {}): Recording {
  const { profile, samples, cut } = parseText(text, options);
  if (cut === null) return { profile, truncation: null };
  const offset = encoder.encode(text.slice(0, cut.index)).length;
  return { profile, truncation: { offset, inside: `inside line ${cut.line}`, samples } };
}

/**
 * Reads a recording from a file's bytes: a MOJO stream (recognised by its
 * `MOJ` magic, converted with {@link readMojo}; malformed streams raise a
 * `MojoError`) or Austin's text format, as UTF-8. A recording cut short
 * gives the whole samples before the cut and its {@link Truncation}.
 */
export function readRecording(bytes: Uint8Array, options: ParseOptions = {}): Recording {
  if (isMojo(bytes)) {
    // The text of a MOJO stream ends with a whole line, cut or not.
    const mojo = readMojo(bytes);
    return { profile: parseText(mojo.text, options).profile, truncation: mojo.truncation };
  }
  const { profile, samples, cut } = parseText(new TextDecoder().decode(bytes), options);
  if (cut === null) return { profile, truncation: null };
  // The cut line is the last one: it starts after the last newline byte.
  const offset = bytes.lastIndexOf(0x0a) + 1;
  return { profile, truncation: { offset, inside: `inside line ${cut.line}`, samples } };
}

/**
 * Reads a profile from a file's bytes as {@link readRecording} does, but
 * fails on a recording that was cut: raises the `MojoTruncatedError` of a
 * MOJO stream, or an {@link AustinFormatError} naming the cut line.
 */
export function readProfile(bytes: Uint8Array, options: ParseOptions = {}): Profile {
  if (isMojo(bytes)) return parseAustin(mojoToText(bytes), options);
  return parseAustin(new TextDecoder().decode(bytes), options);
}
