// Mode chauffeur (PRODUCT.md screen 17, the driver's side, staff accounts): read the garage's QR
// code (a photo of it, the camera — the native one, else the WebView's on a phone — or a USB
// scanner: every scanner path hands a pickup code here),
// see its files and pieces (read from the code itself, so offline too), enter the parcels and the
// driver's name, confirm. The confirmation is kept on the device with the time of the scan before
// it leaves; offline it waits and is confirmed on reconnection.

import * as commands from "../commands.js";
import { app } from "../state.js";
import { go } from "../router.js";
import { showError } from "../chrome.js";
import { t } from "../i18n/index.js";
import { h, dateTime, toast } from "../dom.js";
import { icon } from "../icons.js";
import { startScanCamera, cameraText } from "../parts/webcam.js";

/** The camera while it films: `{preview, stop}` from `startScanCamera`. */
let camera = null;

async function stopCamera() {
  const open = camera;
  camera = null;
  if (open) await open.stop();
}
document.addEventListener("retour:leave", stopCamera);

const STATE_KEYS = { confirmed: "handoverConfirmed", pending: "handoverPending", refused: "handoverRefused" };

function handoverItem(handover) {
  return h("li", { class: `handover ${handover.state}`, dataset: { state: handover.state } },
    h("strong", {}, t(STATE_KEYS[handover.state] ?? "handoverPending")), " ",
    h("span", {}, t("handoverFacts", dateTime(handover.scanned_at), handover.driver_name, handover.parcels)),
    h("span", { class: "muted" }, " — ", handover.files.map((f) => f.number).join(", ")),
    handover.message ? h("p", { class: "field-error" }, handover.message) : null);
}

/** The scan card: a photo of the QR code, or the camera. */
function scanCard() {
  const file = h("input", { id: "driver-scan-file", type: "file", accept: "image/*", capture: "environment", class: "visually-hidden" });
  file.addEventListener("change", async () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    try {
      const bytes = Array.from(new Uint8Array(await chosen.arrayBuffer()));
      const reads = await commands.scan_bytes(bytes);
      const code = (reads || []).map((r) => r.text).find((text) => String(text).startsWith("RETOUR-PICKUP:"));
      if (!code) return toast(t("driverNoCode"), "error");
      app.pickupCode = code;
      app.lastHandover = null;
      go("#/driver");
    } catch (error) {
      showError(error);
    } finally {
      file.value = "";
    }
  });
  // The native camera, else the WebView's (a phone): the QR code read comes back through
  // resolveCode, which opens this screen with it.
  const problem = h("p", { id: "driver-camera-problem", class: "field-error", role: "alert", hidden: true });
  const previewSlot = h("div", { class: "camera-slot" });
  const button = h("button", { id: "driver-camera", class: "primary big", type: "button" }, icon("camera"), t("driverCamera"));
  const closed = () => button.replaceChildren(icon("camera"), t("driverCamera"));
  button.addEventListener("click", async () => {
    if (camera) {
      await stopCamera();
      closed();
      return;
    }
    problem.hidden = true;
    try {
      camera = await startScanCamera({ onEnd: (message) => {
        camera = null;
        closed();
        problem.textContent = message;
        problem.hidden = false;
      } });
      previewSlot.replaceChildren(camera.preview);
      button.replaceChildren(icon("close"), t("closeCamera"));
      toast(t("driverCameraOn"));
    } catch (error) {
      problem.textContent = cameraText(error);
      problem.hidden = false;
    }
  });
  return h("section", { class: "card scan", "aria-labelledby": "driver-scan-title" },
    h("h2", { id: "driver-scan-title" }, t("driverScanTitle")),
    h("p", { class: "hint" }, t("driverScanHint")),
    problem,
    h("div", { class: "row wrap" }, button,
      h("label", { id: "driver-scan-photo", for: "driver-scan-file", class: "button secondary big", tabindex: "0",
        onkeydown: (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); file.click(); } } }, icon("image"), t("driverScanPhoto")), file),
    previewSlot);
}

/** The scanned code's files, and the form to confirm the handover. */
function confirmCard(scan) {
  const name = h("input", { id: "driver-name", type: "text", autocomplete: "name", maxlength: 80, value: localStorage.getItem("retour.driver") || "" });
  const parcels = h("input", { id: "driver-parcels", type: "number", min: 1, max: 999, inputmode: "numeric", value: "1" });
  const error = h("p", { id: "driver-error", class: "field-error", "aria-live": "polite" });
  const confirm = h("button", { id: "driver-confirm", class: "primary big", type: "submit" }, icon("check"), t("driverConfirm"));
  const form = h("form", { id: "driver-form", novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    error.textContent = "";
    confirm.disabled = true;
    try {
      const done = await commands.confirm_handover({ token: scan.token, driver_name: name.value, parcels: Number(parcels.value) || 0, scanned_at: scan.scanned_at });
      try {
        localStorage.setItem("retour.driver", name.value.trim());
      } catch {
        /* Private mode: typed again next time. */
      }
      app.pickupCode = null;
      app.lastHandover = done;
      go("#/driver");
    } catch (failure) {
      error.textContent = failure.code === "invalid_driver_name" ? t("driverNameError")
        : failure.code === "invalid_parcels" ? t("driverParcelsError") : failure.message;
      confirm.disabled = false;
    }
  } },
    h("div", { class: "field" }, h("label", { for: "driver-parcels" }, t("driverParcels")), parcels),
    h("div", { class: "field" }, h("label", { for: "driver-name" }, t("driverName")), name),
    error, confirm);
  return h("section", { class: "card driver-scan", "aria-labelledby": "driver-files-title" },
    h("h2", { id: "driver-files-title" }, t("driverFiles", scan.files.length, scan.pieces)),
    h("p", { class: "muted" }, t("driverScannedAt", dateTime(scan.scanned_at), scan.customer)),
    h("ul", { id: "driver-files", class: "pickup-files" }, scan.files.map((f) => h("li", { dataset: { number: f.number } }, h("strong", {}, f.number), " ", h("span", { class: "muted" }, t("pieces", f.pieces))))),
    form);
}

export async function driverScreen() {
  let scan = null;
  if (app.pickupCode) {
    try {
      scan = await commands.driver_scan(app.pickupCode);
    } catch (error) {
      app.pickupCode = null;
      showError(error);
    }
  }
  // The last confirmation's notice stays (a language switch renders again) until the next scan.
  const done = scan ? null : app.lastHandover;
  const history = await commands.handovers();
  return h("section", { class: "screen driver" },
    h("h1", { tabindex: "-1" }, t("driverTitle")),
    done ? h("p", { id: "driver-done", class: `notice ${done.state}`, role: "status" }, t(done.state === "confirmed" ? "driverDone" : done.state === "refused" ? "handoverRefused" : "driverQueued", done.files.length)) : null,
    scan ? confirmCard(scan) : scanCard(),
    history.length ? h("section", { class: "card" }, h("h2", {}, t("driverHistory")), h("ul", { id: "driver-history", class: "handovers" }, history.map(handoverItem))) : null);
}
