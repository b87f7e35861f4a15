//! The server running in this process on a loopback port: bound to `127.0.0.1:0` first (so its
//! URL is known before it serves), then served; stoppable, and restartable on the same port with
//! the same data. Tests, benches and the app's demo backend all start the server this way.
//!
//! ```no_run
//! # async fn run() -> Result<(), retour_server::running::RunError> {
//! let dir = std::path::Path::new("/tmp/retour");
//! let state = retour_server::AppState::for_dir(dir)?; // always open, SQLite under `dir`
//! let mut server = retour_server::running::RunningServer::start_demo(state).await?;
//! println!("serving on {}", server.url());
//! server.restart().await?; // same port, same data
//! server.stop().await?;
//! # Ok(()) }
//! ```

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::{demo, AppState};

/// How long [`RunningServer::stop`] waits for the requests in flight.
const STOP_LIMIT: Duration = Duration::from_secs(10);

/// Why the server could not be started, stopped or restarted.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The state could not be built (database, mailer).
    #[error(transparent)]
    Start(#[from] crate::StartError),
    /// The demo data could not be written.
    #[error("demo seed: {0}")]
    Seed(#[from] crate::db::DbError),
    /// Binding, serving or stopping failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The serving task died (panicked or was cancelled).
    #[error("server task: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// The requests in flight did not finish in time.
    #[error("the server did not stop within {STOP_LIMIT:?}")]
    StopTimeout,
}

/// The reference backend serving on a loopback port of this process; it stops when dropped.
pub struct RunningServer {
    url: String,
    addr: SocketAddr,
    state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl std::fmt::Debug for RunningServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningServer")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl RunningServer {
    /// Binds `127.0.0.1:0` and serves `state` there (on the current tokio runtime).
    pub async fn start(state: AppState) -> Result<RunningServer, RunError> {
        RunningServer::start_on(state, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Binds `addr` and serves `state` there (on the current tokio runtime): a server started
    /// again on another state, such as a database restored from a backup, at the address its
    /// devices know.
    pub async fn start_on(state: AppState, addr: SocketAddr) -> Result<RunningServer, RunError> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let mut server = RunningServer {
            url: format!("http://{addr}"),
            addr,
            state,
            shutdown: None,
            task: None,
        };
        server.serve(listener);
        Ok(server)
    }

    /// Seeds the demo data into `state` (two garages, BLs of the last 30 days, the staff; nothing
    /// when already seeded), then serves it as [`RunningServer::start`] does.
    pub async fn start_demo(state: AppState) -> Result<RunningServer, RunError> {
        seed_demo(&state).await?;
        RunningServer::start(state).await
    }

    fn serve(&mut self, listener: TcpListener) {
        let (tx, rx) = oneshot::channel::<()>();
        self.task = Some(tokio::spawn(crate::serve(
            listener,
            self.state.clone(),
            async {
                let _ = rx.await;
            },
        )));
        self.shutdown = Some(tx);
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The bound address (kept across restarts).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The served state (its database, configuration, mail spool).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Stops serving (the port then refuses connections) once the requests in flight are
    /// answered; the data stays.
    pub async fn stop(&mut self) -> Result<(), RunError> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(STOP_LIMIT, task)
                .await
                .map_err(|_| RunError::StopTimeout)???;
        }
        Ok(())
    }

    /// Serves again on the same port with the same data (stopping first if it still serves).
    pub async fn restart(&mut self) -> Result<(), RunError> {
        self.stop().await?;
        let listener = TcpListener::bind(self.addr).await?;
        self.serve(listener);
        Ok(())
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Seeds the demo data for today in Paris on the blocking pool.
pub async fn seed_demo(state: &AppState) -> Result<demo::Seeded, RunError> {
    let state = state.clone();
    let seeded =
        tokio::task::spawn_blocking(move || demo::seed(state.db(), crate::paris_today_now()))
            .await??;
    Ok(seeded)
}
