// Service fermé (weekly hours from the backend, tracking still open) and Réglages (server URL,
// language, camera, sync, logout).

import { call } from "../api.js";
import { t, language, setLanguage } from "../i18n.js";
import { h, toast, dateTime, errorText } from "../dom.js";
import { icon } from "../icons.js";
import { app, go, render } from "../main.js";

export async function closedScreen() {
  const service = (app.service = await call("service").catch(() => app.service));
  const days = t("days");
  const french = language() === "fr";
  const rows = service?.rows
    ? service.rows.map((r) => h("tr", {}, h("th", { scope: "row" }, french ? r.label : days[r.day] || r.label), h("td", {}, french || !/^\D/.test(r.hours) ? r.hours : t("closedDay"))))
    : (service?.schedule || []).map((d) => h("tr", {},
        h("th", { scope: "row" }, days[d.day] || d.day),
        h("td", {}, d.closed ? t("closedDay") : `${d.opens} - ${d.closes}`)));
  return h("section", { class: "screen closed" },
    h("div", { class: "closed-banner" }, h("p", { class: "sorry" }, t("closedSorry")), h("h1", { tabindex: "-1", id: "closed-title" }, t("closedTitle"))),
    h("div", { class: "closed-body" },
      h("div", { class: "card" },
        h("p", {}, t("closedHoursIntro")),
        h("table", { id: "hours", class: "hours" }, h("tbody", {}, rows)),
        service?.next_change ? h("p", { class: "hint" }, t("reopens", dateTime(service.next_change))) : null),
      h("div", { class: "card" },
        h("p", {}, t("closedTrack")),
        h("a", { id: "closed-track", class: "button primary big", href: "#/tracking", autofocus: true }, t("track")))));
}

export async function settingsScreen() {
  const settings = await call("settings").catch(() => ({}));
  const server = h("input", { id: "server-url", type: "url", value: settings.server_url || "", placeholder: "https://", autocomplete: "off", "aria-describedby": "server-hint" });
  const lang = h("select", { id: "language-select", onchange: () => { setLanguage(lang.value); render(); } },
    h("option", { value: "fr", selected: language() === "fr" }, "Français"),
    h("option", { value: "en", selected: language() === "en" }, "English"));
  const cameras = await call("cameras").catch(() => []);
  const camera = h("select", { id: "camera-select" },
    h("option", { value: "" }, t("cameraDefault")),
    cameras.map((c) => h("option", { value: c.id ?? c, selected: (c.id ?? c) === settings.camera }, c.name ?? c)));
  return h("section", { class: "screen settings" },
    h("h1", { tabindex: "-1" }, t("settingsTitle")),
    h("form", { class: "card stack", onsubmit: async (e) => {
      e.preventDefault();
      try {
        await call("save_settings", { settings: { server_url: server.value.trim() || null, camera: camera.value || null } });
        app.info = await call("app_info").catch(() => app.info);
        toast(t("saved"));
      } catch (error) {
        toast(errorText(error), "error");
      }
    } },
      h("label", { for: "server-url" }, t("serverUrl")), server, h("p", { id: "server-hint", class: "hint" }, t("serverUrlHint")),
      h("label", { for: "camera-select" }, t("camera")), camera,
      h("button", { class: "primary", type: "submit" }, t("save"))),
    h("div", { class: "card stack" },
      h("label", { for: "language-select" }, t("language")), lang),
    h("div", { class: "card stack" },
      h("h2", {}, t("account")),
      app.user ? h("p", {}, h("strong", {}, app.user.name || ""), " ", app.user.email, app.user.customer ? ` — ${app.user.customer.name} (${app.user.customer.code})` : "") : null,
      app.sync.last_sync ? h("p", { class: "hint" }, t("lastSync"), " : ", dateTime(app.sync.last_sync)) : null,
      h("button", { id: "sync-now", class: "secondary", type: "button", onclick: () => call("sync_now").catch((e) => toast(errorText(e), "error")) }, icon("sync"), t("syncNow")),
      h("button", { id: "logout", class: "danger", type: "button", onclick: async () => {
        await call("logout").catch(() => {});
        app.user = null;
        app.cart = null;
        go("#/login");
      } }, t("logout"))),
    h("p", { class: "hint" }, `${t("version")} ${app.info?.version ?? ""}`, app.info?.data_dir ? ` — ${t("dataDir")} : ${app.info.data_dir}` : ""));
}
