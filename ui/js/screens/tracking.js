// Suivi: open and closed tabs with counts, status and kind (Retour / Garantie) filters, the Notifications link with the unread
// count, a card per return file with its gauge.

import * as commands from "../commands.js";
import { go, query } from "../router.js";
import { showError } from "../chrome.js";
import { t, statusLabel } from "../i18n/index.js";
import { h, money, date } from "../dom.js";
import { STEPS, gauge, statusHelp, closedFacts } from "../parts/dossier.js";
import { unreadBadge } from "../parts/notifications.js";
import { icon } from "../icons.js";

function card(dossier) {
  return h("li", { class: "file-card", dataset: { number: dossier.number, bl: dossier.delivery_note, status: dossier.status } },
    h("a", { class: "file-link", href: `#/tracking/${encodeURIComponent(dossier.number)}` },
      h("dl", { class: "facts" },
        h("div", {}, h("dt", {}, t("trackingNumber")), h("dd", { class: "file-number" }, dossier.number)),
        h("div", {}, h("dt", {}, t("saleDate")), h("dd", {}, date(dossier.sale_date))),
        dossier.closed ? null : h("div", {}, h("dt", {}, t("estimatedValue")), h("dd", { class: "amount" }, money(dossier.estimated_credit_ht)))),
      dossier.kind === "warranty" ? h("p", { class: "kind-chip" }, t("kindWarranty")) : null,
      h("ul", { class: "pieces" }, dossier.lines.map((l) => h("li", {}, h("strong", {}, l.reference), " ", l.designation, h("span", { class: "qty-chip" }, `× ${l.qty}`)))),
      h("p", { class: "piece-count" }, t("pieces", dossier.piece_count))),
    dossier.closed ? closedFacts(dossier) : gauge(dossier));
}

export async function trackingScreen() {
  const params = query();
  const tab = params.get("tab") === "closed" ? "closed" : "open";
  const status = params.get("status") || "";
  const kind = ["return", "warranty"].includes(params.get("kind")) ? params.get("kind") : "";
  let page = 1;
  const [list, claims] = await Promise.all([
    commands.dossiers({ state: tab, status: status || null, page, kind: kind || null }),
    commands.warranty_outbox(),
  ]);
  // Warranty claims still on the device (waiting for the network) or refused: said above the files.
  const waitingClaims = claims.length && kind !== "return"
    ? h("ul", { id: "claims-waiting", class: "notice claims-waiting" }, claims.map((c) => h("li", { dataset: { state: c.state } },
        t(c.state === "refused" ? "claimRefused" : "claimWaiting", c.delivery_note, c.line_no),
        c.message ? h("span", { class: "muted" }, ` — ${c.message}`) : null)))
    : null;
  const cards = h("ul", { id: "file-cards", class: "file-cards" }, list.items.map(card));
  if (!list.items.length) cards.append(h("li", { class: "empty" }, t("noFiles")));
  const more = h("button", { id: "more-files", class: "secondary", type: "button", hidden: list.items.length >= list.total, onclick: async () => {
    try {
      const next = await commands.dossiers({ state: tab, status: status || null, page: page + 1, kind: kind || null });
      page += 1;
      cards.append(...next.items.map(card));
      more.hidden = cards.children.length >= next.total;
    } catch (error) {
      showError(error);
    }
  } }, t("moreFiles"));
  const link = (nextTab, nextStatus, nextKind = kind) => `#/tracking?tab=${nextTab}${nextStatus ? `&status=${nextStatus}` : ""}${nextKind ? `&kind=${nextKind}` : ""}`;
  const kindFilter = h("select", { id: "kind-filter", onchange: (e) => go(link(tab, status, e.target.value)) },
    h("option", { value: "", selected: !kind }, t("all")),
    ["return", "warranty"].map((k) => h("option", { value: k, selected: kind === k }, t(k === "warranty" ? "kindWarranty" : "kindReturn"))));
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
      h("label", { class: "filter" }, t("filterStatus"), " ", filter),
      h("label", { class: "filter" }, t("filterKind"), " ", kindFilter)),
    h("a", { id: "tracking-notifications", class: "notifications-link", href: "#/notifications" },
      icon("bell"), h("span", {}, t("notificationsTitle")), unreadBadge("tracking-notif-count")),
    waitingClaims, cards, more);
  const refresh = () => {
    if (!section.isConnected) return document.removeEventListener("retour:changed", refresh);
    if (!document.querySelector("dialog[open]")) go(location.hash);
  };
  document.addEventListener("retour:changed", refresh);
  return section;
}
