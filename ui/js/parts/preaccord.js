// The pré-accord of a sent request, as the confirmation and the file detail show it: the button
// that opens the PDF (kept on the device, so it reopens offline) and the address it was e-mailed to.

import * as commands from "../commands.js";
import { showError } from "../chrome.js";
import { t } from "../i18n/index.js";
import { h } from "../dom.js";
import { icon } from "../icons.js";

/**
 * The "open the pré-accord" button and where it was e-mailed, for a request (`{id,
 * preaccord_email}`); a warranty file's (`kind` "warranty") says "de garantie".
 */
export function preaccord(request, kind = "return") {
  const warranty = kind === "warranty";
  return [
    h("button", { id: "open-preaccord", class: "link", type: "button", onclick: async () => {
      try {
        await commands.open_preaccord(request.id);
      } catch (error) {
        showError(error);
      }
    } }, icon("doc"), t(warranty ? "openWarrantyPreaccord" : "openPreaccord")),
    h("p", { id: "preaccord-email", class: "hint" }, t(warranty ? "warrantyPreaccordMailedTo" : "preaccordMailedTo", request.preaccord_email)),
  ];
}
