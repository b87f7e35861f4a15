//! The app's demo mode: the reference backend started in-process on `127.0.0.1:0`, with a seeded
//! SQLite database in the data folder and an always-open schedule. Its port changes at each
//! start, its name does not ([`DEMO_SERVER_ID`]): each run finds the previous run's cart and
//! session.
//!
//! ```no_run
//! # async fn demo(data_dir: &std::path::Path) -> Result<(), retour_app::AppError> {
//! let backend = retour_app::demo::start_demo_backend(data_dir).await?;
//! let app = retour_app::App::open(backend.config(data_dir))?;
//! # drop(app); Ok(()) }
//! ```

use std::path::Path;

use retour_server::running::RunningServer;
use retour_server::{demo, AppState};

use crate::{AppError, AppResult, Config, DEMO_SERVER_ID};

/// The demo account's e-mail.
pub const DEMO_EMAIL: &str = demo::GARAGE_A.email;
/// The demo account's password.
pub const DEMO_PASSWORD: &str = demo::GARAGE_A.password;

/// A running embedded backend; it stops when dropped.
#[derive(Debug)]
pub struct DemoBackend {
    server: RunningServer,
}

impl DemoBackend {
    /// The backend's base URL, such as `http://127.0.0.1:49152`.
    pub fn url(&self) -> &str {
        self.server.url()
    }

    /// The app's configuration against this backend: its URL, and the stable server name
    /// [`DEMO_SERVER_ID`] for the stores and the keychain.
    pub fn config(&self, data_dir: impl Into<std::path::PathBuf>) -> Config {
        Config {
            server_id: Some(DEMO_SERVER_ID.to_owned()),
            ..Config::new(self.url(), data_dir)
        }
    }
}

/// Starts the reference backend in-process (on the current tokio runtime) with demo data kept
/// in `data_dir/demo-backend/`, always open, and returns it with its URL.
pub async fn start_demo_backend(data_dir: &Path) -> AppResult<DemoBackend> {
    let dir = data_dir.join("demo-backend");
    std::fs::create_dir_all(&dir).map_err(AppError::local)?;
    let fail = |e: &dyn std::fmt::Display| {
        AppError::new(
            crate::ErrorCode::DemoBackend,
            format!("Impossible de démarrer le serveur de démonstration : {e}"),
        )
    };
    let state = AppState::for_dir(&dir).map_err(|e| fail(&e))?;
    let server = RunningServer::start_demo(state)
        .await
        .map_err(|e| fail(&e))?;
    Ok(DemoBackend { server })
}
