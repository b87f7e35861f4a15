//! Builds the Tauri context (config, capabilities, icons) and a permission per command, so that
//! the window's capability can name exactly the commands the UI calls.

/// Every command of `src/commands.rs`; each gets `allow-<name>` for `capabilities/`.
const COMMANDS: &[&str] = &[
    "app_info",
    "session",
    "login",
    "sso_login",
    "pending_sso_token",
    "logout",
    "request_password_reset",
    "reset_password",
    "request_unlock",
    "unlock_account",
    "service",
    "recent_delivery_notes",
    "delivery_note",
    "validate_bl_number",
    "lookup",
    "scan_image",
    "cart",
    "cart_add",
    "cart_set",
    "cart_remove",
    "cart_save",
    "cart_send",
    "dossiers",
    "dossier",
    "preaccord_path",
    "sync_state",
    "sync_now",
    "settings",
    "save_settings",
    "cameras",
    "camera_start",
    "camera_stop",
    "ui_rendered",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build script");
}
