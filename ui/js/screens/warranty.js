// Garantie: a warranty claim on one BL line (PRODUCT.md screen 16). The form is saved as a draft
// on the device at every change and checked by the core with the domain's rules: each field shows
// its message once it holds something (French from the core; English by field and code here);
// "Envoyer" on an incomplete claim shows every field's message instead of sending. Photos of the part and of the fitting invoice go through the photo machinery; a PDF invoice is a tile (icon, name, size), not a thumbnail.
// "Scanner le VIN" reads the windscreen's or door pillar's label (Code 39 or Data Matrix) with
// the app's scanner paths: a photo, the camera (native, else the WebView's), a USB scanner —
// every code scanned while the form is shown goes to the VIN field. The core keeps the VIN in
// it (`vin_from_scan`) or says "Ce code n'est pas un VIN : …" and leaves the field alone.

import * as commands from "../commands.js";
import { go } from "../router.js";
import { showError } from "../chrome.js";
import { t, language } from "../i18n/index.js";
import { h, date, toast, errorText } from "../dom.js";
import { icon } from "../icons.js";
import { thumbnail } from "../parts/photos.js";
import { captureScans } from "../parts/resolve-code.js";
import { startScanCamera, cameraText } from "../parts/webcam.js";

/** The camera filming the VIN label, and the end of the form's scan capture. */
let camera = null;
let releaseScans = null;

async function leave() {
  releaseScans?.();
  releaseScans = null;
  const open = camera;
  camera = null;
  if (open) await open.stop();
}
document.addEventListener("retour:leave", leave);

/** The fields of the form, in order: key, input type, extra attributes. */
const FIELDS = [
  ["qty", "number", { min: 1, inputmode: "numeric" }],
  ["vin", "text", { autocapitalize: "characters", autocomplete: "off", spellcheck: "false", maxlength: 40 }],
  ["registration", "text", { autocapitalize: "characters", autocomplete: "off", maxlength: 20 }],
  ["vehicle", "text", { maxlength: 100 }],
  ["fitted_on", "date", {}],
  ["fitted_km", "text", { inputmode: "numeric" }],
  ["failed_on", "date", {}],
  ["failed_km", "text", { inputmode: "numeric" }],
  ["symptom", "textarea", { rows: 4, maxlength: 2000 }],
];

/** An issue in the interface's language: the core's French, else English by field and code. */
function issueText(issue) {
  if (language() === "fr") return issue.message;
  const key = `warrantyIssue_${issue.field}_${issue.code}`;
  const byField = t(key);
  return byField !== undefined ? byField : t(`warrantyIssue_${issue.code}`) ?? t("warrantyIssueGeneric");
}

export async function warrantyScreen(number, lineNo) {
  let view = await commands.warranty_form(number, Number(lineNo));
  const draft = { ...view.draft };
  const inputs = {};
  const errors = {};
  const sendButton = h("button", { id: "warranty-send", class: "primary big", type: "button" }, t("warrantySend"));
  const savedNote = h("p", { id: "warranty-saved", class: "muted", "aria-live": "polite" });
  const photoLists = {};

  // A field says what is wrong once it has something in it or was typed in: a new form is not
  // all red. The pictures always say what they need.
  const touched = new Set(["qty", "photos", "documents"]);
  const shown = (key) => touched.has(key) || String(draft[key] ?? "").trim() !== "";

  function show(next) {
    view = next;
    for (const key of Object.keys(errors)) {
      const all = [...view.issues, ...view.warnings];
      const issue = shown(key) ? all.find((i) => i.field === key) : undefined;
      errors[key].textContent = issue ? issueText(issue) : "";
      errors[key].classList.toggle("warning", Boolean(issue && !view.issues.includes(issue)));
      inputs[key]?.setAttribute("aria-invalid", String(Boolean(issue && view.issues.includes(issue))));
    }
    for (const [kind, list] of Object.entries(photoLists)) fillPhotos(kind, list);
    sendButton.dataset.ready = String(view.can_send);
    savedNote.textContent = view.saved_at ? t("warrantyDraftSaved") : "";
  }

  /** Saves the typed fields. The pictures are the core's add and remove (a save keeps them), and
   * the ones shown stay the last add's or remove's answer: this save may have crossed one. */
  async function saveDraft() {
    const saved = await commands.save_warranty_draft({ ...draft, photos: view.draft.photos, documents: view.draft.documents });
    show({ ...saved, draft: { ...saved.draft, photos: view.draft.photos, documents: view.draft.documents }, pdfs: view.pdfs });
  }

  let timer = null;
  function changed() {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      try {
        await saveDraft();
      } catch (error) {
        showError(error);
      }
    }, 200);
  }

  function field([key, type, extra]) {
    const id = `warranty-${key.replace(/_/g, "-")}`;
    const value = key === "qty" ? String(draft.qty ?? 1) : draft[key] ?? "";
    const attrs = { id, name: key, "aria-describedby": `${id}-error`, ...extra };
    const input = type === "textarea" ? h("textarea", attrs) : h("input", { type, ...attrs });
    input.value = value;
    input.addEventListener("input", () => {
      touched.add(key);
      draft[key] = key === "qty" ? Number(input.value) || 0 : input.value;
      changed();
    });
    inputs[key] = input;
    errors[key] = h("p", { id: `${id}-error`, class: "field-error", "aria-live": "polite" });
    if (key === "vin") {
      return h("div", { class: "field warranty-vin" },
        h("label", { for: id }, t("warrantyField_vin")),
        h("div", { class: "row vin-row" }, input, vinButton), errors.vin, vinStatus, vinPanel);
    }
    return h("div", { class: `field warranty-${key.replace(/_/g, "-")}` },
      h("label", { for: id }, t(`warrantyField_${key}`)), input, errors[key]);
  }

  /** The VIN scan: its panel (camera, photo, the USB scanner's hint) and what a read does. */
  const vinStatus = h("p", { id: "warranty-vin-scan-status", class: "field-error", role: "alert" });
  const vinSlot = h("div", { class: "camera-slot" });
  const vinCamera = h("button", { id: "warranty-vin-camera", class: "secondary big", type: "button" }, icon("camera"), t("openCamera"));
  const vinClosed = () => vinCamera.replaceChildren(icon("camera"), t("openCamera"));
  async function vinCameraOff() {
    const open = camera;
    camera = null;
    if (open) {
      await open.stop();
      vinClosed();
    }
  }
  async function vinRead(text) {
    try {
      const vin = await commands.vin_from_scan(text);
      await vinCameraOff();
      vinStatus.textContent = "";
      clearTimeout(timer);
      inputs.vin.value = vin;
      draft.vin = vin;
      touched.add("vin");
      vinPanel.hidden = true;
      vinButton.setAttribute("aria-expanded", "false");
      toast(t("vinScanned", vin));
      await saveDraft();
    } catch (error) {
      vinPanel.hidden = false;
      vinButton.setAttribute("aria-expanded", "true");
      vinStatus.textContent = error.code === "not_a_vin"
        ? (language() === "fr" ? error.message : t("notAVin", String(text).slice(0, 40)))
        : errorText(error);
    }
  }
  vinCamera.addEventListener("click", async () => {
    if (camera) {
      await vinCameraOff();
      return;
    }
    vinStatus.textContent = "";
    try {
      camera = await startScanCamera({ onEnd: (message) => {
        camera = null;
        vinClosed();
        vinStatus.textContent = message;
      } });
      vinSlot.replaceChildren(camera.preview);
      vinCamera.replaceChildren(icon("close"), t("closeCamera"));
    } catch (error) {
      vinStatus.textContent = cameraText(error);
    }
  });
  const vinFile = h("input", { id: "warranty-vin-file", type: "file", accept: "image/*", capture: "environment", class: "visually-hidden" });
  vinFile.addEventListener("change", async () => {
    const chosen = vinFile.files?.[0];
    if (!chosen) return;
    try {
      const bytes = Array.from(new Uint8Array(await chosen.arrayBuffer()));
      const reads = await commands.scan_bytes(bytes);
      if (!reads?.length) vinStatus.textContent = t("vinNoCode");
      else await vinRead(reads[0].text);
    } catch (error) {
      vinStatus.textContent = errorText(error);
    } finally {
      vinFile.value = "";
    }
  });
  const vinPanel = h("div", { id: "warranty-vin-scan", class: "vin-scan", hidden: true },
    h("p", { class: "hint scanner-hint" }, icon("keyboard"), h("span", {}, t("vinScanHint"))),
    h("div", { class: "row wrap" }, vinCamera,
      h("label", { id: "warranty-vin-photo", for: "warranty-vin-file", class: "button secondary big", tabindex: "0",
        onkeydown: (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); vinFile.click(); } } }, icon("image"), t("vinScanPhoto")), vinFile),
    vinSlot);
  const vinButton = h("button", { id: "warranty-vin-scan-toggle", class: "secondary", type: "button", "aria-expanded": "false", "aria-controls": "warranty-vin-scan",
    onclick: () => {
      vinPanel.hidden = !vinPanel.hidden;
      vinButton.setAttribute("aria-expanded", String(!vinPanel.hidden));
      if (vinPanel.hidden) vinCameraOff();
    } }, icon("camera"), t("vinScan"));

  function fillPhotos(kind, list) {
    const ids = kind === "documents" ? view.draft.documents : view.draft.photos;
    const pdfs = new Map((view.pdfs ?? []).map((pdf) => [pdf.id, pdf]));
    list.replaceChildren(...ids.map((photo, i) => h("li", { class: pdfs.has(photo) ? "photo-item pdf-item" : "photo-item" },
      pdfs.has(photo)
        // A PDF is a tile (no thumbnail): its icon, what it is and its size.
        ? h("span", { class: "pdf-tile", id: `warranty-${kind}-${i}-pdf` }, icon("doc", 28),
          h("span", { class: "pdf-name" }, t("warrantyInvoicePdf")),
          h("span", { class: "pdf-size" }, t("warrantyPdfSize", pdfs.get(photo).bytes)))
        : thumbnail(photo, t("warrantyPhotoAlt", i + 1)),
      h("button", { id: `warranty-${kind}-${i}-remove`, class: "icon ghost remove-photo", type: "button", "aria-label": t("removePhoto", i + 1), title: t("removePhoto", i + 1),
        onclick: async () => {
          try {
            show(await commands.remove_warranty_photo(number, Number(lineNo), photo));
          } catch (error) {
            showError(error);
          }
        } }, icon("close", 18)))));
  }

  function pictures(kind) {
    const id = `warranty-${kind}`;
    // The invoice may be a PDF (no camera then: the picker offers files too).
    const input = kind === "documents"
      ? h("input", { id: `${id}-input`, type: "file", accept: "image/*,application/pdf", class: "visually-hidden" })
      : h("input", { id: `${id}-input`, type: "file", accept: "image/*", capture: "environment", class: "visually-hidden" });
    input.addEventListener("change", async () => {
      const chosen = input.files?.[0];
      if (!chosen) return;
      try {
        const bytes = Array.from(new Uint8Array(await chosen.arrayBuffer()));
        show(await commands.add_warranty_photo(number, Number(lineNo), kind === "documents", bytes));
      } catch (error) {
        showError(error);
      } finally {
        input.value = "";
      }
    });
    const list = h("ul", { class: "photo-strip", "aria-label": t(`warrantyField_${kind}`) });
    photoLists[kind] = list;
    errors[kind] = h("p", { id: `${id}-error`, class: "field-error", "aria-live": "polite" });
    return h("div", { class: `field photos warranty-${kind}` },
      h("span", { class: "field-label" }, t(`warrantyField_${kind}`)),
      kind === "documents" ? h("p", { class: "hint" }, t("warrantyInvoiceHint")) : null,
      list, input,
      h("label", { id: `${id}-add`, class: "button secondary add-photo", for: `${id}-input`, tabindex: "0",
        onkeydown: (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); input.click(); } } },
      icon("plus"), t(kind === "documents" ? "warrantyAddInvoice" : "addPhoto")),
      errors[kind]);
  }

  sendButton.addEventListener("click", async () => {
    if (!view.can_send) {
      // Not complete: every field says what it needs, the first one takes the focus.
      FIELDS.forEach(([key]) => touched.add(key));
      show(view);
      const first = view.issues.find((i) => inputs[i.field]);
      (first ? inputs[first.field] : errors.photos)?.focus?.();
      return;
    }
    sendButton.disabled = true;
    try {
      const dossier = await commands.send_warranty_claim(number, Number(lineNo));
      toast(t("warrantySent", dossier.number));
      go(`#/tracking/${encodeURIComponent(dossier.number)}`);
    } catch (error) {
      if (error.code === "send_pending") {
        toast(t("warrantyQueued"));
        go("#/tracking?kind=warranty");
        return;
      }
      showError(error);
      sendButton.disabled = false;
    }
  });

  // Every code scanned while the form is shown is the VIN's (a USB scanner needs no click).
  releaseScans?.();
  releaseScans = captureScans(vinRead);

  const line = view.line;
  const section = h("section", { class: "screen warranty" },
    h("a", { class: "back", href: `#/bl/${encodeURIComponent(number)}` }, icon("back"), t("back")),
    h("h1", { tabindex: "-1" }, t("warrantyTitle")),
    line ? h("p", { class: "warranty-line" },
      h("strong", { class: "reference" }, line.reference), " ", line.designation,
      h("span", { class: "muted" }, t("warrantyLineFacts", number, date(line.delivered_on), date(line.warranty_ends_on), line.qty_left))) : null,
    h("form", { id: "warranty-form", class: "card warranty-form", novalidate: true, onsubmit: (e) => e.preventDefault() },
      FIELDS.map(field), pictures("photos"), pictures("documents")),
    savedNote,
    h("div", { class: "sticky-actions" }, sendButton));
  show(view);
  return section;
}
