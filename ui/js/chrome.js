// The parts of the window around every screen: the header (brand, connection state, pending-sync
// count, language switch, settings), the error toast, and the header's sync state.

import { app, syncOf } from "./state.js";
import { render } from "./router.js";
import { t, language, setLanguage } from "./i18n/index.js";
import { h, toast, errorText } from "./dom.js";
import { icon } from "./icons.js";

/**
 * The header: brand, connection state, pending count, language, settings. A sync-state change
 * replaces only the two status pills, so that a tap on the brand, the language or the settings
 * never lands on a node the header has just thrown away.
 */
export function renderChrome() {
  const bar = document.getElementById("appbar");
  const { online, pending } = app.sync;
  const net = h("span", { id: "net", class: `pill ${online ? "online" : "offline"}`, role: "status" },
    online ? h("span", { class: "dot", "aria-hidden": "true" }) : icon("wifiOff", 18), online ? t("online") : t("offline"));
  const pendingPill = h("span", { id: "pending", class: `pill ${pending ? "waiting" : "synced"}`, title: pending ? t("pending", pending) : t("pendingNone") },
    icon(pending ? "sync" : "check", 18), h("span", { id: "pending-count", hidden: !pending }, String(pending)),
    h("span", { class: pending ? "wide-only" : "visually-hidden" }, pending ? ` ${t("pending", pending).replace(/^\d+ /, "")}` : t("pendingNone")));
  const layout = `${app.user ? "user" : "guest"}|${language()}`;
  const status = bar.querySelector(".status");
  if (status && bar.dataset.layout === layout) {
    status.replaceChildren(net, pendingPill);
    return;
  }
  bar.dataset.layout = layout;
  bar.replaceChildren(
    h("a", { href: app.user ? "#/home" : "#/login", class: "brand", "aria-label": t("home") },
      h("img", { src: "img/logo.svg", alt: "", width: 32, height: 32 }), h("span", { class: "brand-name" }, t("appName"))),
    // Signed out there is nothing to sync: the header keeps only the brand and the language.
    h("div", { class: "status", hidden: !app.user }, net, pendingPill),
    h("button", { id: "lang", class: "icon", "aria-label": t("langSwitchLabel"), onclick: switchLanguage }, t("langSwitch")),
    ...(app.user ? [h("a", { id: "settings-link", class: "icon", href: "#/settings", "aria-label": t("settings"), title: t("settings") }, icon("gear", 28))] : []),
  );
}

function switchLanguage() {
  setLanguage(language() === "fr" ? "en" : "fr");
  render();
}

/** Shows an error from the core (its French message) in the toast. */
export function showError(error) {
  toast(errorText(error), "error");
}

/** The sync-state event (and the state read at boot): the header follows. */
export function onSyncState(state) {
  const before = app.sync;
  app.sync = syncOf(state);
  renderChrome();
  // A finished sync may have brought edits from another device or a file's new status.
  if (app.sync.last_sync && app.sync.last_sync !== before.last_sync) document.dispatchEvent(new CustomEvent("retour:changed"));
}
