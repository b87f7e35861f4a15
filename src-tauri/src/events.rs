//! Events the shell sends to the window: the sync state (online, pending edits) whenever it
//! changes, and the token of an SSO deep link.

use tauri::{Emitter, Manager};

use crate::shell::Shell;

/// The sync state, on every change.
pub const SYNC_STATE: &str = "sync-state";
/// The token of a `retour://sso?token=…` link.
pub const SSO_LINK: &str = "sso-link";

/// Emits `sync-state` each time the façade's sync state changes.
pub fn forward_sync_state(handle: tauri::AppHandle, core: &retour_app::App) {
    let mut changes = core.subscribe();
    tauri::async_runtime::spawn(async move {
        while changes.changed().await.is_ok() {
            let state = changes.borrow_and_update().clone();
            let _ = handle.emit(SYNC_STATE, state);
        }
    });
}

/// Keeps the token for the window's next `pending_sso_token` call and tells a running window.
pub fn sso_link(handle: &tauri::AppHandle, token: String) {
    if let Some(shell) = handle.try_state::<Shell>() {
        shell.set_sso_token(token.clone());
    }
    let _ = handle.emit(SSO_LINK, token);
}
