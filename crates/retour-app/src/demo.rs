//! The app's demo mode: the reference backend started in-process on `127.0.0.1:0`, with a seeded
//! SQLite database in the data folder and an always-open schedule.
//!
//! ```no_run
//! # async fn demo(data_dir: &std::path::Path) -> Result<(), retour_app::AppError> {
//! let backend = retour_app::demo::start_demo_backend(data_dir).await?;
//! let app = retour_app::App::open(retour_app::Config::new(backend.url(), data_dir))?;
//! # drop(app); Ok(()) }
//! ```

use std::path::Path;

use retour_server::{demo, AppState};
use tokio::sync::oneshot;

use crate::{AppError, AppResult};

/// The demo account's e-mail.
pub const DEMO_EMAIL: &str = demo::CUSTOMER_A;
/// The demo account's password.
pub const DEMO_PASSWORD: &str = demo::CUSTOMER_PASSWORD;

/// A running embedded backend; it stops when dropped.
#[derive(Debug)]
pub struct DemoBackend {
    url: String,
    shutdown: Option<oneshot::Sender<()>>,
}

impl DemoBackend {
    /// The backend's base URL, such as `http://127.0.0.1:49152`.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for DemoBackend {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
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
    let seed_state = state.clone();
    tokio::task::spawn_blocking(move || {
        demo::seed(seed_state.db(), retour_server::paris_today_now()).map(|_| ())
    })
    .await
    .map_err(|e| fail(&e))?
    .map_err(|e| fail(&e))?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| fail(&e))?;
    let addr = listener.local_addr().map_err(|e| fail(&e))?;
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = retour_server::serve(listener, state, async move {
            let _ = rx.await;
        })
        .await;
    });
    Ok(DemoBackend {
        url: format!("http://{addr}"),
        shutdown: Some(tx),
    })
}
