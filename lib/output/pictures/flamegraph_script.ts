/**
 * The script inside austin-deno's SVG flame graphs (click to zoom, search,
 * Escape to reset), as JavaScript text. The frames are
 * `<g class="f" fg:o=… fg:v=…>` holding a `<title>`, a `<rect>` and a
 * `<text>`; `fg:o` is the frame's offset from the left in metric units and
 * `fg:v` its value, so that zooming is exact. `FG` (the layout constants) is
 * defined by a line the SVG writes before this.
 *
 * @module
 */

/** The flame graph's script; it expects `FG` to be defined before it. */
export const SVG_SCRIPT = String.raw`
var svg, details, matched, unzoomButton, searchButton;
var frames = [];
var zoomed = null;
var searchTerm = null;

function attr(el, name) {
  return el.getAttribute(name);
}

function fit(name, width) {
  var chars = Math.floor((width - 6) / (FG.font * FG.fontWidth));
  if (chars < 3) return "";
  return name.length <= chars ? name : name.slice(0, chars - 2) + "..";
}

function frameOf(el) {
  while (el && el !== svg) {
    if (el.getAttribute && /(^| )f( |$)/.test(el.getAttribute("class") || "")) {
      return frames[+el.getAttribute("fg:i")];
    }
    el = el.parentNode;
  }
  return null;
}

function place(f, x, width) {
  f.rect.setAttribute("x", x.toFixed(2));
  f.rect.setAttribute("width", width.toFixed(2));
  f.text.setAttribute("x", (x + 3).toFixed(2));
  f.text.textContent = fit(f.name, width);
}

function zoom(f) {
  if (typeof f === "number") f = frames[f];
  if (!f) return;
  zoomed = f;
  var end = f.o + f.v;
  for (var i = 0; i < frames.length; i++) {
    var q = frames[i];
    if (q.depth < f.depth && q.o <= f.o && q.o + q.v >= end) {
      place(q, FG.x, FG.width);
      q.g.setAttribute("class", "f parent");
    } else if (q.depth >= f.depth && q.o >= f.o && q.o + q.v <= end) {
      place(q, FG.x + (q.o - f.o) / f.v * FG.width, q.v / f.v * FG.width);
      q.g.setAttribute("class", "f");
    } else {
      q.g.setAttribute("class", "f hide");
    }
  }
  unzoomButton.setAttribute("class", "button");
}

function unzoom() {
  zoomed = null;
  for (var i = 0; i < frames.length; i++) {
    var q = frames[i];
    place(q, q.x, q.width);
    q.g.setAttribute("class", "f");
  }
  unzoomButton.setAttribute("class", "button hide");
}

function literal(term) {
  return new RegExp(term.replace(/[.*+?^{}$()|[\]\\]/g, "\\$&"));
}

function search(term) {
  var re;
  try {
    re = new RegExp(term);
  } catch (e) {
    re = literal(term);
  }
  var spans = [];
  for (var i = 0; i < frames.length; i++) {
    var q = frames[i];
    if (re.test(q.name)) {
      q.rect.setAttribute("fill", FG.highlight);
      spans.push([q.o, q.o + q.v]);
    } else {
      q.rect.setAttribute("fill", q.fill);
    }
  }
  spans.sort(function (a, b) { return a[0] - b[0]; });
  var sum = 0;
  var reach = -Infinity;
  for (var j = 0; j < spans.length; j++) {
    var a = Math.max(spans[j][0], reach);
    if (spans[j][1] > a) {
      sum += spans[j][1] - a;
      reach = spans[j][1];
    }
  }
  var pct = FG.total > 0 ? 100 * sum / FG.total : 0;
  searchTerm = term;
  matched.textContent = "Matched: " + pct.toFixed(2) + "%";
  matched.setAttribute("class", "");
  searchButton.textContent = "Reset Search";
  return pct;
}

function resetSearch() {
  searchTerm = null;
  for (var i = 0; i < frames.length; i++) frames[i].rect.setAttribute("fill", frames[i].fill);
  matched.setAttribute("class", "hide");
  searchButton.textContent = "Search";
}

function searchPrompt() {
  if (searchTerm !== null) {
    resetSearch();
    return;
  }
  var term = prompt("Enter a search term (regexp allowed, e.g. ^main)", "");
  if (term) search(term);
}

function init() {
  svg = document.getElementById("flamegraph");
  details = document.getElementById("details");
  matched = document.getElementById("matched");
  unzoomButton = document.getElementById("unzoom");
  searchButton = document.getElementById("search");
  var gs = document.getElementById("frames").getElementsByTagName("g");
  for (var i = 0; i < gs.length; i++) {
    var g = gs[i];
    var rect = g.getElementsByTagName("rect")[0];
    var title = g.getElementsByTagName("title")[0].textContent;
    g.setAttribute("fg:i", String(i));
    frames.push({
      g: g,
      rect: rect,
      text: g.getElementsByTagName("text")[0],
      title: title,
      name: title.replace(/ \([^()]*\)$/, ""),
      o: +attr(g, "fg:o"),
      v: +attr(g, "fg:v"),
      depth: Math.round((FG.base - +attr(rect, "y")) / FG.frameHeight),
      x: +attr(rect, "x"),
      width: +attr(rect, "width"),
      fill: attr(rect, "fill")
    });
  }
  var layer = document.getElementById("frames");
  layer.addEventListener("mouseover", function (e) {
    var f = frameOf(e.target);
    if (f) details.textContent = "Function: " + f.title;
  });
  layer.addEventListener("mouseout", function () {
    details.textContent = " ";
  });
  layer.addEventListener("click", function (e) {
    var f = frameOf(e.target);
    if (f) zoom(f);
  });
  unzoomButton.addEventListener("click", unzoom);
  searchButton.addEventListener("click", searchPrompt);
  window.addEventListener("keydown", function (e) {
    if ((e.ctrlKey || e.metaKey) && (e.key === "f" || e.key === "F")) {
      e.preventDefault();
      searchPrompt();
    } else if (e.key === "Escape") {
      if (zoomed) unzoom();
      else if (searchTerm !== null) resetSearch();
    }
  });
}

init();
`;
