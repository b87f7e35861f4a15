// Panier: count and running total, per-line stepper bounded by the eligible quantity, the reasons
// allowed for the line (with their labels, from the line itself), the line's estimate ("-" after
// inspection), its photos (up to 5, required by some reasons), remove (with "Annuler" in the
// removed line's place), save, send; each line's return window (highlighted from J-3) and its
// reason's fee.

import * as commands from "../commands.js";
import { app } from "../state.js";
import { go } from "../router.js";
import { showError, renderChrome } from "../chrome.js";
import { t, reasonLabel } from "../i18n/index.js";
import { h, money, toast, hideToast } from "../dom.js";
import { icon } from "../icons.js";
import { cartLinePhotos } from "../parts/photos.js";
import { lineWindow, lineFee } from "../parts/money.js";

export async function cartScreen() {
  app.cart = await commands.cart();
  const section = h("section", { class: "screen cart" });

  /** Runs a cart edit, then redraws with the cart it returns ("panier enregistré" is then old). */
  async function change(edit, focusId) {
    try {
      app.cart = await edit();
      hideToast();
      draw(focusId);
      renderChrome();
    } catch (error) {
      showError(error);
    }
  }

  /**
   * The line removed last and where it stood: its place shows "Ligne retirée" and "Annuler" (in
   * the list, where the thumb is, covering nothing) until the line is back or the screen is left.
   */
  let removed = null;

  /** Takes a line out of the cart; the focus goes to "Annuler". */
  function remove(line, index) {
    return change(async () => {
      const cart = await commands.cart_remove({ delivery_note: line.delivery_note, line_no: line.line_no });
      removed = { line, index };
      return cart;
    }, "undo-remove");
  }

  /** Puts the removed line back as it was (quantity and reason): a new put in the cart's log. */
  function undo() {
    const { line } = removed;
    return change(async () => {
      const cart = await commands.cart_add({ delivery_note: line.delivery_note, line_no: line.line_no, qty: line.qty, reason: line.reason ?? null });
      removed = null;
      return cart;
    }, `cl-${line.delivery_note}-${line.line_no}-remove`);
  }

  /** The removed line's place, while it is not in the cart again (a sync may bring it back). */
  function removedView() {
    if (!removed) return null;
    const { line } = removed;
    if (app.cart.lines.some((l) => l.delivery_note === line.delivery_note && l.line_no === line.line_no)) {
      removed = null;
      return null;
    }
    return h("li", { class: "cart-line-removed", dataset: { bl: line.delivery_note, line: line.line_no } },
      h("span", {}, t("lineRemoved", line.reference)),
      h("button", { id: "undo-remove", class: "undo", type: "button", "aria-label": `${t("undo")} — ${t("lineRemoved", line.reference)}`, onclick: undo }, t("undo")));
  }

  function lineView(line, index) {
    const id = `cl-${line.delivery_note}-${line.line_no}`;
    const choices = line.allowed_reasons;
    const set = (qty, reason, focusId) => change(() => commands.cart_set({ delivery_note: line.delivery_note, line_no: line.line_no, qty, reason: reason ?? null }), focusId);
    const minus = h("button", { id: `${id}-minus`, class: "step", type: "button", "aria-label": `${t("decrease")} — ${line.reference}`, disabled: line.qty <= 1,
      onclick: () => set(line.qty - 1, line.reason, `${id}-minus`) }, "−");
    const plus = h("button", { id: `${id}-plus`, class: "step", type: "button", "aria-label": `${t("increase")} — ${line.reference}`, disabled: line.qty >= line.eligible_qty,
      onclick: () => set(line.qty + 1, line.reason, `${id}-plus`) }, "+");
    const reasonGroup = h("div", { class: "reasons", role: "radiogroup", "aria-label": `${t("reason")} — ${line.reference}` },
      choices.map(({ code, label: serverLabel }) => {
        const label = reasonLabel(code, serverLabel);
        const radioId = `${id}-reason-${code}`;
        return [h("input", { type: "radio", class: "visually-hidden reason-radio", id: radioId, name: `${id}-reason`, value: code, checked: line.reason === code,
          onchange: () => set(line.qty, code, radioId) }), h("label", { for: radioId, class: "pill-choice" }, label)];
      }));
    return h("li", { class: `cart-line${line.reason ? "" : " needs-reason"}${line.photo_missing ? " needs-photo" : ""}`, id, dataset: { bl: line.delivery_note, line: line.line_no } },
      h("div", { class: "cart-line-head" },
        h("span", { class: "muted" }, t("deliveryNote"), " ", h("strong", {}, line.delivery_note)),
        h("button", { id: `${id}-remove`, class: "icon ghost remove", type: "button", "aria-label": `${t("remove")} — ${line.reference}`, title: t("remove"),
          onclick: () => remove(line, index) }, icon("trash", 28))),
      h("p", { class: "line-text" }, h("strong", { class: "reference" }, line.reference), " ", h("span", { class: "designation" }, line.designation),
        h("span", { class: "eligible" }, t("eligibleShort", line.eligible_qty)),
        lineWindow(line.window, `${id}-window`)),
      h("div", { class: "cart-line-controls" },
        h("div", { class: "field" }, h("span", { class: "field-label" }, t("qtyToReturn")),
          h("div", { class: "stepper" }, minus, h("output", { class: "qty", id: `${id}-qty`, "aria-live": "polite" }, String(line.qty)), plus)),
        h("div", { class: "field grow" }, h("span", { class: "field-label" }, t("reason")), reasonGroup),
        h("div", { class: "field credit" }, h("span", { class: "field-label" }, t("lineCredit")),
          h("strong", { class: "amount line-credit" }, line.estimated_credit_ht ? money(line.estimated_credit_ht) : "-"),
          lineFee(line, `${id}-fee`))),
      cartLinePhotos(line, id, change));
  }

  /** The lines' views with the removed line's place among them. */
  function withRemoved(views) {
    const place = removedView();
    if (place) views.splice(Math.min(removed.index, views.length), 0, place);
    return views;
  }

  function draw(focusId) {
    const cart = app.cart;
    const complete = cart.can_send ?? (cart.lines.length > 0 && cart.lines.every((l) => l.reason && !l.photo_missing));
    const hint = cart.lines.every((l) => l.reason) ? t("photoMissing") : t("reasonMissing");
    const save = h("button", { id: "save-cart", class: "secondary big", type: "button", disabled: cart.lines.length === 0, onclick: async () => {
      try {
        const saved = await commands.save();
        if (saved && saved.lines) app.cart = saved;
        if (saved && typeof saved.count === "number") app.cart = { ...app.cart, count: saved.count };
        toast(saved?.message || t("cartSaved"));
        renderChrome();
      } catch (error) {
        showError(error);
      }
    } }, icon("save"), t("saveCart"));
    const send = h("button", { id: "send-request", class: "primary big", type: "button", disabled: !complete, "aria-describedby": complete ? null : "send-hint", onclick: async () => {
      send.disabled = true;
      send.textContent = t("sending");
      try {
        app.lastRequest = await commands.send();
        go("#/confirmation");
      } catch (error) {
        if (error.code === "service_closed") return go("#/closed");
        showError(error);
        draw();
      }
    } }, t("sendRequest"));
    // (`replaceChildren` writes a `null` as the text "null": the parts left out are filtered.)
    section.replaceChildren(...[
      h("div", { class: "title-row" },
        h("h1", { tabindex: "-1" }, t("cartTitle")),
        h("a", { id: "add-more", class: "button secondary", href: "#/declare" }, icon("plus"), t("addMore"))),
      h("div", { class: "summary", role: "status" },
        h("div", {}, h("span", {}, t("itemCount")), " ", h("strong", { id: "cart-count" }, String(cart.count ?? cart.lines.length))),
        h("div", {}, h("span", {}, t("estimatedTotal")), " ", h("strong", { id: "cart-total", class: "amount" }, money(cart.estimated_total_ht)))),
      cart.lines.length || removed
        ? h("ul", { id: "cart-lines", class: "cart-lines" }, withRemoved(cart.lines.map(lineView)))
        : null,
      cart.lines.length ? null : h("p", { class: "empty" }, t("cartEmpty")),
      h("div", { class: "sticky-actions" },
        complete || !cart.lines.length ? null : h("p", { id: "send-hint", class: "hint" }, hint),
        h("div", { class: "row" }, save, send)),
    ].filter(Boolean));
    const focus = focusId && document.getElementById(focusId);
    if (focus && !focus.disabled) focus.focus();
    else if (focusId) section.querySelector("h1").focus();
  }

  draw();
  const refresh = async () => {
    if (!section.isConnected) return document.removeEventListener("retour:changed", refresh);
    try {
      app.cart = await commands.cart();
    } catch (error) {
      return showError(error);
    }
    draw(document.activeElement?.id);
  };
  document.addEventListener("retour:changed", refresh);
  return section;
}
