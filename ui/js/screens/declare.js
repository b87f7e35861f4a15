// Déclarer un retour: scan (camera, USB scanner, image file), supplier reference, BL number with
// live validation and the last 7 days of BLs. A camera refused, missing, busy or lost while
// filming (the native camera's `camera-lost` event, the WebView track's end) closes the preview
// and says so in the scan card with the ways forward: type the BL number, or a photo. `?focus=`
// `bl`, `reference` or `scan` brings that part forward (the error screens' ways back).

import * as commands from "../commands.js";
import { on, EVENTS } from "../api.js";
import { app } from "../state.js";
import { go, query } from "../router.js";
import { showError } from "../chrome.js";
import { t } from "../i18n/index.js";
import { h, toast, errorText } from "../dom.js";
import { icon } from "../icons.js";
import { resolveCode } from "../parts/resolve-code.js";
import { blRow, blHelp } from "../parts/delivery-note.js";
import { useWebcam, startWebcam, cameraText } from "../parts/webcam.js";

let cameraRunning = false;
let stopFrames = null;
let stopLost = null;
let webcam = null;

async function stopCamera() {
  if (webcam) webcam.stop();
  webcam = null;
  if (stopFrames) (await stopFrames)();
  stopFrames = null;
  if (stopLost) (await stopLost)();
  stopLost = null;
  if (cameraRunning) {
    try {
      await commands.camera_stop();
    } catch (error) {
      showError(error);
    }
  }
  cameraRunning = false;
}
document.addEventListener("retour:leave", stopCamera);

/**
 * The camera's trouble, in the scan card: what happened and the ways forward (type the BL
 * number; a photo, whose button is right below). Stays until the camera is opened again.
 */
function cameraProblem() {
  const text = h("p", { id: "camera-problem-text" });
  const box = h("div", { id: "camera-problem", class: "problem camera-problem", role: "alert", hidden: true },
    h("p", { class: "problem-title" }, t("cameraProblemTitle")), text,
    h("div", { class: "row wrap" },
      h("button", { id: "camera-type-number", class: "secondary", type: "button", onclick: () => {
        const input = document.getElementById("bl-input");
        input?.scrollIntoView({ block: "center" });
        input?.focus();
      } }, icon("keyboard"), t("typeBlNumber"))));
  return {
    box,
    show(message) {
      text.textContent = message;
      box.hidden = false;
    },
    hide() {
      box.hidden = true;
    },
  };
}

function scanSection() {
  const preview = h("img", { id: "camera-preview", class: "camera-preview", alt: t("cameraWaiting"), hidden: true });
  const cameraButton = h("button", { id: "camera-toggle", class: "secondary big", type: "button" }, icon("camera"), t("openCamera"));
  const problem = cameraProblem();
  const closed = () => cameraButton.replaceChildren(icon("camera"), t("openCamera"));
  // The camera stopped without being asked: no frozen preview, the reason and what to do.
  const lost = async (message) => {
    await stopCamera();
    preview.hidden = true;
    preview.removeAttribute("src");
    closed();
    problem.show(message);
  };
  cameraButton.addEventListener("click", async () => {
    if (cameraRunning || webcam) {
      await stopCamera();
      preview.hidden = true;
      closed();
      return;
    }
    problem.hide();
    try {
      if (await useWebcam()) {
        webcam = await startWebcam({
          onRead: (read) => resolveCode(read.text),
          onEnd: (message) => { webcam = null; lost(message); },
        });
        preview.after(webcam.preview);
        cameraButton.replaceChildren(icon("close"), t("closeCamera"));
        return;
      }
      stopFrames = on(EVENTS.camera, (frame) => {
        preview.src = `data:image/jpeg;base64,${frame.jpeg_base64 ?? frame.jpeg ?? frame}`;
        preview.hidden = false;
      });
      stopLost = on(EVENTS.cameraLost, (error) => lost(cameraText(error)));
      await commands.camera_start(app.info?.camera ?? null);
      cameraRunning = true;
      cameraButton.replaceChildren(icon("close"), t("closeCamera"));
    } catch (error) {
      await lost(error?.code === "webcam" ? errorText(error) : cameraText(error));
    }
  });
  const file = h("input", { id: "scan-file", type: "file", accept: "image/*", capture: "environment", class: "visually-hidden" });
  file.addEventListener("change", async () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    try {
      const bytes = Array.from(new Uint8Array(await chosen.arrayBuffer()));
      const reads = await commands.scan_bytes(bytes);
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
    problem.box,
    h("div", { class: "row wrap" }, cameraButton,
      h("label", { for: "scan-file", class: "button secondary big", tabindex: "0",
        onkeydown: (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); file.click(); } } }, icon("image"), t("scanImage")), file),
    preview);
}

function referenceSection() {
  const input = h("input", { id: "reference-input", type: "text", autocomplete: "off", autocapitalize: "characters", spellcheck: "false" });
  return h("section", { class: "card", "aria-labelledby": "reference-title" },
    h("h2", { id: "reference-title" }, t("referenceTitle")),
    h("form", { class: "search-row", onsubmit: (e) => { e.preventDefault(); resolveCode(input.value, { typed: true }); } },
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
        const verdict = await commands.validate_bl_number(input.value);
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

async function recentSection() {
  const list = h("ul", { id: "recent-bls", class: "bl-list" });
  const section = h("section", { class: "card recent", "aria-labelledby": "recent-title" }, h("h2", { id: "recent-title" }, t("recentTitle")), list);
  try {
    const recent = await commands.delivery_notes(7);
    const items = recent.items ?? recent;
    if (!items.length) list.append(h("li", { class: "empty" }, t("recentEmpty")));
    for (const bl of items) list.append(blRow(bl.number, bl.delivered_on, bl.total_ht));
  } catch (error) {
    list.append(h("li", { class: "error" }, errorText(error)));
  }
  return section;
}

/** The parts `?focus=` can bring forward, by the element that takes the focus. */
const FOCUS = { bl: "#bl-input", reference: "#reference-input", scan: "#camera-toggle" };

export async function declareScreen() {
  const node = h("section", { class: "screen declare" },
    h("h1", { tabindex: "-1" }, t("declareTitle")),
    h("div", { class: "declare-grid" }, scanSection(), referenceSection(), blSection(), await recentSection()));
  const target = node.querySelector(FOCUS[query().get("focus")] || "#none");
  if (target) {
    // The router focuses it (on a phone too: the user asked to type); then it is scrolled to.
    node.querySelectorAll("[data-desktop-autofocus]").forEach((e) => e.removeAttribute("data-desktop-autofocus"));
    target.setAttribute("data-autofocus", "");
    requestAnimationFrame(() => target.scrollIntoView({ block: "center" }));
  }
  return node;
}
