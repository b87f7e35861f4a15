// Confirmation of a sent request: its number, the estimated amount, the files created, how to
// prepare the parts, and the pré-accord PDF with the address it was e-mailed to.

import { app } from "../state.js";
import { go } from "../router.js";
import { t } from "../i18n/index.js";
import { h, money } from "../dom.js";
import { icon } from "../icons.js";
import { preaccord } from "../parts/preaccord.js";

export async function confirmationScreen() {
  const request = app.lastRequest;
  if (!request) return go("#/home");
  const dossiers = request.dossiers || [];
  return h("section", { class: "screen confirmation" },
    h("div", { class: "confirm-card" },
      h("p", { class: "check-mark" }, icon("check", 64)),
      h("h1", { tabindex: "-1" }, t("confirmTitle")),
      h("p", { id: "request-number", class: "request-number" }, t("requestNumber", request.number)),
      h("p", {}, t("confirmAmount")),
      h("p", { id: "confirm-amount", class: "big-amount" }, money(request.estimated_total_ht)),
      dossiers.length ? h("p", {}, t("filesCreated", dossiers.length), " ", dossiers.map((d) => h("strong", { class: "file-number" }, d.number, " "))) : null,
      h("h2", {}, t("prepareTitle")),
      h("ol", { class: "steps" }, ["prepareStepPackaging", "prepareStepPickupList", "prepareStepDriver"].map((key) => h("li", {}, t(key)))),
      ...preaccord(request),
      h("div", { class: "stack" },
        h("a", { id: "go-tracking-after-send", class: "button primary big", href: "#/tracking", "data-autofocus": true }, t("goTracking")),
        h("a", { id: "go-home-after-send", class: "button secondary big", href: "#/home" }, t("goHome")))));
}
