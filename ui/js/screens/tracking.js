// Suivi: open and closed tabs with counts, status filter, a card per return file with its gauge,
// the statuses help, and one file's detail with its timeline.

import { call } from "../api.js";
import { t, statusLabel, reasonLabel } from "../i18n.js";
import { h, money, date, dateTime, dialog } from "../dom.js";
import { icon } from "../icons.js";
import { app, go } from "../main.js";

/** The four statuses of a file, in their forward order (PRODUCT.md). */
const STEPS = ["sent", "received", "inspecting", "closed"];

function gauge(dossier) {
  const reached = STEPS.indexOf(dossier.status);
  return h("div", { class: "gauge-wrap" },
    h("ol", { class: "gauge", "aria-label": statusLabel(dossier.status, dossier.status_label), dataset: { status: dossier.status, step: reached + 1 } },
      STEPS.map((step, i) => h("li", { class: i < reached ? "done" : i === reached ? "current" : "todo", "aria-current": i === reached ? "step" : null },
        h("span", { class: "visually-hidden" }, statusLabel(step)))),
    ),
    h("p", { class: "status-label" }, statusLabel(dossier.status, dossier.status_label),
      h("button", { class: "info-button", type: "button", "aria-label": t("statusHelp"), onclick: statusHelp }, "i")));
}

export function statusHelp() {
  const descriptions = t("statusDescriptions");
  dialog(t("statusHelpTitle"), h("dl", { class: "status-help" },
    STEPS.map((step) => [h("dt", {}, "• ", statusLabel(step)), h("dd", {}, descriptions[step])])));
}

function closedFacts(dossier) {
  const closed = dossier.closed;
  if (!closed) return null;
  const qty = dossier.lines.reduce((sum, l) => sum + (l.accepted_qty ?? l.qty), 0);
  return h("dl", { class: "facts closed-facts" },
    h("div", {}, h("dt", {}, t("quantity")), h("dd", {}, String(qty))),
    h("div", {}, h("dt", {}, t("validatedOn")), h("dd", { class: "validated-on" }, date(closed.validated_on))),
    h("div", {}, h("dt", {}, t("creditNote")), h("dd", { class: "credit-note" }, closed.credit_note_number || "")),
    h("div", {}, h("dt", {}, t("creditedHt")), h("dd", { class: "amount credited" }, money(closed.credited_ht))),
    closed.outcome ? h("div", {}, h("dt", {}, ""), h("dd", { class: `outcome ${closed.outcome}` }, t("outcome")[closed.outcome] || closed.outcome)) : null);
}

function card(dossier) {
  return h("li", { class: "file-card", dataset: { number: dossier.number, bl: dossier.delivery_note, status: dossier.status } },
    h("a", { class: "file-link", href: `#/tracking/${encodeURIComponent(dossier.number)}` },
      h("dl", { class: "facts" },
        h("div", {}, h("dt", {}, t("trackingNumber")), h("dd", { class: "file-number" }, dossier.number)),
        h("div", {}, h("dt", {}, t("saleDate")), h("dd", {}, date(dossier.sale_date))),
        dossier.closed ? null : h("div", {}, h("dt", {}, t("estimatedValue")), h("dd", { class: "amount" }, money(dossier.estimated_credit_ht)))),
      h("ul", { class: "pieces" }, dossier.lines.map((l) => h("li", {}, h("strong", {}, l.reference), " ", l.designation, h("span", { class: "qty-chip" }, `× ${l.qty}`)))),
      h("p", { class: "piece-count" }, t("pieces", dossier.piece_count))),
    dossier.closed ? closedFacts(dossier) : gauge(dossier));
}

export async function trackingScreen() {
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  const tab = params.get("tab") === "closed" ? "closed" : "open";
  const status = params.get("status") || "";
  let page = 1;
  const list = await call("dossiers", { args: { state: tab, status: status || null, page } });
  const cards = h("ul", { id: "file-cards", class: "file-cards" }, list.items.map(card));
  if (!list.items.length) cards.append(h("li", { class: "empty" }, t("noFiles")));
  const more = h("button", { id: "more-files", class: "secondary", type: "button", hidden: list.items.length >= list.total, onclick: async () => {
    page += 1;
    const next = await call("dossiers", { args: { state: tab, status: status || null, page } });
    cards.append(...next.items.map(card));
    more.hidden = cards.children.length >= next.total;
  } }, t("moreFiles"));
  const link = (nextTab, nextStatus) => `#/tracking?tab=${nextTab}${nextStatus ? `&status=${nextStatus}` : ""}`;
  const filter = h("select", { id: "status-filter", onchange: (e) => go(link(tab, e.target.value)) },
    h("option", { value: "", selected: !status }, t("all")),
    (tab === "open" ? STEPS.slice(0, 3) : ["closed"]).map((s) => h("option", { value: s, selected: status === s }, statusLabel(s))));
  const section = h("section", { class: "screen tracking" },
    h("div", { class: "title-row" }, h("h1", { tabindex: "-1" }, t("trackingTitle")),
      h("button", { class: "info-button", type: "button", "aria-label": t("statusHelp"), title: t("statusHelp"), onclick: statusHelp }, "i")),
    h("div", { class: "tabs-row" },
      h("nav", { class: "tabs", role: "tablist" },
        h("a", { id: "tab-open", role: "tab", href: link("open"), "aria-selected": String(tab === "open"), class: tab === "open" ? "active" : "" }, t("tabOpen", list.counts.open)),
        h("a", { id: "tab-closed", role: "tab", href: link("closed"), "aria-selected": String(tab === "closed"), class: tab === "closed" ? "active" : "" }, t("tabClosed", list.counts.closed))),
      h("label", { class: "filter" }, t("filterStatus"), " ", filter)),
    cards, more);
  const refresh = () => {
    if (!section.isConnected) return document.removeEventListener("retour:changed", refresh);
    if (!document.querySelector("dialog[open]")) go(location.hash);
  };
  document.addEventListener("retour:changed", refresh);
  return section;
}

export async function dossierScreen(number) {
  const dossier = await call("dossier", { number });
  const history = dossier.history || [];
  return h("section", { class: "screen dossier", dataset: { number: dossier.number, status: dossier.status } },
    h("a", { class: "back", href: `#/tracking${dossier.closed ? "?tab=closed" : ""}` }, icon("back"), t("back")),
    h("h1", { tabindex: "-1" }, t("fileTitle", dossier.number)),
    h("dl", { class: "facts" },
      h("div", {}, h("dt", {}, t("deliveryNote")), h("dd", {}, dossier.delivery_note)),
      h("div", {}, h("dt", {}, t("saleDate")), h("dd", {}, date(dossier.sale_date))),
      h("div", {}, h("dt", {}, t("createdOn")), h("dd", {}, dateTime(dossier.created_at))),
      h("div", {}, h("dt", {}, t("estimatedValue")), h("dd", { class: "amount" }, money(dossier.estimated_credit_ht)))),
    gauge(dossier),
    closedFacts(dossier),
    h("h2", {}, t("pieces", dossier.piece_count)),
    h("ul", { class: "pieces detailed" }, dossier.lines.map((l) => h("li", {},
      h("strong", {}, l.reference), " ", l.designation,
      h("span", { class: "muted" }, ` — ${t("quantity")} ${l.qty} — ${reasonLabel(l.reason, app.reasons?.find((r) => r.code === l.reason)?.label)} — ${money(l.estimated_credit_ht)}`),
      l.accepted_qty !== undefined && l.accepted_qty !== null ? h("span", { class: "muted" }, ` — ${t("acceptedQty")} ${l.accepted_qty}`) : null))),
    h("h2", {}, t("history")),
    h("ol", { id: "timeline", class: "timeline" }, history.map((e) => h("li", { dataset: { status: e.status } },
      h("strong", {}, statusLabel(e.status)), h("time", { datetime: e.at }, dateTime(e.at))))));
}
