// Réglages: camera, language, the e-mails of each kind of notification and the pré-accord
// address, account, sync now, sign out, version. The return server's address
// is support's business, not a garage's: it waits folded under "Paramètres avancés".

import * as commands from "../commands.js";
import { app } from "../state.js";
import { go, render } from "../router.js";
import { showError } from "../chrome.js";
import { t, language, setLanguage } from "../i18n/index.js";
import { h, toast, dateTime, errorText } from "../dom.js";
import { icon } from "../icons.js";

/** The e-mail switches of each kind and the pré-accord address ("Gestion de l'envoi"). */
async function emailCard() {
  const error = h("p", { id: "preferences-error", class: "field-error", role: "alert" });
  let preferences = null;
  try {
    preferences = await commands.preferences();
  } catch (e) {
    // Out of reach and never read on this device: the rest of the settings still work.
    error.textContent = errorText(e);
  }
  const kinds = ["status", "messages", "credits", "deposits"];
  const switches = Object.fromEntries(kinds.map((kind) => [kind, h("input", {
    id: `email-${kind}`, type: "checkbox", role: "switch", checked: preferences ? preferences.emails[kind] : true, disabled: !preferences,
  })]));
  const address = h("input", {
    id: "preaccord-email", type: "email", autocomplete: "email", value: preferences?.preaccord_email || "",
    placeholder: app.user?.email || "", disabled: !preferences, "aria-describedby": "preaccord-hint preaccord-error",
  });
  const addressError = h("p", { id: "preaccord-error", class: "field-error", role: "alert" });
  return h("form", { id: "email-preferences", class: "card stack", novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    addressError.textContent = "";
    try {
      const saved = await commands.save_preferences({
        emails: Object.fromEntries(kinds.map((kind) => [kind, switches[kind].checked])),
        preaccord_email: address.value.trim() || null,
      });
      address.value = saved.preaccord_email || "";
      toast(t("preferencesSaved"));
    } catch (err) {
      if (err?.code === "invalid_email") {
        addressError.textContent = t("invalidPreaccordEmail");
        return address.focus();
      }
      showError(err);
    }
  } },
    h("h2", {}, t("emailsTitle")),
    h("p", { class: "hint" }, t("emailsHint")),
    kinds.map((kind) => h("label", { class: "check switch", for: `email-${kind}` }, switches[kind], h("span", {}, t(`emailKind_${kind}`)))),
    h("label", { for: "preaccord-email" }, t("preaccordEmail")), address, addressError,
    h("p", { id: "preaccord-hint", class: "hint" }, t("preaccordEmailHint", app.user?.email || "")),
    error,
    h("button", { id: "save-preferences", class: "primary", type: "submit", disabled: !preferences }, t("savePreferences")));
}

export async function settingsScreen() {
  const settings = await commands.settings();
  const demo = app.info?.demo !== false;
  const server = h("input", { id: "server-url", type: "url", value: settings.server_url || "", placeholder: "https://", autocomplete: "off", "aria-describedby": "server-hint server-error" });
  const serverError = h("p", { id: "server-error", class: "field-error", role: "alert" });
  const advanced = h("details", { id: "advanced-settings", class: "advanced" },
    h("summary", {}, t("advancedSettings")),
    h("label", { for: "server-url" }, t("serverUrl")), server, serverError,
    h("p", { id: "server-hint", class: "hint" }, demo ? t("serverUrlHint") : t("serverUrlHintProduction")));
  const lang = h("select", { id: "language-select", onchange: () => { setLanguage(lang.value); render(); } },
    h("option", { value: "fr", selected: language() === "fr" }, "Français"),
    h("option", { value: "en", selected: language() === "en" }, "English"));
  const camera = h("select", { id: "camera-select" }, h("option", { value: "" }, t("cameraDefault")));
  const cameraError = h("p", { id: "camera-error", class: "field-error", role: "alert" });
  try {
    const cameras = await commands.cameras();
    camera.append(...cameras.map((c) => h("option", { value: c.id, selected: c.id === settings.camera }, c.name)));
  } catch (error) {
    // No camera support here: the rest of the settings still work; say why the list is empty.
    cameraError.textContent = errorText(error);
  }
  return h("section", { class: "screen settings" },
    h("h1", { tabindex: "-1" }, t("settingsTitle")),
    h("form", { class: "card stack", onsubmit: async (e) => {
      e.preventDefault();
      // Without the demo backend, clearing the saved address would leave the app no server to start on.
      serverError.textContent = !demo && settings.server_url && !server.value.trim() ? t("serverUrlRequired") : "";
      if (serverError.textContent) {
        advanced.open = true;
        return server.focus();
      }
      try {
        await commands.save_settings({ server_url: server.value.trim() || null, camera: camera.value || null });
        app.info = await commands.app_info();
        toast(t("saved"));
      } catch (error) {
        showError(error);
      }
    } },
      h("label", { for: "camera-select" }, t("camera")), camera, cameraError,
      advanced,
      h("button", { class: "primary", type: "submit" }, t("save"))),
    h("div", { class: "card stack" },
      h("label", { for: "language-select" }, t("language")), lang),
    await emailCard(),
    h("div", { class: "card stack" },
      h("h2", {}, t("account")),
      app.user ? h("p", {}, h("strong", {}, app.user.name || ""), " ", app.user.email, app.user.customer ? ` — ${app.user.customer.name} (${app.user.customer.code})` : "") : null,
      app.sync.last_sync ? h("p", { class: "hint" }, t("lastSync"), " : ", dateTime(app.sync.last_sync)) : null,
      h("button", { id: "sync-now", class: "secondary", type: "button", onclick: () => commands.sync_now().catch(showError) }, icon("sync"), t("syncNow")),
      h("button", { id: "logout", class: "danger", type: "button", onclick: async () => {
        try {
          await commands.logout();
        } catch (error) {
          return showError(error);
        }
        app.user = null;
        app.cart = null;
        go("#/login");
      } }, t("logout"))),
    h("p", { class: "hint" }, `${t("version")} ${app.info?.version ?? ""}`, app.info?.data_dir ? ` — ${t("dataDir")} : ${app.info.data_dir}` : ""));
}
