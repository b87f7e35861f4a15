// Service fermé: the week's hours from the backend, tracking, which stays open, and the warranty
// claims (the old portal's "coming soon" announcement, now a link to them).

import * as commands from "../commands.js";
import { app } from "../state.js";
import { t, language, codeLabel } from "../i18n/index.js";
import { h, dateTime } from "../dom.js";

export async function closedScreen() {
  const service = (app.service = await commands.service());
  const french = language() === "fr";
  const rows = service.rows
    ? service.rows.map((r) => h("tr", {}, h("th", { scope: "row" }, french ? r.label : codeLabel("day", r.day, r.label)), h("td", {}, french || !/^\D/.test(r.hours) ? r.hours : t("closedDay"))))
    : (service.schedule || []).map((d) => h("tr", {},
        h("th", { scope: "row" }, codeLabel("day", d.day)),
        h("td", {}, d.closed ? t("closedDay") : `${d.opens} - ${d.closes}`)));
  return h("section", { class: "screen closed" },
    h("div", { class: "closed-banner" }, h("p", { class: "sorry" }, t("closedSorry")), h("h1", { tabindex: "-1", id: "closed-title" }, t("closedTitle"))),
    h("div", { class: "closed-body" },
      h("div", { class: "card" },
        h("p", {}, t("closedHoursIntro")),
        h("table", { id: "hours", class: "hours" }, h("tbody", {}, rows)),
        service.next_change ? h("p", { class: "hint" }, t("reopens", dateTime(service.next_change))) : null),
      h("div", { class: "card" },
        h("p", {}, t("closedTrack")),
        h("a", { id: "closed-track", class: "button primary big", href: "#/tracking", "data-autofocus": true }, t("track")),
        h("p", { class: "closed-warranty" }, t("closedWarranty")),
        h("a", { id: "closed-warranty", class: "button secondary", href: "#/tracking?kind=warranty" }, t("closedWarrantyLink")))));
}
