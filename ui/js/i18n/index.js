// The interface's language: French first (the texts of PRODUCT.md), English on demand. `t(key)`
// falls back to French when English lacks a key. Server texts (error messages, reason and status
// labels) are French; reasons, statuses, outcomes and days also have names by code here, so that
// English shows its own and French never shows a bare code.

import fr from "./fr.js";
import en from "./en.js";
import { set_language } from "../commands.js";

const tables = { fr, en };

const stored = (() => {
  try {
    return localStorage.getItem("retour.lang");
  } catch {
    return null;
  }
})();
let lang = stored === "en" ? "en" : "fr";

export function language() {
  return lang;
}

export function setLanguage(next) {
  lang = next === "en" ? "en" : "fr";
  try {
    localStorage.setItem("retour.lang", lang);
  } catch {
    /* Private mode: the choice lasts for the session. */
  }
  document.documentElement.lang = lang;
  // The core writes the notifications' titles (on screen and the OS's) in it too.
  set_language(lang).catch((error) => console.warn("set_language", error));
}

/** The text for `key` in the current language, else in French; functions get `args`. */
export function t(key, ...args) {
  const value = key in tables[lang] ? tables[lang][key] : fr[key];
  return typeof value === "function" ? value(...args) : value;
}

/**
 * The name of a code of some kind (`reason`, `status`, `outcome`, `day`): in English its English
 * name; in French the server's label when there is one, else the French name. A code nobody
 * knows (a newer server's, with its table out of reach) is written as words ("late_fee" → "Late
 * fee"), never as the bare code.
 */
export function codeLabel(kind, code, serverLabel) {
  const key = `${kind}_${code}`;
  if (lang === "en" && key in en) return en[key];
  return serverLabel || fr[key] || asWords(code);
}

/** `some_code` → "Some code". */
function asWords(code) {
  const words = String(code ?? "").replace(/_/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A reason's label. */
export function reasonLabel(code, serverLabel) {
  return codeLabel("reason", code, serverLabel);
}

/** A file status's label. */
export function statusLabel(code, serverLabel) {
  return codeLabel("status", code, serverLabel);
}

document.documentElement.lang = lang;
