// "Où est mon avoir ?" (screen 12): the totals expected / credited / awaiting / short, then every
// decided line with its state in words ("En attente depuis 12 jours", "Crédité — avoir
// AV2026-0142", "Écart : 4,37 €"), those waiting longest first; "Réclamer" writes a prefilled
// message on the file (offline it waits in the outbox, and the line says so); the CSV export.

import * as commands from "../commands.js";
import { t } from "../i18n/index.js";
import { h, money, date, toast } from "../dom.js";
import { showError } from "../chrome.js";
import { totals, fromCacheNotice, exportButton, backHome } from "../parts/money.js";

/** The Paris day of an instant, "02/12/2026". */
function parisDay(instant) {
  return new Intl.DateTimeFormat("fr-FR", { timeZone: "Europe/Paris", day: "2-digit", month: "2-digit", year: "numeric" }).format(new Date(instant));
}

/** "12.00" − "7.63" on the digits (cents), exact: "4.37". */
function difference(a, b) {
  const cents = (v) => {
    const m = /^(-?)(\d+)(?:\.(\d{1,2}))?/.exec(String(v ?? "0"));
    if (!m) return 0n;
    const value = BigInt(m[2]) * 100n + BigInt((m[3] ?? "").padEnd(2, "0"));
    return m[1] ? -value : value;
  };
  const d = cents(a) - cents(b);
  const sign = d < 0n ? "-" : "";
  const abs = d < 0n ? -d : d;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, "0")}`;
}

/** A line's money in words. */
function stateText(item) {
  const notes = item.credit_notes.join(", ");
  switch (item.state) {
    case "awaiting": return t("creditState_awaiting", item.waiting_days);
    case "credited": return t("creditState_credited", notes);
    case "short": return t("creditState_short", money(difference(item.expected_ht, item.credited_ht)));
    default: return t("creditState_over", money(difference(item.credited_ht, item.expected_ht)));
  }
}

export async function creditsScreen() {
  const section = h("section", { class: "screen money credits" });
  let view = await commands.credits();

  function claimOf(item) {
    return view.claims.find((c) => c.dossier === item.dossier && c.line_no === item.line_no);
  }

  async function claim(item, button) {
    button.disabled = true;
    try {
      const made = await commands.claim_credit(item.dossier, item.line_no);
      toast(made.state === "pending" ? t("claimQueued") : t("claimSent"));
      view = { ...view, claims: [...view.claims.filter((c) => c !== claimOf(item)), made] };
      draw(`claim-state-${item.dossier}-${item.line_no}`);
    } catch (error) {
      showError(error);
      button.disabled = false;
    }
  }

  function itemView(item) {
    const id = `${item.dossier}-${item.line_no}`;
    const made = claimOf(item);
    const waiting = item.state === "awaiting" || item.state === "short";
    const claimable = waiting && (!made || made.state === "refused");
    const button = h("button", { id: `claim-${id}`, class: "secondary claim", type: "button", "aria-label": t("claimLabel", item.reference) }, t("claim"));
    button.addEventListener("click", () => claim(item, button));
    return h("li", { class: `credit-item state-${item.state}`, dataset: { dossier: item.dossier, line: String(item.line_no) } },
      h("p", { class: "line-text" }, h("strong", { class: "reference" }, item.reference), " ", h("span", { class: "designation" }, item.designation)),
      h("p", { class: "muted credit-facts" }, t("creditLineFacts", item.dossier, item.line_no, date(item.decided_on))),
      h("p", { class: "credit-amounts" }, t("creditAmounts", money(item.credited_ht), money(item.expected_ht))),
      h("p", { class: `credit-state ${item.state}` }, stateText(item)),
      made ? h("p", { class: `claim-state ${made.state}`, id: `claim-state-${id}`, tabindex: "-1" }, t(`claimState_${made.state}`, parisDay(made.claimed_at))) : null,
      h("div", { class: "credit-actions" },
        claimable ? button : null,
        h("a", { class: "button link-button", href: `#/tracking/${encodeURIComponent(item.dossier)}` }, t("openFileOf", item.dossier))));
  }

  function draw(focusId) {
    const c = view;
    section.replaceChildren(...[
      backHome(),
      h("div", { class: "title-row" },
        h("h1", { tabindex: "-1" }, t("creditsTitle")),
        exportButton("export-credits", () => commands.open_credits_csv())),
      fromCacheNotice(view),
      totals("credit-totals", [
        [t("creditsExpected"), money(c.expected_ht)],
        [t("creditsCredited"), money(c.credited_ht), "good"],
        [t("creditsAwaiting"), money(c.awaiting_ht), "waiting"],
        [t("creditsShort"), money(c.short_ht), "short"],
      ]),
      c.items.length
        ? h("ul", { id: "credit-items", class: "money-items" }, c.items.map(itemView))
        : h("p", { class: "empty" }, t("creditsEmpty")),
    ].filter(Boolean));
    const focus = focusId && document.getElementById(focusId);
    if (focus) focus.focus();
  }

  draw();
  // A sync that ends well may have sent a waiting claim: its line follows.
  const refresh = async () => {
    if (!section.isConnected) return document.removeEventListener("retour:changed", refresh);
    try {
      view = await commands.credits();
      draw();
    } catch (error) {
      showError(error);
    }
  };
  document.addEventListener("retour:changed", refresh);
  return section;
}
