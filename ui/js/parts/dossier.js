// What the tracking screens share: the status gauge, the statuses help, a closed file's facts
// (each value under its label) and its quantities.

import { t, statusLabel, codeLabel } from "../i18n/index.js";
import { h, money, date, dialog } from "../dom.js";

/** The four statuses of a file, in their forward order (PRODUCT.md). */
export const STEPS = ["sent", "received", "inspecting", "closed"];

/** Where a file is among the four statuses, with the statuses help. */
export function gauge(dossier) {
  const reached = STEPS.indexOf(dossier.status);
  return h("div", { class: "gauge-wrap" },
    h("ol", { class: "gauge", "aria-label": statusLabel(dossier.status, dossier.status_label), dataset: { status: dossier.status, step: reached + 1 } },
      STEPS.map((step, i) => h("li", { class: i < reached ? "done" : i === reached ? "current" : "todo", "aria-current": i === reached ? "step" : null },
        h("span", { class: "visually-hidden" }, statusLabel(step)))),
    ),
    h("p", { class: "status-label" }, statusLabel(dossier.status, dossier.status_label),
      h("button", { class: "info-button", type: "button", "aria-label": t("statusHelp"), onclick: statusHelp }, "i")));
}

/** The four statuses explained. */
export function statusHelp() {
  dialog(t("statusHelpTitle"), h("dl", { class: "status-help" },
    STEPS.map((step) => [h("dt", {}, "• ", statusLabel(step)), h("dd", {}, t(`statusDescription_${step}`))])));
}

/** Units returned and accepted over a file's lines (accepted: the inspection's count, else all). */
export function quantities(lines) {
  return lines.reduce((sum, l) => ({ returned: sum.returned + l.qty, accepted: sum.accepted + (l.accepted_qty ?? l.qty) }), { returned: 0, accepted: 0 });
}

/** Whether a decimal string from the server is zero ("0", "0.00"). */
const isZero = (amount) => /^-?0*(\.0*)?$/.test(String(amount ?? "0").trim());

/**
 * A closed file's outcome, every value under its label: quantities returned and accepted, the
 * validation day, the credit note (its number, or "En attente" until invoicing has run; no row
 * when nothing is credited), the amount credited and the decision.
 */
export function closedFacts(dossier) {
  const closed = dossier.closed;
  if (!closed) return null;
  const { returned, accepted } = quantities(dossier.lines);
  const nothingCredited = closed.outcome === "refused" || isZero(closed.credited_ht);
  return h("dl", { class: "facts closed-facts" },
    h("div", {}, h("dt", {}, t("quantity")), h("dd", { class: "closed-qty" }, t("qtyReturnedAccepted", returned, accepted))),
    h("div", {}, h("dt", {}, t("validatedOn")), h("dd", { class: "validated-on" }, date(closed.validated_on))),
    closed.credit_note_number || !nothingCredited
      ? h("div", {}, h("dt", {}, t("creditNote")), h("dd", { class: `credit-note${closed.credit_note_number ? "" : " pending"}` }, closed.credit_note_number || t("creditNotePending")))
      : null,
    h("div", {}, h("dt", {}, t("creditedHt")), h("dd", { class: "amount credited" }, money(closed.credited_ht))),
    closed.outcome ? h("div", {}, h("dt", {}, t("decision")), h("dd", { class: `outcome ${closed.outcome}` }, codeLabel("outcome", closed.outcome))) : null);
}
