// Small DOM helpers: element building without innerHTML (server texts are never parsed as HTML),
// display formats for money and dates, dialogs and the toast.

import { language, t } from "./i18n/index.js";

/** Builds an element: `h("button", {class: "primary", onclick}, "Text", child)`. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "class") {
      el.className = value;
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (key === "value") {
      el.value = value;
    } else if (key === "checked" || key === "disabled" || key === "selected") {
      el[key] = Boolean(value);
      if (value) el.setAttribute(key, "");
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/**
 * An exact decimal string from the server → the amount as a reader of the language expects it:
 * "1234.5" → "1 234,50 €" in French, "€1,234.50" in English. Works on the digits only (no
 * floating point), so what is shown is exactly what the server computed.
 */
export function money(amount) {
  if (amount === undefined || amount === null || amount === "") return "-";
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(String(amount).trim());
  if (!m) return `${amount} €`;
  const [, sign, whole, fraction = ""] = m;
  const cents = fraction.padEnd(2, "0");
  const french = language() !== "en";
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, french ? "\u202f" : ",");
  return french ? `${sign}${grouped},${cents}\u00a0€` : `${sign}€${grouped}.${cents}`;
}

/** "2026-11-28" or an RFC 3339 instant → "28/11/2026". */
export function date(value) {
  if (!value) return "";
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : value;
}

/** Business times are the distributor's: every instant is shown in Europe/Paris. */
const PARIS_TIME = new Intl.DateTimeFormat("fr-FR", { timeZone: "Europe/Paris", day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

/** An RFC 3339 instant → "28/11/2026 14:05" in Europe/Paris, whatever the device's zone. */
export function dateTime(value) {
  if (!value) return "";
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  const part = Object.fromEntries(PARIS_TIME.formatToParts(d).map((p) => [p.type, p.value]));
  return `${part.day}/${part.month}/${part.year} ${part.hour}:${part.minute}`;
}

let toastTimer = 0;
/** When the message was shown, and when the user last pressed, tapped or typed. */
let toastShownAt = 0;
let lastInputAt = 0;
for (const type of ["pointerdown", "mousedown", "touchstart", "keydown"]) {
  document.addEventListener(type, () => (lastInputAt = performance.now()), { capture: true, passive: true });
}

/** Shows a short message under the header; `kind` is "ok" or "error". */
export function toast(message, kind = "ok") {
  const box = document.getElementById("toast");
  toastShownAt = performance.now();
  box.textContent = message;
  box.className = `toast show ${kind}`;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (box.className = "toast"), kind === "error" ? 6000 : 3500);
}

/** Takes the message away (one about a state that has just changed). */
export function hideToast() {
  clearTimeout(toastTimer);
  document.getElementById("toast").className = "toast";
}

/**
 * A screen is painted: a message the user has acted since goes with the screen it was about
 * ("panier enregistré", then a tap on the brand). One shown by the action that opened this
 * screen ("Code lu" opening a BL, "ajouté au panier" opening the cart) stays.
 */
export function screenPainted() {
  if (lastInputAt > toastShownAt) hideToast();
}

/** Opens a modal dialog with a title and content; returns the dialog element. */
export function dialog(title, ...content) {
  const box = h(
    "dialog",
    { class: "sheet", "aria-label": title },
    h("h2", {}, title),
    ...content,
    h("div", { class: "actions" }, h("button", { class: "secondary", "data-close": "", onclick: () => box.close() }, t("close"))),
  );
  box.addEventListener("close", () => box.remove());
  document.body.append(box);
  box.showModal();
  return box;
}

/** The message of an error from the core, or a generic one. */
export function errorText(error) {
  return (error && error.message) || t("genericError");
}
