// "Mon bilan" (screen 15): over a period (the twelve months up to today, this year, last year,
// or two dates), pieces returned and € credited with the estimate, refusals and fees paid; charts
// by reason and by month drawn as SVG; the 10 most returned references; refusals by cause; the
// CSV export — so that the garage orders better.

import * as commands from "../commands.js";
import { t, language, reasonLabel, codeLabel } from "../i18n/index.js";
import { h, money, date } from "../dom.js";
import { showError } from "../chrome.js";
import { totals, fromCacheNotice, exportButton, backHome } from "../parts/money.js";
import { barChart } from "../parts/charts.js";

/** The period last shown, kept while the app runs. */
let chosen = { preset: "12m", from: null, to: null };

/** "2026-11" → "nov. 2026" / "Nov 2026". */
function monthName(month) {
  const [y, m] = month.split("-").map(Number);
  return new Intl.DateTimeFormat(language() === "en" ? "en-GB" : "fr-FR", { month: "short", year: "numeric", timeZone: "UTC" })
    .format(new Date(Date.UTC(y, m - 1, 1)));
}

/** The dates of a preset, from the last day of the report shown (today by the server). */
function presetDates(preset, today) {
  const year = Number(today.slice(0, 4));
  if (preset === "year") return { from: `${year}-01-01`, to: today };
  if (preset === "last_year") return { from: `${year - 1}-01-01`, to: `${year - 1}-12-31` };
  return { from: null, to: null };
}

function periodForm(report, reload) {
  const select = h("select", { id: "report-preset" },
    ["12m", "year", "last_year", "custom"].map((p) => h("option", { value: p, selected: chosen.preset === p }, t(`reportPreset_${p}`))));
  const from = h("input", { id: "report-from", type: "date", value: report.from, required: true });
  const to = h("input", { id: "report-to", type: "date", value: report.to, required: true });
  const dates = h("div", { class: "report-dates", hidden: chosen.preset !== "custom" },
    h("div", { class: "field" }, h("label", { for: "report-from" }, t("reportFrom")), from),
    h("div", { class: "field" }, h("label", { for: "report-to" }, t("reportTo")), to),
    h("button", { id: "report-show", class: "primary", type: "submit" }, t("reportShow")));
  select.addEventListener("change", () => {
    chosen = { ...chosen, preset: select.value };
    dates.hidden = select.value !== "custom";
    if (select.value !== "custom") {
      const today = chosen.today ?? report.to;
      chosen = { preset: select.value, today, ...presetDates(select.value, today) };
      reload();
    }
  });
  return h("form", { class: "card report-period", id: "report-period", novalidate: true, onsubmit: (e) => {
    e.preventDefault();
    chosen = { ...chosen, preset: "custom", from: from.value || null, to: to.value || null };
    reload();
  } },
    h("div", { class: "field" }, h("label", { for: "report-preset" }, t("reportPeriod")), select),
    dates);
}

export async function reportScreen() {
  const section = h("section", { class: "screen money report" });
  const args = () => ({ from: chosen.from, to: chosen.to });

  function draw(report) {
    if (chosen.preset === "12m") chosen.today = report.to;
    const reload = async () => {
      try {
        draw(await commands.returns_report(args()));
      } catch (error) {
        showError(error);
      }
    };
    const reasons = report.by_reason.map((r) => ({ label: reasonLabel(r.reason, r.label), value: r.pieces, text: t("piecesAndCredited", r.pieces, money(r.credited_ht)) }));
    const months = report.by_month.map((m) => ({ label: monthName(m.month), value: m.pieces, text: t("piecesAndCredited", m.pieces, money(m.credited_ht)) }));
    section.replaceChildren(...[
      backHome(),
      h("div", { class: "title-row" },
        h("h1", { tabindex: "-1" }, t("reportTitle")),
        exportButton("export-report", () => commands.open_report_csv(args()))),
      fromCacheNotice(report),
      periodForm(report, reload),
      h("p", { class: "report-range", id: "report-range" }, t("reportRange", date(report.from), date(report.to))),
      totals("report-totals", [
        [t("reportFiles"), String(report.dossiers)],
        [t("reportPieces"), String(report.pieces)],
        [t("reportEstimated"), money(report.estimated_ht)],
        [t("reportCredited"), money(report.credited_ht), "good"],
        [t("reportRefused"), money(report.refused_ht), "short"],
        [t("reportFees"), money(report.fees_ht), "waiting"],
      ]),
      report.pieces === 0 ? h("p", { class: "empty" }, t("reportEmpty")) : null,
      h("div", { class: "report-charts" },
        barChart("chart-by-reason", t("reportByReason"), reasons),
        barChart("chart-by-month", t("reportByMonth"), months)),
      h("div", { class: "report-lists" },
        h("section", { class: "card", "aria-labelledby": "top-references-title" },
          h("h2", { id: "top-references-title" }, t("reportTopReferences")),
          h("ol", { id: "top-references", class: "top-references" }, report.by_reference.map((r) => h("li", {},
            h("strong", { class: "reference" }, r.reference), " ", h("span", { class: "designation" }, r.designation),
            h("span", { class: "muted" }, ` — ${t("piecesCount", r.pieces)}, ${t("filesCount", r.dossiers)}`))))),
        h("section", { class: "card", "aria-labelledby": "refusals-title" },
          h("h2", { id: "refusals-title" }, t("reportRefusals")),
          report.refusals.length
            ? h("ul", { id: "report-refusals", class: "report-refusals" }, report.refusals.map((r) => h("li", {},
              codeLabel("refusal", r.refusal_reason, r.label), h("span", { class: "muted" }, ` — ${t("piecesCount", r.pieces)}`))))
            : h("p", { class: "empty" }, t("reportNoRefusal")))),
    ].filter(Boolean));
  }

  draw(await commands.returns_report(args()));
  return section;
}
