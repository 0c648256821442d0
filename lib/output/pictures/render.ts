/**
 * Renders a profile in one of the picture formats of `--format`.
 *
 * @module
 */

import { toFlameGraph } from "./flamegraph.ts";
import { toHtml } from "./html.ts";
import type { Profile } from "./model.ts";
import { toPprof } from "./pprof.ts";
import { toSpeedscope } from "./speedscope.ts";

const encoder = new TextEncoder();

/** The picture formats of `--format`, written once sampling ends. */
export const PICTURE_FORMATS = ["speedscope", "pprof", "flamegraph", "html"] as const;
/** One of {@link PICTURE_FORMATS}. */
export type PictureFormat = typeof PICTURE_FORMATS[number];

/** The bytes of `profile` in `format` (not "austin", which is written as it is sampled). */
export async function render(
  format: PictureFormat,
  profile: Profile,
  title: string,
): Promise<Uint8Array> {
  switch (format) {
    case "speedscope":
      return encoder.encode(toSpeedscope(profile, title));
    case "pprof":
      return await Promise.resolve(toPprof(profile));
    case "flamegraph":
      return encoder.encode(toFlameGraph(profile, title));
    case "html":
      return encoder.encode(toHtml(profile, title));
  }
}
