// Notifications: what the sync pulled, newest first; an unread one is marked; a tap marks it read
// (and every older one: "read up to", as the server counts) and opens its file (a deposit
// deadline, which names no file, opens "Mes consignes").

import * as commands from "../commands.js";
import { app } from "../state.js";
import { go } from "../router.js";
import { showError } from "../chrome.js";
import { t, language } from "../i18n/index.js";
import { h, dateTime } from "../dom.js";
import { icon } from "../icons.js";
import { refreshUnreadBadges } from "../parts/notifications.js";

/** After a read: the badges follow at once, before the sync state comes back. */
function counted(view) {
  app.sync = { ...app.sync, unread_notifications: view.unread };
  refreshUnreadBadges();
  return view;
}

/** Where a notification leads: its file, else for a deposit deadline "Mes consignes". */
function target(n) {
  if (n.dossier) return `#/tracking/${encodeURIComponent(n.dossier)}`;
  return n.kind === "deposit_due" ? "#/money/deposits" : "#/notifications";
}

function item(n) {
  const open = async (event) => {
    event.preventDefault();
    try {
      if (!n.read) counted(await commands.mark_notifications_read(n.seq));
    } catch (error) {
      return showError(error);
    }
    go(target(n));
  };
  return h("li", { class: `notification${n.read ? "" : " unread"}`, dataset: { seq: String(n.seq), kind: n.kind } },
    h("a", { class: "notification-link", href: target(n), onclick: open },
      h("span", { class: "notification-head" },
        h("span", { class: "kind" }, t(`notificationKind_${n.kind}`) ?? n.kind),
        h("time", { datetime: n.at }, dateTime(n.at))),
      h("strong", { class: "notification-title" }, n.read ? null : h("span", { class: "unread-dot", "aria-hidden": "true" }), n.title),
      h("span", { class: "notification-body", lang: language() === "en" ? "fr" : null }, n.body),
      n.read ? null : h("span", { class: "visually-hidden" }, t("unread"))));
}

export async function notificationsScreen() {
  const view = counted(await commands.notifications());
  const list = h("ul", { id: "notification-list", class: "notification-list" }, view.items.map(item));
  if (!view.items.length) list.append(h("li", { class: "empty" }, t("noNotifications")));
  const newest = view.items[0]?.seq ?? 0;
  const readAll = h("button", { id: "read-all", class: "secondary", type: "button", hidden: !view.unread, onclick: async () => {
    try {
      counted(await commands.mark_notifications_read(newest));
      go("#/notifications");
    } catch (error) {
      showError(error);
    }
  } }, icon("check"), t("markAllRead"));
  const section = h("section", { class: "screen notifications" },
    h("div", { class: "title-row" },
      h("h1", { tabindex: "-1" }, t("notificationsTitle")),
      readAll),
    h("p", { id: "unread-summary", class: "hint" }, view.unread ? t("unreadSummary", view.unread) : t("allRead")),
    list);
  // A sync that brought new ones while the screen is open: shown at once.
  const refresh = async () => {
    if (!section.isConnected) return document.removeEventListener("retour:changed", refresh);
    go("#/notifications");
  };
  document.addEventListener("retour:changed", refresh);
  return section;
}
