/**
 * speedscope's file format (https://www.speedscope.app/file-format-schema.json):
 * one `"sampled"` profile per thread, named `P<pid> T<iid>:<tid>`, whose
 * samples are the profile's aggregated stacks (outermost frame first) weighed
 * by their time in µs (wall, cpu and full modes) or by their allocated bytes
 * (memory mode). `:INVALID:` is kept as an outermost frame and `:GC:` as an
 * innermost frame, where Austin's text format writes them. Stacks of weight 0
 * (in memory mode, those that only freed memory) are left out. The file
 * opens on the thread with the largest total.
 *
 * @module
 */

import { type Profile, threadName } from "./model.ts";

/** The URL of speedscope's JSON schema, as its files name it. */
export const SPEEDSCOPE_SCHEMA = "https://www.speedscope.app/file-format-schema.json";

/** A frame of speedscope's shared frame table. */
export interface SpeedscopeFrame {
  name: string;
  file?: string;
  line?: number;
}

/** A sampled profile of speedscope's format. */
export interface SpeedscopeSampledProfile {
  type: "sampled";
  name: string;
  unit: "microseconds" | "bytes";
  startValue: number;
  endValue: number;
  samples: number[][];
  weights: number[];
}

/** A whole speedscope file. */
export interface SpeedscopeFile {
  $schema: typeof SPEEDSCOPE_SCHEMA;
  shared: { frames: SpeedscopeFrame[] };
  profiles: SpeedscopeSampledProfile[];
  name: string;
  activeProfileIndex: number;
  exporter: string;
}

/** Builds the speedscope document of a profile. */
export function speedscopeFile(p: Profile, name: string): SpeedscopeFile {
  const frames: SpeedscopeFrame[] = [];
  const frameIndex = new Map<string, number>();
  const frameOf = (key: string, make: () => SpeedscopeFrame): number => {
    let index = frameIndex.get(key);
    if (index === undefined) {
      index = frames.length;
      frames.push(make());
      frameIndex.set(key, index);
    }
    return index;
  };
  const memory = p.mode === "memory";
  const profiles: SpeedscopeSampledProfile[] = [];
  const byThread = new Map<string, SpeedscopeSampledProfile>();

  for (const r of p.records) {
    const thread = threadName(r);
    let profile = byThread.get(thread);
    if (profile === undefined) {
      profile = {
        type: "sampled",
        name: thread,
        unit: memory ? "bytes" : "microseconds",
        startValue: 0,
        endValue: 0,
        samples: [],
        weights: [],
      };
      byThread.set(thread, profile);
      profiles.push(profile);
    }
    const weight = memory ? r.allocated : r.time;
    if (weight === 0) continue;
    const stack: number[] = [];
    if (r.invalid) stack.push(frameOf(":INVALID:", () => ({ name: ":INVALID:" })));
    for (const f of r.frames) {
      stack.push(
        frameOf(
          `${f.filename}\0${f.scope}\0${f.line}`,
          () => ({ name: f.scope, file: f.filename, line: f.line }),
        ),
      );
    }
    if (r.gc) stack.push(frameOf(":GC:", () => ({ name: ":GC:" })));
    profile.samples.push(stack);
    profile.weights.push(weight);
    profile.endValue += weight;
  }

  // Open on the busiest thread.
  let active = 0;
  profiles.forEach((x, i) => {
    if (x.endValue > profiles[active].endValue) active = i;
  });
  return {
    $schema: SPEEDSCOPE_SCHEMA,
    shared: { frames },
    profiles,
    name,
    activeProfileIndex: active,
    exporter: "austin-deno",
  };
}

/**
 * The speedscope JSON of a profile, named `name` (e.g. the input file's
 * name); `indent` pretty-prints it.
 */
export function toSpeedscope(p: Profile, name: string, indent?: number): string {
  return JSON.stringify(speedscopeFile(p, name), null, indent);
}
