//! Notifications and the e-mail preferences: the list the sync pulled, marking read, the
//! account's preferences.

use retour_app::api::Preferences;
use retour_app::{App, AppResult, Language, NotificationsView, PreferencesArgs};
use tauri::State;

/// The notifications kept on the device, newest first, with the unread count (no network).
#[tauri::command]
pub fn notifications(app: State<'_, App>) -> AppResult<NotificationsView> {
    app.notifications()
}

/// Marks the notifications up to this `seq` read (inclusive); sent to the server at the next sync.
#[tauri::command]
pub fn mark_notifications_read(app: State<'_, App>, up_to: u64) -> AppResult<NotificationsView> {
    app.mark_notifications_read(up_to)
}

/// The account's e-mail preferences and pré-accord address.
#[tauri::command]
pub async fn preferences(app: State<'_, App>) -> AppResult<Preferences> {
    app.preferences().await
}

/// Saves the e-mail preferences and the pré-accord address (checked, French errors).
#[tauri::command]
pub async fn save_preferences(
    app: State<'_, App>,
    args: PreferencesArgs,
) -> AppResult<Preferences> {
    app.save_preferences(&args).await
}

/// The window's language: the notifications' titles (on screen and the OS's) follow it.
#[tauri::command]
pub fn set_language(app: State<'_, App>, language: Language) {
    app.set_language(language)
}
