// Charts drawn by the UI as SVG (no library): horizontal bars, one row per item, the label and
// the figures as text beside each bar (readable at 390 px and by screen readers; the bars
// themselves are decoration).

import { h } from "../dom.js";

const NS = "http://www.w3.org/2000/svg";

/** One bar: `share` of the width (0…1), in an SVG that stretches to its row. */
function bar(share) {
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", "0 0 100 10");
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", "bar");
  const track = document.createElementNS(NS, "rect");
  track.setAttribute("width", "100");
  track.setAttribute("height", "10");
  track.setAttribute("class", "bar-track");
  const fill = document.createElementNS(NS, "rect");
  fill.setAttribute("width", String(Math.max(share * 100, share > 0 ? 1.5 : 0)));
  fill.setAttribute("height", "10");
  fill.setAttribute("class", "bar-fill");
  svg.append(track, fill);
  return svg;
}

/**
 * A bar chart: `rows` of `{label, value, text}` (`value` a count that sizes the bar, `text` what
 * is written beside it), under a title.
 */
export function barChart(id, title, rows) {
  const max = Math.max(1, ...rows.map((r) => r.value));
  return h("figure", { class: "chart", id },
    h("figcaption", {}, title),
    h("ul", { class: "chart-rows" }, rows.map((r) => h("li", { class: "chart-row" },
      h("span", { class: "chart-label" }, r.label),
      bar(r.value / max),
      h("span", { class: "chart-value" }, r.text)))));
}
