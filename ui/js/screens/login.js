// Connexion: e-mail and password with the empty-field messages, remember me, forgotten password,
// unlock, help, the demo accounts in demo mode, and single sign-on from the Autossimo deep link.

import * as commands from "../commands.js";
import { app, userOf } from "../state.js";
import { go } from "../router.js";
import { showError } from "../chrome.js";
import { t } from "../i18n/index.js";
import { h, dialog, errorText, toast } from "../dom.js";
import { icon } from "../icons.js";

export async function loginScreen() {
  // "Se souvenir de moi" last time, or the account whose session just ended: the e-mail is
  // already there.
  const session = await commands.session();
  const expired = app.sessionExpired;
  const remembered = (expired && session.email) || session.remembered_email || "";
  const email = h("input", { id: "login-email", name: "email", type: "email", autocomplete: "username", inputmode: "email", value: remembered, "data-autofocus": !remembered, "aria-describedby": "login-email-error" });
  const password = h("input", { id: "login-password", name: "password", type: "password", autocomplete: "current-password", "data-autofocus": Boolean(remembered), "aria-describedby": "login-password-error" });
  const remember = h("input", { id: "login-remember", type: "checkbox", checked: Boolean(remembered) });
  const emailError = h("p", { id: "login-email-error", class: "field-error", role: "alert" });
  const passwordError = h("p", { id: "login-password-error", class: "field-error", role: "alert" });
  const formError = h("p", { id: "login-error", class: "form-error", role: "alert" });
  const submit = h("button", { id: "login-submit", class: "primary big", type: "submit" }, t("signIn"));

  async function onSubmit(event) {
    event.preventDefault();
    emailError.textContent = email.value.trim() ? "" : t("emptyUser");
    passwordError.textContent = password.value ? "" : t("emptyPassword");
    formError.textContent = "";
    if (!email.value.trim()) return email.focus();
    if (!password.value) return password.focus();
    submit.disabled = true;
    submit.textContent = t("loading");
    try {
      const session = await commands.login({ email: email.value.trim(), password: password.value, remember: remember.checked });
      await afterLogin(session);
    } catch (error) {
      formError.textContent = errorText(error);
      password.select();
      password.focus();
    } finally {
      submit.disabled = false;
      submit.textContent = t("signIn");
    }
  }

  const demo = app.info?.demo_accounts?.length
    ? h("aside", { id: "demo-accounts", class: "demo" },
        h("h2", {}, t("demoAccounts")),
        h("p", {}, t("demoHint")),
        h("ul", {}, app.info.demo_accounts.map((account) =>
          h("li", {}, h("button", { class: "link demo-fill", type: "button", onclick: () => { email.value = account.email; password.value = account.password; submit.focus(); } },
            h("strong", {}, account.email), " / ", h("code", {}, account.password), account.label ? ` — ${account.label}` : "")))))
    : null;

  return h("section", { class: "screen login" },
    h("div", { class: "login-card" },
      h("img", { class: "login-logo", src: "img/logo.svg", alt: "", width: 72, height: 72 }),
      h("h1", { tabindex: "-1" }, t("loginTitle")),
      expired ? h("p", { id: "login-expired", class: "notice", role: "alert" }, t("sessionExpired")) : null,
      h("form", { id: "login-form", novalidate: true, onsubmit: onSubmit },
        h("label", { for: "login-email" }, t("email")), email, emailError,
        h("label", { for: "login-password" }, t("password")),
        h("div", { class: "password-row" }, password,
          h("button", { type: "button", class: "icon ghost", "aria-label": t("showPassword"), "aria-pressed": "false",
            onclick: (e) => { const shown = password.type === "text"; password.type = shown ? "password" : "text"; e.currentTarget.setAttribute("aria-pressed", String(!shown)); } }, icon("eye"))),
        passwordError,
        h("label", { class: "check" }, remember, t("rememberMe")),
        formError,
        submit),
      h("nav", { class: "login-links" },
        h("button", { id: "forgot-link", class: "link", type: "button", onclick: () => emailDialog("forgot", email.value) }, t("forgotPassword")),
        h("button", { id: "unlock-link", class: "link", type: "button", onclick: () => emailDialog("unlock", email.value) }, t("unlockAccount")),
        h("button", { id: "help-link", class: "link", type: "button", onclick: helpDialog }, t("needHelp")))),
    demo);
}

/** Forgotten password or locked account: ask the one-time link, then use the code it carries. */
function emailDialog(kind, prefill, linkToken = "") {
  const forgot = kind === "forgot";
  const email = h("input", { id: "dialog-email", type: "email", value: prefill, autocomplete: "username" });
  const message = h("p", { class: "info", role: "status" });
  const token = h("input", { id: "dialog-token", type: "text", autocomplete: "one-time-code", value: linkToken });
  const newPassword = h("input", { id: "dialog-new-password", type: "password", autocomplete: "new-password" });
  const second = h("form", { class: "stack", hidden: !linkToken, onsubmit: async (e) => {
    e.preventDefault();
    try {
      if (forgot) await commands.reset_password(token.value.trim(), newPassword.value);
      else await commands.unlock_account(token.value.trim());
      box.close();
      toast(forgot ? t("passwordChanged") : t("accountUnlocked"));
    } catch (error) {
      message.textContent = errorText(error);
    }
  } },
    h("label", { for: "dialog-token" }, t("tokenLabel")), token,
    forgot ? [h("label", { for: "dialog-new-password" }, t("newPassword")), newPassword] : null,
    h("button", { class: "primary", type: "submit" }, forgot ? t("resetPassword") : t("unlockNow")));
  const first = h("form", { class: "stack", onsubmit: async (e) => {
    e.preventDefault();
    try {
      if (forgot) await commands.request_password_reset(email.value.trim());
      else await commands.request_unlock(email.value.trim());
      message.textContent = t("linkSent");
    } catch (error) {
      message.textContent = errorText(error);
    }
  } },
    h("p", {}, forgot ? t("forgotText") : t("unlockText")),
    h("label", { for: "dialog-email" }, t("email")), email,
    h("button", { class: "primary", type: "submit" }, t("sendLink")),
    h("button", { class: "link", type: "button", onclick: () => { second.hidden = false; token.focus(); } }, t("haveCode")));
  first.hidden = Boolean(linkToken);
  const box = dialog(forgot ? t("forgotTitle") : t("unlockTitle"), first, message, second);
  (linkToken ? (forgot ? newPassword : second.querySelector("button")) : email).focus();
}

/** An e-mailed `retour://reset` or `retour://unlock` link: its form, with the link's code in it. */
export function openAccountLink(link) {
  if (!link?.token) return;
  if (location.hash !== "#/login") location.hash = "#/login";
  emailDialog(link.kind === "reset" ? "forgot" : "unlock", "", link.token);
}

function helpDialog() {
  dialog(t("helpTitle"), h("ul", { class: "help" }, ["helpUserName", "helpForgotPassword", "helpLockedAccount", "helpAutossimo"].map((key) => h("li", {}, t(key)))));
}

/** `retour://sso?token=…` from the Autossimo portal: logs in with the token. When another
 * account is open on this device, the core changes nothing until the user says yes here: a link
 * anyone's page can open must never silently put the app on someone else's account. */
export async function handleSsoLink(token) {
  if (!token) return;
  toast(t("ssoInProgress"));
  try {
    const answer = await commands.login_sso(token, true);
    if (answer.status === "confirm") return confirmSsoDialog(answer.target, answer.current);
    await afterLogin(answer.session);
  } catch (error) {
    showError(error);
  }
}

/** "Se connecter en tant que X (garage Y) ? Vous êtes connecté en tant que Z.": Continuer / Annuler. */
function confirmSsoDialog(target, current) {
  let answered = false;
  const answer = async (yes) => {
    if (answered) return;
    answered = true;
    box.close();
    try {
      if (yes) await afterLogin(await commands.confirm_sso_login());
      else {
        await commands.cancel_sso_login();
        toast(t("ssoCancelled"));
      }
    } catch (error) {
      showError(error);
    }
  };
  const garage = target.customer ? t("ssoGarage", target.customer.name, target.customer.code) : "";
  const here = current.user?.email || current.email;
  const box = h("dialog", { id: "sso-confirm", class: "sheet", "aria-labelledby": "sso-confirm-title" },
    h("h2", { id: "sso-confirm-title" }, t("ssoConfirmTitle")),
    h("p", { id: "sso-target" }, t("ssoConfirmTarget", target.name || target.email, target.email), garage ? h("br") : null, garage),
    h("p", { id: "sso-current" }, current.signed_in ? t("ssoConfirmCurrent", here) : t("ssoConfirmLast", here)),
    h("p", { class: "hint" }, t("ssoConfirmHint")),
    h("div", { class: "actions sso-actions" },
      h("button", { id: "sso-cancel", class: "secondary", type: "button", onclick: () => answer(false) }, t("ssoCancel")),
      h("button", { id: "sso-continue", class: "primary", type: "button", onclick: () => answer(true) }, t("ssoContinue"))));
  // Escape, or the dialog closed any other way, is a no.
  box.addEventListener("close", () => { box.remove(); answer(false); });
  document.body.append(box);
  box.showModal();
  box.querySelector("#sso-cancel").focus();
}

/**
 * After a successful login or SSO: home, or the closed screen when the service is closed; the
 * driver's screen for a staff account.
 */
async function afterLogin(session) {
  app.user = userOf(session);
  app.sessionExpired = false;
  app.service = null;
  // The distributor's staff use the app as the driver: "Mode chauffeur".
  if (app.user?.role === "staff") return go("#/driver");
  try {
    app.service = await commands.service();
  } catch (error) {
    // Signed in all the same: home says what it can, the toast says why the service is unknown.
    showError(error);
  }
  go(app.service?.open === false ? "#/closed" : "#/home");
}
