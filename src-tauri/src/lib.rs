//! Retour's Tauri shell: opens the `retour-app` façade (against the configured server, or the
//! embedded demo backend), manages it as state, exposes it to the window through one-line
//! commands, forwards the sync state, SSO deep links and the camera's preview and reads as
//! events, and shows `ui/`.
//!
//! No SQL, no HTTP, no business rule here: the window renders what the façade returns.

mod commands;
mod events;
mod shell;
mod webview;

use std::time::Instant;

use tauri::Manager;
use tauri_plugin_deep_link::DeepLinkExt;

use crate::shell::Shell;

/// Starts the app (desktop `main` and the mobile entry point).
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let started = Instant::now();
    // Before GTK and WebKit start: they read their environment once.
    webview::prepare_engine();
    let builder = tauri::Builder::default();
    #[cfg(desktop)]
    let builder = builder.plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
        // A second launch (e.g. a `retour://sso` link) focuses the running window; the
        // deep-link plugin hands the URL to `on_open_url`.
        if let Some(window) = app.get_webview_window("main") {
            let _ = window.unminimize();
            let _ = window.set_focus();
        }
    }));
    builder
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_notification::init())
        .setup(move |app| setup(app, started))
        // `tauri::generate_handler![…]` over every `#[tauri::command]` of `src/commands/`, written
        // by `build.rs`: the command list is never typed twice.
        .invoke_handler(include!(concat!(env!("OUT_DIR"), "/invoke_handler.rs")))
        .run(tauri::generate_context!())
        .expect("Retour could not start its window");
}

/// Opens the façade and everything around it before the window shows.
fn setup(app: &mut tauri::App, started: Instant) -> Result<(), Box<dyn std::error::Error>> {
    webview::configure(app);
    let data_dir = shell::data_dir();
    retour_app::files::create_private_dir(&data_dir)?;
    let settings = shell::load_settings(&data_dir);
    let (mut config, demo) = match shell::configured_server(&settings) {
        Some(url) => (retour_app::Config::new(url, &data_dir), false),
        None => (start_demo_backend(app, &data_dir)?, true),
    };
    let server_url = config.server_url.clone();
    config.camera_image = shell::camera_image();
    let core = retour_app::App::open(config)?;
    app.manage(core.clone());
    app.manage(Shell::new(data_dir, server_url, demo, settings, started));
    events::forward_sync_state(app.handle().clone(), &core);
    events::raise_notifications(app.handle().clone(), &core);
    tauri::async_runtime::spawn(async move {
        core.spawn_background_sync();
    });
    let handle = app.handle().clone();
    if let Ok(Some(urls)) = app.deep_link().get_current() {
        open_links(&handle, &urls);
    }
    app.deep_link()
        .on_open_url(move |event| open_links(&handle, &event.urls()));
    Ok(())
}

/// The `retour://` links the app was opened with: SSO, password reset, account unlock.
fn open_links(handle: &tauri::AppHandle, urls: &[tauri::Url]) {
    for url in urls {
        if let Some(token) = shell::sso_token(url) {
            events::sso_link(handle, token);
        } else if let Some(link) = shell::account_link(url) {
            events::account_link(handle, link);
        }
    }
}

/// The embedded reference backend with demo data, kept alive as state; returns the app's
/// configuration against it (its URL of this run, its name of every run).
#[cfg(feature = "demo")]
fn start_demo_backend(
    app: &mut tauri::App,
    data_dir: &std::path::Path,
) -> Result<retour_app::Config, retour_app::AppError> {
    let backend = tauri::async_runtime::block_on(retour_app::demo::start_demo_backend(data_dir))?;
    let config = backend.config(data_dir);
    app.manage(backend);
    Ok(config)
}

#[cfg(not(feature = "demo"))]
fn start_demo_backend(
    _app: &mut tauri::App,
    _data_dir: &std::path::Path,
) -> Result<retour_app::Config, retour_app::AppError> {
    Err(retour_app::AppError::new(
        retour_app::ErrorCode::NoServer,
        "Aucun serveur de retours n'est configuré : indiquez son adresse (RETOUR_SERVER ou settings.json).",
    ))
}
