//! What every request handler shares: [`AppState`] (database, configuration, reason table, clock,
//! mailer and its outbox's sender signals, the webhooks' HTTP client and delivery pass, throttles of logins and e-mailed links, the bound on password hashes at a time, session
//! cache, idempotency keys in flight) and how it is built from a [`Config`].

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use retour_domain::reason::ReasonTable;

use crate::config::Config;
use crate::db::{self, Db};
use crate::idempotency::InFlightKeys;
use crate::mail;
use crate::problem::ApiError;
use crate::session_cache::SessionCache;
use crate::throttle::Throttle;

/// Where the current instant comes from; tests can pin it.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Today in Paris, by the system clock.
pub fn paris_today_now() -> NaiveDate {
    retour_domain::hours::paris_today(Utc::now())
}

/// How many password hashes run at a time: one per CPU.
fn hash_slots() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
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
    login_throttle: Throttle,
    link_throttle: Throttle,
    hashing: tokio::sync::Semaphore,
    mail_wake: tokio::sync::Notify,
    mail_pass: std::sync::Mutex<()>,
    webhook_pass: tokio::sync::Mutex<()>,
    webhook_client: reqwest::Client,
    in_flight: InFlightKeys,
    mailer: retour_mail::Mailer,
    sessions: SessionCache,
    pickup_key: crate::pickup::PickupKey,
    /// Work on the blocking pool, each holding a share until it ends: a stopping server waits
    /// for all of it ([`AppState::settle`]), since a task aborted while it awaits the blocking
    /// pool leaves its work running, holding the database.
    blocking: Arc<tokio::sync::RwLock<()>>,
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
    /// The HTTP client of the webhooks could not be set up (TLS).
    #[error("webhooks: {0}")]
    Webhooks(#[from] reqwest::Error),
}

impl AppState {
    /// Opens the configured database (running migrations) and builds the state.
    pub fn new(config: Config) -> Result<AppState, StartError> {
        let db = Db::open(&config.db).map_err(|source| StartError::Db {
            path: crate::db::Location::parse(&config.db).to_string(),
            source,
        })?;
        AppState::with_db(db, config)
    }

    /// Builds the state over an open database.
    pub fn with_db(db: Db, config: Config) -> Result<AppState, StartError> {
        let mailer = mail::mailer(&config)?;
        let webhook_client = crate::webhook::client()?;
        let pickup_key =
            crate::pickup::PickupKey::load(&db, &config).map_err(|source| StartError::Db {
                path: crate::db::Location::parse(&config.db).to_string(),
                source,
            })?;
        let reasons = ReasonTable::default().with_photos_required(&config.photos_required);
        Ok(AppState {
            inner: Arc::new(Shared {
                db,
                config,
                reasons,
                clock: Arc::new(Utc::now),
                login_throttle: Throttle::default(),
                link_throttle: Throttle::default(),
                hashing: tokio::sync::Semaphore::new(hash_slots()),
                mail_wake: tokio::sync::Notify::new(),
                mail_pass: std::sync::Mutex::new(()),
                webhook_pass: tokio::sync::Mutex::new(()),
                webhook_client,
                in_flight: InFlightKeys::default(),
                mailer,
                sessions: SessionCache::default(),
                pickup_key,
                blocking: Arc::default(),
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

    /// The key of the driver's pickup tokens.
    pub fn pickup_key(&self) -> &crate::pickup::PickupKey {
        &self.inner.pickup_key
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

    /// Wakes the mail sender: a message was queued.
    pub(crate) fn wake_mail(&self) {
        self.inner.mail_wake.notify_one();
    }

    /// What wakes the mail sender.
    pub(crate) fn mail_wake(&self) -> &tokio::sync::Notify {
        &self.inner.mail_wake
    }

    /// Held by one delivery pass of the outbox at a time.
    pub(crate) fn mail_pass(&self) -> &std::sync::Mutex<()> {
        &self.inner.mail_pass
    }

    /// Held by one delivery pass of the webhooks at a time.
    pub(crate) fn webhook_pass(&self) -> &tokio::sync::Mutex<()> {
        &self.inner.webhook_pass
    }

    /// The HTTP client of the webhooks.
    pub(crate) fn webhook_client(&self) -> &reqwest::Client {
        &self.inner.webhook_client
    }

    /// The login attempts of this minute, per address and per account.
    pub fn login_throttle(&self) -> &Throttle {
        &self.inner.login_throttle
    }

    /// The requests for e-mailed links (reset, unlock) of this minute, per address and account.
    pub(crate) fn link_throttle(&self) -> &Throttle {
        &self.inner.link_throttle
    }

    /// Runs an Argon2 computation on the blocking pool, at most one per CPU at a time, so that a
    /// flood of logins queues instead of taking every core and all the memory (19 MiB each).
    pub(crate) async fn hash<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let _permit = self
            .inner
            .hashing
            .acquire()
            .await
            .map_err(ApiError::internal)?;
        tokio::task::spawn_blocking(f)
            .await
            .map_err(ApiError::internal)
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
        f: impl FnMut(&db::Conn<'_>) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let db = self.inner.db.clone();
        self.blocking(move || db.read(f))
            .await
            .map_err(ApiError::internal)?
    }

    /// Runs a write transaction on the blocking pool (`f` may run again: see [`Db::write`]).
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        f: impl FnMut(&db::Conn<'_>) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let db = self.inner.db.clone();
        self.blocking(move || db.write(f))
            .await
            .map_err(ApiError::internal)?
    }

    /// Runs `f` on the blocking pool, counted until it ends (see [`AppState::settle`]).
    pub(crate) async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, tokio::task::JoinError> {
        let share = self.inner.blocking.clone().read_owned().await;
        tokio::task::spawn_blocking(move || {
            let _share = share;
            f()
        })
        .await
    }

    /// Waits until the work started on the blocking pool has ended (a stopping server: what its
    /// aborted background tasks left running there holds the database).
    pub(crate) async fn settle(&self) {
        drop(self.inner.blocking.write().await);
    }
}
