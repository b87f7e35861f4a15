// Déclarer un retour: scan (camera, USB scanner, image file), supplier reference, BL number with
// live validation and the last 7 days of BLs; then the BLs of a reference and the BL detail.

import { call, on, EVENTS } from "../api.js";
import { t } from "../i18n.js";
import { h, money, date, dialog, toast, errorText } from "../dom.js";
import { icon } from "../icons.js";
import { app, go, showError } from "../main.js";

/** Resolves a scanned or typed code: a BL opens it, a product or reference lists its BLs. */
export async function resolveCode(code) {
  const text = String(code || "").trim();
  if (!text) return;
  toast(t("scanned", text));
  try {
    const found = await call("lookup", { code: text });
    app.lastLookup = found;
    if (found.open_delivery_note || found.kind === "delivery_note") go(`#/bl/${encodeURIComponent(found.open_delivery_note || found.normalized)}`);
    else go(`#/results?code=${encodeURIComponent(found.normalized)}`);
  } catch (error) {
    showError(error);
  }
}

let cameraRunning = false;
let stopFrames = null;

async function stopCamera() {
  if (stopFrames) (await stopFrames)();
  stopFrames = null;
  if (cameraRunning) await call("camera_stop").catch(() => {});
  cameraRunning = false;
}
document.addEventListener("retour:leave", stopCamera);

function scanSection() {
  const preview = h("img", { id: "camera-preview", class: "camera-preview", alt: t("cameraWaiting"), hidden: true });
  const cameraButton = h("button", { id: "camera-toggle", class: "secondary big", type: "button" }, icon("camera"), t("openCamera"));
  cameraButton.addEventListener("click", async () => {
    if (cameraRunning) {
      await stopCamera();
      preview.hidden = true;
      cameraButton.replaceChildren(icon("camera"), t("openCamera"));
      return;
    }
    try {
      stopFrames = on(EVENTS.camera, (frame) => {
        preview.src = `data:image/jpeg;base64,${frame.jpeg_base64 ?? frame.jpeg ?? frame}`;
        preview.hidden = false;
      });
      await call("camera_start", { device: app.info?.camera ?? null });
      cameraRunning = true;
      cameraButton.replaceChildren(icon("close"), t("closeCamera"));
    } catch (error) {
      await stopCamera();
      showError(error);
    }
  });
  const file = h("input", { id: "scan-file", type: "file", accept: "image/*", capture: "environment", class: "visually-hidden" });
  file.addEventListener("change", async () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    try {
      const bytes = Array.from(new Uint8Array(await chosen.arrayBuffer()));
      const reads = await call("scan_image", { bytes });
      const first = Array.isArray(reads) ? reads[0] : reads;
      if (!first) toast(t("noCodeInImage"), "error");
      else await resolveCode(first.text ?? first.code ?? first);
    } catch (error) {
      showError(error);
    } finally {
      file.value = "";
    }
  });
  return h("section", { class: "card scan", "aria-labelledby": "scan-title" },
    h("h2", { id: "scan-title" }, t("scanTitle")),
    h("p", { class: "hint scanner-hint" }, icon("keyboard"), h("span", {}, t("scanHint"))),
    h("div", { class: "row wrap" }, cameraButton,
      h("label", { for: "scan-file", class: "button secondary big", tabindex: "0",
        onkeydown: (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); file.click(); } } }, icon("image"), t("scanImage")), file),
    preview);
}

function referenceSection() {
  const input = h("input", { id: "reference-input", type: "text", autocomplete: "off", autocapitalize: "characters", spellcheck: "false" });
  return h("section", { class: "card", "aria-labelledby": "reference-title" },
    h("h2", { id: "reference-title" }, t("referenceTitle")),
    h("form", { class: "search-row", onsubmit: (e) => { e.preventDefault(); resolveCode(input.value); } },
      h("label", { for: "reference-input" }, t("referenceLabel")),
      h("div", { class: "row" }, input, h("button", { id: "reference-search", class: "primary", type: "submit" }, t("search")))));
}

function blSection() {
  const input = h("input", { id: "bl-input", type: "text", inputmode: "numeric", autocomplete: "off", "aria-describedby": "bl-error bl-hint", "data-desktop-autofocus": "" });
  const error = h("p", { id: "bl-error", class: "field-error", role: "alert" });
  let serial = 0;
  async function validate() {
    const mine = ++serial;
    let message = "";
    if (input.value !== "") {
      try {
        const verdict = await call("validate_bl_number", { input: input.value });
        message = verdict && verdict.message ? verdict.message : "";
      } catch (e) {
        message = errorText(e);
      }
    }
    if (mine !== serial) return false;
    error.textContent = message;
    input.setAttribute("aria-invalid", message ? "true" : "false");
    return !message;
  }
  input.addEventListener("input", validate);
  input.addEventListener("change", validate);
  return h("section", { class: "card", "aria-labelledby": "bl-title" },
    h("h2", { id: "bl-title" }, t("blTitle")),
    h("form", { class: "search-row", onsubmit: async (e) => {
      e.preventDefault();
      if (input.value && (await validate())) go(`#/bl/${encodeURIComponent(input.value)}`);
    } },
      h("div", { class: "label-row" }, h("label", { for: "bl-input" }, t("blLabel")),
        h("button", { id: "bl-help", class: "info-button", type: "button", "aria-label": t("whereIsNumber"), title: t("whereIsNumber"), onclick: blHelp }, "i")),
      h("div", { class: "row" }, input, h("button", { id: "bl-search", class: "primary", type: "submit" }, t("search"))),
      h("p", { id: "bl-hint", class: "hint" }, t("blHint")),
      error));
}

function blHelp() {
  dialog(t("whereIsNumber"), h("img", { class: "bl-help-picture", src: "img/bl-help.svg", alt: t("whereIsNumberText") }), h("p", {}, t("whereIsNumberText")));
}

async function recentSection() {
  const list = h("ul", { id: "recent-bls", class: "bl-list" });
  const section = h("section", { class: "card recent", "aria-labelledby": "recent-title" }, h("h2", { id: "recent-title" }, t("recentTitle")), list);
  try {
    const recent = await call("recent_delivery_notes", { days: 7 });
    const items = recent.items ?? recent;
    if (!items.length) list.append(h("li", { class: "empty" }, t("recentEmpty")));
    for (const bl of items) list.append(blRow(bl.number, bl.delivered_on, bl.total_ht));
  } catch (error) {
    list.append(h("li", { class: "error" }, errorText(error)));
  }
  return section;
}

function blRow(number, deliveredOn, total, extra) {
  return h("li", { class: "bl-row", dataset: { bl: number } },
    h("dl", {},
      h("div", {}, h("dt", {}, t("blNumberShort")), h("dd", { class: "bl-number" }, number)),
      h("div", {}, h("dt", {}, t("deliveryDate")), h("dd", {}, date(deliveredOn))),
      total !== undefined ? h("div", {}, h("dt", {}, t("totalHt")), h("dd", { class: "amount" }, money(total))) : null,
      extra ? h("div", {}, h("dt", {}, ""), h("dd", {}, extra)) : null),
    h("a", { class: "button primary details", href: `#/bl/${encodeURIComponent(number)}` }, t("details")));
}

export async function declareScreen() {
  return h("section", { class: "screen declare" },
    h("h1", { tabindex: "-1" }, t("declareTitle")),
    h("div", { class: "declare-grid" }, scanSection(), referenceSection(), blSection(), await recentSection()));
}

export async function resultsScreen() {
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  const code = params.get("code") || "";
  let found = app.lastLookup;
  if (!found || found.normalized !== code) found = await call("lookup", { code });
  app.lastLookup = found;
  const list = h("ul", { id: "lookup-results", class: "bl-list" });
  if (!found.matches.length) list.append(h("li", { class: "empty" }, t("resultsEmpty")));
  for (const m of found.matches) list.append(blRow(m.number, m.delivered_on, undefined, t("linesMatched", m.line_nos.length)));
  return h("section", { class: "screen results" },
    h("a", { class: "back", href: "#/declare" }, icon("back"), t("back")),
    h("h1", { tabindex: "-1" }, t("resultsTitle"), " ", h("span", { class: "code" }, found.normalized)),
    list);
}

export async function blScreen(number) {
  const bl = await call("delivery_note", { number });
  const preselected = new Set(app.lastLookup?.matches?.find((m) => m.number === bl.number)?.line_nos ?? []);
  const boxes = [];
  const addButton = h("button", { id: "add-to-cart", class: "primary big", type: "button" });
  const allButton = h("button", { id: "select-all", class: "link", type: "button" });
  function refresh() {
    const n = boxes.filter((b) => b.checked).length;
    addButton.textContent = t("addToCart", n);
    addButton.disabled = n === 0;
    const selectable = boxes.filter((b) => !b.disabled);
    allButton.textContent = selectable.length && selectable.every((b) => b.checked) ? t("unselectAll") : t("selectAll");
    allButton.disabled = selectable.length === 0;
  }
  const lines = bl.lines.map((line) => {
    const selectable = line.eligible_qty > 0;
    const box = h("input", { type: "checkbox", id: `line-${line.line_no}`, dataset: { line: line.line_no }, disabled: !selectable,
      checked: selectable && preselected.has(line.line_no), onchange: refresh });
    boxes.push(box);
    return h("li", { class: `bl-line${selectable ? "" : " disabled"}${preselected.has(line.line_no) ? " matched" : ""}` },
      h("label", { for: box.id },
        h("span", { class: "line-text" },
          h("strong", { class: "reference" }, line.reference), " ", h("span", { class: "designation" }, line.designation),
          h("span", { class: "eligible" }, t("eligible", line.eligible_qty, line.returned_qty)),
          selectable ? null : h("span", { class: "muted" }, t("notEligible"))),
        box));
  });
  allButton.addEventListener("click", () => {
    const selectable = boxes.filter((b) => !b.disabled);
    const all = selectable.every((b) => b.checked);
    selectable.forEach((b) => (b.checked = !all));
    refresh();
  });
  addButton.addEventListener("click", async () => {
    const lineNos = boxes.filter((b) => b.checked).map((b) => Number(b.dataset.line));
    addButton.disabled = true;
    try {
      for (const lineNo of lineNos) app.cart = await call("cart_add", { args: { delivery_note: bl.number, line_no: lineNo } });
      toast(t("added", lineNos.length));
      go("#/cart");
    } catch (error) {
      showError(error);
      refresh();
    }
  });
  refresh();
  return h("section", { class: "screen bl-detail" },
    h("a", { class: "back", href: "#/declare" }, icon("back"), t("back")),
    h("h1", { tabindex: "-1" }, t("blDetailTitle")),
    h("p", { class: "bl-head" }, t("blLabel"), " ", h("strong", { id: "bl-number" }, bl.number),
      h("button", { class: "info-button", type: "button", "aria-label": t("whereIsNumber"), onclick: blHelp }, "i"),
      h("span", { class: "muted bl-date" }, t("deliveryDate"), " ", date(bl.delivered_on))),
    h("div", { class: "select-head" }, h("h2", {}, t("selectItems")), allButton),
    h("ul", { id: "bl-lines", class: "bl-lines" }, lines),
    h("div", { class: "sticky-actions" }, addButton));
}
