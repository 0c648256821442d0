/**
 * A {@link SampleWriter} that aggregates samples into a {@link Profile} for
 * the picture formats, which are written once sampling ends.
 *
 * @module
 */

import type { Metadata, Mode, SampleWriter, ThreadStack } from "../../sample.ts";
import { type Frame, type Profile, ProfileBuilder } from "./model.ts";

/** Collects samples into a profile. */
export class ProfileWriter implements SampleWriter {
  readonly #builder = new ProfileBuilder();

  constructor(mode: Mode) {
    this.#builder.mode = mode;
  }

  /** Header metadata goes into the profile. */
  header(meta: Metadata): void {
    for (const [k, v] of meta) this.#builder.metadata.set(k, v);
  }

  /** Footer metadata goes into the profile. */
  footer(meta: Metadata): void {
    this.header(meta);
  }

  /** Adds one thread sample. */
  sample(pid: number, s: ThreadStack, gc: boolean, time: number, idle: boolean, memory: number) {
    let key = "";
    for (let i = s.depth - 1; i >= 0; i--) {
      key += `;${s.codes[i].filename}:${s.codes[i].scope}:${s.lines[i]}`;
    }
    const frames = (): Frame[] => {
      const list: Frame[] = [];
      for (let i = s.depth - 1; i >= 0; i--) {
        list.push({ filename: s.codes[i].filename, scope: s.codes[i].scope, line: s.lines[i] });
      }
      return list;
    };
    this.#builder.add(
      pid,
      s.interpreterId,
      s.threadId,
      key,
      frames,
      s.invalid,
      gc,
      time,
      idle,
      memory,
    );
  }

  /** The profile collected so far. */
  profile(): Profile {
    return this.#builder.build();
  }
}
