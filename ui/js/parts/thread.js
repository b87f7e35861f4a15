// A file's story (PRODUCT.md screen 9): each line's decision in words, the timeline of its
// events oldest first (who, when in Paris time, what), its messages with the ones still waiting on
// this device, and the form that writes to the returns service.

import { t, language, codeLabel, statusLabel } from "../i18n/index.js";
import { h, money, dateTime } from "../dom.js";
import { icon } from "../icons.js";
import { thumbnail } from "./photos.js";

/** Most characters of a message (the domain's rule; the core checks it again). */
export const MAX_MESSAGE_CHARS = 2000;

/** Most photos on a message (the domain's rule, as on a cart line). */
const MAX_MESSAGE_PHOTOS = 5;

/** A message's photos, as thumbnails, or nothing. */
function messagePhotos(photos) {
  if (!photos?.length) return null;
  return h("ul", { class: "photo-strip message-photos", "aria-label": t("messagePhotos") },
    photos.map((id, i) => h("li", {}, thumbnail(id, t("messagePhotoAlt", i + 1)))));
}

/** A decided line in words: "Acceptée 1 / Refusée 1 — Pièce montée… — Renvoyée au garage". */
export function decisionSummary(decision) {
  const parts = [t("decisionCounts", decision.accepted_qty, decision.refused_qty)];
  if (decision.refusal_reason) parts.push(codeLabel("refusal", decision.refusal_reason, decision.refusal_label));
  if (decision.disposition) parts.push(codeLabel("disposition", decision.disposition, decision.disposition_label));
  return parts.join(" — ");
}

/** A line's decision and the staff's comment, or nothing before the file is decided. */
export function lineDecision(line) {
  const d = line.decision;
  if (!d) return null;
  return h("div", { class: `line-decision${d.refused_qty > 0 ? " refused" : ""}` },
    h("p", { class: "decision-summary" }, decisionSummary(d), h("span", { class: "muted" }, ` — ${t("creditedAmount", money(d.credited_ht))}`)),
    d.comment ? h("p", { class: "decision-comment" }, h("span", { class: "visually-hidden" }, t("staffComment")), `« ${d.comment} »`) : null);
}

/** Who made an event, as the garage reads it. */
function who(event) {
  const author = event.message?.author;
  if (author === "staff") return t("who_staff");
  if (author === "customer") return t("who_customer");
  return t(`who_${event.actor}`) ?? t("who_system");
}

/** The sentence of an event: the server's French one, or, in English, its own where it can. */
function sentence(event, dossier) {
  if (language() !== "en") return event.text;
  switch (event.kind) {
    case "status":
      return event.status ? statusLabel(event.status) : event.text;
    case "message":
      return t(`eventMessage_${event.message?.author ?? event.actor}`);
    case "decision": {
      const decided = dossier.lines.map((l) => l.decision).filter(Boolean);
      if (!dossier.closed || decided.length === 0) return event.text;
      const accepted = decided.reduce((n, d) => n + d.accepted_qty, 0);
      const refused = decided.reduce((n, d) => n + d.refused_qty, 0);
      return t("eventDecision", codeLabel("outcome", dossier.closed.outcome), accepted, refused, money(dossier.closed.credited_ht));
    }
    case "photo": {
      const count = Number.parseInt(event.text, 10);
      return Number.isFinite(count) ? t("eventPhotos", count) : event.text;
    }
    case "credit_note":
      return dossier.closed?.credit_note_number ? t("eventCreditNote", dossier.closed.credit_note_number) : event.text;
    default:
      return event.text;
  }
}

/** The timeline, oldest first, then the messages written here and not yet in it. */
export function timeline(view) {
  const events = view.timeline || [];
  return h("ol", { id: "timeline", class: "timeline", "aria-label": t("history") },
    events.map((e) => h("li", { class: `event ${e.kind} actor-${e.message?.author ?? e.actor}`, dataset: { kind: e.kind, id: String(e.id), ...(e.status ? { status: e.status } : {}) } },
      h("p", { class: "event-head" }, h("strong", { class: "who" }, who(e)), " ", h("time", { datetime: e.at }, dateTime(e.at))),
      e.kind === "message" && e.message
        ? [h("p", { class: "bubble", lang: "fr" }, e.message.text), messagePhotos(e.message.photos)]
        : h("p", { class: "event-text", lang: language() === "en" && sentence(e, view) === e.text ? "fr" : null }, sentence(e, view)))),
    (view.outbox || []).map((m) => h("li", { class: `event message actor-customer outbox ${m.state}`, dataset: { kind: "message", outbox: m.state, id: m.id } },
      h("p", { class: "event-head" }, h("strong", { class: "who" }, t("who_customer")), " ", h("time", { datetime: m.at }, dateTime(m.at)),
        m.state === "sent" ? null : h("span", { class: `message-state ${m.state}` }, m.state === "pending" ? t("messageWaiting") : t("messageRefused"))),
      h("p", { class: "bubble" }, m.text),
      messagePhotos(m.photos),
      m.state === "refused" && m.message ? h("p", { class: "error" }, m.message) : null)));
}

/**
 * "Écrire au service retours": a text area with its counter, up to 5 photos (a file or the
 * phone's camera) shown as thumbnails before they leave, and the send button; `send(text,
 * photos)` (photos as byte arrays) answers whether the message was taken (then the form is
 * emptied), else the error to show.
 */
export function messageForm(send) {
  const field = h("textarea", { id: "message-text", rows: "4", "aria-describedby": "message-count message-error" });
  const count = h("p", { id: "message-count", class: "hint counter", "aria-live": "polite" }, t("messageCount", 0, MAX_MESSAGE_CHARS));
  const error = h("p", { id: "message-error", class: "field-error", role: "alert" });
  const button = h("button", { id: "message-send", class: "primary", type: "submit" }, t("messageSend"));
  /** The photos chosen, with their preview URLs. */
  let chosen = [];
  const input = h("input", { id: "message-photo-input", type: "file", accept: "image/*", capture: "environment", class: "visually-hidden" });
  const strip = h("ul", { id: "message-photo-strip", class: "photo-strip", "aria-label": t("messagePhotos") });
  const add = h("label", { id: "message-add-photo", class: "button secondary add-photo", for: "message-photo-input", tabindex: "0",
    onkeydown: (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); input.click(); } } },
  icon("plus"), t("addPhoto"));
  const showChosen = () => {
    strip.replaceChildren(...chosen.map((photo, i) => h("li", { class: "photo-item" },
      h("img", { class: "photo-thumb", src: photo.url, alt: t("messagePhotoAlt", i + 1), width: 72, height: 72 }),
      h("button", { id: `message-photo-${i}-remove`, class: "icon ghost remove-photo", type: "button", "aria-label": t("removePhoto", i + 1), title: t("removePhoto", i + 1),
        onclick: () => {
          URL.revokeObjectURL(photo.url);
          chosen = chosen.filter((p) => p !== photo);
          showChosen();
          add.focus();
        } }, icon("close", 18)))));
    strip.hidden = chosen.length === 0;
    add.hidden = chosen.length >= MAX_MESSAGE_PHOTOS;
  };
  input.addEventListener("change", () => {
    const file = input.files?.[0];
    if (file && chosen.length < MAX_MESSAGE_PHOTOS) chosen = [...chosen, { file, url: URL.createObjectURL(file) }];
    input.value = "";
    showChosen();
  });
  showChosen();
  const counted = () => {
    const n = [...field.value.trim()].length;
    count.textContent = t("messageCount", n, MAX_MESSAGE_CHARS);
    count.classList.toggle("over", n > MAX_MESSAGE_CHARS);
  };
  field.addEventListener("input", () => {
    counted();
    error.textContent = "";
    field.removeAttribute("aria-invalid");
  });
  const form = h("form", { id: "message-form", class: "card message-form", novalidate: "" },
    h("label", { for: "message-text", class: "form-title" }, t("writeToService")),
    field,
    h("div", { class: "field photos message-attachments" }, strip, input, add),
    h("div", { class: "message-actions" }, count, button),
    error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    try {
      const photos = await Promise.all(chosen.map(async (p) => Array.from(new Uint8Array(await p.file.arrayBuffer()))));
      const problem = await send(field.value, photos);
      if (problem) {
        error.textContent = t(`messageError_${problem.code}`) ?? problem.message;
        field.setAttribute("aria-invalid", "true");
        field.focus();
      } else {
        field.value = "";
        chosen.forEach((p) => URL.revokeObjectURL(p.url));
        chosen = [];
        showChosen();
        counted();
      }
    } finally {
      button.disabled = false;
    }
  });
  return form;
}
