/**
 * Tests for the HTML flame graph (d3-flame-graph, inlined) and, in headless
 * Chromium driven by playwright-core, for both the HTML page and the SVG
 * flame graph: they render, respond to hovering, searching and zooming, log
 * no errors and load nothing from the network. Screenshots are saved under
 * `tests/artifacts/`. Without `/usr/bin/chromium` the browser tests log
 * "SKIP ..." and pass.
 */

/// <reference lib="dom" />

import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import type { Browser, Page } from "playwright-core";
import { callTree, type FlameNode, MIN_FRACTION, toFlameGraph } from "./flamegraph.ts";
import { ASSETS, embedJson, scriptSafe, toD3Data, toHtml } from "./html.ts";
import { type Frame, type Profile, ProfileBuilder } from "./model.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = new URL("../../../tests/artifacts/", import.meta.url);

// ---------------------------------------------------------------------------
// A profile that looks like a real one: two threads, nested calls, names
// that need escaping (`<module>`, `&`, and a file name with `</script>`).

function sampleProfile(): Profile {
  let seed = 20240611;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) / (1 << 24);
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  const f = (scope: string, filename: string, line: number): Frame => ({ filename, scope, line });
  const work: Frame[] = [
    f("handle_request", "/app/server.py", 42),
    f("parse", "/app/parser.py", 17),
    f("compute", "/app/work.py", 88),
    f("compute", "/app/work.py", 93),
    f("fetch & store", "/app/db.py", 12),
    f("serialize", "/app/json_io.py", 7),
    f("<lambda>", "/app/</script><b>x.py", 3),
    f("<listcomp>", "/app/work.py", 101),
    f("validate", "/app/schema.py", 55),
    f("sleep", "/usr/lib/python3.12/asyncio/tasks.py", 665),
  ];
  const b = new ProfileBuilder();
  b.mode = "wall";
  b.metadata.set("austin", "3.7.0");
  b.metadata.set("mode", "wall");
  for (let i = 0; i < 600; i++) {
    const main = random() < 0.7;
    const frames = main
      ? [f("<module>", "/app/main.py", 1), f("main", "/app/main.py", 30)]
      : [f("_bootstrap", "/usr/lib/python3.12/threading.py", 1012), f("run", "/app/worker.py", 9)];
    const depth = 1 + Math.floor(random() * random() * 9);
    for (let d = 0; d < depth; d++) frames.push(pick(work));
    const key = frames.map((x) => `${x.filename}:${x.scope}:${x.line}`).join(";");
    const tid = main ? 4242 : 4343;
    const time = 100 + Math.floor(random() * 4900);
    b.add(1234, 0, tid, key, () => frames, false, false, time, false, 0);
  }
  b.add(1234, 0, 4343, "", () => [], true, false, 3000, false, 0);
  return b.build();
}

/** The share of the total (%) of the frames matching `re`, nested matches counted once. */
function matchedPercent(root: FlameNode, re: RegExp, minValue = 0): number {
  let sum = 0;
  const walk = (node: FlameNode, found: boolean) => {
    if (node.value < minValue) return;
    const match = re.test(node.name);
    if (match && !found) sum += node.value;
    for (const c of node.children) walk(c, found || match);
  };
  walk(root, false);
  return (100 * sum) / root.value;
}

// ---------------------------------------------------------------------------
// The HTML text

Deno.test("the HTML inlines d3, d3-flame-graph and its CSS, and embeds the data", () => {
  const p = sampleProfile();
  const html = toHtml(p, "Profile <of> app & co");
  const d3 = Deno.readTextFileSync(ASSETS.d3);
  const flamegraph = Deno.readTextFileSync(ASSETS.flamegraph);
  const css = Deno.readTextFileSync(ASSETS.css);
  assert.ok(d3.length > 100_000 && html.includes(d3), "d3 inlined");
  assert.ok(html.includes(flamegraph), "d3-flame-graph inlined");
  assert.ok(html.includes(css), "its CSS inlined");
  assert.match(html, /^<!DOCTYPE html>\n<html lang="en">/);
  assert.match(html, /<title>Profile &lt;of&gt; app &amp; co<\/title>/);
  // Nothing comes from outside.
  assert.doesNotMatch(html, /<script[^>]*\bsrc=/);
  assert.doesNotMatch(html, /<link\b/);
  // The data: d3-flame-graph's hierarchical form, rooted at `all`.
  const m = /<script type="application\/json" id="profile-data">([^<]*)<\/script>/.exec(html);
  assert.ok(m !== null, "data script");
  const data = JSON.parse(m[1]);
  assert.deepEqual(data, toD3Data(p));
  assert.equal(data.name, "all");
  const total = p.records.reduce((n, r) => n + r.time, 0);
  assert.equal(data.value, total);
  assert.deepEqual(data.children?.map((c) => c.name), [
    "P1234 T0:4242",
    "P1234 T0:4343",
  ]);
  // Values include the children's; leaves have no children.
  const check = (node: { value: number; children?: { value: number }[] }) => {
    if (node.children === undefined) return;
    assert.ok(node.children.length > 0);
    assert.ok(node.children.reduce((n, c) => n + c.value, 0) <= node.value);
    node.children.forEach(check);
  };
  check(data);
  // The file name with `</script>` cannot end the data element early.
  assert.ok(m[1].includes("\\u003c/script\\u003e\\u003cb\\u003ex.py"));
  assert.equal(html.split("<script").length - 1, 4);
  assert.equal(html.split("</script>").length - 1, 4);
});

Deno.test("embedded JSON and scripts cannot close their element", () => {
  const value = { name: "</script><!-- & \u2028 \u2029 </SCRIPT>" };
  const text = embedJson(value);
  assert.doesNotMatch(text, /[<>&\u2028\u2029]/);
  assert.deepEqual(JSON.parse(text), value);
  assert.equal(
    scriptSafe('a = "</script>"; b = "<!--"; c = "</SCRIPT"'),
    String.raw`a = "<\/script>"; b = "<\!--"; c = "<\/SCRIPT"`,
  );
  // What scriptSafe leaves is the same JavaScript.
  const js = 'globalThis.__x = ["</script>", "<!--", /<\\/script>/.source];';
  new Function(scriptSafe(js))();
  // deno-lint-ignore no-explicit-any
  assert.deepEqual((globalThis as any).__x, ["</script>", "<!--", "<\\/script>"]);
});

Deno.test("memory profiles are measured in allocated bytes", () => {
  const b = new ProfileBuilder();
  b.mode = "memory";
  const fr = (s: string): Frame[] => [{ filename: "/m.py", scope: s, line: 1 }];
  b.add(1, 0, 2, "a", () => fr("a"), false, false, 0, false, 600);
  b.add(1, 0, 2, "b", () => fr("b"), false, false, 0, false, 200);
  b.add(1, 0, 2, "c", () => fr("c"), false, false, 0, false, -900);
  const data = toD3Data(b.build());
  assert.equal(data.value, 800);
  assert.deepEqual(data.children?.[0].children?.map((c) => [c.name, c.value]), [
    ["a (/m.py:1)", 600],
    ["b (/m.py:1)", 200],
  ]);
  assert.match(toHtml(b.build(), "m"), /widths: allocated memory \(bytes\)/);
});

// ---------------------------------------------------------------------------
// In the browser

const LAUNCH_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

function haveChromium(): boolean {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
}

interface Session {
  page: Page;
  /** Console errors, uncaught exceptions and blocked requests. */
  problems: string[];
}

/** Runs `body` with a fresh page in a fresh headless Chromium; false if there is none. */
async function inBrowser(name: string, body: (s: Session) => Promise<void>): Promise<boolean> {
  if (!haveChromium()) {
    console.log(`SKIP ${name}: ${CHROMIUM} is not installed`);
    return false;
  }
  const started = performance.now();
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    // Offline: anything but the file itself is refused (and reported).
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("file:")) return route.continue();
      problems.push(`request: ${url}`);
      return route.abort();
    });
    await body({ page, problems });
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
  console.log(`${name}: ${((performance.now() - started) / 1000).toFixed(1)} s in Chromium`);
  return true;
}

async function artifact(name: string, text: string): Promise<URL> {
  await Deno.mkdir(ARTIFACTS, { recursive: true });
  const url = new URL(name, ARTIFACTS);
  await Deno.writeTextFile(url, text);
  return url;
}

Deno.test({
  name: "in Chromium: the HTML flame graph renders, hovers, searches and zooms",
  fn: async () => {
    const p = sampleProfile();
    const root = callTree(p);
    const url = await artifact("flamegraph.html", toHtml(p, "austin-deno: sample profile"));
    await inBrowser("HTML flame graph", async ({ page }) => {
      await page.goto(url.href);
      await page.waitForFunction(() =>
        (globalThis as unknown as { flameGraphReady?: boolean }).flameGraphReady === true
      );
      // The root frame is drawn, labelled `all`, across the whole chart.
      const all = page.locator("#chart g.frame", {
        has: page.locator(".d3-flame-graph-label", { hasText: /^all$/ }),
      });
      await all.locator(".d3-flame-graph-label").waitFor({ state: "visible" });
      const svgWidth = Number(await page.locator("#chart svg").getAttribute("width"));
      assert.ok(svgWidth > 1000);
      await page.waitForFunction(
        (w) => {
          const rect = document.querySelector("#chart g.frame[name='all'] rect");
          return rect !== null && Math.abs(Number(rect.getAttribute("width")) - w) < 0.5;
        },
        svgWidth,
      );
      const frames = await page.locator("#chart g.frame").count();
      assert.ok(frames > 50, `${frames} frames`);
      // Names are text, not markup.
      await page.locator("#chart g.frame[name^='<lambda>']").first().waitFor();
      assert.equal(await page.locator("#chart b").count(), 0);
      await page.screenshot({ path: new URL("flamegraph-html.png", ARTIFACTS).pathname });

      // Hovering a thread shows its name, value and percentage.
      const thread = page.locator("#chart g.frame[name='P1234 T0:4242']");
      await thread.hover();
      const tip = page.locator(".d3-flame-graph-tip");
      await tip.waitFor({ state: "visible" });
      const t1 = root.children[0];
      const pct = (100 * t1.value / root.value).toFixed(2);
      assert.match(
        await tip.textContent() ?? "",
        new RegExp(`^P1234 T0:4242 \\(.* µs, .* ${pct}%\\)`),
      );
      assert.match(await page.locator("#details").textContent() ?? "", /^P1234 T0:4242 /);

      // Searching highlights the matches and shows their share.
      await page.locator("#term").fill("^compute ");
      const expected = matchedPercent(root, /^compute /).toFixed(2);
      await page.waitForFunction(() => document.querySelector("#matched")?.textContent !== "");
      assert.match(
        await page.locator("#matched").textContent() ?? "",
        new RegExp(`\\(${expected}%\\)$`),
      );
      await page.waitForFunction(() =>
        [...document.querySelectorAll("#chart g.frame rect")].some((r) =>
          r.getAttribute("fill")?.toUpperCase() === "#E600E6"
        )
      );
      await page.screenshot({ path: new URL("flamegraph-html-search.png", ARTIFACTS).pathname });
      await page.locator("#clear").click();
      assert.equal(await page.locator("#matched").textContent(), "");

      // Clicking a frame zooms to it.
      await thread.click({ position: { x: 5, y: 5 } });
      await page.waitForFunction((w) => {
        const rect = document.querySelector("#chart g.frame[name='P1234 T0:4242'] rect");
        return rect !== null && Math.abs(Number(rect.getAttribute("width")) - w) < 0.5;
      }, svgWidth);
      await page.locator("#reset").click();
      await page.waitForFunction((w) => {
        const rect = document.querySelector("#chart g.frame[name='P1234 T0:4242'] rect");
        return rect !== null && Number(rect.getAttribute("width")) < w - 1;
      }, svgWidth);
    });
  },
});

Deno.test({
  name: "in Chromium: the SVG flame graph renders, hovers, searches and zooms",
  fn: async () => {
    const p = sampleProfile();
    const root = callTree(p);
    const url = await artifact("flamegraph.svg", toFlameGraph(p, "austin-deno: sample profile"));
    await inBrowser("SVG flame graph", async ({ page }) => {
      await page.goto(url.href);
      // An XML error would give a parser error page instead of the graph.
      assert.equal(await page.locator("parsererror").count(), 0);
      const rootFrame = await page.evaluate(() => {
        const g = document.querySelector("#frames > g")!;
        const rect = g.querySelector("rect")!;
        const box = rect.getBoundingClientRect();
        return {
          title: g.querySelector("title")!.textContent,
          label: g.querySelector("text")!.textContent,
          width: rect.getAttribute("width"),
          visible: box.width > 1000 && box.height > 10,
        };
      });
      assert.match(rootFrame.title ?? "", /^all \(.* µs, 601 samples, 100\.00%\)$/);
      assert.equal(rootFrame.label, "all");
      assert.equal(rootFrame.width, "1180.00");
      assert.ok(rootFrame.visible);
      const functions = await page.evaluate(() => {
        const g = globalThis as unknown as Record<string, unknown>;
        return ["zoom", "unzoom", "search", "resetSearch", "searchPrompt"].map((f) => typeof g[f]);
      });
      assert.deepEqual(functions, Array(5).fill("function"));
      await page.screenshot({ path: new URL("flamegraph-svg.png", ARTIFACTS).pathname });

      // Hovering shows the frame in the details line.
      const thread = page.locator("#frames > g", {
        has: page.locator("title", { hasText: /^P1234 T0:4343 / }),
      });
      await thread.locator("rect").hover();
      assert.match(
        await page.locator("#details").textContent() ?? "",
        /^Function: P1234 T0:4343 \(.* µs, .* samples, \d+\.\d\d%\)$/,
      );

      // Search, through the control and its prompt.
      page.once("dialog", (d) => d.accept("^compute "));
      await page.locator("#search").click();
      const expected = matchedPercent(root, /^compute /, root.value * MIN_FRACTION);
      const matched = await page.locator("#matched").textContent();
      assert.equal(matched, `Matched: ${expected.toFixed(2)}%`);
      const highlighted = await page.locator("#frames rect[fill='rgb(230,0,230)']").count();
      assert.ok(highlighted > 0);
      assert.equal(await page.locator("#search").textContent(), "Reset Search");

      // Clicking zooms: the frame spans the width, its parents too (faded), others hide.
      await thread.locator("rect").click({ position: { x: 3, y: 3 } });
      assert.equal(await thread.locator("rect").getAttribute("width"), "1180.00");
      assert.equal(await page.locator("#unzoom").getAttribute("class"), "button");
      const other = page.locator("#frames > g", {
        has: page.locator("title", { hasText: /^P1234 T0:4242 / }),
      });
      assert.equal(await other.getAttribute("class"), "f hide");
      const allFrame = page.locator("#frames > g").first();
      assert.equal(await allFrame.getAttribute("class"), "f parent");
      await page.screenshot({ path: new URL("flamegraph-svg-zoom.png", ARTIFACTS).pathname });

      // Reset Zoom and Reset Search put everything back.
      await page.locator("#unzoom").click();
      assert.equal(await other.getAttribute("class"), "f");
      assert.equal(await page.locator("#unzoom").getAttribute("class"), "button hide");
      await page.locator("#search").click();
      assert.equal(await page.locator("#frames rect[fill='rgb(230,0,230)']").count(), 0);
      assert.equal(await page.locator("#matched").getAttribute("class"), "hide");
      // search() is also callable and returns the percentage.
      const pct = await page.evaluate(() =>
        (globalThis as unknown as { search(t: string): number }).search("^parse ")
      );
      const parse = matchedPercent(root, /^parse /, root.value * MIN_FRACTION);
      assert.ok(Math.abs(pct - parse) < 1e-9, `${pct} vs ${parse}`);
    });
  },
});
