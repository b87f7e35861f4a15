// What the BL screens share: a BL's row in a list, the "where is the number?" dialog, and a
// line's way to a warranty claim ("Garantie").

import { t } from "../i18n/index.js";
import { h, money, date, dialog } from "../dom.js";

/** A BL in a list: number, delivery date, total or what matched, and its "details" button. */
export function blRow(number, deliveredOn, total, extra) {
  return h("li", { class: "bl-row", dataset: { bl: number } },
    h("dl", {},
      h("div", {}, h("dt", {}, t("blNumberShort")), h("dd", { class: "bl-number" }, number)),
      h("div", {}, h("dt", {}, t("deliveryDate")), h("dd", {}, date(deliveredOn))),
      total !== undefined ? h("div", {}, h("dt", {}, t("totalHt")), h("dd", { class: "amount" }, money(total))) : null,
      extra ? h("div", {}, h("dt", {}, ""), h("dd", {}, extra)) : null),
    h("a", { class: "button primary details", href: `#/bl/${encodeURIComponent(number)}` }, t("details")));
}

/** Where the BL number is printed, with a picture. */
export function blHelp() {
  dialog(t("whereIsNumber"), h("img", { class: "bl-help-picture", src: "img/bl-help.svg", alt: t("whereIsNumberText") }), h("p", {}, t("whereIsNumberText")));
}

/**
 * "Garantie" on a BL line: the way to the claim's form (`id` and `label` when the line is not
 * alone on its screen, as in a scanned part's BLs).
 */
export function warrantyLink(number, lineNo, { id = `warranty-${lineNo}`, label = t("warrantyLink") } = {}) {
  return h("a", { class: "button secondary small warranty-link", id, href: `#/warranty/${encodeURIComponent(number)}/${lineNo}` }, label);
}
