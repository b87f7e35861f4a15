//! The sync state shown in the header, and a sync on demand.

use retour_app::{App, AppResult, SyncView};
use tauri::State;

/// Online or not, pending edits and sends, last sync (no network).
#[tauri::command]
pub fn sync_state(app: State<'_, App>) -> AppResult<SyncView> {
    Ok(app.sync_state())
}

/// A full sync now.
#[tauri::command]
pub async fn sync_now(app: State<'_, App>) -> AppResult<SyncView> {
    app.sync_now().await
}
