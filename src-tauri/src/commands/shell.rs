//! The shell's own business, not the façade's: app facts for the window, the settings, the
//! pending SSO and account links, render timings for the bench.

use retour_app::AppResult;
use tauri::{AppHandle, State};

use crate::shell::{AccountLink, AppInfo, Settings, Shell};

/// Version, data folder, server, demo accounts (in demo mode), forced language, camera.
#[tauri::command]
pub fn app_info(shell: State<'_, Shell>) -> AppResult<AppInfo> {
    Ok(shell.app_info())
}

/// The token of an SSO link that arrived before the window asked (taken: asked once).
#[tauri::command]
pub fn pending_sso_token(shell: State<'_, Shell>) -> AppResult<Option<String>> {
    Ok(shell.pending_sso_token())
}

/// The e-mailed reset or unlock link the app was opened with (taken: asked once).
#[tauri::command]
pub fn pending_account_link(shell: State<'_, Shell>) -> AppResult<Option<AccountLink>> {
    Ok(shell.pending_account_link())
}

/// The saved settings.
#[tauri::command]
pub fn settings(shell: State<'_, Shell>) -> AppResult<Settings> {
    Ok(shell.settings())
}

/// Saves the settings (a new server restarts the app).
#[tauri::command]
pub fn save_settings(
    shell: State<'_, Shell>,
    handle: AppHandle,
    settings: Settings,
) -> AppResult<()> {
    shell.save_settings(&handle, settings)
}

/// A screen is painted, and how long after a scanner burst (for `cargo xtask bench-app`).
#[tauri::command]
pub fn ui_rendered(
    shell: State<'_, Shell>,
    screen: String,
    burst_ms: Option<f64>,
    first_key_ms: Option<f64>,
) -> AppResult<()> {
    shell.ui_rendered(&screen, burst_ms, first_key_ms)
}
