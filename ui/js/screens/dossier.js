// One return file: its facts (with the request that sent it and its pré-accord), gauge, pieces
// with their reasons (labels, never codes) and outcome, and the timeline of its statuses.

import * as commands from "../commands.js";
import { app } from "../state.js";
import { t, statusLabel, reasonLabel } from "../i18n/index.js";
import { h, money, date, dateTime } from "../dom.js";
import { icon } from "../icons.js";
import { gauge, closedFacts } from "../parts/dossier.js";
import { preaccord } from "../parts/preaccord.js";
import { photoStrip } from "../parts/photos.js";

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

export async function dossierScreen(number) {
  const [dossier, reasons] = await Promise.all([commands.dossier(number), knownReasons()]);
  const reasonOf = (code) => reasonLabel(code, reasons.find((r) => r.code === code)?.label);
  const history = dossier.history || [];
  return h("section", { class: "screen dossier", dataset: { number: dossier.number, status: dossier.status } },
    h("a", { class: "back", href: `#/tracking${dossier.closed ? "?tab=closed" : ""}` }, icon("back"), t("back")),
    h("h1", { tabindex: "-1" }, t("fileTitle", dossier.number)),
    h("dl", { class: "facts" },
      h("div", {}, h("dt", {}, t("deliveryNote")), h("dd", {}, dossier.delivery_note)),
      h("div", {}, h("dt", {}, t("saleDate")), h("dd", {}, date(dossier.sale_date))),
      h("div", {}, h("dt", {}, t("createdOn")), h("dd", {}, dateTime(dossier.created_at))),
      h("div", {}, h("dt", {}, t("estimatedValue")), h("dd", { class: "amount" }, money(dossier.estimated_credit_ht))),
      dossier.request ? h("div", {}, h("dt", {}, t("returnRequest")), h("dd", { id: "file-request" }, dossier.request.number)) : null),
    dossier.request ? h("div", { class: "file-preaccord" }, ...preaccord(dossier.request)) : null,
    gauge(dossier),
    closedFacts(dossier),
    h("h2", {}, t("pieces", dossier.piece_count)),
    h("ul", { class: "pieces detailed" }, dossier.lines.map((l) => h("li", {},
      h("strong", {}, l.reference), " ", l.designation,
      h("span", { class: "muted line-facts" }, ` — ${lineQuantities(l)} — `, h("span", { class: "line-reason" }, reasonOf(l.reason)), ` — ${money(l.estimated_credit_ht)}`),
      photoStrip(l.photos, l.reference)))),
    h("h2", {}, t("history")),
    h("ol", { id: "timeline", class: "timeline" }, history.map((e) => h("li", { dataset: { status: e.status } },
      h("strong", {}, statusLabel(e.status)), h("time", { datetime: e.at }, dateTime(e.at))))));
}
