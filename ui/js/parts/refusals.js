// The refusals a sync brought (a return request refused, a cart edit rejected), shown until the
// user has seen them: a banner under the header that opens their list — each with the server's
// message (the French text of its code), the BL lines concerned and what to do — and "J'ai
// compris", which marks the refusals shown as seen (one that came in meanwhile stays).

import * as commands from "../commands.js";
import { app } from "../state.js";
import { showError } from "../chrome.js";
import { t, codeLabel } from "../i18n/index.js";
import { h } from "../dom.js";

let listOpen = false;

/** The banner's place, right under the header (made once). */
function slot() {
  let node = document.getElementById("refusals");
  if (!node) {
    node = h("section", { id: "refusals", class: "refusals", hidden: true, "aria-live": "polite" });
    document.getElementById("appbar").after(node);
  }
  return node;
}

/** Reads the refusals not yet seen and redraws the banner (hidden when none, or signed out). */
export async function refreshRefusals() {
  let list = [];
  if (app.user) {
    try {
      list = await commands.unseen_refusals();
    } catch (error) {
      showError(error);
    }
  }
  draw(list);
}

function draw(list) {
  const node = slot();
  if (!list.length) {
    listOpen = false;
    node.hidden = true;
    node.replaceChildren();
    return;
  }
  node.hidden = false;
  const toggle = () => {
    listOpen = !listOpen;
    draw(list);
  };
  node.replaceChildren(
    h("div", { class: "refusals-banner", role: "alert" },
      h("span", {}, t("refusalsWaiting", list.length)),
      h("button", { id: "refusals-toggle", class: "link", type: "button", "aria-expanded": String(listOpen), onclick: toggle },
        listOpen ? t("refusalsHide") : t("refusalsShow"))),
    listOpen ? h("ul", { id: "refusals-list", class: "refusals-list" }, list.map(refusalItem)) : null,
    listOpen ? h("button", { id: "refusals-seen", class: "primary", type: "button", onclick: () => acknowledge(list) }, t("refusalsSeen")) : null,
  );
}

/** One refusal: what was refused, the server's message, the lines, what to do. */
function refusalItem(refusal) {
  return h("li", { class: "refusal", dataset: { kind: refusal.kind } },
    h("strong", {}, t(`refusalKind_${refusal.kind}`)),
    h("p", {}, refusal.message),
    h("p", { class: "refusal-lines" }, refusal.lines.map((l) => t("refusalLine", l.delivery_note, l.line_no)).join(" · ")),
    h("p", { class: "refusal-advice" }, codeLabel("refusalAdvice", refusal.kind, refusal.advice)));
}

async function acknowledge(list) {
  try {
    await commands.acknowledge_refusals(list.map((r) => r.id));
  } catch (error) {
    showError(error);
  }
  listOpen = false;
  await refreshRefusals();
}
