// Accueil: the three actions, with the badge of saved cart lines not yet sent and the badge of
// unread notifications on "SUIVRE VOS RETOURS"; the Notifications link under them, then for a
// garage "Préparer l'enlèvement" and its money (v1.1): "Où est mon avoir ?", "Mes consignes",
// "Mon bilan"; for the returns staff, "Mode chauffeur".

import * as commands from "../commands.js";
import { app } from "../state.js";
import { t } from "../i18n/index.js";
import { h } from "../dom.js";
import { icon } from "../icons.js";
import { unreadBadge } from "../parts/notifications.js";

export async function homeScreen() {
  app.cart = await commands.cart();
  const count = app.cart?.count ?? 0;
  const staff = app.user?.role === "staff";
  const badge = h("span", { id: "cart-badge", class: "badge", hidden: !count, "aria-label": t("cartBadge", count) }, String(count));
  return h("section", { class: "screen home" },
    h("h1", { tabindex: "-1", class: "visually-hidden" }, t("home")),
    app.user?.name ? h("p", { class: "hello" }, t("hello", app.user.name)) : null,
    h("nav", { class: "home-actions" },
      h("a", { id: "go-declare", class: "action", href: "#/declare", "data-autofocus": true },
        h("span", { class: "action-icon" }, icon("plus", 44)), h("span", {}, t("declareNew"))),
      h("a", { id: "go-cart", class: "action", href: "#/cart" },
        h("span", { class: "action-icon" }, icon("cart", 44)), h("span", {}, t("finalize")), badge),
      h("a", { id: "go-tracking", class: "action", href: "#/tracking" },
        h("span", { class: "action-icon" }, icon("truck", 44)), h("span", {}, t("track")), unreadBadge("notif-badge"))),
    h("a", { id: "go-notifications", class: "notifications-link", href: "#/notifications" },
      icon("bell"), h("span", {}, t("notificationsTitle")), unreadBadge("notif-count")),
    staff ? h("a", { id: "go-driver", class: "notifications-link", href: "#/driver" },
      icon("truck"), h("span", {}, t("driverTitle"))) : null,
    staff ? null : h("a", { id: "go-pickup", class: "notifications-link", href: "#/pickup" },
      icon("truck"), h("span", {}, t("pickupTitle"))),
    staff ? null : h("nav", { class: "money-links", "aria-labelledby": "money-title" },
      h("h2", { id: "money-title" }, t("moneyTitle")),
      h("a", { id: "go-credits", class: "money-link", href: "#/money/credits" }, icon("euro", 28), h("span", {}, t("goCredits"))),
      h("a", { id: "go-deposits", class: "money-link", href: "#/money/deposits" }, icon("recycle", 28), h("span", {}, t("goDeposits"))),
      h("a", { id: "go-report", class: "money-link", href: "#/money/report" }, icon("chart", 28), h("span", {}, t("goReport")))));
}
