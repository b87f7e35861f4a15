// Nouveau retour produit: one BL's lines with what is still eligible, the lines of a looked-up
// reference preselected, and "add to cart". A BL with nothing to return says why at the top
// (past its window, all returned) and on each line; a BL not found on this account, or not on
// the device while offline, is a screen with ways forward (parts/dead-end.js).

import * as commands from "../commands.js";
import { app } from "../state.js";
import { go } from "../router.js";
import { showError } from "../chrome.js";
import { t } from "../i18n/index.js";
import { h, date, toast } from "../dom.js";
import { icon } from "../icons.js";
import { blHelp, warrantyLink } from "../parts/delivery-note.js";
import { blNotFound, blOffline, availabilityNotice, lineBlockedText } from "../parts/dead-end.js";
import { lineWindow } from "../parts/money.js";

export async function deliveryNoteScreen(number) {
  let bl;
  try {
    bl = await commands.delivery_note(number);
  } catch (error) {
    if (error.code === "not_found") return blNotFound(number);
    if (error.code === "unreachable") return blOffline(number);
    throw error;
  }
  // An older core without `availability`: as before, every BL offers its lines.
  const returnable = (bl.availability?.state ?? "returnable") === "returnable";
  const blocked = new Map((bl.line_availability ?? []).map((a) => [a.line_no, a]));
  const preselected = new Set(app.lastLookup?.matches?.find((m) => m.number === bl.number)?.line_nos ?? []);
  const boxes = [];
  const addButton = h("button", { id: "add-to-cart", class: "primary big", type: "button" });
  const allButton = h("button", { id: "select-all", class: "link", type: "button" });
  function refresh() {
    const n = boxes.filter((b) => b.checked).length;
    addButton.textContent = t("addToCart", n);
    addButton.disabled = n === 0;
    const selectable = boxes.filter((b) => !b.disabled);
    allButton.textContent = selectable.length && selectable.every((b) => b.checked) ? t("unselectAll") : t("selectAll");
    allButton.disabled = selectable.length === 0;
  }
  const lines = bl.lines.map((line) => {
    const selectable = line.eligible_qty > 0;
    const box = h("input", { type: "checkbox", id: `line-${line.line_no}`, dataset: { line: line.line_no }, disabled: !selectable,
      checked: selectable && preselected.has(line.line_no), onchange: refresh });
    boxes.push(box);
    return h("li", { class: `bl-line${selectable ? "" : " disabled"}${preselected.has(line.line_no) ? " matched" : ""}` },
      h("label", { for: box.id },
        h("span", { class: "line-text" },
          h("strong", { class: "reference" }, line.reference), " ", h("span", { class: "designation" }, line.designation),
          // Past the window the counts say nothing: the reason replaces them.
          blocked.get(line.line_no)?.state === "window_passed" ? null
            : h("span", { class: "eligible" }, t("eligible", line.eligible_qty, line.returned_qty)),
          selectable ? lineWindow(blocked.get(line.line_no)?.window, `window-${line.line_no}`)
            : h("span", { class: "blocked" }, lineBlockedText(blocked.get(line.line_no)))),
        box),
      line.delivered_qty > line.returned_qty ? warrantyLink(bl.number, line.line_no) : null);
  });
  allButton.addEventListener("click", () => {
    const selectable = boxes.filter((b) => !b.disabled);
    const all = selectable.every((b) => b.checked);
    selectable.forEach((b) => (b.checked = !all));
    refresh();
  });
  addButton.addEventListener("click", async () => {
    const lineNos = boxes.filter((b) => b.checked).map((b) => Number(b.dataset.line));
    addButton.disabled = true;
    try {
      for (const lineNo of lineNos) app.cart = await commands.cart_add({ delivery_note: bl.number, line_no: lineNo });
      toast(t("added", lineNos.length));
      go("#/cart");
    } catch (error) {
      showError(error);
      refresh();
    }
  });
  refresh();
  return h("section", { class: "screen bl-detail" },
    h("a", { class: "back", href: "#/declare" }, icon("back"), t("back")),
    h("h1", { tabindex: "-1" }, t("blDetailTitle")),
    h("p", { class: "bl-head" }, t("blLabel"), " ", h("strong", { id: "bl-number" }, bl.number),
      h("button", { class: "info-button", type: "button", "aria-label": t("whereIsNumber"), onclick: blHelp }, "i"),
      h("span", { class: "muted bl-date" }, t("deliveryDate"), " ", date(bl.delivered_on))),
    availabilityNotice(bl.availability),
    // Nothing to select on a BL with nothing to return: its lines, each saying why.
    returnable ? h("div", { class: "select-head" }, h("h2", {}, t("selectItems")), allButton) : h("h2", {}, t("blLinesTitle")),
    h("ul", { id: "bl-lines", class: "bl-lines" }, lines),
    returnable ? h("div", { class: "sticky-actions" }, addButton) : null);
}
