//! Storage: every SQL statement of the server lives under this module, over SQLite (rusqlite,
//! the embedded default) or PostgreSQL (`RETOUR_DB=postgres://…`, for several instances).
//!
//! SQLite: [`Db`] holds one writer connection (writes are serialised, each in a `BEGIN
//! IMMEDIATE` transaction) and a small pool of reader connections; WAL mode, so that readers never
//! wait for the writer. PostgreSQL: a bounded pool of connections ([`pg_pool`]); writes run
//! `SERIALIZABLE` and are tried again after a conflict (see [`Db::write`] and the conflict lane),
//! reads in one `REPEATABLE READ` snapshot. Calls are blocking: the HTTP layer runs them on
//! tokio's blocking pool. Handlers see only [`Conn`]'s methods, which take and return plain Rust
//! values, whichever database answers; each statement is written once, in the SQL both
//! understand ([`sql`]: `?1` placeholders, parameters and cells of either driver).
//!
//! This file holds the connections, the transactions and the migrations (one list of steps for
//! both databases); each area's queries are one
//! `impl Conn` block in its own module: [`accounts`] (customers, accounts), [`logins`] (failed
//! logins per account and source, known devices, the purge of expired rows), [`throttles`] (the
//! attempt counters every instance shares, per minute), [`outbox`] (mail
//! waiting to be sent),
//! [`sessions`] (sessions and their tokens, link tokens, SSO token ids, the generation of
//! revocations that every instance's session cache checks), [`catalog`] (delivery
//! notes and their lines), [`cart`] (the cart's op log and merge state), [`requests`] (return
//! requests, their per-year numbers and idempotency keys), [`dossiers`] (return files and their
//! history), [`timeline`] (a file's events, messages and per-line decisions), [`webhooks`]
//! (the staff's hooks, the durable queue of events to deliver and the log of every try),
//! [`notifications`] (each garage's notifications and each account's preferences) and [`money`]
//! (v1.1: credit notes, what the reconciliation, the deposits wallet and the report read, the
//! deposit reminders that went out), [`warranty`] (the claims of warranty files), [`pickups`]
//! (the driver's pickups, the server's secrets), [`photos`] (each customer's photos,
//! re-encoded) and [`documents`] (each customer's PDFs, without metadata). Stored text
//! (instants, dates, amounts, codes) is read back by [`values`]; rows are read by column name
//! ([`FromRow`]).

mod accounts;
mod cart;
mod catalog;
mod documents;
mod dossiers;
mod logins;
mod money;
mod notifications;
mod outbox;
mod pg_pool;
mod photos;
mod pickups;
mod requests;
mod sessions;
mod sql;
mod throttles;
mod timeline;
mod values;
mod warranty;
mod webhooks;

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, TransactionBehavior};

pub use accounts::{AccountRow, CustomerRow};
pub use catalog::{LineKey, NewLine, StoredLine, StoredNote};
pub use documents::StoredDocument;
pub use dossiers::{DossierFilter, DossierPage, StoredDossier, StoredDossierLine};
pub use logins::{FailureScope, LoginFailure, Purged};
pub use money::{ReportRow, StoredCreditNote, StoredCreditNoteLine};
pub use outbox::{ClaimedMail, MAX_ATTEMPTS};
pub use photos::StoredPhoto;
pub use requests::StoredRequest;
pub use sessions::{Principal, PrincipalCheck, RefreshRow};
pub use timeline::NewMessage;
pub use values::instant;
pub use webhooks::{AttemptOutcome, ClaimedDelivery, DELIVERY_LEASE};

use pg_pool::{PgConnection, PgPool};
pub(crate) use sql::{Dialect, FromCell, FromRow, Param, Row, Single};
use sql::{PgStatements, PgTx};

/// A storage failure. Never caused by client input: the HTTP layer answers it with a 500.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// SQLite refused or failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL refused or failed.
    #[error("postgres: {}", postgres_detail(.0))]
    Postgres(#[from] postgres::Error),
    /// The schema could not be brought up to date.
    #[error("migration to version {version}: {reason}")]
    Migration {
        /// The version that could not be reached.
        version: usize,
        /// Why.
        reason: String,
    },
    /// A stored value does not parse back.
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
    /// A query that must return a row returned none.
    #[error("no row: {0}")]
    NoRow(String),
}

impl DbError {
    /// A PostgreSQL serialisation conflict or deadlock: the transaction may be tried again
    /// ([`Db::write`] does).
    pub fn is_conflict(&self) -> bool {
        matches!(self, DbError::Postgres(error) if is_conflict(error))
    }
}

/// What PostgreSQL said: its SQLSTATE and message (the error's own text is only "db error").
fn postgres_detail(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{} {}", db.code().code(), db.message()),
        None => error.to_string(),
    }
}

/// The result of a storage call.
pub type DbResult<T> = Result<T, DbError>;

/// One step of the schema: its SQL in SQLite's dialect, given to PostgreSQL through
/// [`postgres_ddl`] unless the step has its own PostgreSQL text (triggers), and what runs after
/// it in the same transaction.
struct Step {
    sql: &'static str,
    postgres: Option<&'static str>,
    after: Option<fn(&Conn<'_>) -> DbResult<()>>,
}

/// The schema, one step per version, for both databases; never edit a released step, add one.
const STEPS: &[Step] = &[
    Step::new(include_str!("../schema_v1.sql")),
    Step {
        postgres: Some(include_str!("../schema_v2.postgres.sql")),
        ..Step::new(include_str!("../schema_v2.sql"))
    },
    // The fill writes cart lines as today's code does, photos included (v11).
    Step::new(include_str!("../schema_v3.sql")).then(|c| {
        add_cart_line_photos(c)?;
        c.fill_cart_merge()
    }),
    Step::new(include_str!("../schema_v4.sql")).then(|c| c.fill_request_numbers()),
    Step::new(include_str!("../schema_v5.sql")),
    Step::new(include_str!("../schema_v6.sql")).then(|c| c.fill_timelines()),
    Step::new(include_str!("../schema_v7.sql")),
    Step::new(include_str!("../schema_v8.sql")),
    Step::new(include_str!("../schema_v9.sql")),
    Step::new(include_str!("../schema_v10.sql")),
    Step::new(include_str!("../schema_v11.sql")).then(add_cart_line_photos),
    Step::new(include_str!("../schema_v12.sql")),
    Step::new(include_str!("../schema_v13.sql")),
];

impl Step {
    const fn new(sql: &'static str) -> Step {
        Step {
            sql,
            postgres: None,
            after: None,
        }
    }

    const fn then(self, after: fn(&Conn<'_>) -> DbResult<()>) -> Step {
        Step {
            after: Some(after),
            ..self
        }
    }

    /// The step's SQL for PostgreSQL.
    fn postgres_sql(&self) -> std::borrow::Cow<'static, str> {
        match self.postgres {
            Some(sql) => sql.into(),
            None => postgres_ddl(self.sql).into(),
        }
    }
}

/// The schema version the code needs.
pub const SCHEMA_VERSION: usize = STEPS.len();

/// Adds `cart_lines.photos` (v11) unless the v3 step already did, for the fill of the cart merge
/// that writes lines as today's code does.
fn add_cart_line_photos(c: &Conn<'_>) -> DbResult<()> {
    let present: bool = match c.dialect() {
        Dialect::Sqlite => c.value(
            "SELECT count(*) > 0 FROM pragma_table_info('cart_lines') WHERE name = 'photos'",
            &[],
        )?,
        Dialect::Postgres => c.value(
            "SELECT count(*) > 0 FROM information_schema.columns
              WHERE table_schema = current_schema() AND table_name = 'cart_lines'
                AND column_name = 'photos'",
            &[],
        )?,
    };
    if !present {
        c.batch("ALTER TABLE cart_lines ADD COLUMN photos TEXT NOT NULL DEFAULT '[]'")?;
    }
    Ok(())
}

/// A schema step in PostgreSQL's dialect: SQLite's integer row ids become identity columns,
/// `INTEGER` is `BIGINT`, `BLOB` is `BYTEA`, the e-mail compared without case is `citext`, and
/// `WITHOUT ROWID` goes.
fn postgres_ddl(sqlite: &str) -> String {
    sqlite
        .replace(
            "INTEGER PRIMARY KEY AUTOINCREMENT",
            "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
        )
        .replace(
            "id INTEGER PRIMARY KEY,",
            "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,",
        )
        .replace(
            "TEXT NOT NULL UNIQUE COLLATE NOCASE",
            "CITEXT NOT NULL UNIQUE",
        )
        .replace("INTEGER", "BIGINT")
        .replace("BLOB", "BYTEA")
        .replace(") WITHOUT ROWID;", ");")
}

/// How many idle SQLite reader connections are kept.
const POOL: usize = 8;

/// How many times a PostgreSQL write transaction is tried when it meets a serialisation
/// conflict with another instance's (or request's) transaction (from the second, in the
/// [`CONFLICT_LANE`]).
const CONFLICT_TRIES: usize = 10;

/// Where the data lives: a SQLite file, or a PostgreSQL database (`postgres://…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection string.
    Postgres(String),
}

impl Location {
    /// `postgres://…` or `postgresql://…` is PostgreSQL; anything else a SQLite file.
    pub fn parse(text: impl AsRef<Path>) -> Location {
        let path = text.as_ref();
        match path.to_str() {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Location::Postgres(url.to_owned())
            }
            _ => Location::Sqlite(path.to_path_buf()),
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Sqlite(path) => write!(f, "{}", path.display()),
            // Never the password.
            Location::Postgres(url) => match url.split_once('@') {
                Some((_, host)) => write!(f, "postgres://…@{host}"),
                None => f.write_str(url),
            },
        }
    }
}

/// The database: SQLite (one writer connection and a pool of readers over one file) or
/// PostgreSQL (a pool of connections).
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    location: Location,
    cart_epoch: String,
    backend: Backend,
}

enum Backend {
    Sqlite {
        writer: Mutex<Connection>,
        readers: Mutex<Vec<Connection>>,
    },
    Postgres {
        pool: PgPool,
    },
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("location", &self.inner.location.to_string())
            .finish()
    }
}

/// How a connection syncs its commits to disk.
#[derive(Debug, Clone, Copy)]
enum Durability {
    /// The writer: `synchronous=FULL`, so that a commit the client was told about (a `201`)
    /// survives a power failure, not only a crash of the process.
    Full,
    /// Readers write nothing: `synchronous=NORMAL`.
    Normal,
}

fn connect(path: &Path, durability: Durability) -> DbResult<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    let synchronous = match durability {
        Durability::Full => "FULL",
        Durability::Normal => "NORMAL",
    };
    conn.pragma_update(None, "synchronous", synchronous)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "cache_size", -16_000)?;
    conn.pragma_update(None, "mmap_size", 268_435_456)?;
    Ok(conn)
}

/// The first key of the advisory lock held while an instance brings a schema up to date (the
/// second is the schema's).
const MIGRATION_LOCK: i32 = 0x5254_5552;

impl Db {
    /// Opens (creating the SQLite file if needed) the database `location` names — a file path
    /// or a `postgres://` URL — and brings its schema up to date.
    pub fn open(location: impl AsRef<Path>) -> DbResult<Db> {
        Db::open_at_schema(location, SCHEMA_VERSION)
    }

    /// Opens the database with its schema brought to `version` only, for the tests of the
    /// migrations (a database left by an earlier version of the server).
    pub fn open_at_schema(location: impl AsRef<Path>, version: usize) -> DbResult<Db> {
        let location = Location::parse(location);
        let (backend, cart_epoch) = match &location {
            Location::Sqlite(path) => {
                let mut writer = connect(path, Durability::Full)?;
                migrate_sqlite(&mut writer, version)?;
                let backend = Backend::Sqlite {
                    writer: Mutex::new(writer),
                    readers: Mutex::new(Vec::new()),
                };
                // A file restored from a backup cannot be told from the one that was served.
                (backend, uuid::Uuid::new_v4().simple().to_string())
            }
            Location::Postgres(url) => {
                // On a thread of its own, as every PostgreSQL call (see `postgres_once`).
                let (conn, epoch) = std::thread::scope(|scope| {
                    scope
                        .spawn(|| -> DbResult<_> {
                            let mut conn = PgConnection::open(url)?;
                            let epoch = migrate_postgres(&mut conn, version)?;
                            Ok((conn, epoch))
                        })
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })?;
                let backend = Backend::Postgres {
                    pool: PgPool::new(url, conn),
                };
                (backend, epoch)
            }
        };
        Ok(Db {
            inner: Arc::new(Inner {
                location,
                cart_epoch,
                backend,
            }),
        })
    }

    /// Where the data lives.
    pub fn location(&self) -> &Location {
        &self.inner.location
    }

    /// The epoch of the cart log. Devices' cursors (`GET /cart/ops?after=`) are valid within one
    /// epoch; when it changes they read the log again from 0 and push again every op they hold
    /// (the server ignores ops it has). SQLite: a random id made at each opening of the file,
    /// since a file restored from a backup cannot be told from the one that was served.
    /// PostgreSQL: one id kept in the database, the same for every instance (a restored database
    /// is a new one to its operators, who reset it with the schema).
    pub fn cart_epoch(&self) -> &str {
        &self.inner.cart_epoch
    }

    /// Runs `f` in one write transaction, committed when it returns `Ok`, rolled back otherwise.
    /// SQLite: `BEGIN IMMEDIATE` on the one writer, so writes are serialised. PostgreSQL:
    /// `SERIALIZABLE`, so that concurrent writes (from any instance) behave as if one ran after
    /// the other; one that meets a conflict is rolled back and `f` runs again, up to
    /// [`CONFLICT_TRIES`] times. Blocking.
    pub fn write<T: Send, E: From<DbError> + Send>(
        &self,
        mut f: impl FnMut(&Conn<'_>) -> Result<T, E> + Send,
    ) -> Result<T, E> {
        match &self.inner.backend {
            Backend::Sqlite { writer, .. } => {
                let mut conn = writer.lock().unwrap_or_else(|e| e.into_inner());
                let tx = conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(DbError::from)?;
                let result = f(&Conn::sqlite(&tx))?;
                tx.commit().map_err(DbError::from)?;
                Ok(result)
            }
            Backend::Postgres { .. } => {
                let mut kind = PgTransaction::Write;
                for tries in 1.. {
                    match self.postgres_once(kind, &mut f) {
                        Err(Attempt::Conflict(_)) if tries < CONFLICT_TRIES => {
                            tracing::debug!("serialisation conflict, try {tries}");
                            kind = PgTransaction::WriteInLane;
                        }
                        Err(Attempt::Conflict(e)) => {
                            tracing::error!(
                                "a write met {CONFLICT_TRIES} serialisation conflicts: given up"
                            );
                            return Err(e);
                        }
                        Err(Attempt::Failed(e)) => return Err(e),
                        Ok(value) => return Ok(value),
                    }
                }
                unreachable!("the loop returns")
            }
        }
    }

    /// Runs `f` inside one read transaction, so that it sees one snapshot. Blocking.
    pub fn read<T: Send, E: From<DbError> + Send>(
        &self,
        mut f: impl FnMut(&Conn<'_>) -> Result<T, E> + Send,
    ) -> Result<T, E> {
        match &self.inner.backend {
            Backend::Sqlite { readers, .. } => {
                let Location::Sqlite(path) = &self.inner.location else {
                    unreachable!("a SQLite backend has a SQLite location")
                };
                let pooled = readers.lock().unwrap_or_else(|e| e.into_inner()).pop();
                let mut conn = match pooled {
                    Some(conn) => conn,
                    None => connect(path, Durability::Normal)?,
                };
                let result = {
                    let tx = conn.transaction().map_err(DbError::from)?;
                    let result = f(&Conn::sqlite(&tx));
                    tx.finish().map_err(DbError::from)?;
                    result
                };
                let mut readers = readers.lock().unwrap_or_else(|e| e.into_inner());
                if readers.len() < POOL {
                    readers.push(conn);
                }
                result
            }
            Backend::Postgres { .. } => self
                .postgres_once(PgTransaction::Read, &mut f)
                .map_err(|(Attempt::Conflict(e) | Attempt::Failed(e))| e),
        }
    }

    /// One PostgreSQL transaction on a pooled connection, run on a thread of its own: the
    /// blocking client must not run on an async runtime's thread (callers may be on one), and a
    /// scoped thread costs microseconds beside the round trips to the database.
    fn postgres_once<T: Send, E: From<DbError> + Send>(
        &self,
        kind: PgTransaction,
        f: &mut (impl FnMut(&Conn<'_>) -> Result<T, E> + Send),
    ) -> Result<T, Attempt<E>> {
        std::thread::scope(|scope| {
            scope
                .spawn(|| self.postgres_here(kind, f))
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    }

    fn postgres_here<T, E: From<DbError>>(
        &self,
        kind: PgTransaction,
        f: &mut impl FnMut(&Conn<'_>) -> Result<T, E>,
    ) -> Result<T, Attempt<E>> {
        let Backend::Postgres { pool } = &self.inner.backend else {
            unreachable!("called for PostgreSQL only")
        };
        let failed = |e: DbError| Attempt::Failed(E::from(e));
        let mut conn = pool.take().map_err(failed)?;
        let (lock, unlock) = match kind {
            PgTransaction::Read => ("", ""),
            PgTransaction::Write => (
                "SELECT pg_advisory_lock_shared($1)",
                "SELECT pg_advisory_unlock_shared($1)",
            ),
            PgTransaction::WriteInLane => (
                "SELECT pg_advisory_lock($1)",
                "SELECT pg_advisory_unlock($1)",
            ),
        };
        let locked = if lock.is_empty() {
            Ok(0)
        } else {
            conn.client.execute(lock, &[&CONFLICT_LANE])
        };
        let (outcome, locked) = match locked {
            Ok(_) => (Self::postgres_transaction(&mut conn, kind, f), true),
            Err(e) => (Err(failed(e.into())), false),
        };
        // A connection whose lane lock could not be taken or given back is closed, not pooled
        // again (closing it gives the lock back).
        let unlocked =
            locked && (unlock.is_empty() || conn.client.execute(unlock, &[&CONFLICT_LANE]).is_ok());
        pool.give_back(conn, unlocked);
        outcome
    }

    /// Runs `f` in one transaction of `kind` on `conn`.
    fn postgres_transaction<T, E: From<DbError>>(
        conn: &mut PgConnection,
        kind: PgTransaction,
        f: &mut impl FnMut(&Conn<'_>) -> Result<T, E>,
    ) -> Result<T, Attempt<E>> {
        let failed = |e: DbError| Attempt::Failed(E::from(e));
        let PgConnection { client, statements } = conn;
        let (isolation, read_only) = match kind {
            PgTransaction::Read => (postgres::IsolationLevel::RepeatableRead, true),
            _ => (postgres::IsolationLevel::Serializable, false),
        };
        let tx = client
            .build_transaction()
            .isolation_level(isolation)
            .read_only(read_only)
            .start()
            .map_err(|e| failed(e.into()))?;
        let pg = PgTx {
            tx: RefCell::new(tx),
            statements,
            conflict: std::cell::Cell::new(false),
        };
        let result = f(&Conn::postgres(&pg));
        let conflict = pg.conflict.get();
        let tx = pg.tx.into_inner();
        match result {
            Ok(value) => match tx.commit() {
                Ok(()) => Ok(value),
                Err(e) if is_conflict(&e) => Err(Attempt::Conflict(E::from(e.into()))),
                Err(e) => Err(failed(e.into())),
            },
            // Rolled back when dropped.
            Err(e) if conflict => Err(Attempt::Conflict(e)),
            Err(e) => Err(Attempt::Failed(e)),
        }
    }
}

/// The kinds of PostgreSQL transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PgTransaction {
    /// `REPEATABLE READ READ ONLY`: one snapshot.
    Read,
    /// `SERIALIZABLE`, a first try, holding the [`CONFLICT_LANE`] shared.
    Write,
    /// `SERIALIZABLE`, tried again after a conflict, holding the [`CONFLICT_LANE`] alone.
    WriteInLane,
}

/// The key of the session advisory lock of the conflict lane, across every instance. Every write
/// holds it shared around its transaction; a write that met a conflict is tried again holding it
/// alone, so it waits for the writes in flight to end and runs while no other does: its second
/// try cannot conflict. A hundred submits of the same line then go through one after the other
/// instead of conflicting again at every try, and writes that meet no conflict, nearly all of
/// them, only share the lock. The lock is taken before the transaction starts, so that the
/// snapshot of a write in the lane comes after the commits it waited for.
const CONFLICT_LANE: i64 = 0x5245_544f_5552_0001;

/// How one PostgreSQL transaction ended when it did not commit.
enum Attempt<E> {
    /// A serialisation conflict or a deadlock: worth trying again.
    Conflict(E),
    /// Anything else.
    Failed(E),
}

fn is_conflict(error: &postgres::Error) -> bool {
    use postgres::error::SqlState;
    matches!(
        error.code(),
        Some(&SqlState::T_R_SERIALIZATION_FAILURE) | Some(&SqlState::T_R_DEADLOCK_DETECTED)
    )
}

/// Brings a SQLite file's schema to version `target`; its version is `PRAGMA user_version` (as
/// the `rusqlite_migration` of earlier versions kept it).
fn migrate_sqlite(conn: &mut Connection, target: usize) -> DbResult<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let current = usize::try_from(current).unwrap_or(0);
    for (index, step) in STEPS.iter().enumerate().take(target).skip(current) {
        let version = index + 1;
        let failed = |e: DbError| DbError::Migration {
            version,
            reason: e.to_string(),
        };
        let tx = conn.transaction().map_err(|e| failed(e.into()))?;
        tx.execute_batch(step.sql).map_err(|e| failed(e.into()))?;
        if let Some(after) = step.after {
            after(&Conn::sqlite(&tx)).map_err(failed)?;
        }
        tx.pragma_update(
            None,
            "user_version",
            i64::try_from(version).unwrap_or(i64::MAX),
        )
        .map_err(|e| failed(e.into()))?;
        tx.commit().map_err(|e| failed(e.into()))?;
    }
    Ok(())
}

/// Brings a PostgreSQL database's schema to version `target` (its version in `retour_schema`), one
/// instance at a time (an advisory lock), and returns the cart log's epoch kept there.
fn migrate_postgres(conn: &mut PgConnection, target: usize) -> DbResult<String> {
    let PgConnection { client, statements } = conn;
    let tx = client.transaction()?;
    let pg = PgTx {
        tx: RefCell::new(tx),
        statements,
        conflict: std::cell::Cell::new(false),
    };
    let c = Conn::postgres(&pg);
    // Instances starting together over one schema migrate it one after the other.
    c.execute(
        "SELECT pg_advisory_xact_lock(?1, hashtext(current_schema()))",
        &[&MIGRATION_LOCK],
    )?;
    let has_citext: bool = c.value(
        "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citext')",
        &[],
    )?;
    if !has_citext {
        c.batch("CREATE EXTENSION citext")?;
    }
    c.batch(
        "CREATE TABLE IF NOT EXISTS retour_schema (
             version BIGINT NOT NULL, cart_epoch TEXT NOT NULL, one BIGINT PRIMARY KEY CHECK (one = 1));",
    )?;
    c.execute(
        "INSERT INTO retour_schema (one, version, cart_epoch) VALUES (1, 0, ?1)
         ON CONFLICT (one) DO NOTHING",
        &[&uuid::Uuid::new_v4().simple().to_string()],
    )?;
    let (current, epoch): (usize, String) = c
        .query_first("SELECT version, cart_epoch FROM retour_schema", &[])?
        .ok_or_else(|| DbError::NoRow("retour_schema".into()))?;
    for (index, step) in STEPS.iter().enumerate().take(target).skip(current) {
        let version = index + 1;
        let failed = |e: DbError| DbError::Migration {
            version,
            reason: e.to_string(),
        };
        c.batch(&step.postgres_sql()).map_err(failed)?;
        if let Some(after) = step.after {
            after(&c).map_err(failed)?;
        }
        c.execute("UPDATE retour_schema SET version = ?1", &[&version])
            .map_err(failed)?;
    }
    pg.tx.into_inner().commit()?;
    Ok(epoch)
}

/// A connection inside a transaction; every query of the server is one of its methods, one
/// `impl Conn` block per area, over the statements of [`sql`].
pub struct Conn<'a> {
    tx: Tx<'a>,
}

enum Tx<'a> {
    Sqlite(&'a Connection),
    Postgres(&'a (dyn PgStatements + 'a)),
}

impl<'a> Conn<'a> {
    fn sqlite(c: &'a Connection) -> Conn<'a> {
        Conn { tx: Tx::Sqlite(c) }
    }

    fn postgres(tx: &'a (dyn PgStatements + 'a)) -> Conn<'a> {
        Conn {
            tx: Tx::Postgres(tx),
        }
    }
}

impl Conn<'_> {
    /// The dialect of the database behind.
    pub(crate) fn dialect(&self) -> Dialect {
        match self.tx {
            Tx::Sqlite(_) => Dialect::Sqlite,
            Tx::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Runs a statement; the number of rows it changed.
    pub(crate) fn execute(&self, sql: &str, params: &[&dyn Param]) -> DbResult<u64> {
        match self.tx {
            Tx::Sqlite(c) => {
                let values: Vec<sql::Value<'_>> = params.iter().map(|p| p.value()).collect();
                let changed = c
                    .prepare_cached(sql)?
                    .execute(rusqlite::params_from_iter(values.iter()))?;
                Ok(changed as u64)
            }
            Tx::Postgres(tx) => tx.execute(sql, params),
        }
    }

    /// Every row of a query, each read with [`FromRow`].
    pub(crate) fn query<T: FromRow>(&self, sql: &str, params: &[&dyn Param]) -> DbResult<Vec<T>> {
        self.rows(sql, params, usize::MAX)
    }

    /// The first row of a query, if any, read with [`FromRow`].
    pub(crate) fn query_first<T: FromRow>(
        &self,
        sql: &str,
        params: &[&dyn Param],
    ) -> DbResult<Option<T>> {
        Ok(self.rows(sql, params, 1)?.into_iter().next())
    }

    /// The first `most` rows of a query, each read with [`FromRow`].
    fn rows<T: FromRow>(&self, sql: &str, params: &[&dyn Param], most: usize) -> DbResult<Vec<T>> {
        match self.tx {
            Tx::Sqlite(c) => {
                let values: Vec<sql::Value<'_>> = params.iter().map(|p| p.value()).collect();
                let mut statement = c.prepare_cached(sql)?;
                let mut rows = statement.query(rusqlite::params_from_iter(values.iter()))?;
                let mut out = Vec::new();
                while out.len() < most {
                    let Some(row) = rows.next()? else { break };
                    out.push(T::from_row(&Row::Sqlite(row))?);
                }
                Ok(out)
            }
            Tx::Postgres(tx) => tx
                .query(sql, params)?
                .iter()
                .take(most)
                .map(|row| T::from_row(&Row::Postgres(row)))
                .collect(),
        }
    }

    /// The first column of the first row of a query, if there is a row.
    pub(crate) fn value_opt<T: FromCell>(
        &self,
        sql: &str,
        params: &[&dyn Param],
    ) -> DbResult<Option<T>> {
        Ok(self.query_first::<Single<T>>(sql, params)?.map(|s| s.0))
    }

    /// The first column of the first row of a query, which must return a row.
    pub(crate) fn value<T: FromCell>(&self, sql: &str, params: &[&dyn Param]) -> DbResult<T> {
        self.value_opt(sql, params)?
            .ok_or_else(|| DbError::NoRow(sql.trim().chars().take(80).collect()))
    }

    /// Runs statements without parameters (schema steps).
    pub(crate) fn batch(&self, sql: &str) -> DbResult<()> {
        match self.tx {
            Tx::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Tx::Postgres(tx) => tx.batch(sql),
        }
    }
}

#[cfg(test)]
mod tests;
