//! The reference return backend: the return API v1 of `API.md` over axum and SQLite, enforcing
//! every rule of the product (through `retour-domain`), with e-mail, the pré-accord PDF, the staff
//! flow and demo data.
//!
//! ```no_run
//! # async fn run() -> anyhow::Result<()> {
//! let dir = std::path::Path::new("/tmp/retour");
//! let state = retour_server::AppState::for_dir(dir)?; // always open, SQLite under `dir`
//! retour_server::demo::seed(state.db(), retour_server::paris_today_now())?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let addr = listener.local_addr()?;
//! tokio::spawn(retour_server::serve(listener, state, std::future::pending()));
//! # let _ = addr; Ok(()) }
//! ```
#![forbid(unsafe_code)]

pub mod auth;
pub mod config;
mod convert;
pub mod db;
pub mod demo;
pub mod mail;
pub mod openapi;
pub mod pdf;
pub mod problem;
mod routes;
pub mod running;

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::extract::DefaultBodyLimit;
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use chrono::{DateTime, NaiveDate, Utc};
use retour_domain::reason::ReasonTable;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;

pub use config::Config;
pub use db::Db;
pub use problem::ApiError;
pub use routes::staff_advance;

/// The largest request body accepted (1 MiB); larger ones answer `413`.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Where the current instant comes from; tests can pin it.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Today in Paris, by the system clock.
pub fn paris_today_now() -> NaiveDate {
    retour_domain::hours::paris_today(Utc::now())
}

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Shared>,
}

struct Shared {
    db: Db,
    config: Config,
    reasons: ReasonTable,
    clock: Clock,
    throttle: auth::LoginThrottle,
    in_flight: Mutex<HashSet<(i64, String)>>,
    mailer: retour_mail::Mailer,
    sessions: SessionCache,
}

/// Recently checked access tokens, so that most requests skip the session lookup. Entries live
/// at most [`SESSION_CACHE_TTL`] and never past the token's expiry; every revocation clears the
/// cache and bumps a generation, and a lookup that began before a revocation does not fill it.
#[derive(Default)]
struct SessionCache {
    inner: Mutex<(u64, CheckedTokens)>,
}

/// Token hash → the principal and until when the check is trusted.
type CheckedTokens = HashMap<String, (db::Principal, DateTime<Utc>)>;

/// How long a checked access token is trusted without asking the database again.
const SESSION_CACHE_TTL: chrono::Duration = chrono::Duration::seconds(30);

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database could not be opened.
    #[error("database {path}: {source}")]
    Db {
        /// The file.
        path: String,
        /// Why.
        source: db::DbError,
    },
    /// The mailer could not be set up (bad SMTP URL, spool not writable, bad sender).
    #[error("e-mail: {0}")]
    Mail(#[from] retour_mail::MailError),
}

impl AppState {
    /// Opens the configured database (running migrations) and builds the state.
    pub fn new(config: Config) -> Result<AppState, StartError> {
        let db = Db::open(&config.db).map_err(|source| StartError::Db {
            path: config.db.display().to_string(),
            source,
        })?;
        AppState::with_db(db, config)
    }

    /// Builds the state over an open database.
    pub fn with_db(db: Db, config: Config) -> Result<AppState, StartError> {
        let mailer = mail::mailer(&config)?;
        Ok(AppState {
            inner: Arc::new(Shared {
                db,
                config,
                reasons: ReasonTable::default(),
                clock: Arc::new(Utc::now),
                throttle: auth::LoginThrottle::default(),
                in_flight: Mutex::new(HashSet::new()),
                mailer,
                sessions: SessionCache::default(),
            }),
        })
    }

    /// A state for tests and the app's embedded backend: SQLite file and mail spool under `dir`,
    /// always open ([`Config::for_dir`]). Seed it with [`demo::seed`].
    pub fn for_dir(dir: &Path) -> Result<AppState, StartError> {
        AppState::new(Config::for_dir(dir))
    }

    /// The same state with another clock (tests).
    pub fn with_clock(self, clock: Clock) -> AppState {
        let shared = Arc::try_unwrap(self.inner)
            .unwrap_or_else(|_| panic!("with_clock before sharing the state"));
        AppState {
            inner: Arc::new(Shared { clock, ..shared }),
        }
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The reason table.
    pub fn reasons(&self) -> &ReasonTable {
        &self.inner.reasons
    }

    /// Now, by the state's clock.
    pub fn now(&self) -> DateTime<Utc> {
        (self.inner.clock)()
    }

    /// The mailer.
    pub fn mailer(&self) -> &retour_mail::Mailer {
        &self.inner.mailer
    }

    /// A principal checked less than [`SESSION_CACHE_TTL`] ago, still valid at `now`.
    pub(crate) fn cached_principal(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Option<db::Principal> {
        let cache = self
            .inner
            .sessions
            .inner
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        cache
            .1
            .get(token_hash)
            .filter(|(principal, until)| now < *until && now < principal.expires_at)
            .map(|(principal, _)| principal.clone())
    }

    /// The cache's generation, read before a lookup.
    pub(crate) fn session_generation(&self) -> u64 {
        self.inner
            .sessions
            .inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .0
    }

    /// Remembers a looked-up principal, unless a revocation happened since `generation`.
    pub(crate) fn remember_principal(
        &self,
        token_hash: String,
        principal: db::Principal,
        now: DateTime<Utc>,
        generation: u64,
    ) {
        let mut cache = self
            .inner
            .sessions
            .inner
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if cache.0 != generation {
            return;
        }
        if cache.1.len() >= 50_000 {
            cache.1.clear();
        }
        cache
            .1
            .insert(token_hash, (principal, now + SESSION_CACHE_TTL));
    }

    /// Forgets every checked token: call after a session is revoked (logout, token reuse,
    /// password reset).
    pub(crate) fn forget_sessions(&self) {
        let mut cache = self
            .inner
            .sessions
            .inner
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        cache.0 += 1;
        cache.1.clear();
    }

    /// The login throttles.
    pub(crate) fn throttle(&self) -> &auth::LoginThrottle {
        &self.inner.throttle
    }

    /// Marks an idempotency key of an account as being processed; `None` when it already is.
    /// The mark goes when the guard is dropped. Public so tests can hold a key and observe
    /// `409 request_in_progress` without racing.
    pub fn begin_idempotent(&self, account_id: i64, key: &str) -> Option<InFlight> {
        let entry = (account_id, key.to_owned());
        let mut set = self
            .inner
            .in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        set.insert(entry.clone()).then(|| InFlight {
            state: self.clone(),
            entry,
        })
    }

    /// Runs a read on the blocking pool.
    pub(crate) async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&db::Conn<'_>) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let db = self.inner.db.clone();
        tokio::task::spawn_blocking(move || db.read(f))
            .await
            .map_err(ApiError::internal)?
    }

    /// Runs a write transaction on the blocking pool.
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&db::Conn<'_>) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let db = self.inner.db.clone();
        tokio::task::spawn_blocking(move || db.write(f))
            .await
            .map_err(ApiError::internal)?
    }
}

/// An idempotency key being processed; released on drop.
pub struct InFlight {
    state: AppState,
    entry: (i64, String),
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut set = self
            .state
            .inner
            .in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        set.remove(&self.entry);
    }
}

/// The whole HTTP API, with its limits: 1 MiB bodies, a request timeout, problem documents for
/// every error, panics caught.
pub fn router(state: AppState) -> Router {
    let timeout = state.config().request_timeout;
    routes::routes()
        .fallback(|| async { ApiError::not_found() })
        .method_not_allowed_fallback(|| async {
            ApiError::for_status(StatusCode::METHOD_NOT_ALLOWED)
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(problem_for_every_error))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::internal("handler panicked").into_response()
        }))
        .with_state(state)
}

/// Turns any error response that is not already a problem document (timeouts, 405s, plain-text
/// rejections) into one.
async fn problem_for_every_error(request: axum::extract::Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(problem::PROBLEM_JSON.as_bytes()));
    if (status.is_client_error() || status.is_server_error()) && !is_problem {
        let mut problem = ApiError::for_status(status).into_response();
        if let Some(allow) = response.headers().get(header::ALLOW) {
            problem.headers_mut().insert(header::ALLOW, allow.clone());
        }
        return problem;
    }
    response
}

/// Serves the API on `listener` until `shutdown` completes, then finishes the requests in flight.
/// Logs the address once it accepts connections.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "retour-server listening on http://{addr}");
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
