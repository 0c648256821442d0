/**
 * What the readers of recorded files (Austin text, MOJO) report when their
 * input ends before its last sample did: they keep every whole sample before
 * the cut and say where they stopped, so that a converter can still write its
 * output and name the cut in one line.
 *
 * @module
 */

/** Where and why a reader stopped before the end of its input. */
export interface Truncation {
  /** Byte offset of the part that was cut (the line or event that is incomplete). */
  offset: number;
  /** What was cut, e.g. `inside a frame event` or `inside line 1234`. */
  inside: string;
  /** The whole samples read before the cut. */
  samples: number;
}

/** `truncated at byte N (inside ...); kept the K samples before it`, in one line. */
export function describeTruncation(t: Truncation): string {
  const kept = t.samples === 0
    ? "no samples"
    : t.samples === 1
    ? "the 1 sample"
    : `the ${t.samples} samples`;
  return `truncated at byte ${t.offset} (${t.inside}); kept ${kept} before it`;
}
