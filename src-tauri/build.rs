//! Builds the Tauri context (config, capabilities, icons) and the command permissions.
fn main() {
    tauri_build::build()
}
