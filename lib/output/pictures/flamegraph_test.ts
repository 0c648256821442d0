/**
 * Tests for the SVG flame graph: well-formed XML (checked by a small parser
 * written here), the embedded script, widths proportional to the metric,
 * escaping, the omission of tiny frames, and the `austin2flamegraph`
 * converter.
 */

import assert from "node:assert/strict";
import { parseAustin } from "../text/reader.ts";
import {
  callTree,
  fitLabel,
  MIN_FRACTION,
  toFlameGraph,
  warmColour,
  xmlEscape,
} from "./flamegraph.ts";
import { type Frame, type Profile, ProfileBuilder } from "./model.ts";
import type { Mode } from "../../sample.ts";

// ---------------------------------------------------------------------------
// A small XML parser: throws on anything that is not well-formed.

interface XmlElement {
  name: string;
  attrs: Map<string, string>;
  children: (XmlElement | string)[];
}

const NAME = /^[A-Za-z_:][A-Za-z0-9_:.-]*/;
const PREDEFINED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function isXmlChar(c: number): boolean {
  return c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) ||
    (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

/** Text with its references replaced; throws on a bad reference or a bare `<`. */
function decode(text: string, where: number): string {
  if (text.includes("<")) throw new Error(`'<' in text or attribute at ${where}`);
  return text.replace(/&([^;]*);?/g, (all, ref: string) => {
    if (!all.endsWith(";")) throw new Error(`unterminated reference at ${where}`);
    if (/^#[0-9]+$/.test(ref) || /^#x[0-9a-fA-F]+$/.test(ref)) {
      const code = ref[1] === "x" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (!isXmlChar(code)) throw new Error(`reference to a bad character at ${where}`);
      return String.fromCodePoint(code);
    }
    const value = PREDEFINED[ref];
    if (value === undefined) throw new Error(`unknown entity &${ref}; at ${where}`);
    return value;
  });
}

/** Parses a whole XML document; returns its root element. */
function parseXml(text: string): XmlElement {
  for (const ch of text) {
    if (!isXmlChar(ch.codePointAt(0)!)) throw new Error(`bad character U+${ch.codePointAt(0)}`);
  }
  let at = 0;
  const skipSpace = () => {
    while (at < text.length && " \t\r\n".includes(text[at])) at++;
  };
  const expect = (s: string) => {
    if (!text.startsWith(s, at)) throw new Error(`expected ${JSON.stringify(s)} at ${at}`);
    at += s.length;
  };
  const until = (end: string): string => {
    const i = text.indexOf(end, at);
    if (i < 0) throw new Error(`missing ${JSON.stringify(end)} after ${at}`);
    const body = text.slice(at, i);
    at = i + end.length;
    return body;
  };
  const name = (): string => {
    const m = NAME.exec(text.slice(at, at + 200));
    if (m === null) throw new Error(`expected a name at ${at}`);
    at += m[0].length;
    return m[0];
  };
  const misc = () => {
    for (;;) {
      skipSpace();
      if (text.startsWith("<!--", at)) {
        at += 4;
        if (until("-->").includes("--")) throw new Error(`'--' in a comment before ${at}`);
      } else if (text.startsWith("<?", at)) {
        at += 2;
        if (name().toLowerCase() === "xml") throw new Error(`misplaced XML declaration`);
        until("?>");
      } else return;
    }
  };

  const scopes: Map<string, string>[] = [new Map([["xml", "xml"]])];
  const declared = (prefix: string) => scopes.some((s) => s.has(prefix));
  const element = (): XmlElement => {
    expect("<");
    const el: XmlElement = { name: name(), attrs: new Map(), children: [] };
    for (;;) {
      const before = at;
      skipSpace();
      if (text.startsWith("/>", at) || text[at] === ">") break;
      if (at === before) throw new Error(`expected a space before an attribute at ${at}`);
      const key = name();
      skipSpace();
      expect("=");
      skipSpace();
      const quote = text[at];
      if (quote !== '"' && quote !== "'") throw new Error(`unquoted attribute at ${at}`);
      at++;
      const start = at;
      const raw = until(quote);
      if (el.attrs.has(key)) throw new Error(`duplicate attribute ${key} at ${start}`);
      el.attrs.set(key, decode(raw, start));
    }
    const scope = new Map<string, string>();
    for (const [key, value] of el.attrs) {
      if (key.startsWith("xmlns:")) scope.set(key.slice(6), value);
    }
    scopes.push(scope);
    for (const n of [el.name, ...[...el.attrs.keys()].filter((k) => !k.startsWith("xmlns"))]) {
      const colon = n.indexOf(":");
      if (colon >= 0 && !declared(n.slice(0, colon))) {
        throw new Error(`undeclared namespace prefix in ${n}`);
      }
    }
    if (text.startsWith("/>", at)) {
      at += 2;
      scopes.pop();
      return el;
    }
    expect(">");
    for (;;) {
      const lt = text.indexOf("<", at);
      if (lt < 0) throw new Error(`unclosed <${el.name}>`);
      if (lt > at) {
        const raw = text.slice(at, lt);
        if (raw.includes("]]>")) throw new Error(`']]>' in text at ${at}`);
        el.children.push(decode(raw, at));
        at = lt;
      }
      if (text.startsWith("</", at)) {
        at += 2;
        const end = name();
        if (end !== el.name) throw new Error(`</${end}> closes <${el.name}> at ${at}`);
        skipSpace();
        expect(">");
        scopes.pop();
        return el;
      } else if (text.startsWith("<!--", at)) {
        at += 4;
        if (until("-->").includes("--")) throw new Error(`'--' in a comment before ${at}`);
      } else if (text.startsWith("<![CDATA[", at)) {
        at += 9;
        el.children.push(until("]]>"));
      } else if (text.startsWith("<?", at)) {
        at += 2;
        name();
        until("?>");
      } else if (text.startsWith("<!", at)) {
        throw new Error(`unexpected declaration at ${at}`);
      } else {
        el.children.push(element());
      }
    }
  };

  if (text.startsWith("<?xml", at)) {
    at += 5;
    const decl = until("?>");
    if (!/^\s+version\s*=\s*["']1\.[0-9]["']/.test(decl)) throw new Error("bad XML declaration");
  }
  misc();
  if (text.startsWith("<!DOCTYPE", at)) {
    const decl = until(">");
    if (decl.includes("[")) throw new Error("internal DTD subsets are not supported here");
  }
  misc();
  const root = element();
  misc();
  if (at !== text.length) throw new Error(`content after the root element at ${at}`);
  return root;
}

function elements(el: XmlElement, name: string, out: XmlElement[] = []): XmlElement[] {
  if (el.name === name) out.push(el);
  for (const c of el.children) if (typeof c !== "string") elements(c, name, out);
  return out;
}

function textOf(el: XmlElement): string {
  return el.children.map((c) => typeof c === "string" ? c : textOf(c)).join("");
}

function byId(root: XmlElement, id: string): XmlElement {
  const found: XmlElement[] = [];
  const walk = (el: XmlElement) => {
    if (el.attrs.get("id") === id) found.push(el);
    for (const c of el.children) if (typeof c !== "string") walk(c);
  };
  walk(root);
  assert.equal(found.length, 1, `one element with id ${id}`);
  return found[0];
}

/** A drawn frame of the SVG. */
interface Drawn {
  name: string;
  title: string;
  x: number;
  y: number;
  width: number;
  label: string;
  fill: string;
}

/** The frames of a flame graph SVG, parsed. */
function framesOf(svg: string): Drawn[] {
  const root = parseXml(svg);
  const layer = byId(root, "frames");
  return layer.children.filter((c): c is XmlElement => typeof c !== "string").map((g) => {
    assert.equal(g.name, "g");
    const [title] = elements(g, "title");
    const [rect] = elements(g, "rect");
    const [text] = elements(g, "text");
    const full = textOf(title);
    return {
      name: full.replace(/ \([^()]*\)$/, ""),
      title: full,
      x: Number(rect.attrs.get("x")),
      y: Number(rect.attrs.get("y")),
      width: Number(rect.attrs.get("width")),
      label: textOf(text),
      fill: rect.attrs.get("fill")!,
    };
  });
}

// ---------------------------------------------------------------------------
// Profiles

function frame(scope: string, filename = "/app/main.py", line = 1): Frame {
  return { filename, scope, line };
}

interface Sample {
  tid?: number;
  frames: Frame[];
  time?: number;
  memory?: number;
  invalid?: boolean;
  gc?: boolean;
}

function profile(samples: Sample[], mode: Mode = "wall"): Profile {
  const b = new ProfileBuilder();
  b.mode = mode;
  for (const s of samples) {
    const key = s.frames.map((f) => `${f.filename}:${f.scope}:${f.line}`).join(";");
    b.add(
      42,
      0,
      s.tid ?? 7,
      key,
      () => s.frames,
      s.invalid ?? false,
      s.gc ?? false,
      s.time ?? 0,
      false,
      s.memory ?? 0,
    );
  }
  return b.build();
}

const PLOT_WIDTH = 1180;
/** The widths are written with two decimals. */
const ROUNDING = 0.005 + 1e-9;

function label(scope: string, filename = "/app/main.py", line = 1): string {
  return `${scope} (${filename}:${line})`;
}

function find(frames: Drawn[], name: string): Drawn {
  const found = frames.filter((f) => f.name === name);
  assert.equal(found.length, 1, `one frame named ${name}`);
  return found[0];
}

// ---------------------------------------------------------------------------
// Tests

Deno.test("the XML checker itself rejects what is not well-formed", () => {
  const bad = [
    "<a><b></a></b>",
    "<a>x & y</a>",
    '<a b="1" b="2"/>',
    "<a>&nbsp;</a>",
    '<a b="<"/>',
    "<a/><b/>",
    "<a>\u0001</a>",
    "<p:a/>",
    "<a><![CDATA[x]]></a>]]>",
    "<a>",
  ];
  for (const text of bad) assert.throws(() => parseXml(text), Error, text);
  const ok = parseXml(
    '<?xml version="1.0"?>\n<a xmlns:p="u" p:x="&lt;&#65;&#x42;"><![CDATA[<&>]]>t&amp;</a>\n',
  );
  assert.equal(ok.attrs.get("p:x"), "<AB");
  assert.equal(textOf(ok), "<&>t&");
});

Deno.test("the SVG is well-formed XML with an embedded script", () => {
  const p = profile([
    { frames: [frame("<module>"), frame("main", "/app/main.py", 10)], time: 300 },
    { frames: [frame("<module>")], time: 100 },
  ]);
  const svg = toFlameGraph(p, "Flame <Graph> & co");
  const root = parseXml(svg);
  assert.equal(root.name, "svg");
  assert.equal(root.attrs.get("xmlns"), "http://www.w3.org/2000/svg");
  assert.equal(textOf(byId(root, "title")), "Flame <Graph> & co");
  const scripts = elements(root, "script");
  assert.equal(scripts.length, 1);
  assert.equal(scripts[0].attrs.get("type"), "text/ecmascript");
  assert.match(svg, /<script type="text\/ecmascript"><!\[CDATA\[/);
  const code = textOf(scripts[0]);
  for (const fn of ["zoom", "unzoom", "search", "resetSearch", "searchPrompt", "init"]) {
    assert.match(code, new RegExp(`function ${fn}\\(`), fn);
  }
  // The script is valid ECMAScript.
  new Function(code);
  // Controls and details line.
  assert.equal(textOf(byId(root, "unzoom")), "Reset Zoom");
  assert.equal(textOf(byId(root, "search")), "Search");
  byId(root, "details");
  byId(root, "matched");
  // No external resources.
  assert.doesNotMatch(svg, /(href|src)="(https?:|\/\/)/);
  assert.doesNotMatch(svg, /@import|url\((?!#)/);
});

Deno.test("the call tree: root, threads, frames, :INVALID: and :GC:", () => {
  const p = profile([
    { tid: 1, frames: [frame("a"), frame("b")], time: 10 },
    { tid: 1, frames: [frame("a"), frame("b")], time: 5 },
    { tid: 1, frames: [frame("a")], time: 5, gc: true },
    { tid: 2, frames: [], time: 3, invalid: true },
    { tid: 2, frames: [frame("c", "/x.py", 3)], time: 7, invalid: true },
  ]);
  const root = callTree(p);
  assert.equal(root.name, "all");
  assert.equal(root.value, 30);
  assert.equal(root.samples, 5);
  assert.deepEqual(root.children.map((c) => [c.name, c.value, c.samples]), [
    ["P42 T0:1", 20, 3],
    ["P42 T0:2", 10, 2],
  ]);
  const a = root.children[0].children[0];
  assert.equal(a.name, label("a"));
  assert.deepEqual(a.children.map((c) => [c.name, c.value]), [[":GC:", 5], [label("b"), 15]]);
  const invalid = root.children[1].children[0];
  assert.equal(invalid.name, ":INVALID:");
  assert.deepEqual(invalid.children.map((c) => [c.name, c.value]), [[label("c", "/x.py", 3), 7]]);
});

Deno.test("rectangle widths are proportional to the time of the samples", () => {
  const samples: Sample[] = [
    { tid: 1, frames: [frame("<module>"), frame("main", "/app/main.py", 5)], time: 4000 },
    { tid: 1, frames: [frame("<module>"), frame("main", "/app/main.py", 6)], time: 2500 },
    { tid: 1, frames: [frame("<module>"), frame("main", "/app/main.py", 5)], time: 1500 },
    { tid: 1, frames: [frame("<module>")], time: 700 },
    { tid: 2, frames: [frame("run", "/app/t.py", 9), frame("work", "/app/t.py", 2)], time: 1300 },
  ];
  const p = profile(samples);
  const frames = framesOf(toFlameGraph(p, "t"));
  const total = 10000;
  const expected: [string, number][] = [
    ["all", total],
    ["P42 T0:1", 8700],
    ["P42 T0:2", 1300],
    [label("<module>"), 8700],
    [label("main", "/app/main.py", 5), 5500],
    [label("main", "/app/main.py", 6), 2500],
    [label("run", "/app/t.py", 9), 1300],
    [label("work", "/app/t.py", 2), 1300],
  ];
  assert.equal(frames.length, expected.length);
  const all = find(frames, "all");
  assert.equal(all.width, PLOT_WIDTH);
  assert.equal(all.x, 10);
  for (const [name, value] of expected) {
    const f = find(frames, name);
    assert.ok(
      Math.abs(f.width - (value / total) * PLOT_WIDTH) <= ROUNDING,
      `${name}: ${f.width} for ${value}`,
    );
    // Ratios to the root's width, within the rounding of both.
    assert.ok(Math.abs(f.width / all.width - value / total) <= 2 * ROUNDING / all.width);
    assert.match(f.title, new RegExp(`\\(${value.toLocaleString("en-US")} µs, `));
    assert.ok(f.title.endsWith(`, ${(100 * value / total).toFixed(2)}%)`), f.title);
  }
  // Siblings are laid side by side, sorted by name; children start where their parent does.
  const t1 = find(frames, "P42 T0:1");
  const t2 = find(frames, "P42 T0:2");
  assert.ok(Math.abs(t2.x - (t1.x + t1.width)) <= 2 * ROUNDING);
  const m5 = find(frames, label("main", "/app/main.py", 5));
  const m6 = find(frames, label("main", "/app/main.py", 6));
  assert.equal(m5.x, find(frames, label("<module>")).x);
  assert.ok(Math.abs(m6.x - (m5.x + m5.width)) <= 2 * ROUNDING);
  // Deeper frames are higher up: the threads one row above the root, and so on.
  assert.equal(all.y - t1.y, 16);
  assert.equal(t1.y - m5.y, 16 * 2);
  // The sample counts are in the tooltips.
  assert.match(find(frames, label("main", "/app/main.py", 5)).title, /, 2 samples, 55\.00%\)$/);
  assert.match(find(frames, "P42 T0:2").title, /, 1 sample, 13\.00%\)$/);
});

Deno.test("the widths of a profile read from Austin's text match its metric sums", () => {
  const text = [
    "# austin: 3.7.0",
    "# interval: 100",
    "# mode: cpu",
    "",
    "P1;T0:11;/a.py:<module>:1;/a.py:f:2;/a.py:g:3 120",
    "P1;T0:11;/a.py:<module>:1;/a.py:f:2 80",
    "P1;T0:11;/a.py:<module>:1;/a.py:f:2;/a.py:g:3 100",
    "P1;T0:12;/b.py:loop:7 300",
    "P2;T0:13;:INVALID: 400",
    "",
    "# duration: 1000",
    "",
  ].join("\n");
  const frames = framesOf(toFlameGraph(parseAustin(text), "austin"));
  const sums: Record<string, number> = {
    "all": 1000,
    "P1 T0:11": 300,
    "P1 T0:12": 300,
    "P2 T0:13": 400,
    ":INVALID:": 400,
    [label("<module>", "/a.py", 1)]: 300,
    [label("f", "/a.py", 2)]: 300,
    [label("g", "/a.py", 3)]: 220,
    [label("loop", "/b.py", 7)]: 300,
  };
  assert.equal(frames.length, Object.keys(sums).length);
  for (const [name, value] of Object.entries(sums)) {
    const f = find(frames, name);
    assert.ok(Math.abs(f.width - (value / 1000) * PLOT_WIDTH) <= ROUNDING, name);
  }
});

Deno.test("memory mode measures allocated bytes; a zero metric falls back to samples", () => {
  const p = profile([
    { frames: [frame("alloc")], memory: 3000 },
    { frames: [frame("alloc")], memory: -500 },
    { frames: [frame("grow")], memory: 1000 },
    { frames: [frame("free")], memory: -4000 },
  ], "memory");
  const frames = framesOf(toFlameGraph(p, "m"));
  assert.deepEqual(frames.map((f) => f.name).sort(), [
    "P42 T0:7",
    "all",
    label("alloc"),
    label("grow"),
  ]);
  assert.ok(Math.abs(find(frames, label("alloc")).width - 0.75 * PLOT_WIDTH) <= ROUNDING);
  assert.ok(Math.abs(find(frames, label("grow")).width - 0.25 * PLOT_WIDTH) <= ROUNDING);
  assert.match(find(frames, label("alloc")).title, /\(3,000 bytes, 2 samples, 75\.00%\)$/);

  const frees = profile([
    { frames: [frame("a")], memory: -10 },
    { frames: [frame("a")], memory: -10 },
    { frames: [frame("b")], memory: -10 },
  ], "memory");
  const byCount = framesOf(toFlameGraph(frees, "f"));
  const a = find(byCount, label("a"));
  assert.ok(Math.abs(a.width - (2 / 3) * PLOT_WIDTH) <= ROUNDING);
  assert.match(a.title, /\(2 samples, 66\.67%\)$/);
});

Deno.test("full mode measures time, idle included", () => {
  const b = new ProfileBuilder();
  b.mode = "full";
  b.add(1, 0, 1, "x", () => [frame("busy")], false, false, 300, false, 100);
  b.add(1, 0, 1, "y", () => [frame("idle")], false, false, 100, true, -100);
  const frames = framesOf(toFlameGraph(b.build(), "full"));
  assert.ok(Math.abs(find(frames, label("busy")).width - 0.75 * PLOT_WIDTH) <= ROUNDING);
  assert.ok(Math.abs(find(frames, label("idle")).width - 0.25 * PLOT_WIDTH) <= ROUNDING);
});

Deno.test("names are escaped for XML", () => {
  const nasty = [
    frame("<module>", "/app/a&b.py", 1),
    frame('say "hi"', "/app/it's.py", 2),
    frame("]]></script><script>alert(1)</script>", "/app/<x>.py", 3),
    frame("ctl\u0001\u0008char\ud800", "/app/ü ☃ 😀.py", 4),
  ];
  const p = profile([{ frames: nasty, time: 100 }]);
  const svg = toFlameGraph(p, "a & <b>");
  const frames = framesOf(svg);
  assert.equal(frames.length, 2 + nasty.length);
  find(frames, label("<module>", "/app/a&b.py", 1));
  find(frames, label('say "hi"', "/app/it's.py", 2));
  find(frames, label("]]></script><script>alert(1)</script>", "/app/<x>.py", 3));
  find(frames, label("ctl\ufffd\ufffdchar\ufffd", "/app/ü ☃ 😀.py", 4));
  assert.ok(!svg.includes("<module>"));
  assert.ok(!svg.includes("a&b"));
  // The script element is the only one in the document.
  assert.equal(svg.split("<script").length, 2);
  assert.equal(xmlEscape(`<a href="x">&'`), "&lt;a href=&quot;x&quot;&gt;&amp;&apos;");
});

Deno.test("frames narrower than 0.1 % of the total are omitted, with their children", () => {
  const p = profile([
    { frames: [frame("big"), frame("child")], time: 99_850 },
    { frames: [frame("a_small"), frame("inner")], time: 50 },
    { frames: [frame("enough"), frame("inner")], time: 100 },
  ]);
  assert.equal(MIN_FRACTION, 0.001);
  const frames = framesOf(toFlameGraph(p, "tiny"));
  const names = frames.map((f) => f.name);
  assert.ok(!names.includes(label("a_small")));
  assert.equal(names.filter((n) => n === label("inner")).length, 1);
  const enough = find(frames, label("enough"));
  assert.ok(Math.abs(enough.width - 0.001 * PLOT_WIDTH) <= ROUNDING);
  // The omitted frame (first by name) still counts: the next sibling starts after its share.
  const big = find(frames, label("big"));
  assert.ok(Math.abs(big.x - (10 + 0.0005 * PLOT_WIDTH)) <= ROUNDING);
  assert.equal(find(frames, "all").width, PLOT_WIDTH);
});

Deno.test("labels are truncated to fit their frames", () => {
  const long = "a_rather_long_function_name_that_cannot_fit";
  const p = profile([
    { frames: [frame(long)], time: 30 },
    { frames: [frame("x")], time: 970 },
  ]);
  const frames = framesOf(toFlameGraph(p, "labels"));
  const f = find(frames, label(long));
  // 35.4 px: (35.4 - 6) / (12 * 0.59) → 4 characters.
  assert.equal(f.label, "a_..");
  assert.equal(find(frames, label("x")).label, label("x"));
  assert.equal(fitLabel("abcdef", 20), "");
  assert.equal(fitLabel("abcdef", 6 + 7.08 * 6), "abcdef");
  assert.equal(fitLabel("abcdefgh", 6 + 7.08 * 6), "abcd..");
});

Deno.test("colours are warm and depend on the name only", () => {
  for (const name of ["all", "main (/a.py:1)", "<module> (/b.py:2)", "", "x"]) {
    const m = /^rgb\((\d+),(\d+),(\d+)\)$/.exec(warmColour(name));
    assert.ok(m !== null);
    const [r, g, b] = m.slice(1).map(Number);
    assert.ok(r >= 205 && r <= 255 && g <= 230 && b <= 55, `${name}: ${warmColour(name)}`);
    assert.equal(warmColour(name), warmColour(name));
  }
  assert.notEqual(warmColour("main"), warmColour("helper"));
});

Deno.test("an empty profile is a well-formed graph with only the root", () => {
  const frames = framesOf(toFlameGraph(profile([]), "empty"));
  assert.equal(frames.length, 1);
  assert.equal(frames[0].name, "all");
  assert.equal(frames[0].width, PLOT_WIDTH);
});

// ---------------------------------------------------------------------------
// The converter

const CLI = new URL("../../cli/austin2flamegraph.ts", import.meta.url).pathname;

async function convert(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

Deno.test("austin2flamegraph converts Austin's text to an SVG flame graph", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const input = `${dir}/profile.austin`;
    await Deno.writeTextFile(
      input,
      "# austin: 3.7.0\n# interval: 100\n# mode: wall\n\n" +
        "P5;T0:6;/m.py:<module>:1;/m.py:f:2 750\nP5;T0:6;/m.py:<module>:1 250\n\n" +
        "# duration: 1000\n",
    );
    const ok = await convert(input, `${dir}/out.svg`);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stderr, "");
    const svg = await Deno.readTextFile(`${dir}/out.svg`);
    const frames = framesOf(svg);
    assert.ok(Math.abs(find(frames, label("f", "/m.py", 2)).width - 0.75 * PLOT_WIDTH) < 0.01);
    assert.match(svg, /Flame Graph: profile\.austin/);

    await Deno.writeTextFile(`${dir}/bad.austin`, "# mode: wall\n\nP5;T0:6;/m.py:f:2 oops\n");
    const bad = await convert(`${dir}/bad.austin`, `${dir}/bad.svg`);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^austin2flamegraph: line 3: .+\n$/);
    await assert.rejects(Deno.stat(`${dir}/bad.svg`));

    const missing = await convert(`${dir}/missing.austin`, `${dir}/x.svg`);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr.split("\n").length, 2);

    // Without an output file, the SVG goes to stdout.
    const piped = await convert(input);
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stdout, svg);

    const usage = await convert();
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /^usage: austin2flamegraph \[-h\] \[-V\] input \[output\]\n/);
    assert.equal((await convert("--bogus", input)).code, 2);
    const help = await convert("-h");
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^usage: austin2flamegraph/);
    const version = await convert("-V");
    assert.match(version.stdout, /^austin2flamegraph \d+\.\d+\.\d+\n$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
