// One return file: its facts (with the request that sent it and its pré-accord; a warranty
// claim's kind, VIN and plate), gauge, pieces
// with their reasons (labels, never codes) and each one's decision, the timeline of its events
// with its messages, and the form that writes to the returns service (screen 9).

import * as commands from "../commands.js";
import { app } from "../state.js";
import { showError } from "../chrome.js";
import { t, reasonLabel } from "../i18n/index.js";
import { h, money, date, dateTime, toast } from "../dom.js";
import { icon } from "../icons.js";
import { gauge, closedFacts } from "../parts/dossier.js";
import { preaccord } from "../parts/preaccord.js";
import { photoStrip } from "../parts/photos.js";
import { lineDecision, timeline, messageForm } from "../parts/thread.js";

/**
 * The server's reasons table, read once: offline with nothing cached it is empty, and the reasons
 * keep the names the interface has for them (never their code).
 */
async function knownReasons() {
  if (app.reasons) return app.reasons;
  try {
    app.reasons = await commands.reasons();
    return app.reasons;
  } catch {
    return [];
  }
}

/** A line's quantities: returned, and once inspected, accepted. */
function lineQuantities(line) {
  return line.accepted_qty === undefined || line.accepted_qty === null
    ? t("qtyReturned", line.qty)
    : t("qtyReturnedAccepted", line.qty, line.accepted_qty);
}


/** A warranty file's fitting invoice: one tile per document (a PDF or a photo), opened in the system viewer. */
function invoices(ids) {
  if (!ids.length) return null;
  return h("ul", { class: "photo-strip file-invoices", "aria-label": t("warrantyField_documents") },
    ids.map((id, i) => h("li", { class: "photo-item pdf-item" },
      h("button", { id: `file-invoice-${i}`, class: "pdf-tile", type: "button", onclick: async () => {
        try {
          await commands.open_warranty_document(id);
        } catch (error) {
          showError(error);
        }
      } }, icon("doc", 28), h("span", { class: "pdf-name" }, t("warrantyInvoiceOpen"))))));
}
export async function dossierScreen(number) {
  const [dossier, reasons] = await Promise.all([commands.dossier(number), knownReasons()]);
  const reasonOf = (code) => reasonLabel(code, reasons.find((r) => r.code === code)?.label);
  let thread = timeline(dossier);
  const showThread = (view) => {
    const next = timeline(view);
    thread.replaceWith(next);
    thread = next;
  };
  const form = messageForm(async (text, photos) => {
    try {
      const view = await commands.send_message(dossier.number, text, photos);
      showThread(view);
      const waiting = view.outbox.some((m) => m.state === "pending");
      toast(waiting ? t("messageQueued") : t("messageSent"));
      return null;
    } catch (error) {
      if (["message_empty", "message_too_long", "invalid_image", "too_many_photos"].includes(error?.code)) return error;
      showError(error);
      // Offline with nothing kept of this file: the message still waits on the device.
      return error?.code === "send_pending" ? null : error;
    }
  });
  const section = h("section", { class: "screen dossier", dataset: { number: dossier.number, status: dossier.status } },
    h("a", { class: "back", href: `#/tracking${dossier.closed ? "?tab=closed" : ""}` }, icon("back"), t("back")),
    h("h1", { tabindex: "-1" }, t("fileTitle", dossier.number)),
    dossier.from_cache ? h("p", { class: "notice", id: "file-offline" }, t("fileFromCache")) : null,
    h("dl", { class: "facts" },
      h("div", {}, h("dt", {}, t("deliveryNote")), h("dd", {}, dossier.delivery_note)),
      h("div", {}, h("dt", {}, t("saleDate")), h("dd", {}, date(dossier.sale_date))),
      h("div", {}, h("dt", {}, t("createdOn")), h("dd", {}, dateTime(dossier.created_at))),
      h("div", {}, h("dt", {}, t("estimatedValue")), h("dd", { class: "amount" }, money(dossier.estimated_credit_ht))),
      dossier.request ? h("div", {}, h("dt", {}, t("returnRequest")), h("dd", { id: "file-request" }, dossier.request.number)) : null,
      dossier.kind === "warranty" ? h("div", {}, h("dt", {}, t("filterKind")), h("dd", { id: "file-kind", class: "kind-chip" }, t("kindWarranty"))) : null,
      dossier.warranty ? h("div", {}, h("dt", {}, "VIN"), h("dd", { id: "file-vin" }, dossier.warranty.vin)) : null,
      dossier.warranty?.registration ? h("div", {}, h("dt", {}, t("warrantyField_registration")), h("dd", {}, dossier.warranty.registration)) : null),
    dossier.request ? h("div", { class: "file-preaccord" }, ...preaccord(dossier.request, dossier.kind)) : null,
    invoices(dossier.warranty?.documents ?? []),
    gauge(dossier),
    closedFacts(dossier),
    h("h2", {}, t("pieces", dossier.piece_count)),
    h("ul", { class: "pieces detailed" }, dossier.lines.map((l) => h("li", { dataset: { line: String(l.line_no) } },
      h("strong", {}, l.reference), " ", l.designation,
      h("span", { class: "muted line-facts" }, ` — ${lineQuantities(l)} — `, h("span", { class: "line-reason" }, reasonOf(l.reason)), ` — ${money(l.estimated_credit_ht)}`),
      photoStrip(l.photos, l.reference),
      lineDecision(l)))),
    h("h2", {}, t("history")),
    thread,
    form);
  // A sync that ends well may have sent a waiting message or brought a reply: the thread follows
  // (the form and what is being typed stay).
  const refresh = async () => {
    if (!section.isConnected) return document.removeEventListener("retour:changed", refresh);
    try {
      showThread(await commands.dossier(dossier.number));
    } catch (error) {
      showError(error);
    }
  };
  document.addEventListener("retour:changed", refresh);
  return section;
}
