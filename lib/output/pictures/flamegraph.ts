/**
 * A self-contained interactive SVG flame graph, in the manner of Brendan
 * Gregg's `flamegraph.pl`, made from an aggregated {@link Profile}.
 *
 * The call tree merges the stacks of all threads: the root `all`, then one
 * node per thread, `P<pid> T<iid>:<tid>`, then the frames, outermost first,
 * each named `scope (file:line)`. Like Austin's collapsed lines, a failed
 * walk adds an `:INVALID:` node right below its thread and a sample taken
 * while the GC was collecting adds a `:GC:` node on top of its stack.
 *
 * Widths are proportional to the profile's metric ({@link flameMetric}): the
 * time (µs) of the samples in the `wall`, `cpu` and `full` modes (in `full`
 * mode that includes the idle time) and the allocated bytes (sum of the
 * positive memory deltas) in `memory` mode. A profile whose metric is zero
 * everywhere is drawn by sample counts instead. Frames narrower than 0.1 % of
 * the total are omitted.
 *
 * The embedded script (ECMAScript in a CDATA section, no external
 * resources) shows a frame's name, value, sample count and percentage in
 * the details line at the bottom when it is hovered (every frame also has a
 * `<title>` tooltip), zooms to a frame when it is clicked ("Reset Zoom" or
 * Escape undoes it) and, from "Search" (or Ctrl+F), highlights the frames
 * whose names match a regular expression and shows their share of the total
 * ("Matched: x %"; nested matches count once, omitted frames not at all).
 * The functions `zoom(frame)`, `unzoom()`, `search(regex)` (returning the
 * matched percentage) and `resetSearch()` are globals of the document.
 *
 * @module
 */

import type { Mode } from "../../sample.ts";
import { type Profile, type StackRecord, threadName } from "./model.ts";
import { SVG_SCRIPT } from "./flamegraph_script.ts";

/** A node of the merged call tree; `value` includes the children's. */
export interface FlameNode {
  name: string;
  /** The metric summed over the node's samples (see {@link flameMetric}). */
  value: number;
  /** The number of samples. */
  samples: number;
  /** Sorted by name; nodes of value 0 are left out. */
  children: FlameNode[];
}

/** What the widths measure. */
export interface FlameMetric {
  /** `"µs"`, `"bytes"` or `"samples"`. */
  unit: string;
  /** What `unit` measures, for captions: `"time"`, `"allocated memory"` or `"samples"`. */
  label: string;
  /** The metric of one record. */
  of(record: StackRecord): number;
}

/** The metric of a mode: time for wall/cpu/full, allocated bytes for memory. */
export function modeMetric(mode: Mode): FlameMetric {
  return mode === "memory"
    ? { unit: "bytes", label: "allocated memory", of: (r) => r.allocated }
    : { unit: "µs", label: "time", of: (r) => r.time };
}

/** The metric of a profile: its mode's, or sample counts when that is zero everywhere. */
export function flameMetric(p: Profile): FlameMetric {
  const metric = modeMetric(p.mode);
  if (p.records.some((r) => metric.of(r) > 0)) return metric;
  return { unit: "samples", label: "samples", of: (r) => r.count };
}

interface BuildNode {
  name: string;
  value: number;
  samples: number;
  children: Map<string, BuildNode>;
}

function child(parent: BuildNode, name: string, value: number, samples: number): BuildNode {
  let node = parent.children.get(name);
  if (node === undefined) {
    node = { name, value: 0, samples: 0, children: new Map() };
    parent.children.set(name, node);
  }
  node.value += value;
  node.samples += samples;
  return node;
}

function freeze(node: BuildNode): FlameNode {
  const children = [...node.children.values()]
    .filter((c) => c.value > 0)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map(freeze);
  return { name: node.name, value: node.value, samples: node.samples, children };
}

/** The merged call tree of all threads, rooted at `all`, measured with `metric`. */
export function callTree(p: Profile, metric: FlameMetric = flameMetric(p)): FlameNode {
  const root: BuildNode = { name: "all", value: 0, samples: 0, children: new Map() };
  for (const r of p.records) {
    const value = metric.of(r);
    root.value += value;
    root.samples += r.count;
    let node = child(root, threadName(r), value, r.count);
    if (r.invalid) node = child(node, ":INVALID:", value, r.count);
    for (const f of r.frames) {
      node = child(node, `${f.scope} (${f.filename}:${f.line})`, value, r.count);
    }
    if (r.gc) child(node, ":GC:", value, r.count);
  }
  return freeze(root);
}

// ---------------------------------------------------------------------------
// SVG

/** Image width, side padding, frame height and font size (px). */
const WIDTH = 1200;
const XPAD = 10;
const FRAME_HEIGHT = 16;
const FONT_SIZE = 12;
/** Average glyph width of Verdana, in ems (as flamegraph.pl). */
const FONT_WIDTH = 0.59;
/** Above the frames: the title, the caption and the controls. */
const TOP = 56;
/** Below the frames: the details line. */
const BOTTOM = 34;
/** Frames narrower than this fraction of the total are omitted. */
export const MIN_FRACTION = 0.001;

/** The characters XML 1.0 forbids: C0 controls but tab and newlines, lone surrogates, U+FFFE/F. */
const NOT_XML =
  // deno-lint-ignore no-control-regex -- these are the characters being matched
  /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The XML text of `s`: markup escaped, characters XML forbids replaced by U+FFFD. */
export function xmlEscape(s: string): string {
  return s
    .replace(NOT_XML, "\uFFFD")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** `n` with thousands separators. */
function thousands(n: number): string {
  return n.toLocaleString("en-US", { maximumFractionDigits: 2 });
}

/** A warm colour from a hash (FNV-1a) of the name, as flamegraph.pl's "hot" palette. */
export function warmColour(name: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  const v1 = (h & 0xff) / 255;
  const v2 = ((h >>> 8) & 0xff) / 255;
  const v3 = ((h >>> 16) & 0xff) / 255;
  const r = 205 + Math.round(50 * v3);
  const g = Math.round(230 * v1);
  const b = Math.round(55 * v2);
  return `rgb(${r},${g},${b})`;
}

/** The label that fits in `width` px: the name, or its start and "..", or nothing. */
export function fitLabel(name: string, width: number): string {
  const chars = Math.floor((width - 6) / (FONT_SIZE * FONT_WIDTH));
  if (chars < 3) return "";
  return name.length <= chars ? name : name.slice(0, chars - 2) + "..";
}

/** The percentage of `value` in `total`, two decimals. */
function percent(value: number, total: number): string {
  return (total > 0 ? (100 * value) / total : 0).toFixed(2);
}

/** The tooltip of a frame: `name (value unit, n samples, p%)`. */
function tooltip(node: FlameNode, total: number, metric: FlameMetric): string {
  const value = metric.unit === "samples" ? "" : `${thousands(node.value)} ${metric.unit}, `;
  const samples = `${thousands(node.samples)} sample${node.samples === 1 ? "" : "s"}`;
  return `${node.name} (${value}${samples}, ${percent(node.value, total)}%)`;
}

const STYLE = `
  text { font-family: Verdana, sans-serif; font-size: ${FONT_SIZE}px; fill: rgb(0,0,0); }
  #title { text-anchor: middle; font-size: ${FONT_SIZE + 5}px; }
  #caption { text-anchor: middle; fill: rgb(96,96,96); }
  #matched { text-anchor: end; }
  .button { cursor: pointer; fill: rgb(0,0,160); }
  .button:hover { text-decoration: underline; }
  .f { cursor: pointer; }
  .f text { pointer-events: none; }
  .f:hover rect { stroke: rgb(0,0,0); stroke-width: 0.5; }
  .parent { opacity: 0.5; }
  .hide { display: none; }
`;

/** Renders the profile as a self-contained interactive SVG flame graph. */
export function toFlameGraph(p: Profile, title: string): string {
  const metric = flameMetric(p);
  const root = callTree(p, metric);
  const total = root.value;
  const plotWidth = WIDTH - 2 * XPAD;
  const minValue = total * MIN_FRACTION;

  // The frames that are drawn, with their depth and offset.
  const drawn: { node: FlameNode; depth: number; offset: number }[] = [];
  let maxDepth = 0;
  const stack: { node: FlameNode; depth: number; offset: number }[] = [
    { node: root, depth: 0, offset: 0 },
  ];
  while (stack.length > 0) {
    const item = stack.pop()!;
    drawn.push(item);
    if (item.depth > maxDepth) maxDepth = item.depth;
    let offset = item.offset;
    const next: typeof stack = [];
    for (const c of item.node.children) {
      if (c.value >= minValue) next.push({ node: c, depth: item.depth + 1, offset });
      offset += c.value;
    }
    for (let i = next.length - 1; i >= 0; i--) stack.push(next[i]);
  }

  const height = TOP + (maxDepth + 1) * FRAME_HEIGHT + BOTTOM;
  const base = height - BOTTOM - FRAME_HEIGHT;
  const out: string[] = [];
  out.push(
    `<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n`,
    `<svg version="1.1" id="flamegraph" width="${WIDTH}" height="${height}" ` +
      `viewBox="0 0 ${WIDTH} ${height}" xmlns="http://www.w3.org/2000/svg" ` +
      `xmlns:xlink="http://www.w3.org/1999/xlink" ` +
      `xmlns:fg="urn:x-austin-deno:flamegraph">\n`,
    `<defs><linearGradient id="background" y1="0" y2="1" x1="0" x2="0">` +
      `<stop stop-color="#eeeeee" offset="5%"/><stop stop-color="#eeeeb0" offset="95%"/>` +
      `</linearGradient></defs>\n`,
    `<style type="text/css"><![CDATA[${STYLE}]]></style>\n`,
    `<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="url(#background)"/>\n`,
    `<text id="title" x="${WIDTH / 2}" y="${FONT_SIZE * 2}">${xmlEscape(title)}</text>\n`,
  );
  const caption = `mode: ${p.mode} · widths: ${metric.label} (${metric.unit}) · total: ` +
    (metric.unit === "samples" ? "" : `${thousands(total)} ${metric.unit} in `) +
    `${thousands(root.samples)} samples`;
  out.push(
    `<text id="caption" x="${WIDTH / 2}" y="${FONT_SIZE * 2 + 18}">${xmlEscape(caption)}</text>\n`,
    `<text id="unzoom" class="button hide" x="${XPAD}" y="${FONT_SIZE * 2}">Reset Zoom</text>\n`,
    `<text id="search" class="button" x="${WIDTH - XPAD - 100}" y="${
      FONT_SIZE * 2
    }">Search</text>\n`,
    `<text id="details" x="${XPAD}" y="${height - BOTTOM / 2}"> </text>\n`,
    `<text id="matched" class="hide" x="${WIDTH - XPAD}" y="${height - BOTTOM / 2}"> </text>\n`,
    `<g id="frames">\n`,
  );
  for (const { node, depth, offset } of drawn) {
    const x = XPAD + (total > 0 ? (offset / total) * plotWidth : 0);
    const width = total > 0 ? (node.value / total) * plotWidth : plotWidth;
    const y = base - depth * FRAME_HEIGHT;
    out.push(
      `<g class="f" fg:o="${offset}" fg:v="${node.value}">` +
        `<title>${xmlEscape(tooltip(node, total, metric))}</title>` +
        `<rect x="${x.toFixed(2)}" y="${y}" width="${width.toFixed(2)}" ` +
        `height="${FRAME_HEIGHT - 1}" rx="2" ry="2" fill="${warmColour(node.name)}"/>` +
        `<text x="${(x + 3).toFixed(2)}" y="${y + FRAME_HEIGHT - 4.5}">` +
        `${xmlEscape(fitLabel(node.name, width))}</text></g>\n`,
    );
  }
  out.push(`</g>\n`);
  const constants = {
    x: XPAD,
    width: plotWidth,
    font: FONT_SIZE,
    fontWidth: FONT_WIDTH,
    frameHeight: FRAME_HEIGHT,
    base,
    total,
    highlight: "rgb(230,0,230)",
  };
  const script = `"use strict";\nvar FG = ${JSON.stringify(constants)};\n${SVG_SCRIPT}`;
  if (script.includes("]]>")) throw new Error("flame graph script contains ']]>'");
  out.push(`<script type="text/ecmascript"><![CDATA[\n${script}]]></script>\n`, `</svg>\n`);
  return out.join("");
}
