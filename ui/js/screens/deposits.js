// "Mes consignes" (screen 13): the deposits paid on exchange parts whose old part has not come
// back — € at stake, what is due within 14 days, each one's due date and days left, the most
// urgent first (highlighted from J-3) — and "Ajouter au panier" in one tap, with the reason
// Consigne.

import * as commands from "../commands.js";
import { app } from "../state.js";
import { t } from "../i18n/index.js";
import { h, money, date, toast } from "../dom.js";
import { showError, renderChrome } from "../chrome.js";
import { icon } from "../icons.js";
import { totals, fromCacheNotice, backHome, URGENT_DAYS } from "../parts/money.js";

/** Open ones by due date first, then those in return, expired, refunded. */
const ORDER = { open: 0, in_return: 1, expired: 2, refunded: 3 };

function byUrgency(a, b) {
  return (ORDER[a.state] ?? 9) - (ORDER[b.state] ?? 9) || a.due_on.localeCompare(b.due_on) || a.delivery_note.localeCompare(b.delivery_note) || a.line_no - b.line_no;
}

function dueText(item) {
  switch (item.state) {
    case "open": return item.days_left === undefined || item.days_left === null
      ? t("depositState_expired", date(item.due_on))
      : t("depositDue", date(item.due_on), item.days_left);
    case "expired": return t("depositState_expired", date(item.due_on));
    case "in_return": return t("depositState_in_return");
    default: return t("depositState_refunded");
  }
}

export async function depositsScreen() {
  const [view, cart] = await Promise.all([commands.deposits(), commands.cart()]);
  app.cart = cart;
  const inCart = (item) => app.cart.lines.some((l) => l.delivery_note === item.delivery_note && l.line_no === item.line_no);

  function added(item) {
    return [h("span", { class: "in-cart", id: `in-cart-${item.delivery_note}-${item.line_no}`, tabindex: "-1" }, icon("check"), t("depositInCart")),
      h("a", { class: "button link-button", href: "#/cart" }, t("goToCart"))];
  }

  function itemView(item) {
    const id = `${item.delivery_note}-${item.line_no}`;
    const urgent = item.state === "open" && item.days_left !== undefined && item.days_left !== null && item.days_left <= URGENT_DAYS;
    const actions = h("div", { class: "deposit-actions" });
    if (item.state === "open" && inCart(item)) actions.append(...added(item));
    else if (item.state === "open") {
      const button = h("button", { id: `deposit-to-cart-${id}`, class: "primary", type: "button", "aria-label": t("depositToCartLabel", item.reference) },
        icon("cart"), t("depositToCart"));
      button.addEventListener("click", async () => {
        button.disabled = true;
        try {
          app.cart = await commands.deposit_to_cart(item.delivery_note, item.line_no);
          toast(t("depositAdded"));
          renderChrome();
          actions.replaceChildren(...added(item));
          document.getElementById(`in-cart-${id}`)?.focus();
        } catch (error) {
          showError(error);
          button.disabled = false;
        }
      });
      actions.append(button);
    }
    return h("li", { class: `deposit-item state-${item.state}${urgent ? " urgent" : ""}`, dataset: { bl: item.delivery_note, line: String(item.line_no) } },
      h("p", { class: "line-text" }, h("strong", { class: "reference" }, item.reference), " ", h("span", { class: "designation" }, item.designation)),
      h("p", { class: "muted deposit-facts" }, t("depositLineFacts", item.delivery_note, item.line_no, date(item.delivered_on))),
      h("p", { class: "deposit-amount" }, h("strong", { class: "amount" }, money(item.at_stake_ht)),
        item.open_qty > 1 ? h("span", { class: "muted" }, ` (${t("depositAmount", item.open_qty, money(item.deposit_ht), money(item.at_stake_ht))})`) : null),
      h("p", { class: `deposit-due ${item.state}${urgent ? " urgent" : ""}` }, dueText(item)),
      actions.childNodes.length ? actions : null);
  }

  const d = view;
  const items = [...d.items].sort(byUrgency);
  return h("section", { class: "screen money deposits" },
    backHome(),
    h("h1", { tabindex: "-1" }, t("depositsTitle")),
    fromCacheNotice(view),
    totals("deposit-totals", [
      [t("depositsAtStake"), money(d.at_stake_ht)],
      [t("depositsDueSoon"), money(d.due_soon_ht), "waiting"],
    ]),
    items.length
      ? h("ul", { id: "deposit-items", class: "money-items" }, items.map(itemView))
      : h("p", { class: "empty" }, t("depositsEmpty")));
}
