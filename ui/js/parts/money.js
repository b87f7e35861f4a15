// What the money screens and the BL and cart lines share (v1.1, screens 12–15): the return
// window of a line ("À retourner avant le 28/12 (J-3)", highlighted from J-3), a reason's fee
// ("dont frais de remise en stock 10 % : -1,92 €"), the totals tiles, the offline notice, and the
// CSV export button (the shell opens the file the core wrote in the account's folder).

import { showError } from "../chrome.js";
import { t, language } from "../i18n/index.js";
import { h, money, date } from "../dom.js";
import { icon } from "../icons.js";

/** Days left from which a window is urgent (J-3). */
export const URGENT_DAYS = 3;

/** "28/12" of "2026-12-28". */
export function dayMonth(value) {
  return date(value).slice(0, 5);
}

/** A line's window (`{last_day, days_left, deposit_only}`), or nothing once past. */
export function lineWindow(window, id) {
  if (!window) return null;
  const urgent = window.days_left <= URGENT_DAYS;
  const text = window.deposit_only
    ? t("windowDepositBy", dayMonth(window.last_day), window.days_left)
    : t("windowReturnBy", dayMonth(window.last_day), window.days_left);
  return h("span", { class: `window${urgent ? " urgent" : ""}`, id }, text);
}

/** The fee a cart line's reason takes out of its estimate, or nothing. */
export function lineFee(line, id) {
  if (!line.fee || !line.fee_ht) return null;
  const rate = percent(line.fee.rate);
  const label = language() === "en" ? t("feeLabel", rate) : line.fee.label || t("feeLabel", rate);
  return h("span", { class: "fee", id }, t("feeIncluded", label, money(line.fee_ht)));
}

/** "0.10" → "10" (exact: on the digits). */
function percent(rate) {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(String(rate ?? ""));
  if (!m) return String(rate ?? "");
  const fraction = (m[2] ?? "").padEnd(2, "0");
  const whole = String(Number(m[1]) * 100 + Number(fraction.slice(0, 2)));
  const rest = fraction.slice(2).replace(/0+$/, "");
  return rest ? `${whole}${language() === "en" ? "." : ","}${rest}` : whole;
}

/** A row of totals: `[[label, amount, class?]]`. */
export function totals(id, tiles) {
  return h("dl", { class: "money-totals", id },
    tiles.map(([label, value, kind]) => h("div", { class: `tile${kind ? ` ${kind}` : ""}` },
      h("dt", {}, label), h("dd", { class: "amount" }, value))));
}

/** The notice of figures read from the device (offline). */
export function fromCacheNotice(view) {
  return view.from_cache ? h("p", { class: "notice", id: "money-offline" }, t("moneyFromCache")) : null;
}

/** "Exporter en CSV": `open()` has the core write the file and the shell open it. */
export function exportButton(id, open) {
  return h("button", { id, class: "secondary export", type: "button", onclick: async () => {
    try {
      await open();
    } catch (error) {
      showError(error);
    }
  } }, icon("download"), t("exportCsv"));
}

/** The screens' way back home. */
export function backHome() {
  return h("a", { class: "back", href: "#/home" }, icon("back"), t("back"));
}
