// Préparer l'enlèvement (PRODUCT.md screen 17, garage side): the files waiting for the driver,
// one QR code for all of them (drawn by the core from rxing's QR writer, built here as an SVG
// without parsing markup, large enough to read at arm's length) and the printable manifest PDF.

import * as commands from "../commands.js";
import { showError } from "../chrome.js";
import { t } from "../i18n/index.js";
import { h, dateTime } from "../dom.js";
import { icon } from "../icons.js";

const SVG = "http://www.w3.org/2000/svg";

/** The QR code as an `<svg>`: a white square with the dark modules' path. */
function qrSvg(qr) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${qr.side} ${qr.side}`);
  svg.setAttribute("shape-rendering", "crispEdges");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", t("pickupQrAlt"));
  svg.setAttribute("id", "pickup-qr");
  const back = document.createElementNS(SVG, "rect");
  back.setAttribute("width", String(qr.side));
  back.setAttribute("height", String(qr.side));
  back.setAttribute("fill", "#fff");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("fill", "#000");
  path.setAttribute("d", qr.path);
  svg.append(back, path);
  return svg;
}

export async function pickupScreen() {
  let pending;
  try {
    pending = await commands.pending_pickup();
  } catch (error) {
    if (error.code !== "nothing_to_pickup") throw error;
    return h("section", { class: "screen pickup" },
      h("a", { class: "back", href: "#/home" }, icon("back"), t("back")),
      h("h1", { tabindex: "-1" }, t("pickupTitle")),
      h("div", { class: "card" }, h("p", { id: "pickup-nothing" }, t("pickupNothing")),
        h("a", { class: "button primary", href: "#/tracking" }, t("track"))));
  }
  const manifest = h("button", { id: "pickup-manifest", class: "secondary", type: "button", onclick: async () => {
    manifest.disabled = true;
    try {
      await commands.open_pickup_manifest();
    } catch (error) {
      showError(error);
    } finally {
      manifest.disabled = false;
    }
  } }, icon("doc"), t("pickupManifest"));
  return h("section", { class: "screen pickup" },
    h("a", { class: "back", href: "#/home" }, icon("back"), t("back")),
    h("h1", { tabindex: "-1" }, t("pickupTitle")),
    h("p", { class: "hint" }, t("pickupIntro")),
    h("figure", { class: "pickup-qr" }, qrSvg(pending.qr),
      h("figcaption", { class: "muted" }, t("pickupValidUntil", dateTime(pending.expires_at)))),
    h("div", { class: "card" },
      h("h2", {}, t("pickupFiles", pending.files.length, pending.pieces)),
      h("ul", { id: "pickup-files", class: "pickup-files" }, pending.files.map((f) => h("li", { dataset: { number: f.number } },
        h("a", { href: `#/tracking/${encodeURIComponent(f.number)}` }, f.number), " ", h("span", { class: "muted" }, t("pieces", f.pieces))))),
      manifest));
}
