/**
 * A single offline HTML page with an interactive flame graph drawn by the npm
 * package `d3-flame-graph` (5.x) on `d3` (7.x).
 *
 * Both libraries' JavaScript and d3-flame-graph's CSS are inlined, so the
 * page needs no network. They are read at run time from `node_modules/`,
 * relative to this module (`import.meta.url`); a binary made with
 * `deno compile` must therefore embed them:
 *
 * ```sh
 * deno compile -A --include node_modules/d3/dist/d3.min.js \
 *   --include node_modules/d3-flame-graph/dist/d3-flamegraph.umd.min.js \
 *   --include node_modules/d3-flame-graph/dist/d3-flamegraph.css --output austin main.ts
 * ```
 *
 * The profile is embedded as JSON in d3-flame-graph's hierarchical form
 * `{name, value, children}` (plus `samples`, the sample count), rooted at
 * `all`, with the same call tree and metric as the SVG flame graph (see
 * {@link callTree} and {@link flameMetric}: time in µs for wall/cpu/full,
 * allocated bytes for memory). The page has a search box (regular
 * expression; matching frames are highlighted and their share shown), a
 * tooltip and a details line for the hovered frame, and click-to-zoom with a
 * "Reset Zoom" button.
 *
 * @module
 */

import { callTree, type FlameMetric, flameMetric, type FlameNode } from "./flamegraph.ts";
import type { Profile } from "./model.ts";

/** The inlined files, relative to this module. */
export const ASSETS = {
  d3: new URL("../../../node_modules/d3/dist/d3.min.js", import.meta.url),
  flamegraph: new URL(
    "../../../node_modules/d3-flame-graph/dist/d3-flamegraph.umd.min.js",
    import.meta.url,
  ),
  css: new URL("../../../node_modules/d3-flame-graph/dist/d3-flamegraph.css", import.meta.url),
} as const;

let cache: { d3: string; flamegraph: string; css: string } | undefined;

function read(url: URL): string {
  try {
    return Deno.readTextFileSync(url);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new Error(
      `cannot read ${url.pathname} (npm ci installs it; deno compile needs --include): ${reason}`,
    );
  }
}

/** The libraries' text, read once. */
function assets(): { d3: string; flamegraph: string; css: string } {
  cache ??= { d3: read(ASSETS.d3), flamegraph: read(ASSETS.flamegraph), css: read(ASSETS.css) };
  return cache;
}

/** Text for a `<script>` element: nothing in it can close the element or open a comment. */
export function scriptSafe(js: string): string {
  return js.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

/** Text for a `<style>` element. */
function styleSafe(css: string): string {
  return css.replace(/<\/(style)/gi, "<\\/$1");
}

/** HTML text. */
function htmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** d3-flame-graph's data: `{name, value, samples, children}`, leaves without children. */
export interface D3FlameNode {
  name: string;
  value: number;
  samples: number;
  children?: D3FlameNode[];
}

function d3Node(node: FlameNode): D3FlameNode {
  const out: D3FlameNode = { name: node.name, value: node.value, samples: node.samples };
  if (node.children.length > 0) out.children = node.children.map(d3Node);
  return out;
}

/** The profile's call tree in d3-flame-graph's form, rooted at `all`. */
export function toD3Data(p: Profile, metric: FlameMetric = flameMetric(p)): D3FlameNode {
  return d3Node(callTree(p, metric));
}

/**
 * JSON that can sit in an HTML `<script>` element: `<`, `>`, `&` and the
 * line separators are written as `\u` escapes, which `JSON.parse` reads back.
 */
export function embedJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

// The page's own script. `PAGE` (unit and mode) is defined before it.
const PAGE_SCRIPT = String.raw`
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("profile-data").textContent);
  var total = data.value;
  var chartElement = document.getElementById("chart");
  var details = document.getElementById("details");
  var matched = document.getElementById("matched");
  var format = d3.format(",");

  function pct(v) {
    return (total > 0 ? 100 * v / total : 0).toFixed(2) + "%";
  }

  function describe(d) {
    var value = PAGE.unit === "samples" ? "" : format(d.data.value) + " " + PAGE.unit + ", ";
    var n = d.data.samples;
    return d.data.name + " (" + value + format(n) + (n === 1 ? " sample, " : " samples, ") +
      pct(d.data.value) + ")";
  }

  var tip = flamegraph.tooltip.defaultFlamegraphTooltip().text(describe);
  var chart = flamegraph.default()
    .width(Math.max(320, chartElement.clientWidth))
    .cellHeight(18)
    .transitionDuration(300)
    .minFrameSize(1)
    .title("")
    .tooltip(tip)
    .label(describe)
    .setDetailsElement(details)
    .setSearchHandler(function (results, sum, totalValue) {
      matched.textContent = "Matched: " + format(sum) + " " + PAGE.unit + " of " +
        format(totalValue) + " (" + (totalValue > 0 ? 100 * sum / totalValue : 0).toFixed(2) +
        "%)";
    });

  d3.select(chartElement).datum(data).call(chart);

  function literal(term) {
    return term.replace(/[.*+?^{}$()|[\]\\]/g, "\\$&");
  }

  var input = document.getElementById("term");
  function search() {
    var term = input.value;
    if (!term) {
      clear();
      return;
    }
    try {
      new RegExp(term);
    } catch (e) {
      term = literal(term);
    }
    chart.search(term);
  }
  input.addEventListener("input", search);
  document.getElementById("search-form").addEventListener("submit", function (e) {
    e.preventDefault();
    search();
  });
  function clear() {
    matched.textContent = "";
    chart.clear();
  }
  document.getElementById("clear").addEventListener("click", function () {
    input.value = "";
    clear();
  });
  document.getElementById("reset").addEventListener("click", function () {
    chart.resetZoom();
  });
  window.flameGraphChart = chart;
  window.flameGraphReady = true;
})();
`;

const PAGE_STYLE = `
  body { font-family: Verdana, sans-serif; margin: 16px; background: #fafafa; }
  h1 { font-size: 20px; margin: 0 0 4px 0; }
  #caption { color: #606060; font-size: 13px; margin-bottom: 10px; }
  #controls { display: flex; gap: 8px; align-items: center; margin-bottom: 8px; }
  #term { width: 320px; padding: 3px 6px; }
  #matched { font-size: 13px; color: #800080; }
  #details { min-height: 1.4em; font-size: 13px; margin-top: 6px; color: #303030; }
  #chart { width: 100%; }
  .d3-flame-graph-label { font-family: Verdana, "DejaVu Sans", sans-serif; }
`;

/** Renders the profile as one offline HTML page with a d3-flame-graph flame graph. */
export function toHtml(p: Profile, title: string): string {
  const lib = assets();
  const metric = flameMetric(p);
  const data = toD3Data(p, metric);
  const caption = `mode: ${p.mode} · widths: ${metric.label} (${metric.unit}) · total: ` +
    (metric.unit === "samples" ? "" : `${data.value.toLocaleString("en-US")} ${metric.unit} in `) +
    `${data.samples.toLocaleString("en-US")} samples`;
  const page = { unit: metric.unit, mode: p.mode };
  return [
    `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">\n`,
    `<title>${htmlEscape(title)}</title>\n`,
    `<style>\n${styleSafe(lib.css)}\n</style>\n<style>${PAGE_STYLE}</style>\n`,
    `</head>\n<body>\n`,
    `<h1>${htmlEscape(title)}</h1>\n<div id="caption">${htmlEscape(caption)}</div>\n`,
    `<form id="search-form" autocomplete="off"><div id="controls">`,
    `<input id="term" type="search" placeholder="Search (regular expression)">`,
    `<button id="clear" type="button">Clear</button>`,
    `<button id="reset" type="button">Reset Zoom</button><span id="matched"></span></div></form>\n`,
    `<div id="chart"></div>\n<div id="details"></div>\n`,
    `<script type="application/json" id="profile-data">${embedJson(data)}</script>\n`,
    `<script>\n${scriptSafe(lib.d3)}\n</script>\n`,
    `<script>\n${scriptSafe(lib.flamegraph)}\n</script>\n`,
    `<script>\nvar PAGE = ${embedJson(page)};\n${PAGE_SCRIPT}</script>\n`,
    `</body>\n</html>\n`,
  ].join("");
}
