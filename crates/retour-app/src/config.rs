//! How to build the [`App`]: the server, the data folder, where tokens are kept, timeouts and
//! retries, and the picture to film in place of a camera.

use std::path::PathBuf;

use retour_sync::{Backoff, Timeouts};

/// The server name of the embedded demo backend (see [`Config::server_id`]).
pub const DEMO_SERVER_ID: &str = "demo";

/// Where tokens are kept.
#[derive(Debug, Clone)]
pub enum TokenStoreChoice {
    /// The OS keychain: what the app and the CLI always use.
    Keychain,
    /// Tokens in this process's memory, for tests that are not about the keychain. Only built
    /// with the `test-token-store` feature, which only the test package enables.
    #[cfg(feature = "test-token-store")]
    InMemoryForTests(retour_sync::TokenStore),
}

/// How to build an [`App`].
#[derive(Debug, Clone)]
pub struct Config {
    /// The backend, such as `https://retour.example` or `http://127.0.0.1:8080`.
    pub server_url: String,
    /// The server's stable name for the account folders, store files and keychain entries;
    /// `None`: its URL. The embedded demo backend, on a new port at each start, is
    /// [`DEMO_SERVER_ID`], so that each run finds the previous run's cart and session.
    pub server_id: Option<String>,
    /// Where the stores, files and log live.
    pub data_dir: PathBuf,
    /// This device's name, shown in the account's session list.
    pub device_name: String,
    /// Where tokens are kept.
    pub tokens: TokenStoreChoice,
    /// How long to wait for the server.
    pub timeouts: Timeouts,
    /// How patiently to retry.
    pub backoff: Backoff,
    /// A PNG or JPEG picture to film in place of a camera (demos, tests on machines without a
    /// camera); the shell takes it from `RETOUR_CAMERA_IMAGE`.
    pub camera_image: Option<PathBuf>,
}

impl Config {
    /// A configuration with the keychain, default timeouts and interactive retries.
    pub fn new(server_url: impl Into<String>, data_dir: impl Into<PathBuf>) -> Config {
        Config {
            server_url: server_url.into(),
            server_id: None,
            data_dir: data_dir.into(),
            device_name: default_device_name(),
            tokens: TokenStoreChoice::Keychain,
            timeouts: Timeouts::default(),
            backoff: Backoff::INTERACTIVE,
            camera_image: None,
        }
    }

    /// The name the server's folders, files and keychain entries go by.
    pub fn server_id(&self) -> &str {
        self.server_id.as_deref().unwrap_or(&self.server_url)
    }
}

/// The OS's per-user application data folder for Retour (used when no `--data-dir` or
/// `RETOUR_DATA_DIR` is given).
pub fn default_data_dir() -> PathBuf {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let base = if cfg!(target_os = "windows") {
        env("APPDATA")
    } else if cfg!(target_os = "macos") {
        env("HOME").map(|h| h.join("Library/Application Support"))
    } else {
        env("XDG_DATA_HOME").or_else(|| env("HOME").map(|h| h.join(".local/share")))
    };
    base.unwrap_or_else(std::env::temp_dir).join("retour")
}

fn default_device_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| format!("retour-{}", std::env::consts::OS))
}
