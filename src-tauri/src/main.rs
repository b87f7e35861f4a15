//! The desktop entry point: hides the console on Windows release builds and starts the app.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    retour_tauri_lib::run()
}
