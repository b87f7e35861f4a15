// Accueil: the three actions, with the badge of saved cart lines not yet sent and the badge of
// unread notifications on "SUIVRE VOS RETOURS"; the Notifications and "Préparer l'enlèvement"
// links under them ("Mode chauffeur" for staff).

import * as commands from "../commands.js";
import { app } from "../state.js";
import { t } from "../i18n/index.js";
import { h } from "../dom.js";
import { icon } from "../icons.js";
import { unreadBadge } from "../parts/notifications.js";

export async function homeScreen() {
  app.cart = await commands.cart();
  const count = app.cart?.count ?? 0;
  const badge = h("span", { id: "cart-badge", class: "badge", hidden: !count, "aria-label": t("cartBadge", count) }, String(count));
  return h("section", { class: "screen home" },
    h("h1", { tabindex: "-1", class: "visually-hidden" }, t("home")),
    app.user?.name ? h("p", { class: "hello" }, t("hello", app.user.name)) : null,
    h("nav", { class: "home-actions" },
      h("a", { id: "go-declare", class: "action", href: "#/declare", autofocus: true },
        h("span", { class: "action-icon" }, icon("plus", 44)), h("span", {}, t("declareNew"))),
      h("a", { id: "go-cart", class: "action", href: "#/cart" },
        h("span", { class: "action-icon" }, icon("cart", 44)), h("span", {}, t("finalize")), badge),
      h("a", { id: "go-tracking", class: "action", href: "#/tracking" },
        h("span", { class: "action-icon" }, icon("truck", 44)), h("span", {}, t("track")), unreadBadge("notif-badge"))),
    h("a", { id: "go-notifications", class: "notifications-link", href: "#/notifications" },
      icon("bell"), h("span", {}, t("notificationsTitle")), unreadBadge("notif-count")),
    h("a", { id: "go-pickup", class: "notifications-link", href: "#/pickup" },
      icon("truck"), h("span", {}, t("pickupTitle"))),
    app.user?.role === "staff" ? h("a", { id: "go-driver", class: "notifications-link", href: "#/driver" },
      icon("truck"), h("span", {}, t("driverTitle"))) : null);
}
