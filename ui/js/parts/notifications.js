// The unread notifications' badge (on "SUIVRE VOS RETOURS" and the home screen's Notifications
// link), kept up to date from the sync state the shell sends after each sync and each read.

import { app } from "../state.js";
import { t } from "../i18n/index.js";
import { h } from "../dom.js";

/** How many notifications are unread, as the last sync state said. */
export function unreadCount() {
  return app.sync?.unread_notifications ?? 0;
}

/** A badge with the unread count (hidden at 0); `id` names it for the tests. */
export function unreadBadge(id) {
  const n = unreadCount();
  return h("span", { id, class: "badge notif-badge", hidden: !n, "aria-label": t("unreadBadge", n), dataset: { unread: "" } }, String(n));
}

/** Every unread badge on screen follows the sync state. */
export function refreshUnreadBadges() {
  const n = unreadCount();
  for (const badge of document.querySelectorAll("[data-unread]")) {
    badge.textContent = String(n);
    badge.hidden = !n;
    badge.setAttribute("aria-label", t("unreadBadge", n));
  }
}
