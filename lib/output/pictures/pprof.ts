/**
 * pprof's `profile.proto`, gzipped, encoded with the `pprof-format` package.
 *
 * - Sample types: `samples/count` and `wall/microseconds` (the time metric, in
 *   cpu mode too), plus `memory/bytes` (allocated bytes, the sum of the
 *   positive deltas) in memory and full modes. The default sample type is
 *   `memory` in memory mode and `wall` otherwise.
 * - One sample per aggregated stack of a thread, its locations innermost
 *   first as pprof wants them. Each location has one line (function name =
 *   scope, file name = file, line); functions are shared by the locations of
 *   the same scope and file.
 * - Labels: `pid`, `iid` and `tid` (numbers) and `thread` (`P<pid> T<iid>:<tid>`,
 *   the name speedscope's profiles have); `gc` and `invalid` (the string
 *   `true`) on the samples that have the markers.
 * - Markers: `:INVALID:` and `:GC:` are ALSO pseudo frames, like in Austin's
 *   text and in speedscope: a `:INVALID:` function (empty file name, line 0)
 *   as the outermost location and a `:GC:` function as the innermost.
 * - Period type `wall/microseconds`, period = `# interval:`; duration =
 *   `# duration:` (µs, as nanoseconds); the metadata as comments (`key: value`).
 *
 * @module
 */

import { gzipSync } from "node:zlib";
// Resolves to node_modules/pprof-format, since there is a package.json.
// deno-lint-ignore no-import-prefix
import * as pprof from "npm:pprof-format@2.3.2";
import { type Profile, threadName } from "./model.ts";

/** A non-negative integer from metadata, or 0. */
function metaNumber(p: Profile, key: string): number {
  const value = p.metadata.get(key);
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : 0;
}

/** Builds the (unencoded) pprof profile of a profile. */
export function pprofProfile(p: Profile): pprof.Profile {
  const strings = new pprof.StringTable();
  const s = (text: string) => strings.dedup(text);
  const memory = p.mode === "memory" || p.mode === "full";

  const sampleType = [
    new pprof.ValueType({ type: s("samples"), unit: s("count") }),
    new pprof.ValueType({ type: s("wall"), unit: s("microseconds") }),
  ];
  if (memory) sampleType.push(new pprof.ValueType({ type: s("memory"), unit: s("bytes") }));

  const functions: pprof.Function[] = [];
  const functionIds = new Map<string, number>();
  const locations: pprof.Location[] = [];
  const locationIds = new Map<string, number>();
  const locationOf = (filename: string, scope: string, line: number): number => {
    const key = `${filename}\0${scope}\0${line}`;
    let id = locationIds.get(key);
    if (id !== undefined) return id;
    const fkey = `${filename}\0${scope}`;
    let fid = functionIds.get(fkey);
    if (fid === undefined) {
      fid = functions.length + 1;
      functions.push(
        new pprof.Function({
          id: fid,
          name: s(scope),
          systemName: s(scope),
          filename: s(filename),
        }),
      );
      functionIds.set(fkey, fid);
    }
    id = locations.length + 1;
    locations.push(new pprof.Location({ id, line: [new pprof.Line({ functionId: fid, line })] }));
    locationIds.set(key, id);
    return id;
  };

  const keys = {
    pid: s("pid"),
    iid: s("iid"),
    tid: s("tid"),
    thread: s("thread"),
    gc: s("gc"),
    invalid: s("invalid"),
  };
  const yes = s("true");
  const samples: pprof.Sample[] = [];
  for (const r of p.records) {
    const ids: number[] = [];
    if (r.gc) ids.push(locationOf("", ":GC:", 0));
    for (let i = r.frames.length - 1; i >= 0; i--) {
      const f = r.frames[i];
      ids.push(locationOf(f.filename, f.scope, f.line));
    }
    if (r.invalid) ids.push(locationOf("", ":INVALID:", 0));
    const label = [
      new pprof.Label({ key: keys.pid, num: r.pid }),
      new pprof.Label({ key: keys.iid, num: r.iid }),
      new pprof.Label({ key: keys.tid, num: r.tid }),
      new pprof.Label({ key: keys.thread, str: s(threadName(r)) }),
    ];
    if (r.gc) label.push(new pprof.Label({ key: keys.gc, str: yes }));
    if (r.invalid) label.push(new pprof.Label({ key: keys.invalid, str: yes }));
    const value = [r.count, r.time];
    if (memory) value.push(r.allocated);
    samples.push(new pprof.Sample({ locationId: ids, value, label }));
  }

  return new pprof.Profile({
    sampleType,
    sample: samples,
    location: locations,
    function: functions,
    stringTable: strings,
    periodType: new pprof.ValueType({ type: s("wall"), unit: s("microseconds") }),
    period: metaNumber(p, "interval"),
    durationNanos: metaNumber(p, "duration") * 1000,
    defaultSampleType: p.mode === "memory" ? s("memory") : s("wall"),
    comment: [...p.metadata].map(([k, v]) => s(`${k}: ${v}`)),
  });
}

/** The gzipped `profile.proto` of a profile. */
export function toPprof(p: Profile): Uint8Array {
  return new Uint8Array(gzipSync(pprofProfile(p).encode()));
}
