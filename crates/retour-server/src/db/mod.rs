//! Storage: every SQL statement of the server lives under this module, over SQLite (rusqlite).
//!
//! [`Db`] holds one writer connection (writes are serialised, each in a `BEGIN IMMEDIATE`
//! transaction) and a small pool of reader connections; SQLite runs in WAL mode so that readers
//! never wait for the writer. Calls are blocking: the HTTP layer runs them on tokio's blocking
//! pool. Handlers see only [`Conn`]'s methods, which take and return plain Rust values, so that a
//! PostgreSQL implementation of the same methods can be added later without touching them.
//!
//! This file holds the connection handling and the migrations; each area's queries are one
//! `impl Conn` block in its own module: [`accounts`] (customers, accounts), [`logins`] (failed
//! logins per account and source, known devices, the purge of expired rows), [`outbox`] (mail
//! waiting to be sent),
//! [`sessions`] (sessions and their tokens, link tokens, SSO token ids), [`catalog`] (delivery
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
mod photos;
mod pickups;
mod requests;
mod sessions;
mod timeline;
mod values;
mod warranty;
mod webhooks;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, Params, Row, Statement, TransactionBehavior};
use rusqlite_migration::{Migrations, M};

pub use accounts::{AccountRow, CustomerRow};
pub use catalog::{LineKey, NewLine, StoredLine, StoredNote};
pub use documents::StoredDocument;
pub use dossiers::{DossierFilter, DossierPage, StoredDossier, StoredDossierLine};
pub use logins::{FailureScope, LoginFailure, Purged};
pub use money::{ReportRow, StoredCreditNote, StoredCreditNoteLine};
pub use outbox::{ClaimedMail, MAX_ATTEMPTS};
pub use photos::StoredPhoto;
pub use requests::StoredRequest;
pub use sessions::{Principal, RefreshRow};
pub use timeline::NewMessage;
pub use values::instant;
pub use webhooks::{AttemptOutcome, ClaimedDelivery, DELIVERY_LEASE};

/// A storage failure. Never caused by client input: the HTTP layer answers it with a 500.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// SQLite refused or failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The schema could not be brought up to date.
    #[error("migrations: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    /// A stored value does not parse back.
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
}

/// The result of a storage call.
pub type DbResult<T> = Result<T, DbError>;

/// The schema, one migration per step; never edit a released step, add one.
fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("../schema_v1.sql")),
        M::up(include_str!("../schema_v2.sql")),
        M::up_with_hook(
            include_str!("../schema_v3.sql"),
            |tx: &rusqlite::Transaction<'_>| {
                // The fill writes cart lines as today's code does, photos included (v11).
                add_cart_line_photos(tx)?;
                Conn { c: tx }
                    .fill_cart_merge()
                    .map_err(|e| rusqlite_migration::HookError::Hook(e.to_string()))
            },
        ),
        M::up_with_hook(
            include_str!("../schema_v4.sql"),
            |tx: &rusqlite::Transaction<'_>| {
                Conn { c: tx }
                    .fill_request_numbers()
                    .map_err(|e| rusqlite_migration::HookError::Hook(e.to_string()))
            },
        ),
        M::up(include_str!("../schema_v5.sql")),
        M::up_with_hook(
            include_str!("../schema_v6.sql"),
            |tx: &rusqlite::Transaction<'_>| {
                Conn { c: tx }
                    .fill_timelines()
                    .map_err(|e| rusqlite_migration::HookError::Hook(e.to_string()))
            },
        ),
        M::up(include_str!("../schema_v7.sql")),
        M::up(include_str!("../schema_v8.sql")),
        M::up(include_str!("../schema_v9.sql")),
        M::up(include_str!("../schema_v10.sql")),
        M::up_with_hook(
            include_str!("../schema_v11.sql"),
            |tx: &rusqlite::Transaction<'_>| add_cart_line_photos(tx),
        ),
        M::up(include_str!("../schema_v12.sql")),
    ])
}

/// Adds `cart_lines.photos` (v11) unless the v3 hook already did, for the fill of the cart merge
/// that writes lines as today's code does.
fn add_cart_line_photos(
    tx: &rusqlite::Transaction<'_>,
) -> Result<(), rusqlite_migration::HookError> {
    let present: bool = tx.query_row(
        "SELECT count(*) > 0 FROM pragma_table_info('cart_lines') WHERE name = 'photos'",
        [],
        |r| r.get(0),
    )?;
    if !present {
        tx.execute_batch("ALTER TABLE cart_lines ADD COLUMN photos TEXT NOT NULL DEFAULT '[]'")?;
    }
    Ok(())
}

/// How many idle reader connections are kept.
const READER_POOL: usize = 8;

/// The database: one writer connection and a pool of readers over one SQLite file.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    cart_epoch: String,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("path", &self.inner.path)
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

impl Db {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub fn open(path: impl AsRef<Path>) -> DbResult<Db> {
        let path = path.as_ref().to_path_buf();
        let mut writer = connect(&path, Durability::Full)?;
        migrations().to_latest(&mut writer)?;
        Ok(Db {
            inner: Arc::new(Inner {
                path,
                cart_epoch: uuid::Uuid::new_v4().simple().to_string(),
                writer: Mutex::new(writer),
                readers: Mutex::new(Vec::new()),
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The epoch of the cart log: a random id made at each opening of the file, since a file
    /// restored from a backup cannot be told from the one that was served. Devices' cursors
    /// (`GET /cart/ops?after=`) are valid within one epoch; when it changes they read the log
    /// again from 0 and push again every op they hold (the server ignores ops it has).
    pub fn cart_epoch(&self) -> &str {
        &self.inner.cart_epoch
    }

    /// Runs `f` in one write transaction (`BEGIN IMMEDIATE`): committed when it returns `Ok`,
    /// rolled back otherwise. Blocking.
    pub fn write<T, E: From<DbError>>(
        &self,
        f: impl FnOnce(&Conn<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = self.inner.writer.lock().unwrap_or_else(|e| e.into_inner());
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(DbError::from)?;
        let result = f(&Conn { c: &tx })?;
        tx.commit().map_err(DbError::from)?;
        Ok(result)
    }

    /// Runs `f` on a reader connection inside one read transaction, so that it sees one snapshot.
    /// Blocking.
    pub fn read<T, E: From<DbError>>(
        &self,
        f: impl FnOnce(&Conn<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let pooled = self
            .inner
            .readers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop();
        let mut conn = match pooled {
            Some(conn) => conn,
            None => connect(&self.inner.path, Durability::Normal)?,
        };
        let result = {
            let tx = conn.transaction().map_err(DbError::from)?;
            let result = f(&Conn { c: &tx });
            tx.finish().map_err(DbError::from)?;
            result
        };
        let mut readers = self.inner.readers.lock().unwrap_or_else(|e| e.into_inner());
        if readers.len() < READER_POOL {
            readers.push(conn);
        }
        result
    }
}

/// A connection inside a transaction; every query of the server is one of its methods, one
/// `impl Conn` block per area.
pub struct Conn<'a> {
    c: &'a Connection,
}

/// A value read from one result row by column name, parsing what is stored as text.
trait FromRow: Sized {
    /// Reads the row.
    fn from_row(row: &Row<'_>) -> DbResult<Self>;
}

/// Every row of a query, each read with [`FromRow`].
fn query_all<T: FromRow>(stmt: &mut Statement<'_>, params: impl Params) -> DbResult<Vec<T>> {
    let mut rows = stmt.query(params)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(T::from_row(row)?);
    }
    Ok(out)
}

/// The first row of a query, if any, read with [`FromRow`].
fn query_first<T: FromRow>(stmt: &mut Statement<'_>, params: impl Params) -> DbResult<Option<T>> {
    let mut rows = stmt.query(params)?;
    rows.next()?.map(T::from_row).transpose()
}

#[cfg(test)]
mod tests;
