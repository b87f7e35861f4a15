//! The app core against the real server, one test binary (one module per area): devices with
//! real stores and the façade, the real `retour-server` on loopback or in-process, the fault
//! proxy, child processes (the CLI, the kill -9 cart editor). The real window is
//! `src-tauri/tests/ui_e2e/`.

mod account_links;
mod availability;
mod camera;
mod cli;
mod demo_backend;
mod edges;
mod exactly_once;
mod keychain;
mod kill9;
mod messages;
mod money;
mod notifications;
mod photos;
mod preaccord;
mod refusals;
mod restore;
mod session;
mod simulation;
mod sync;
mod token_canary;
mod warranty;
mod whole_story;
