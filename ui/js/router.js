// Hash routes → screens: renders the screen of the current hash, with the guards (signed in,
// service open for the declare screens) and the scanner switched on only where bursts count.
// The route table comes from main.js, so that no screen module is imported from here.

import * as commands from "./commands.js";
import { app } from "./state.js";
import { t } from "./i18n/index.js";
import { h, errorText, screenPainted } from "./dom.js";
import { setWedgeEnabled, takeBurst } from "./wedge.js";

/**
 * `{path, name, screen, public?, declare?, scanner?}`: `public` screens need no sign-in,
 * `declare` ones need the service open, `scanner` ones accept scanner bursts.
 */
let routes = [];
let fallback = null;
let afterRender = () => {};

/** Sets the route table (the first `fallback`-named route serves unknown hashes). */
export function setRoutes(table, { fallbackName, onRendered }) {
  routes = table;
  fallback = table.find((r) => r.name === fallbackName) || table[0];
  afterRender = onRendered;
}

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
  const route = routes.find((r) => r.path.test(hash)) || fallback;
  const params = hash.match(route.path)?.slice(1).map(decodeURIComponent) || [];
  const main = document.getElementById("screen");
  if (!route.public && !app.user) return go("#/login");
  setWedgeEnabled(false);
  document.dispatchEvent(new Event("retour:leave"));
  let node;
  try {
    if (route.declare) {
      app.service = await commands.service();
      if (app.service.open === false) return go("#/closed");
    }
    node = await route.screen(...params);
  } catch (error) {
    node = errorScreen(error);
  }
  if (serial !== renderSerial) return;
  main.replaceChildren(node);
  screenPainted();
  document.body.dataset.screen = route.name;
  reportRender(route.name);
  setWedgeEnabled(Boolean(route.scanner));
  afterRender();
  // The screen's first focus, given here and now: never the `autofocus` attribute, which the
  // engine applies a moment later, over a field the user (or a test) has already started typing
  // in. On a phone, focusing a text field would open the on-screen keyboard over the screen.
  const wide = window.matchMedia("(min-width: 900px)").matches;
  const focus = (wide && main.querySelector("[data-desktop-autofocus]")) || main.querySelector("[data-autofocus]") || main.querySelector("h1");
  if (focus) focus.focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

/** A screen that could not be made: the French message from the core, and a way home. */
function errorScreen(error) {
  return h("section", { class: "screen" }, h("p", { class: "error", role: "alert" }, errorText(error)),
    h("button", { class: "secondary", onclick: () => go("#/home") }, t("home")));
}

/** Tells the shell a screen is painted (and how long after a scanner burst), for the bench. */
function reportRender(screen) {
  const burst = screen === "bl" ? takeBurst() : null;
  requestAnimationFrame(() => setTimeout(() => {
    const now = performance.now();
    // Timings for `cargo xtask bench-app`, not data: a failure is logged, not shown.
    commands.ui_rendered(screen, burst ? now - burst.endAt : null, burst ? now - burst.firstAt : null)
      .catch((error) => console.warn("ui_rendered", error));
  }, 0));
}
