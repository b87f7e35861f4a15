// Panier: count and running total, per-line stepper bounded by the eligible quantity, the reasons
// allowed for the line, the line's estimate ("-" after inspection), remove, save, send; then the
// confirmation with the amount, the preparation steps and the pré-accord PDF.

import { call, openFile } from "../api.js";
import { t, reasonLabel } from "../i18n.js";
import { h, money, toast, errorText } from "../dom.js";
import { icon } from "../icons.js";
import { app, go, showError, renderChrome } from "../main.js";

/** The reasons allowed for each cart line, from the line itself or from its BL. */
async function allowedReasons(cart) {
  const byLine = new Map();
  const missing = new Set();
  for (const line of cart.lines) {
    if (line.allowed_reasons) byLine.set(`${line.delivery_note}/${line.line_no}`, line.allowed_reasons.map((r) => r.code ?? r));
    else missing.add(line.delivery_note);
  }
  await Promise.all([...missing].map(async (number) => {
    try {
      const bl = await call("delivery_note", { number });
      for (const l of bl.lines) byLine.set(`${number}/${l.line_no}`, l.allowed_reasons);
    } catch {
      /* Offline without the BL cached: the line shows the reason it has. */
    }
  }));
  return byLine;
}

export async function cartScreen() {
  const [cart, reasons] = await Promise.all([call("cart"), app.reasons ? app.reasons : call("reasons").catch(() => [])]);
  app.reasons = reasons;
  app.cart = cart;
  const section = h("section", { class: "screen cart" });
  let allowed = await allowedReasons(cart);

  async function change(command, args, focusId) {
    try {
      const next = await call(command, args);
      app.cart = next.cart ?? next;
      const known = app.cart.lines.every((l) => allowed.has(`${l.delivery_note}/${l.line_no}`) || l.allowed_reasons);
      if (!known) allowed = await allowedReasons(app.cart);
      draw(focusId);
      renderChrome();
    } catch (error) {
      showError(error);
    }
  }

  /** After a removal, the focus goes to the next line's remove button (or the title). */
  function nextFocus(index) {
    const next = app.cart.lines[index + 1] || app.cart.lines[index - 1];
    return next ? `cl-${next.delivery_note}-${next.line_no}-remove` : null;
  }

  function lineView(line, index) {
    const key = `${line.delivery_note}/${line.line_no}`;
    const id = `cl-${line.delivery_note}-${line.line_no}`;
    const codes = allowed.get(key) || (line.reason ? [line.reason] : []);
    const labelOf = (code) => line.allowed_reasons?.find((r) => r.code === code)?.label ?? reasons.find((r) => r.code === code)?.label;
    const set = (qty, reason, focusId) => change("cart_set", { args: { delivery_note: line.delivery_note, line_no: line.line_no, qty, reason: reason ?? null } }, focusId);
    const minus = h("button", { id: `${id}-minus`, class: "step", type: "button", "aria-label": `${t("decrease")} — ${line.reference}`, disabled: line.qty <= 1,
      onclick: () => set(line.qty - 1, line.reason, `${id}-minus`) }, "−");
    const plus = h("button", { id: `${id}-plus`, class: "step", type: "button", "aria-label": `${t("increase")} — ${line.reference}`, disabled: line.qty >= line.eligible_qty,
      onclick: () => set(line.qty + 1, line.reason, `${id}-plus`) }, "+");
    const reasonGroup = h("div", { class: "reasons", role: "radiogroup", "aria-label": `${t("reason")} — ${line.reference}` },
      codes.map((code) => {
        const label = reasonLabel(code, labelOf(code));
        const radioId = `${id}-reason-${code}`;
        return [h("input", { type: "radio", class: "visually-hidden reason-radio", id: radioId, name: `${id}-reason`, value: code, checked: line.reason === code,
          onchange: () => set(line.qty, code, radioId) }), h("label", { for: radioId, class: "pill-choice" }, label)];
      }));
    return h("li", { class: `cart-line${line.reason ? "" : " needs-reason"}`, id, dataset: { bl: line.delivery_note, line: line.line_no } },
      h("div", { class: "cart-line-head" },
        h("span", { class: "muted" }, t("deliveryNote"), " ", h("strong", {}, line.delivery_note)),
        h("button", { id: `${id}-remove`, class: "icon ghost remove", type: "button", "aria-label": `${t("remove")} — ${line.reference}`, title: t("remove"),
          onclick: () => change("cart_remove", { args: { delivery_note: line.delivery_note, line_no: line.line_no } }, nextFocus(index)) }, icon("trash", 28))),
      h("p", { class: "line-text" }, h("strong", { class: "reference" }, line.reference), " ", h("span", { class: "designation" }, line.designation),
        h("span", { class: "eligible" }, t("eligibleShort", line.eligible_qty))),
      h("div", { class: "cart-line-controls" },
        h("div", { class: "field" }, h("span", { class: "field-label" }, t("qtyToReturn")),
          h("div", { class: "stepper" }, minus, h("output", { class: "qty", id: `${id}-qty`, "aria-live": "polite" }, String(line.qty)), plus)),
        h("div", { class: "field grow" }, h("span", { class: "field-label" }, t("reason")), reasonGroup),
        h("div", { class: "field credit" }, h("span", { class: "field-label" }, t("lineCredit")),
          h("strong", { class: "amount line-credit" }, line.estimated_credit_ht ? money(line.estimated_credit_ht) : "-"))));
  }

  function draw(focusId) {
    const cart = app.cart;
    const complete = cart.can_send ?? (cart.lines.length > 0 && cart.lines.every((l) => l.reason));
    const save = h("button", { id: "save-cart", class: "secondary big", type: "button", disabled: cart.lines.length === 0, onclick: async () => {
      try {
        const saved = await call("cart_save");
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
        app.lastRequest = await call("cart_send");
        go("#/confirmation");
      } catch (error) {
        if (error.code === "service_closed") return go("#/closed");
        showError(error);
        draw();
      }
    } }, t("sendRequest"));
    section.replaceChildren(
      h("div", { class: "title-row" },
        h("h1", { tabindex: "-1" }, t("cartTitle")),
        h("a", { id: "add-more", class: "button secondary", href: "#/declare" }, icon("plus"), t("addMore"))),
      h("div", { class: "summary", role: "status" },
        h("div", {}, h("span", {}, t("itemCount")), " ", h("strong", { id: "cart-count" }, String(cart.count ?? cart.lines.length))),
        h("div", {}, h("span", {}, t("estimatedTotal")), " ", h("strong", { id: "cart-total", class: "amount" }, money(cart.estimated_total_ht)))),
      cart.lines.length
        ? h("ul", { id: "cart-lines", class: "cart-lines" }, cart.lines.map(lineView))
        : h("p", { class: "empty" }, t("cartEmpty")),
      h("div", { class: "sticky-actions" },
        complete || !cart.lines.length ? null : h("p", { id: "send-hint", class: "hint" }, t("reasonMissing")),
        h("div", { class: "row" }, save, send)));
    const focus = focusId && document.getElementById(focusId);
    if (focus && !focus.disabled) focus.focus();
    else if (focusId) section.querySelector("h1").focus();
  }

  draw();
  const refresh = async () => {
    if (!section.isConnected) return document.removeEventListener("retour:changed", refresh);
    app.cart = await call("cart").catch(() => app.cart);
    allowed = await allowedReasons(app.cart);
    const active = document.activeElement?.id;
    draw(active);
  };
  document.addEventListener("retour:changed", refresh);
  return section;
}

export async function confirmationScreen() {
  const request = app.lastRequest;
  if (!request) return go("#/home");
  const dossiers = request.dossiers || [];
  return h("section", { class: "screen confirmation" },
    h("div", { class: "confirm-card" },
      h("p", { class: "check-mark" }, icon("check", 64)),
      h("h1", { tabindex: "-1" }, t("confirmTitle")),
      h("p", {}, t("confirmAmount")),
      h("p", { id: "confirm-amount", class: "big-amount" }, money(request.estimated_total_ht)),
      dossiers.length ? h("p", {}, t("filesCreated", dossiers.length), " ", dossiers.map((d) => h("strong", { class: "file-number" }, d.number, " "))) : null,
      h("h2", {}, t("prepareTitle")),
      h("ol", { class: "steps" }, t("prepareSteps").map((s) => h("li", {}, s))),
      h("button", { id: "open-preaccord", class: "link", type: "button", onclick: async () => {
        try {
          const path = await call("preaccord_path", { requestId: request.id });
          await openFile(path);
        } catch (error) {
          toast(errorText(error), "error");
        }
      } }, icon("doc"), t("openPreaccord")),
      h("p", { class: "hint" }, t("preaccordMailed")),
      h("div", { class: "stack" },
        h("a", { id: "go-tracking-after-send", class: "button primary big", href: "#/tracking", autofocus: true }, t("goTracking")),
        h("a", { id: "go-home-after-send", class: "button secondary big", href: "#/home" }, t("goHome")))));
}
