//! What belongs to the shell rather than to the core: where the app's settings live and which
//! server it talks to, facts for the login screen (demo accounts, version), the pending SSO and
//! e-mailed account links, render timings for the bench, and the picture that stands in for a
//! camera.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

use retour_app::{AppError, ErrorCode};
use serde::{Deserialize, Serialize};

/// The settings the user edits on the "Réglages" screen, kept in `<data dir>/settings.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Settings {
    /// The return server; empty or absent: the embedded demo backend.
    #[serde(default)]
    pub server_url: Option<String>,
    /// The camera to scan with; absent: the default one.
    #[serde(default)]
    pub camera: Option<String>,
}

/// A demo account shown on the login screen.
#[derive(Debug, Clone, Serialize)]
pub struct DemoAccount {
    pub email: String,
    pub password: String,
    pub label: String,
}

/// Facts the window shows: version, data folder, demo accounts, forced language.
#[derive(Debug, Clone, Serialize)]
pub struct AppInfo {
    pub version: String,
    pub data_dir: PathBuf,
    pub server_url: String,
    pub demo: bool,
    pub demo_accounts: Vec<DemoAccount>,
    pub lang: Option<String>,
    pub camera: Option<String>,
}

/// An e-mailed account link: `retour://reset?token=…` (choose a new password) or
/// `retour://unlock?token=…` (unlock the account).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountLink {
    /// `reset` or `unlock`.
    pub kind: String,
    /// The link's one-time token.
    pub token: String,
}

/// The shell's state, managed next to the façade's `App`.
pub struct Shell {
    data_dir: PathBuf,
    server_url: String,
    demo: bool,
    settings: Mutex<Settings>,
    sso_token: Mutex<Option<String>>,
    account_link: Mutex<Option<AccountLink>>,
    started: Instant,
    bench_file: Option<PathBuf>,
}

/// Where the app keeps its data: `RETOUR_DATA_DIR`, else the OS's per-user folder.
pub fn data_dir() -> PathBuf {
    std::env::var_os("RETOUR_DATA_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(retour_app::default_data_dir)
}

fn settings_path(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("settings.json")
}

/// Reads the saved settings (defaults when there are none or they cannot be read).
pub fn load_settings(data_dir: &std::path::Path) -> Settings {
    std::fs::read(settings_path(data_dir))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// The server to talk to: `RETOUR_SERVER`, else the saved setting, else none (demo backend).
pub fn configured_server(settings: &Settings) -> Option<String> {
    std::env::var("RETOUR_SERVER")
        .ok()
        .or_else(|| settings.server_url.clone())
        .map(|s| s.trim().trim_end_matches('/').to_owned())
        .filter(|s| !s.is_empty())
}

impl Shell {
    pub fn new(
        data_dir: PathBuf,
        server_url: String,
        demo: bool,
        settings: Settings,
        started: Instant,
    ) -> Shell {
        Shell {
            data_dir,
            server_url,
            demo,
            settings: Mutex::new(settings),
            sso_token: Mutex::new(None),
            account_link: Mutex::new(None),
            started,
            bench_file: std::env::var_os("RETOUR_BENCH_FILE").map(PathBuf::from),
        }
    }

    /// Facts for the window (`app_info`).
    pub fn app_info(&self) -> AppInfo {
        let settings = self.settings();
        AppInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            data_dir: self.data_dir.clone(),
            server_url: self.server_url.clone(),
            demo: self.demo,
            demo_accounts: if self.demo {
                demo_accounts()
            } else {
                Vec::new()
            },
            lang: std::env::var("RETOUR_LANG").ok(),
            camera: settings.camera,
        }
    }

    pub fn settings(&self) -> Settings {
        self.settings.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Saves the settings; a new server takes effect after a restart, which this does at once.
    pub fn save_settings(
        &self,
        handle: &tauri::AppHandle,
        settings: Settings,
    ) -> Result<(), AppError> {
        let server_changed = configured_server(&settings).unwrap_or_default()
            != configured_server(&self.settings()).unwrap_or_default();
        let json = serde_json::to_vec_pretty(&settings)
            .map_err(|e| AppError::new(ErrorCode::Settings, e.to_string()))?;
        retour_app::files::write_atomically(&settings_path(&self.data_dir), &json).map_err(
            |e| {
                AppError::new(
                    ErrorCode::Settings,
                    format!("Impossible d'enregistrer les réglages : {e}"),
                )
            },
        )?;
        if let Ok(mut current) = self.settings.lock() {
            *current = settings;
        }
        if server_changed && std::env::var_os("RETOUR_SERVER").is_none() {
            handle.restart();
        }
        Ok(())
    }

    /// Keeps the token of a `retour://sso?token=…` link until the window asks for it.
    pub fn set_sso_token(&self, token: String) {
        if let Ok(mut slot) = self.sso_token.lock() {
            *slot = Some(token);
        }
    }

    /// The pending SSO token, taken: a second call gets `None` (`pending_sso_token`).
    pub fn pending_sso_token(&self) -> Option<String> {
        self.sso_token.lock().ok().and_then(|mut slot| slot.take())
    }

    /// Keeps an e-mailed account link until the window asks for it.
    pub fn set_account_link(&self, link: AccountLink) {
        if let Ok(mut slot) = self.account_link.lock() {
            *slot = Some(link);
        }
    }

    /// The pending account link, taken (`pending_account_link`).
    pub fn pending_account_link(&self) -> Option<AccountLink> {
        self.account_link
            .lock()
            .ok()
            .and_then(|mut slot| slot.take())
    }

    /// Appends `<screen> <burst ms> <first key ms> <ms since start>` to `RETOUR_BENCH_FILE`
    /// (`ui_rendered`).
    pub fn ui_rendered(
        &self,
        screen: &str,
        burst_ms: Option<f64>,
        first_key_ms: Option<f64>,
    ) -> Result<(), AppError> {
        let Some(path) = &self.bench_file else {
            return Ok(());
        };
        let line = format!(
            "{screen} {:.1} {:.1} {}\n",
            burst_ms.unwrap_or(f64::NAN),
            first_key_ms.unwrap_or(f64::NAN),
            self.started.elapsed().as_millis()
        );
        use std::io::Write as _;
        if let Ok(mut file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = file.write_all(line.as_bytes());
        }
        Ok(())
    }
}

#[cfg(feature = "demo")]
fn demo_accounts() -> Vec<DemoAccount> {
    vec![DemoAccount {
        email: retour_app::demo::DEMO_EMAIL.to_owned(),
        password: retour_app::demo::DEMO_PASSWORD.to_owned(),
        label: "Garage".to_owned(),
    }]
}

#[cfg(not(feature = "demo"))]
fn demo_accounts() -> Vec<DemoAccount> {
    Vec::new()
}

/// Opens a file the core resolved (the pré-accord PDF, a CSV export) in the system viewer. The
/// window's capability grants no opener: only the shell opens files, and only those.
pub fn open_file(handle: &tauri::AppHandle, path: &std::path::Path) -> Result<(), AppError> {
    use tauri_plugin_opener::OpenerExt;
    let csv = path.extension().is_some_and(|e| e == "csv");
    handle
        .opener()
        .open_path(path.to_string_lossy(), None::<&str>)
        .map_err(|_| match csv {
            true => AppError::new(
                ErrorCode::CannotOpen,
                "Impossible d'ouvrir le fichier CSV : installez un tableur (LibreOffice, Excel…), \
                 puis réessayez.",
            ),
            false => AppError::of(ErrorCode::CannotOpen),
        })
}

/// The token of a `retour://sso?token=…` link.
pub fn sso_token(url: &tauri::Url) -> Option<String> {
    (url.scheme() == "retour" && url.host_str() == Some("sso"))
        .then(|| {
            url.query_pairs()
                .find(|(k, _)| k == "token")
                .map(|(_, v)| v.into_owned())
        })
        .flatten()
        .filter(|t| !t.is_empty())
}

/// The kind and token of a `retour://reset?token=…` or `retour://unlock?token=…` link.
pub fn account_link(url: &tauri::Url) -> Option<AccountLink> {
    let kind = url
        .host_str()
        .filter(|h| matches!(*h, "reset" | "unlock"))?;
    if url.scheme() != "retour" {
        return None;
    }
    let token = url
        .query_pairs()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
        .filter(|t| !t.is_empty())?;
    Some(AccountLink {
        kind: kind.to_owned(),
        token,
    })
}

/// The picture to film in place of a camera: `RETOUR_CAMERA_IMAGE` (demos, tests on machines
/// without a camera).
pub fn camera_image() -> Option<PathBuf> {
    retour_app::camera_image_from_env()
}
