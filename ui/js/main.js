// Boot, routing and the parts of the window every screen shares: the header with the connection
// state and the pending-sync count, the language switch, the scanner burst handling.

import { call, on, EVENTS } from "./api.js";
import { t, language, setLanguage } from "./i18n.js";
import { h, toast, errorText, dismissStaleToast } from "./dom.js";
import { icon } from "./icons.js";
import { installWedge, setWedgeEnabled, takeBurst } from "./wedge.js";
import { loginScreen, handleSsoLink } from "./screens/login.js";
import { homeScreen } from "./screens/home.js";
import { declareScreen, resultsScreen, blScreen, resolveCode } from "./screens/declare.js";
import { cartScreen, confirmationScreen } from "./screens/cart.js";
import { trackingScreen, dossierScreen } from "./screens/tracking.js";
import { closedScreen, settingsScreen } from "./screens/misc.js";

/** What the screens share: the signed-in user, app facts, the last cart and sync state. */
export const app = {
  info: null,
  user: null,
  service: null,
  cart: null,
  reasons: null,
  sync: { online: true, pending: 0 },
  lastLookup: null,
  lastRequest: null,
};

// Routes: hash pattern → screen. `declare` screens need the service open and accept scanner bursts.
const routes = [
  { path: /^#\/login$/, name: "login", screen: loginScreen, public: true },
  { path: /^#\/home$/, name: "home", screen: homeScreen, scanner: true },
  { path: /^#\/declare$/, name: "declare", screen: declareScreen, declare: true, scanner: true },
  { path: /^#\/results$/, name: "results", screen: resultsScreen, declare: true, scanner: true },
  { path: /^#\/bl\/([^/]+)$/, name: "bl", screen: blScreen, declare: true, scanner: true },
  { path: /^#\/cart$/, name: "cart", screen: cartScreen, declare: true, scanner: true },
  { path: /^#\/confirmation$/, name: "confirmation", screen: confirmationScreen },
  { path: /^#\/tracking$/, name: "tracking", screen: trackingScreen },
  { path: /^#\/tracking\/([^/]+)$/, name: "dossier", screen: dossierScreen },
  { path: /^#\/closed$/, name: "closed", screen: closedScreen },
  { path: /^#\/settings$/, name: "settings", screen: settingsScreen },
];

/** Navigates to a hash route (re-renders even when it is the current one). */
export function go(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

/** The query part of the current hash, e.g. `#/tracking?tab=closed`. */
export function query() {
  const i = location.hash.indexOf("?");
  return new URLSearchParams(i < 0 ? "" : location.hash.slice(i + 1));
}

let renderSerial = 0;

/** Renders the screen of the current hash. */
export async function render() {
  const serial = ++renderSerial;
  const hash = location.hash.split("?")[0] || "#/home";
  const route = routes.find((r) => r.path.test(hash)) || routes[1];
  const params = hash.match(route.path)?.slice(1).map(decodeURIComponent) || [];
  const main = document.getElementById("screen");
  if (!route.public && !app.user) return go("#/login");
  setWedgeEnabled(false);
  document.dispatchEvent(new Event("retour:leave"));
  let node;
  try {
    if (route.declare) {
      app.service = await call("service").catch(() => app.service);
      if (app.service && app.service.open === false) {
        return go("#/closed");
      }
    }
    node = await route.screen(...params);
  } catch (error) {
    node = h("section", { class: "screen" }, h("p", { class: "error", role: "alert" }, errorText(error)),
      h("button", { class: "secondary", onclick: () => go("#/home") }, t("home")));
  }
  if (serial !== renderSerial) return;
  main.replaceChildren(node);
  dismissStaleToast();
  document.body.dataset.screen = route.name;
  reportRender(route.name);
  setWedgeEnabled(Boolean(route.scanner));
  renderChrome();
  // On a phone, focusing a text field would open the on-screen keyboard over the screen.
  const wide = window.matchMedia("(min-width: 900px)").matches;
  const focus = (wide && main.querySelector("[data-desktop-autofocus]")) || main.querySelector("[autofocus]") || main.querySelector("h1");
  if (focus) focus.focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

/** Tells the shell a screen is painted (and how long after a scanner burst), for the bench. */
function reportRender(screen) {
  const burst = screen === "bl" ? takeBurst() : null;
  requestAnimationFrame(() => setTimeout(() => {
    const now = performance.now();
    call("ui_rendered", { screen, burstMs: burst ? now - burst.endAt : null, firstKeyMs: burst ? now - burst.firstAt : null }).catch(() => {});
  }, 0));
}

/** The header: brand, connection state, pending count, language, settings. */
export function renderChrome() {
  const bar = document.getElementById("appbar");
  const { online, pending } = app.sync;
  const net = h("span", { id: "net", class: `pill ${online ? "online" : "offline"}`, role: "status" },
    online ? h("span", { class: "dot", "aria-hidden": "true" }) : icon("wifiOff", 18), online ? t("online") : t("offline"));
  const pendingPill = h("span", { id: "pending", class: `pill ${pending ? "waiting" : "synced"}`, title: pending ? t("pending", pending) : t("pendingNone") },
    icon("sync", 18), h("span", { id: "pending-count" }, String(pending)), h("span", { class: "wide-only" }, pending ? ` ${t("pending", pending).replace(/^\d+ /, "")}` : ` ${t("pendingNone").toLowerCase()}`));
  bar.replaceChildren(
    h("a", { href: app.user ? "#/home" : "#/login", class: "brand", "aria-label": t("home") },
      h("img", { src: "img/logo.svg", alt: "", width: 32, height: 32 }), h("span", { class: "brand-name" }, t("appName"))),
    h("div", { class: "status" }, net, pendingPill),
    h("button", { id: "lang", class: "icon", "aria-label": t("langSwitchLabel"), onclick: switchLanguage }, t("langSwitch")),
    ...(app.user ? [h("a", { id: "settings-link", class: "icon", href: "#/settings", "aria-label": t("settings"), title: t("settings") }, icon("gear", 28))] : []),
  );
}

function switchLanguage() {
  setLanguage(language() === "fr" ? "en" : "fr");
  render();
}

/** The façade's sync state → what the header shows. */
function normalizeSync(state) {
  if (!state) return app.sync;
  const pending = (state.pending_ops ?? 0) + (state.pending_sends ?? 0) + (state.pending ?? 0);
  return { ...state, online: state.online !== false, pending };
}

/** The signed-in user from the façade's session view (null when signed out). */
export function userOf(session) {
  if (!session || session.signed_in === false) return null;
  return session.user ?? (session.email ? { email: session.email, name: "" } : session);
}

/** Called by the sync-state event and after every cart change. */
function onSyncState(state) {
  const before = app.sync;
  app.sync = normalizeSync(state);
  renderChrome();
  // A finished sync may have brought edits from another device or a file's new status.
  if (app.sync.last_sync && app.sync.last_sync !== before.last_sync) document.dispatchEvent(new CustomEvent("retour:changed"));
}

async function boot() {
  renderChrome();
  installWedge((code) => resolveCode(code));
  on(EVENTS.sync, onSyncState);
  on(EVENTS.scan, (read) => resolveCode(read.code ?? read));
  on(EVENTS.sso, () => call("pending_sso_token").then((token) => token && handleSsoLink(token)).catch(() => {}));
  try {
    app.info = await call("app_info");
  } catch {
    app.info = {};
  }
  if (app.info.lang) setLanguage(app.info.lang);
  try {
    app.sync = normalizeSync(await call("sync_state"));
  } catch {
    /* The header keeps its defaults. */
  }
  try {
    app.user = userOf(await call("session"));
  } catch {
    app.user = null;
  }
  window.addEventListener("hashchange", render);
  if (!app.user) {
    location.hash = "#/login";
  } else if (!location.hash || location.hash === "#/login") {
    location.hash = "#/home";
  }
  await render();
  document.body.dataset.ready = "true";
  const token = await call("pending_sso_token").catch(() => null);
  if (token) handleSsoLink(token);
}

/** After a successful login or SSO: service check, then home or the closed screen. */
export async function afterLogin(session) {
  app.user = userOf(session);
  app.service = await call("service").catch(() => null);
  go(app.service && app.service.open === false ? "#/closed" : "#/home");
}

export function showError(error) {
  toast(errorText(error), "error");
}

boot();
