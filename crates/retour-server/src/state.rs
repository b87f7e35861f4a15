//! What every request handler shares: [`AppState`] (database, configuration, reason table, clock,
//! mailer, login throttles, session cache, idempotency keys in flight) and how it is built from a
//! [`Config`].

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use retour_domain::reason::ReasonTable;

use crate::config::Config;
use crate::db::{self, Db};
use crate::idempotency::InFlightKeys;
use crate::problem::ApiError;
use crate::session_cache::SessionCache;
use crate::{auth, mail};

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
    in_flight: InFlightKeys,
    mailer: retour_mail::Mailer,
    sessions: SessionCache,
}

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
                in_flight: InFlightKeys::default(),
                mailer,
                sessions: SessionCache::default(),
            }),
        })
    }

    /// A state for tests and the app's embedded backend: SQLite file and mail spool under `dir`,
    /// always open ([`Config::for_dir`]). Seed it with [`crate::demo::seed`].
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

    /// The login throttles.
    pub(crate) fn throttle(&self) -> &auth::LoginThrottle {
        &self.inner.throttle
    }

    /// The recently checked access tokens.
    pub(crate) fn sessions(&self) -> &SessionCache {
        &self.inner.sessions
    }

    /// The idempotency keys being processed.
    pub(crate) fn in_flight(&self) -> &InFlightKeys {
        &self.inner.in_flight
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
