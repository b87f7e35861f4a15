// The error states that would otherwise be dead ends — a BL not found on this account, a BL
// that cannot be opened offline, a reference with no BL — as a screen that says what happened in
// the user's language (chosen from the core's stable code, never the code itself) and offers
// ways forward. Also the notice a BL shows when nothing on it can be returned.

import { go, render } from "../router.js";
import { t } from "../i18n/index.js";
import { h, date } from "../dom.js";
import { icon } from "../icons.js";
import { blHelp } from "./delivery-note.js";

/**
 * A whole-screen message: `id` names it for tests, `title` and `lines` say what happened,
 * `actions` are the ways forward (the first one is the main one).
 */
export function deadEnd({ id, title, lines, actions }) {
  return h("section", { class: "screen dead-end", id },
    h("a", { class: "back", href: "#/declare" }, icon("back"), t("back")),
    h("div", { class: "card problem", role: "alert" },
      h("h1", { tabindex: "-1" }, title),
      lines.map((line) => h("p", {}, line))),
    h("nav", { class: "ways stack", "aria-label": t("waysForward") }, actions));
}

/** A way forward: a button that runs `onclick`, `primary` for the main one. */
function way(id, text, onclick, primary = false) {
  return h("button", { id, class: `${primary ? "primary" : "secondary"} big`, type: "button", onclick }, text);
}

/** The ways back to the declare screen, its BL field or its scan card focused. */
const retypeBl = (primary) => way("retype-bl", t("retypeBl"), () => go("#/declare?focus=bl"), primary);
const scanBl = () => way("scan-bl", t("scanInstead"), () => go("#/declare?focus=scan"));

/** `not_found`: no such BL on this account (another customer's answers the same). */
export function blNotFound(number) {
  return deadEnd({
    id: "bl-not-found",
    title: t("blNotFoundTitle"),
    lines: [t("blNotFound", number), t("blNotFoundHelp")],
    actions: [retypeBl(true), scanBl(), way("where-is-number", t("whereIsNumber"), blHelp),
      way("back-to-declare", t("backToDeclare"), () => go("#/declare"))],
  });
}

/** `unreachable` with nothing on the device: what still works offline, and a retry. */
export function blOffline(number) {
  return deadEnd({
    id: "bl-offline",
    title: t("offlineTitle"),
    lines: [t("offlineBl", number), t("offlineWorks")],
    actions: [way("retry", t("retry"), () => render(), true), way("go-cart-offline", t("finalize"), () => go("#/cart")),
      way("go-tracking-offline", t("track"), () => go("#/tracking"))],
  });
}

/** No recent BL holds this reference or product code. */
export function referenceNotFound(code) {
  return deadEnd({
    id: "reference-not-found",
    title: t("referenceNotFoundTitle"),
    lines: [t("referenceNotFound", code), t("referenceNotFoundHelp")],
    actions: [way("retype-reference", t("retypeReference"), () => go("#/declare?focus=reference"), true),
      retypeBl(false), scanBl()],
  });
}

/**
 * The notice at the top of a BL with nothing to return: past its window since when (and whom to
 * ask), or every piece already returned (and where to follow them). Nothing for a returnable BL.
 */
export function availabilityNotice(availability) {
  if (availability?.state === "window_passed") {
    return h("div", { id: "bl-window-passed", class: "card problem", role: "alert" },
      h("p", { class: "problem-title" }, t("windowPassedSince", date(availability.since))),
      h("p", {}, t("windowPassedAdvice")),
      h("div", { class: "row wrap" },
        h("a", { class: "button primary", href: "#/declare?focus=bl" }, t("otherBl")),
        h("a", { class: "button secondary", href: "#/tracking" }, t("track"))));
  }
  if (availability?.state === "all_returned") {
    return h("div", { id: "bl-all-returned", class: "card problem info", role: "status" },
      h("p", { class: "problem-title" }, t("allReturned")),
      h("p", {}, t("allReturnedAdvice")),
      h("div", { class: "row wrap" },
        h("a", { id: "all-returned-tracking", class: "button primary", href: "#/tracking" }, t("track")),
        h("a", { class: "button secondary", href: "#/declare?focus=bl" }, t("otherBl"))));
  }
  return null;
}

/** Why one line cannot be returned, in words. */
export function lineBlockedText(availability) {
  if (availability?.state === "window_passed") return t("windowPassedSince", date(availability.since));
  if (availability?.state === "all_returned") return t("lineAllReturned");
  return t("notEligible");
}
