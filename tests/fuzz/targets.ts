/**
 * What the fuzzer feeds its inputs to: the MOJO reader, the Austin text
 * reader and the ELF reader, each with the one error class it may raise for
 * bad input (with a one-line message) and the checks its results must pass.
 *
 * @module
 */

import { ElfError, elfFromBytes, loadBias, PT_LOAD } from "../../lib/binary/elf.ts";
import { MojoError, readMojo } from "../../lib/output/mojo/reader.ts";
import { AustinFormatError, parseRecording } from "../../lib/output/text/reader.ts";

/** A reader under test. */
export interface Target {
  /** Reads one input; throws only the reader's own error for bad input. */
  run(input: Uint8Array): void;
  /** The error class of bad input. */
  error: new (...args: never[]) => Error;
}

/** The longest message a reader's error may have. */
export const MAX_MESSAGE = 400;

/** Throws unless `ok`: a result that breaks the reader's promises. */
function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`broken result: ${what}`);
}

const decoder = new TextDecoder();

/** Symbols looked up in the ELF seeds (libdl's and a tiny program's). */
const SYMBOLS = [
  "dlopen",
  "dlsym",
  "dlerror",
  "_PyRuntime",
  "Py_Version",
  "fuzz_data",
  "main",
  "_start",
];

/** The readers, by name. */
export const TARGETS: Record<string, Target> = {
  mojo: {
    error: MojoError,
    run(input) {
      const r = readMojo(input);
      check(r.text === "" || r.text.endsWith("\n"), "text without its last newline");
      check(r.samples >= 0 && r.samples <= input.length, `${r.samples} samples`);
      const t = r.truncation;
      if (t !== null) {
        check(t.offset >= 0 && t.offset < input.length, `cut at ${t.offset}`);
        check(t.samples === r.samples, "samples before the cut");
      }
    },
  },
  text: {
    error: AustinFormatError,
    run(input) {
      const r = parseRecording(decoder.decode(input));
      check(r.profile.records.every((x) => x.count > 0), "an empty record");
      const t = r.truncation;
      if (t !== null) check(t.offset >= 0 && t.samples >= 0, `cut at ${t.offset}`);
    },
  },
  elf: {
    error: ElfError,
    run(input) {
      const image = elfFromBytes("fuzz.so", input);
      image.section(".text");
      const found = image.symbols(SYMBOLS);
      for (const symbol of found.values()) {
        image.readVirtual(symbol.value, symbol.size);
        image.readVirtual(symbol.value, 8);
      }
      for (const ph of image.programHeaders) {
        if (ph.type === PT_LOAD) loadBias(image, 0x7f00_0000_0000, ph.offset - (ph.offset % 4096));
      }
      if (input.length >= 64) image.readAt(0, 64);
    },
  },
};

/**
 * What is wrong with an error a target raised for an input, or null if it is
 * the reader's own error, with a one-line message of at most
 * {@link MAX_MESSAGE} characters.
 */
export function badError(target: Target, e: unknown): string | null {
  if (!(e instanceof target.error)) {
    return `not a ${target.error.name}: ${e instanceof Error ? e.stack : String(e)}`;
  }
  if (/[\n\r]/.test(e.message)) return `a message of several lines: ${JSON.stringify(e.message)}`;
  if (e.message.length > MAX_MESSAGE) {
    return `a message of ${e.message.length} characters: ${e.message.slice(0, 200)}...`;
  }
  return null;
}
