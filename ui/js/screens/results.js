// The BLs of a supplier reference or product, its matching lines counted, and "Garantie" on each
// matching line still under warranty (a claim started from a scan of the part); none is a screen
// with ways forward (another reference, the BL number, the scanner).

import * as commands from "../commands.js";
import { app } from "../state.js";
import { query } from "../router.js";
import { t } from "../i18n/index.js";
import { h, date } from "../dom.js";
import { icon } from "../icons.js";
import { blRow, warrantyLink } from "../parts/delivery-note.js";
import { referenceNotFound } from "../parts/dead-end.js";

export async function resultsScreen() {
  const code = query().get("code") || "";
  let found = app.lastLookup;
  if (!found || found.normalized !== code) found = await commands.lookup(code);
  app.lastLookup = found;
  if (!found.matches.length) return referenceNotFound(found.normalized || code);
  const list = h("ul", { id: "lookup-results", class: "bl-list" });
  for (const m of found.matches) {
    const row = blRow(m.number, m.delivered_on, undefined, t("linesMatched", m.line_nos.length));
    const offers = (found.under_warranty || []).filter((w) => w.number === m.number);
    if (offers.length) {
      row.append(h("div", { class: "warranty-offers" }, offers.map((w) => warrantyLink(w.number, w.line_no, {
        id: `warranty-${w.number}-${w.line_no}`,
        label: t("warrantyOffer", w.line_no, date(w.warranty_ends_on)),
      }))));
    }
    list.append(row);
  }
  return h("section", { class: "screen results" },
    h("a", { class: "back", href: "#/declare" }, icon("back"), t("back")),
    h("h1", { tabindex: "-1" }, t("resultsTitle"), " ", h("span", { class: "code" }, found.normalized)),
    list);
}
