// Line icons drawn as inline SVG (no icon font, no emoji: they render the same on every platform).

const NS = "http://www.w3.org/2000/svg";

const PATHS = {
  camera: "M4 8h3l2-3h6l2 3h3v11H4z M12 10.5a3.5 3.5 0 1 0 0 7 3.5 3.5 0 0 0 0-7z",
  image: "M4 5h16v14H4z M4 16l5-5 4 4 3-3 4 4 M15.5 8.5h.01",
  cart: "M3 4h2l2.5 11h11L21 7H6.2 M9 20h.01 M18 20h.01",
  plus: "M12 5v14 M5 12h14",
  search: "M10.5 4a6.5 6.5 0 1 0 0 13 6.5 6.5 0 0 0 0-13z M15.5 15.5L21 21",
  trash: "M4 7h16 M9 7V4h6v3 M6 7l1 13h10l1-13 M10 11v6 M14 11v6",
  save: "M5 4h11l3 3v13H5z M8 4v5h7V4 M8 20v-6h8v6",
  eye: "M2 12s3.5-6 10-6 10 6 10 6-3.5 6-10 6S2 12 2 12z M12 9a3 3 0 1 0 0 6 3 3 0 0 0 0-6z",
  gear: "M4 6h9 M17 6h3 M15 4v4 M4 12h3 M11 12h9 M9 10v4 M4 18h11 M19 18h1 M17 16v4",
  doc: "M6 3h8l4 4v14H6z M14 3v4h4 M9 12h6 M9 16h6",
  check: "M4 12.5l5 5L20 6.5",
  sync: "M20 11a8 8 0 0 0-14.3-4.9L4 8 M4 4v4h4 M4 13a8 8 0 0 0 14.3 4.9L20 16 M20 20v-4h-4",
  keyboard: "M3 6h18v12H3z M7 10h.01 M11 10h.01 M15 10h.01 M7 14h10",
  close: "M6 6l12 12 M18 6L6 18",
  back: "M15 5l-7 7 7 7",
  bell: "M6 16V11a6 6 0 0 1 12 0v5l2 2H4z M10 20a2 2 0 0 0 4 0",
  truck: "M3 6h11v10H3z M14 10h4l3 3v3h-7 M7 19a2 2 0 1 0 0-4 2 2 0 0 0 0 4z M17 19a2 2 0 1 0 0-4 2 2 0 0 0 0 4z",
  euro: "M17 6.5a6.5 6.5 0 1 0 0 11 M4 10h9 M4 14h9",
  recycle: "M7 19H4l3.5-6 M4 19l2-3.5 M10 5l1.5-2.5L15 8 M15 8h-4 M20 15l-1.5 4H12 M12 19l2 2.5 M19 11.5L15 8",
  chart: "M4 20V4 M4 20h16 M8 16v-5 M12 16V7 M16 16v-3",
  download: "M12 4v11 M7 10l5 5 5-5 M5 20h14",
  wifiOff: "M3 3l18 18 M8.5 16.5a5 5 0 0 1 7 0 M5 13a10 10 0 0 1 5-2.7 M2 9.5a15 15 0 0 1 5.5-3.2 M12 20h.01",
};

/** An icon element of the given name (decorative: hidden from screen readers). */
export function icon(name, size = 24) {
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", String(size));
  svg.setAttribute("height", String(size));
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", `icon-svg icon-${name}`);
  const path = document.createElementNS(NS, "path");
  path.setAttribute("d", PATHS[name] || "");
  svg.append(path);
  return svg;
}
