// Boot: the route table, the shell's events (sync state, SSO links, camera reads), the scanner,
// a session that ended (back to the login screen, which says so), then the first screen.
// Nothing imports this module.

import { on, EVENTS } from "./api.js";
import * as commands from "./commands.js";
import { app, userOf, syncOf } from "./state.js";
import { setRoutes, render, go } from "./router.js";
import { renderChrome, showError, onSyncState } from "./chrome.js";
import { setLanguage, language } from "./i18n/index.js";
import { h, errorText, hideToast } from "./dom.js";
import { installWedge } from "./wedge.js";
import { resolveCode } from "./parts/resolve-code.js";
import { refreshRefusals } from "./parts/refusals.js";
import { refreshUnreadBadges } from "./parts/notifications.js";
import { loginScreen, handleSsoLink, openAccountLink } from "./screens/login.js";
import { homeScreen } from "./screens/home.js";
import { declareScreen } from "./screens/declare.js";
import { resultsScreen } from "./screens/results.js";
import { deliveryNoteScreen } from "./screens/delivery-note.js";
import { cartScreen } from "./screens/cart.js";
import { confirmationScreen } from "./screens/confirmation.js";
import { trackingScreen } from "./screens/tracking.js";
import { dossierScreen } from "./screens/dossier.js";
import { closedScreen } from "./screens/closed.js";
import { settingsScreen } from "./screens/settings.js";
import { notificationsScreen } from "./screens/notifications.js";
import { warrantyScreen } from "./screens/warranty.js";
import { pickupScreen } from "./screens/pickup.js";
import { driverScreen } from "./screens/driver.js";
import { creditsScreen } from "./screens/credits.js";
import { depositsScreen } from "./screens/deposits.js";
import { reportScreen } from "./screens/report.js";

// Routes: hash pattern → screen. `declare` screens need the service open; `scanner` ones accept
// scanner bursts.
setRoutes([
  { path: /^#\/login$/, name: "login", screen: loginScreen, public: true },
  { path: /^#\/home$/, name: "home", screen: homeScreen, scanner: true },
  { path: /^#\/declare$/, name: "declare", screen: declareScreen, declare: true, scanner: true },
  { path: /^#\/results$/, name: "results", screen: resultsScreen, declare: true, scanner: true },
  { path: /^#\/bl\/([^/]+)$/, name: "bl", screen: deliveryNoteScreen, declare: true, scanner: true },
  { path: /^#\/cart$/, name: "cart", screen: cartScreen, declare: true, scanner: true },
  { path: /^#\/confirmation$/, name: "confirmation", screen: confirmationScreen },
  { path: /^#\/tracking$/, name: "tracking", screen: trackingScreen },
  { path: /^#\/tracking\/([^/]+)$/, name: "dossier", screen: dossierScreen },
  { path: /^#\/closed$/, name: "closed", screen: closedScreen },
  { path: /^#\/settings$/, name: "settings", screen: settingsScreen },
  { path: /^#\/notifications$/, name: "notifications", screen: notificationsScreen },
  { path: /^#\/warranty\/([^/]+)\/(\d+)$/, name: "warranty", screen: warrantyScreen, scanner: true },
  { path: /^#\/pickup$/, name: "pickup", screen: pickupScreen },
  { path: /^#\/driver$/, name: "driver", screen: driverScreen, scanner: true },
  { path: /^#\/money\/credits$/, name: "credits", screen: creditsScreen },
  { path: /^#\/money\/deposits$/, name: "deposits", screen: depositsScreen },
  { path: /^#\/money\/report$/, name: "report", screen: reportScreen },
], { fallbackName: "home", onRendered: () => { renderChrome(); refreshRefusals(); } });

/** An SSO link's token, when one waits: signs in with it. */
async function takePendingSsoToken() {
  try {
    const token = await commands.pending_sso_token();
    if (token) await handleSsoLink(token);
  } catch (error) {
    showError(error);
  }
}

/** A reset or unlock link the app was opened with, when one waits: its form. */
async function takePendingAccountLink() {
  try {
    openAccountLink(await commands.pending_account_link());
  } catch (error) {
    showError(error);
  }
}

/**
 * The session ended on the server (its refresh was refused, or it was revoked): the login screen,
 * saying why, with the account's e-mail; the cart stays on the device for the next sign-in.
 */
async function sessionEnded() {
  if (!app.user) return;
  // Only when the core agrees: still signed in (a stray refusal), or no account open any more (a
  // sign-out from the settings), is not an expired session.
  const session = await commands.session().catch(() => null);
  if (!app.user || !session || session.signed_in || !session.email) return;
  app.user = null;
  app.sessionExpired = true;
  // A message about the account's last screen ("ajouté au panier") has nothing to do here.
  hideToast();
  go("#/login");
}

/** After a sync that failed: was it because the session ended? */
async function checkSession() {
  try {
    if (app.user && !userOf(await commands.session())) await sessionEnded();
  } catch (error) {
    console.warn("session", error);
  }
}

async function boot() {
  renderChrome();
  document.addEventListener("retour:session-ended", sessionEnded);
  installWedge((code) => resolveCode(code));
  on(EVENTS.sync, (state) => {
    onSyncState(state);
    refreshUnreadBadges();
    // A finished sync may have brought refusals, or found the session ended.
    if (!state.syncing) refreshRefusals();
    if (!state.syncing && state.last_error) checkSession();
  });
  on(EVENTS.scan, (read) => resolveCode(read.code ?? read));
  on(EVENTS.sso, takePendingSsoToken);
  on(EVENTS.accountLink, takePendingAccountLink);
  app.info = await commands.app_info();
  setLanguage(app.info.lang ?? language());
  app.sync = syncOf(await commands.sync_state());
  app.user = userOf(await commands.session());
  window.addEventListener("hashchange", render);
  // The first screen's address is set without a `hashchange` (which would render it a second
  // time, over a login form being typed in), then rendered once.
  if (!app.user) {
    history.replaceState(null, "", "#/login");
  } else if (!location.hash || location.hash === "#/login") {
    history.replaceState(null, "", app.user.role === "staff" ? "#/driver" : "#/home");
  }
  await render();
  document.body.dataset.ready = "true";
  await takePendingSsoToken();
  await takePendingAccountLink();
}

boot().catch((error) => {
  // The shell did not answer: say so in the window rather than leave "Retour…".
  document.getElementById("screen").replaceChildren(
    h("section", { class: "screen" }, h("p", { class: "error", role: "alert" }, errorText(error))));
});
