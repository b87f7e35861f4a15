//! Signing in and out, and the e-mailed links for a forgotten password or a locked account.

use retour_app::{App, AppResult, LoginArgs, SessionView, SsoLoginView};
use tauri::State;

/// The signed-in account, if any (no network).
#[tauri::command]
pub fn session(app: State<'_, App>) -> AppResult<SessionView> {
    Ok(app.session())
}

/// Signs in with e-mail and password.
#[tauri::command]
pub async fn login(app: State<'_, App>, args: LoginArgs) -> AppResult<SessionView> {
    app.login(&args).await
}

/// Signs in with the token of an Autossimo `retour://sso` link; when another account is open,
/// nothing changes until the user confirms (`status: "confirm"`, the target and current users).
#[tauri::command]
pub async fn login_sso(
    app: State<'_, App>,
    token: String,
    remember: bool,
) -> AppResult<SsoLoginView> {
    app.login_sso(&token, remember).await
}

/// Signs in with the SSO link held aside, the user having confirmed it.
#[tauri::command]
pub async fn confirm_sso_login(app: State<'_, App>) -> AppResult<SessionView> {
    app.confirm_sso_login().await
}

/// Declines the SSO link held aside: the current account stays as it was.
#[tauri::command]
pub async fn cancel_sso_login(app: State<'_, App>) -> AppResult<()> {
    app.cancel_sso_login().await
}

/// Signs out: tokens forgotten here and in the keychain; the cart stays on the device.
#[tauri::command]
pub async fn logout(app: State<'_, App>) -> AppResult<()> {
    app.logout().await
}

/// E-mails a one-time link to choose a new password.
#[tauri::command]
pub async fn request_password_reset(app: State<'_, App>, email: String) -> AppResult<()> {
    app.request_password_reset(&email).await
}

/// Sets a new password with the e-mailed code (or the whole link).
#[tauri::command]
pub async fn reset_password(
    app: State<'_, App>,
    token: String,
    new_password: String,
) -> AppResult<()> {
    app.reset_password(&token, &new_password).await
}

/// E-mails a one-time link to unlock the account.
#[tauri::command]
pub async fn request_unlock(app: State<'_, App>, email: String) -> AppResult<()> {
    app.request_unlock(&email).await
}

/// Unlocks the account with the e-mailed code (or the whole link).
#[tauri::command]
pub async fn unlock_account(app: State<'_, App>, token: String) -> AppResult<()> {
    app.unlock_account(&token).await
}
