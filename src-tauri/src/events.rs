//! Events the shell sends to the window: the sync state (online, pending edits) whenever it
//! changes, the token of an SSO deep link, an e-mailed reset or unlock link, and while the camera films its preview images and
//! the codes it reads, or that it was lost; and the OS notifications of what a sync pulled.

use base64::Engine as _;
use serde::Serialize;
use tauri::{Emitter, Manager};

use crate::shell::Shell;

/// The sync state, on every change.
pub const SYNC_STATE: &str = "sync-state";
/// The token of a `retour://sso?token=…` link.
pub const SSO_LINK: &str = "sso-link";
/// An e-mailed account link: `{kind: "reset" | "unlock", token}`.
pub const ACCOUNT_LINK: &str = "account-link";
/// A camera preview image: `{jpeg_base64}`.
pub const CAMERA_FRAME: &str = "camera-frame";
/// A code the camera read: `{code, read: {format, text, classification}}`.
pub const SCAN_READ: &str = "scan-read";
/// The native camera went away while filming: `{code: "camera_lost", message}`.
pub const CAMERA_LOST: &str = "camera-lost";

/// The payload of `camera-frame`.
#[derive(Debug, Clone, Serialize)]
pub struct CameraFrame {
    /// The preview, a JPEG in base64 (for a `data:image/jpeg;base64,` URL).
    pub jpeg_base64: String,
}

/// The payload of `scan-read`.
#[derive(Debug, Clone, Serialize)]
pub struct ScanReadEvent {
    /// The code as read, for `lookup`.
    pub code: String,
    /// The whole read: symbology, exact text, what the code is.
    pub read: retour_app::ScanRead,
}

/// The callback that turns the camera's preview JPEGs into `camera-frame` events.
pub fn camera_frame(handle: tauri::AppHandle) -> impl Fn(Vec<u8>) + Send + 'static {
    move |jpeg| {
        let jpeg_base64 = base64::engine::general_purpose::STANDARD.encode(jpeg);
        let _ = handle.emit(CAMERA_FRAME, CameraFrame { jpeg_base64 });
    }
}

/// The callback that turns the camera's reads into `scan-read` events.
pub fn scan_read(handle: tauri::AppHandle) -> impl Fn(retour_app::ScanRead) + Send + 'static {
    move |read| {
        let _ = handle.emit(
            SCAN_READ,
            ScanReadEvent {
                code: read.text.clone(),
                read,
            },
        );
    }
}

/// The callback that turns a camera lost while filming into the `camera-lost` event.
pub fn camera_lost(handle: tauri::AppHandle) -> impl FnOnce(retour_app::AppError) + Send + 'static {
    move |error| {
        let _ = handle.emit(CAMERA_LOST, error);
    }
}

/// Raises one OS notification (tauri-plugin-notification: the desktop's notification service,
/// Android's and iOS's) for each notification a sync pulls new and unread, while the app runs.
pub fn raise_notifications(handle: tauri::AppHandle, core: &retour_app::App) {
    use tauri_plugin_notification::NotificationExt;
    let mut feed = core.subscribe_notifications();
    tauri::async_runtime::spawn(async move {
        while let Some(notification) = feed.next().await {
            let shown = handle
                .notification()
                .builder()
                .title(&notification.title)
                .body(&notification.body)
                .show();
            if let Err(error) = shown {
                eprintln!("notification système impossible : {error}");
            }
        }
    });
}

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

/// Keeps an account link for the window's next `pending_account_link` call and tells a running
/// window.
pub fn account_link(handle: &tauri::AppHandle, link: crate::shell::AccountLink) {
    if let Some(shell) = handle.try_state::<Shell>() {
        shell.set_account_link(link.clone());
    }
    let _ = handle.emit(ACCOUNT_LINK, link);
}
