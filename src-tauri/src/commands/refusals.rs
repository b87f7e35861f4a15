//! The refusals a sync brought (requests refused, cart edits rejected) until the user has seen
//! them.

use retour_app::{App, AppResult, RefusalView};
use tauri::State;

/// The refusals not yet seen, in French with what to do (no network).
#[tauri::command]
pub fn unseen_refusals(app: State<'_, App>) -> AppResult<Vec<RefusalView>> {
    app.unseen_refusals()
}

/// Marks the refusals shown as seen.
#[tauri::command]
pub fn acknowledge_refusals(app: State<'_, App>, ids: Vec<String>) -> AppResult<usize> {
    app.acknowledge_refusals(&ids)
}
