//! The commands the window calls, grouped by area. Each is one line over the `retour-app` façade
//! method of the same name (or, for the shell's own business — settings, app facts, timings —
//! over `Shell`), and returns `AppResult`: an error reaches the window as `{code, message}`.
//!
//! The `#[tauri::command]` functions of this folder are the one list of commands: `build.rs`
//! reads them for the invoke handler and the permissions, and `cargo xtask bindings` writes
//! `ui/js/commands.js` from their signatures (the build fails when that file or the window's
//! capability disagrees with them).
//!
//! Commands that may take a while without the network (decoding a photo, opening a camera) are
//! `async` so that they run off the window's main thread.

pub mod account;
pub mod camera;
pub mod cart;
pub mod catalog;
pub mod money;
pub mod notifications;
pub mod pickups;
pub mod refusals;
pub mod shell;
pub mod sync;
pub mod tracking;
pub mod warranty;
