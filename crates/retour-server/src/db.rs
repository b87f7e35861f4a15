//! Storage: every SQL statement of the server lives in this module, over SQLite (rusqlite).
//!
//! [`Db`] holds one writer connection (writes are serialised, each in a `BEGIN IMMEDIATE`
//! transaction) and a small pool of reader connections; SQLite runs in WAL mode so that readers
//! never wait for the writer. Calls are blocking: the HTTP layer runs them on tokio's blocking
//! pool. Handlers see only [`Conn`]'s methods, which take and return plain Rust values, so that a
//! PostgreSQL implementation of the same methods can be added later without touching them.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use retour_domain::api::{CartOp, Role};
use retour_domain::cart::{
    CartLine as MergedLine, CartState, Hlc, LineKey as CartLineKey, LineMerge,
};
use retour_domain::status::{Closure, DossierStatus, Outcome};
use retour_domain::Money;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use rusqlite_migration::{Migrations, M};

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
        M::up(include_str!("schema_v1.sql")),
        M::up(include_str!("schema_v2.sql")),
        M::up_with_hook(
            include_str!("schema_v3.sql"),
            |tx: &rusqlite::Transaction<'_>| {
                fill_cart_merge(&Conn { c: tx })
                    .map_err(|e| rusqlite_migration::HookError::Hook(e.to_string()))
            },
        ),
    ])
}

/// Fills the per-line merge state of every customer's cart from its log (once, when the schema
/// gets the `cart_merge` table).
fn fill_cart_merge(c: &Conn<'_>) -> DbResult<()> {
    let customers: Vec<i64> =
        c.c.prepare("SELECT DISTINCT customer_id FROM cart_ops")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
    for customer in customers {
        c.rebuild_cart_merge(customer)?;
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

fn connect(path: &Path) -> DbResult<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "cache_size", -16_000)?;
    conn.pragma_update(None, "mmap_size", 268_435_456)?;
    Ok(conn)
}

impl Db {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub fn open(path: impl AsRef<Path>) -> DbResult<Db> {
        let path = path.as_ref().to_path_buf();
        let mut writer = connect(&path)?;
        migrations().to_latest(&mut writer)?;
        Ok(Db {
            inner: Arc::new(Inner {
                path,
                writer: Mutex::new(writer),
                readers: Mutex::new(Vec::new()),
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
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
            None => connect(&self.inner.path)?,
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

/// A connection inside a transaction; every query of the server is one of its methods.
pub struct Conn<'a> {
    c: &'a Connection,
}

/// Writes an instant the way it is stored: RFC 3339, UTC, milliseconds (sorts as text).
pub fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn parse_instant(text: &str) -> DbResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| DbError::Corrupt(format!("instant {text:?}")))
}

fn parse_date(text: &str) -> DbResult<NaiveDate> {
    NaiveDate::from_str(text).map_err(|_| DbError::Corrupt(format!("date {text:?}")))
}

fn parse_money(text: &str) -> DbResult<Money> {
    Money::parse(text).map_err(|_| DbError::Corrupt(format!("amount {text:?}")))
}

fn parse_opt_money(text: Option<String>) -> DbResult<Option<Money>> {
    text.as_deref().map(parse_money).transpose()
}

fn parse_status(text: &str) -> DbResult<DossierStatus> {
    DossierStatus::parse(text).ok_or_else(|| DbError::Corrupt(format!("status {text:?}")))
}

fn outcome_code(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Accepted => "accepted",
        Outcome::Partial => "partial",
        Outcome::Refused => "refused",
    }
}

fn parse_outcome(text: &str) -> DbResult<Outcome> {
    match text {
        "accepted" => Ok(Outcome::Accepted),
        "partial" => Ok(Outcome::Partial),
        "refused" => Ok(Outcome::Refused),
        _ => Err(DbError::Corrupt(format!("outcome {text:?}"))),
    }
}

fn role_code(role: Role) -> &'static str {
    match role {
        Role::Customer => "customer",
        Role::Staff => "staff",
    }
}

/// A trade customer (a garage).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerRow {
    /// The row id.
    pub id: i64,
    /// The account code.
    pub code: String,
    /// The garage's name.
    pub name: String,
}

/// An account as stored.
#[derive(Debug, Clone)]
pub struct AccountRow {
    /// The row id.
    pub id: i64,
    /// The e-mail (unique, case-insensitive).
    pub email: String,
    /// The display name.
    pub name: String,
    /// Customer or staff.
    pub role: Role,
    /// The garage, for customer accounts.
    pub customer: Option<CustomerRow>,
    /// The Argon2id PHC string.
    pub password_hash: String,
    /// Consecutive failed logins.
    pub failed_logins: u32,
    /// Locked until this instant, when locked.
    pub locked_until: Option<DateTime<Utc>>,
}

/// Who an access token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The account.
    pub account_id: i64,
    /// The session (one per signed-in device).
    pub session_id: i64,
    /// The account's e-mail.
    pub email: String,
    /// Customer or staff.
    pub role: Role,
    /// The garage, for customer accounts.
    pub customer_id: Option<i64>,
    /// When the access token stops working.
    pub expires_at: DateTime<Utc>,
}

/// A refresh token as stored.
#[derive(Debug, Clone)]
pub struct RefreshRow {
    /// Its session.
    pub session_id: i64,
    /// The session's account.
    pub account_id: i64,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// Whether it was already exchanged.
    pub used: bool,
    /// Whether its session was revoked.
    pub session_revoked: bool,
}

/// A delivered line with what is known about its returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLine {
    /// The BL.
    pub delivery_note: String,
    /// The BL's delivery day.
    pub delivered_on: NaiveDate,
    /// The line number.
    pub line_no: u32,
    /// The supplier reference as printed.
    pub reference: String,
    /// The brand.
    pub brand: String,
    /// The designation.
    pub designation: String,
    /// The GTIN as printed, when known.
    pub gtin: Option<String>,
    /// Units delivered.
    pub delivered: u32,
    /// Units returned before this system (or through another channel).
    pub returned_before: u32,
    /// Units in closed return files.
    pub in_closed: u32,
    /// Units in open return files.
    pub in_open: u32,
    /// Unit net price HT.
    pub unit_price: Money,
    /// Deposit per unit, for exchange parts.
    pub deposit: Option<Money>,
}

/// A BL with its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredNote {
    /// The number.
    pub number: String,
    /// The delivery day.
    pub delivered_on: NaiveDate,
    /// Its total HT.
    pub total: Money,
    /// Its lines, by number.
    pub lines: Vec<StoredLine>,
}

/// A new BL line, for seeding.
#[derive(Debug, Clone)]
pub struct NewLine {
    /// The line number.
    pub line_no: u32,
    /// The supplier reference as printed.
    pub reference: String,
    /// Its matching form (`normalize_reference`).
    pub reference_key: String,
    /// The brand.
    pub brand: String,
    /// The designation.
    pub designation: String,
    /// The GTIN as printed.
    pub gtin: Option<String>,
    /// The GTIN's 14-digit form.
    pub gtin_key: Option<String>,
    /// Units delivered.
    pub qty: u32,
    /// Units already returned outside the system.
    pub returned_qty: u32,
    /// Unit net price HT.
    pub unit_price: Money,
    /// Deposit per unit.
    pub deposit: Option<Money>,
}

/// A return file's line as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDossierLine {
    /// The BL line number.
    pub line_no: u32,
    /// The supplier reference.
    pub reference: String,
    /// The designation.
    pub designation: String,
    /// Units returned.
    pub qty: u32,
    /// The reason code.
    pub reason: String,
    /// The estimate, absent when known only after inspection.
    pub estimated_credit: Option<Money>,
    /// Unit net price HT at delivery.
    pub unit_price: Money,
    /// Deposit per unit.
    pub deposit: Option<Money>,
    /// Units accepted at inspection.
    pub accepted_qty: Option<u32>,
}

/// A return file as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDossier {
    /// The 8-digit tracking number.
    pub number: String,
    /// The garage.
    pub customer_id: i64,
    /// The request that made it (none for imported files).
    pub request_id: Option<String>,
    /// The BL.
    pub delivery_note: String,
    /// The BL's delivery day.
    pub sale_date: NaiveDate,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Where it stands.
    pub status: DossierStatus,
    /// Sum of its lines' estimates.
    pub estimated_credit: Money,
    /// Units in it.
    pub piece_count: u32,
    /// Once closed.
    pub closure: Option<Closure>,
    /// Its lines.
    pub lines: Vec<StoredDossierLine>,
}

/// Which files a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DossierFilter {
    /// `Some(true)` open only, `Some(false)` closed only.
    pub open: Option<bool>,
    /// One status only.
    pub status: Option<DossierStatus>,
}

/// A page of return files.
#[derive(Debug, Clone)]
pub struct DossierPage {
    /// This page.
    pub items: Vec<StoredDossier>,
    /// How many match the filter.
    pub total: u64,
    /// Open files of the customer.
    pub open: u64,
    /// Closed files of the customer.
    pub closed: u64,
}

/// A stored return request.
#[derive(Debug, Clone)]
pub struct StoredRequest {
    /// Its id.
    pub id: String,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// Sum of the estimates.
    pub estimated_total: Money,
    /// Its files.
    pub dossiers: Vec<StoredDossier>,
}

/// What a code found among a customer's lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKey<'a> {
    /// A supplier reference's matching form.
    Reference(&'a str),
    /// A GTIN's 14-digit form.
    Gtin(&'a str),
}

/// A delivered line with the units of its return files, closed and open; the caller appends its
/// `WHERE`, and `GROUP BY`/`ORDER BY` come after.
const LINE_SELECT: &str = "SELECT l.delivery_note, n.delivered_on, l.line_no, l.reference, l.brand,
    l.designation, l.gtin, l.qty, l.returned_qty, l.unit_price, l.deposit,
    COALESCE(SUM(CASE WHEN d.status = 'closed' THEN dl.qty END), 0),
    COALESCE(SUM(CASE WHEN d.status <> 'closed' THEN dl.qty END), 0)
  FROM delivery_lines l JOIN delivery_notes n ON n.number = l.delivery_note
  LEFT JOIN dossier_lines dl ON dl.delivery_note = l.delivery_note AND dl.line_no = l.line_no
  LEFT JOIN dossiers d ON d.number = dl.dossier";

type RawLine = (
    String,
    String,
    u32,
    String,
    String,
    String,
    Option<String>,
    u32,
    u32,
    String,
    Option<String>,
    u32,
    u32,
);

fn raw_line(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawLine> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
        row.get(8)?,
        row.get(9)?,
        row.get(10)?,
        row.get(11)?,
        row.get(12)?,
    ))
}

fn stored_line(raw: RawLine) -> DbResult<StoredLine> {
    Ok(StoredLine {
        delivery_note: raw.0,
        delivered_on: parse_date(&raw.1)?,
        line_no: raw.2,
        reference: raw.3,
        brand: raw.4,
        designation: raw.5,
        gtin: raw.6,
        delivered: raw.7,
        returned_before: raw.8,
        unit_price: parse_money(&raw.9)?,
        deposit: parse_opt_money(raw.10)?,
        in_closed: raw.11,
        in_open: raw.12,
    })
}

impl Conn<'_> {
    // ----- accounts and sessions -----

    /// Creates a customer.
    pub fn insert_customer(&self, code: &str, name: &str) -> DbResult<i64> {
        self.c.execute(
            "INSERT INTO customers (code, name) VALUES (?1, ?2)",
            params![code, name],
        )?;
        Ok(self.c.last_insert_rowid())
    }

    /// Creates an account.
    pub fn insert_account(
        &self,
        email: &str,
        name: &str,
        role: Role,
        customer_id: Option<i64>,
        password_hash: &str,
    ) -> DbResult<i64> {
        self.c.execute(
            "INSERT INTO accounts (email, name, role, customer_id, password_hash) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![email, name, role_code(role), customer_id, password_hash],
        )?;
        Ok(self.c.last_insert_rowid())
    }

    /// Whether any account exists (the demo seed runs once).
    pub fn has_accounts(&self) -> DbResult<bool> {
        Ok(self
            .c
            .query_row("SELECT EXISTS (SELECT 1 FROM accounts)", [], |r| r.get(0))?)
    }

    fn account_where(
        &self,
        clause: &str,
        param: &dyn rusqlite::ToSql,
    ) -> DbResult<Option<AccountRow>> {
        let sql = format!(
            "SELECT a.id, a.email, a.name, a.role, a.password_hash, a.failed_logins, a.locked_until,
                    c.id, c.code, c.name
               FROM accounts a LEFT JOIN customers c ON c.id = a.customer_id WHERE {clause}"
        );
        let row = self
            .c
            .query_row(&sql, [param], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, u32>(5)?,
                    r.get::<_, Option<String>>(6)?,
                    r.get::<_, Option<i64>>(7)?,
                    r.get::<_, Option<String>>(8)?,
                    r.get::<_, Option<String>>(9)?,
                ))
            })
            .optional()?;
        let Some(row) = row else { return Ok(None) };
        let role = match row.3.as_str() {
            "staff" => Role::Staff,
            _ => Role::Customer,
        };
        let customer = match (row.7, row.8, row.9) {
            (Some(id), Some(code), Some(name)) => Some(CustomerRow { id, code, name }),
            _ => None,
        };
        Ok(Some(AccountRow {
            id: row.0,
            email: row.1,
            name: row.2,
            role,
            customer,
            password_hash: row.4,
            failed_logins: row.5,
            locked_until: row.6.as_deref().map(parse_instant).transpose()?,
        }))
    }

    /// The account with this e-mail (case-insensitive).
    pub fn account_by_email(&self, email: &str) -> DbResult<Option<AccountRow>> {
        self.account_where("a.email = ?1", &email)
    }

    /// The account with this id.
    pub fn account_by_id(&self, id: i64) -> DbResult<Option<AccountRow>> {
        self.account_where("a.id = ?1", &id)
    }

    /// Records the count of consecutive failures and the lock, if any.
    pub fn set_login_failures(
        &self,
        account_id: i64,
        failed: u32,
        locked_until: Option<DateTime<Utc>>,
    ) -> DbResult<()> {
        self.c.execute(
            "UPDATE accounts SET failed_logins = ?2, locked_until = ?3 WHERE id = ?1",
            params![account_id, failed, locked_until.map(instant)],
        )?;
        Ok(())
    }

    /// Replaces an account's password hash.
    pub fn set_password_hash(&self, account_id: i64, hash: &str) -> DbResult<()> {
        self.c.execute(
            "UPDATE accounts SET password_hash = ?2 WHERE id = ?1",
            params![account_id, hash],
        )?;
        Ok(())
    }

    /// Opens a session for a device.
    pub fn insert_session(
        &self,
        account_id: i64,
        device_name: Option<&str>,
        now: DateTime<Utc>,
    ) -> DbResult<i64> {
        self.c.execute(
            "INSERT INTO sessions (account_id, device_name, created_at) VALUES (?1, ?2, ?3)",
            params![account_id, device_name, instant(now)],
        )?;
        Ok(self.c.last_insert_rowid())
    }

    /// Stores an access token's hash.
    pub fn insert_access_token(
        &self,
        hash: &str,
        session_id: i64,
        expires_at: DateTime<Utc>,
    ) -> DbResult<()> {
        self.c.execute(
            "INSERT INTO access_tokens (token_hash, session_id, expires_at) VALUES (?1, ?2, ?3)",
            params![hash, session_id, instant(expires_at)],
        )?;
        Ok(())
    }

    /// Stores a refresh token's hash.
    pub fn insert_refresh_token(
        &self,
        hash: &str,
        session_id: i64,
        expires_at: DateTime<Utc>,
    ) -> DbResult<()> {
        self.c.execute(
            "INSERT INTO refresh_tokens (token_hash, session_id, expires_at) VALUES (?1, ?2, ?3)",
            params![hash, session_id, instant(expires_at)],
        )?;
        Ok(())
    }

    /// Who holds this access token, if it is valid at `now` and its session is not revoked.
    pub fn principal(&self, hash: &str, now: DateTime<Utc>) -> DbResult<Option<Principal>> {
        let row = self
            .c
            .query_row(
                "SELECT a.id, s.id, a.email, a.role, a.customer_id, t.expires_at
                   FROM access_tokens t JOIN sessions s ON s.id = t.session_id
                   JOIN accounts a ON a.id = s.account_id
                  WHERE t.token_hash = ?1 AND t.expires_at > ?2 AND s.revoked_at IS NULL",
                params![hash, instant(now)],
                |r| {
                    Ok((
                        Principal {
                            account_id: r.get(0)?,
                            session_id: r.get(1)?,
                            email: r.get(2)?,
                            role: if r.get::<_, String>(3)? == "staff" {
                                Role::Staff
                            } else {
                                Role::Customer
                            },
                            customer_id: r.get(4)?,
                            expires_at: now,
                        },
                        r.get::<_, String>(5)?,
                    ))
                },
            )
            .optional()?;
        row.map(|(principal, expires)| {
            Ok(Principal {
                expires_at: parse_instant(&expires)?,
                ..principal
            })
        })
        .transpose()
    }

    /// A refresh token by hash.
    pub fn refresh_token(&self, hash: &str) -> DbResult<Option<RefreshRow>> {
        let row = self
            .c
            .query_row(
                "SELECT t.session_id, s.account_id, t.expires_at, t.used_at IS NOT NULL, s.revoked_at IS NOT NULL
                   FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id WHERE t.token_hash = ?1",
                [hash],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        row.map(|(session_id, account_id, expires, used, revoked)| {
            Ok(RefreshRow {
                session_id,
                account_id,
                expires_at: parse_instant(&expires)?,
                used,
                session_revoked: revoked,
            })
        })
        .transpose()
    }

    /// Marks a refresh token exchanged.
    pub fn mark_refresh_used(&self, hash: &str, now: DateTime<Utc>) -> DbResult<()> {
        self.c.execute(
            "UPDATE refresh_tokens SET used_at = ?2 WHERE token_hash = ?1",
            params![hash, instant(now)],
        )?;
        Ok(())
    }

    /// Ends a session: its access and refresh tokens stop working.
    pub fn revoke_session(&self, session_id: i64, now: DateTime<Utc>) -> DbResult<()> {
        self.c.execute(
            "UPDATE sessions SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            params![session_id, instant(now)],
        )?;
        self.c.execute(
            "DELETE FROM access_tokens WHERE session_id = ?1",
            [session_id],
        )?;
        Ok(())
    }

    /// Ends every session of an account (after a password reset).
    pub fn revoke_account_sessions(&self, account_id: i64, now: DateTime<Utc>) -> DbResult<()> {
        self.c.execute(
            "DELETE FROM access_tokens WHERE session_id IN (SELECT id FROM sessions WHERE account_id = ?1)",
            [account_id],
        )?;
        self.c.execute(
            "UPDATE sessions SET revoked_at = ?2 WHERE account_id = ?1 AND revoked_at IS NULL",
            params![account_id, instant(now)],
        )?;
        Ok(())
    }

    /// Stores a one-time link token (`reset` or `unlock`).
    pub fn insert_link_token(
        &self,
        hash: &str,
        account_id: i64,
        purpose: &str,
        expires_at: DateTime<Utc>,
    ) -> DbResult<()> {
        self.c.execute(
            "INSERT INTO link_tokens (token_hash, account_id, purpose, expires_at) VALUES (?1, ?2, ?3, ?4)",
            params![hash, account_id, purpose, instant(expires_at)],
        )?;
        Ok(())
    }

    /// The account of a valid, unused link token for `purpose`, without using it.
    pub fn link_token_account(
        &self,
        hash: &str,
        purpose: &str,
        now: DateTime<Utc>,
    ) -> DbResult<Option<i64>> {
        Ok(self
            .c
            .query_row(
                "SELECT account_id FROM link_tokens
                  WHERE token_hash = ?1 AND purpose = ?2 AND used_at IS NULL AND expires_at > ?3",
                params![hash, purpose, instant(now)],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Uses up a link token.
    pub fn use_link_token(&self, hash: &str, now: DateTime<Utc>) -> DbResult<()> {
        self.c.execute(
            "UPDATE link_tokens SET used_at = ?2 WHERE token_hash = ?1",
            params![hash, instant(now)],
        )?;
        Ok(())
    }

    /// Records an SSO token id; `false` when it was already used.
    pub fn insert_sso_jti(&self, jti: &str, expires_at: DateTime<Utc>) -> DbResult<bool> {
        let inserted = self.c.execute(
            "INSERT OR IGNORE INTO sso_jtis (jti, expires_at) VALUES (?1, ?2)",
            params![jti, instant(expires_at)],
        )?;
        Ok(inserted == 1)
    }

    // ----- delivery notes -----

    /// Creates a BL.
    pub fn insert_delivery_note(
        &self,
        customer_id: i64,
        number: &str,
        delivered_on: NaiveDate,
        total: Money,
    ) -> DbResult<()> {
        self.c.execute(
            "INSERT INTO delivery_notes (number, customer_id, delivered_on, total_ht) VALUES (?1, ?2, ?3, ?4)",
            params![number, customer_id, delivered_on.to_string(), total.to_string()],
        )?;
        Ok(())
    }

    /// Adds a line to a BL.
    pub fn insert_delivery_line(&self, number: &str, line: &NewLine) -> DbResult<()> {
        self.c
            .prepare_cached(
                "INSERT INTO delivery_lines (delivery_note, line_no, reference, reference_key, brand,
                    designation, gtin, gtin_key, qty, returned_qty, unit_price, deposit)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?
            .execute(params![
                number,
                line.line_no,
                line.reference,
                line.reference_key,
                line.brand,
                line.designation,
                line.gtin,
                line.gtin_key,
                line.qty,
                line.returned_qty,
                line.unit_price.to_string(),
                line.deposit.map(|d| d.to_string()),
            ])?;
        Ok(())
    }

    /// A customer's BLs delivered on or after `since`, newest first.
    pub fn delivery_note_summaries(
        &self,
        customer_id: i64,
        since: NaiveDate,
    ) -> DbResult<Vec<(String, NaiveDate, Money)>> {
        let mut stmt = self.c.prepare_cached(
            "SELECT number, delivered_on, total_ht FROM delivery_notes
              WHERE customer_id = ?1 AND delivered_on >= ?2
              ORDER BY delivered_on DESC, number DESC",
        )?;
        let rows = stmt.query_map(params![customer_id, since.to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        rows.map(|row| {
            let (number, date, total) = row?;
            Ok((number, parse_date(&date)?, parse_money(&total)?))
        })
        .collect()
    }

    /// A customer's BL with its lines; `None` when missing or another customer's.
    pub fn delivery_note(&self, customer_id: i64, number: &str) -> DbResult<Option<StoredNote>> {
        let head = self
            .c
            .prepare_cached("SELECT delivered_on, total_ht FROM delivery_notes WHERE number = ?1 AND customer_id = ?2")?
            .query_row(params![number, customer_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .optional()?;
        let Some((date, total)) = head else {
            return Ok(None);
        };
        let sql = format!(
            "{LINE_SELECT} WHERE l.delivery_note = ?1 GROUP BY l.line_no ORDER BY l.line_no"
        );
        let mut stmt = self.c.prepare_cached(&sql)?;
        let lines = stmt
            .query_map([number], raw_line)?
            .map(|raw| stored_line(raw?))
            .collect::<DbResult<Vec<_>>>()?;
        Ok(Some(StoredNote {
            number: number.to_owned(),
            delivered_on: parse_date(&date)?,
            total: parse_money(&total)?,
            lines,
        }))
    }

    /// One line of a customer's BL; `None` when missing or another customer's.
    pub fn delivery_line(
        &self,
        customer_id: i64,
        number: &str,
        line_no: u32,
    ) -> DbResult<Option<StoredLine>> {
        let sql = format!(
            "{LINE_SELECT} WHERE l.delivery_note = ?1 AND l.line_no = ?2 AND n.customer_id = ?3 GROUP BY l.line_no"
        );
        let raw = self
            .c
            .prepare_cached(&sql)?
            .query_row(params![number, line_no, customer_id], raw_line)
            .optional()?;
        raw.map(stored_line).transpose()
    }

    /// The customer's BL lines delivered since `since` that carry a code, newest BL first:
    /// `(number, delivered_on, line_no)`.
    pub fn lines_with_code(
        &self,
        customer_id: i64,
        since: NaiveDate,
        key: LineKey<'_>,
    ) -> DbResult<Vec<(String, NaiveDate, u32)>> {
        let (column, value) = match key {
            LineKey::Reference(v) => ("reference_key", v),
            LineKey::Gtin(v) => ("gtin_key", v),
        };
        let sql = format!(
            "SELECT n.number, n.delivered_on, l.line_no
               FROM delivery_lines l JOIN delivery_notes n ON n.number = l.delivery_note
              WHERE l.{column} = ?1 AND n.customer_id = ?2 AND n.delivered_on >= ?3
              ORDER BY n.delivered_on DESC, n.number DESC, l.line_no LIMIT 1000"
        );
        let mut stmt = self.c.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![value, customer_id, since.to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, u32>(2)?,
            ))
        })?;
        rows.map(|row| {
            let (number, date, line_no) = row?;
            Ok((number, parse_date(&date)?, line_no))
        })
        .collect()
    }

    // ----- cart -----

    /// Every accepted cart operation of a customer, in acceptance order.
    pub fn cart_ops(&self, customer_id: i64) -> DbResult<Vec<CartOp>> {
        Ok(self
            .cart_ops_after(customer_id, 0, u32::MAX)?
            .into_iter()
            .map(|(_, op)| op)
            .collect())
    }

    /// A customer's accepted operations after a cursor, at most `limit`, with their sequence.
    pub fn cart_ops_after(
        &self,
        customer_id: i64,
        after: u64,
        limit: u32,
    ) -> DbResult<Vec<(u64, CartOp)>> {
        let mut stmt = self.c.prepare_cached(
            "SELECT seq, op FROM cart_ops WHERE customer_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
        )?;
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![customer_id, after, limit], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        rows.map(|row| {
            let (seq, json) = row?;
            let op = serde_json::from_str(&json)
                .map_err(|e| DbError::Corrupt(format!("cart op: {e}")))?;
            Ok((seq.unsigned_abs(), op))
        })
        .collect()
    }

    /// Whether an operation id was already accepted for this customer.
    pub fn has_cart_op(&self, customer_id: i64, op_id: &uuid::Uuid) -> DbResult<bool> {
        Ok(self
            .c
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM cart_ops WHERE customer_id = ?1 AND op_id = ?2)",
            )?
            .query_row(params![customer_id, op_id.to_string()], |r| r.get(0))?)
    }

    /// Appends an accepted operation to the customer's log.
    pub fn insert_cart_op(&self, customer_id: i64, op: &CartOp) -> DbResult<u64> {
        let json = serde_json::to_string(op).map_err(|e| DbError::Corrupt(e.to_string()))?;
        self.c
            .prepare_cached("INSERT INTO cart_ops (customer_id, op_id, op) VALUES (?1, ?2, ?3)")?
            .execute(params![customer_id, op.op_id.to_string(), json])?;
        Ok(self.c.last_insert_rowid().unsigned_abs())
    }

    /// The cart's version: the sequence of the customer's last accepted operation.
    pub fn cart_version(&self, customer_id: i64) -> DbResult<u64> {
        let seq: Option<i64> = self
            .c
            .prepare_cached("SELECT MAX(seq) FROM cart_ops WHERE customer_id = ?1")?
            .query_row([customer_id], |r| r.get(0))?;
        Ok(seq.unwrap_or(0).unsigned_abs())
    }

    /// The stored merge state of one line of a customer's cart, if any op ever touched it.
    pub fn cart_line_merge(
        &self,
        customer_id: i64,
        key: &CartLineKey,
    ) -> DbResult<Option<LineMerge>> {
        let json: Option<String> = self
            .c
            .prepare_cached(
                "SELECT state FROM cart_merge
                  WHERE customer_id = ?1 AND delivery_note = ?2 AND line_no = ?3",
            )?
            .query_row(params![customer_id, key.delivery_note, key.line_no], |r| {
                r.get(0)
            })
            .optional()?;
        json.map(|json| {
            serde_json::from_str(&json).map_err(|e| DbError::Corrupt(format!("cart merge: {e}")))
        })
        .transpose()
    }

    /// Stores the merge state of one line of a customer's cart and its materialised line
    /// (`visible`, or none when the line is not in the cart).
    pub fn save_cart_line(
        &self,
        customer_id: i64,
        key: &CartLineKey,
        merge: &LineMerge,
        visible: Option<&MergedLine>,
    ) -> DbResult<()> {
        let json = serde_json::to_string(merge).map_err(|e| DbError::Corrupt(e.to_string()))?;
        self.c
            .prepare_cached(
                "INSERT INTO cart_merge (customer_id, delivery_note, line_no, state)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (customer_id, delivery_note, line_no) DO UPDATE SET state = ?4",
            )?
            .execute(params![customer_id, key.delivery_note, key.line_no, json])?;
        match visible {
            Some(line) => {
                self.c
                    .prepare_cached(
                        "INSERT INTO cart_lines
                             (customer_id, delivery_note, line_no, qty, reason, updated_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                         ON CONFLICT (customer_id, delivery_note, line_no)
                         DO UPDATE SET qty = ?4, reason = ?5, updated_at = ?6",
                    )?
                    .execute(params![
                        customer_id,
                        line.delivery_note,
                        line.line_no,
                        line.qty,
                        line.reason,
                        line.updated_at.to_string()
                    ])?;
            }
            None => {
                self.c
                    .prepare_cached(
                        "DELETE FROM cart_lines
                          WHERE customer_id = ?1 AND delivery_note = ?2 AND line_no = ?3",
                    )?
                    .execute(params![customer_id, key.delivery_note, key.line_no])?;
            }
        }
        Ok(())
    }

    /// The greatest clock of a customer's accepted cart ops.
    pub fn cart_max_at(&self, customer_id: i64) -> DbResult<Option<Hlc>> {
        let text: Option<String> = self
            .c
            .prepare_cached("SELECT max_at FROM cart_clocks WHERE customer_id = ?1")?
            .query_row([customer_id], |r| r.get(0))
            .optional()?;
        text.map(|t| {
            t.parse()
                .map_err(|e| DbError::Corrupt(format!("cart clock: {e}")))
        })
        .transpose()
    }

    /// Records the greatest clock of a customer's accepted cart ops.
    pub fn set_cart_max_at(&self, customer_id: i64, max_at: &Hlc) -> DbResult<()> {
        self.c
            .prepare_cached(
                "INSERT INTO cart_clocks (customer_id, max_at) VALUES (?1, ?2)
                 ON CONFLICT (customer_id) DO UPDATE SET max_at = ?2",
            )?
            .execute(params![customer_id, max_at.to_string()])?;
        Ok(())
    }

    /// Recomputes a customer's per-line merge state, materialised lines and greatest clock from
    /// the whole log (for the migration that introduced them; never on a request).
    pub fn rebuild_cart_merge(&self, customer_id: i64) -> DbResult<()> {
        let mut state = CartState::new();
        for op in self.cart_ops(customer_id)? {
            // Stored ops were validated when accepted; one that no longer is stays out.
            let _ = state.apply(&op);
        }
        self.c.execute(
            "DELETE FROM cart_merge WHERE customer_id = ?1",
            [customer_id],
        )?;
        self.c.execute(
            "DELETE FROM cart_lines WHERE customer_id = ?1",
            [customer_id],
        )?;
        for (key, merge) in state.line_merges() {
            let visible = state.line(&key.delivery_note, key.line_no);
            self.save_cart_line(customer_id, key, merge, visible.as_ref())?;
        }
        if let Some(max_at) = state.max_at() {
            self.set_cart_max_at(customer_id, max_at)?;
        }
        Ok(())
    }

    /// The materialised cart, by BL then line, each with its BL line (`None` if it vanished).
    pub fn cart_lines(&self, customer_id: i64) -> DbResult<Vec<(MergedLine, Option<StoredLine>)>> {
        let mut stmt = self.c.prepare_cached(
            "SELECT delivery_note, line_no, qty, reason, updated_at FROM cart_lines
              WHERE customer_id = ?1 ORDER BY delivery_note, line_no",
        )?;
        let rows = stmt
            .query_map([customer_id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, u32>(1)?,
                    r.get::<_, u32>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(delivery_note, line_no, qty, reason, updated_at)| {
                let updated_at = updated_at
                    .parse()
                    .map_err(|_| DbError::Corrupt(format!("clock {updated_at:?}")))?;
                let stored = self.delivery_line(customer_id, &delivery_note, line_no)?;
                Ok((
                    MergedLine {
                        delivery_note,
                        line_no,
                        qty,
                        reason,
                        updated_at,
                    },
                    stored,
                ))
            })
            .collect()
    }

    // ----- return requests and files -----

    /// The stored answer of an idempotency key: `(body_hash, response_json)`.
    pub fn idempotency_record(
        &self,
        account_id: i64,
        key: &str,
    ) -> DbResult<Option<(String, String)>> {
        Ok(self
            .c
            .prepare_cached("SELECT body_hash, response FROM idempotency_keys WHERE account_id = ?1 AND key = ?2")?
            .query_row(params![account_id, key], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    /// Records the answer given to an idempotency key.
    pub fn insert_idempotency_record(
        &self,
        account_id: i64,
        key: &str,
        body_hash: &str,
        request_id: &str,
        response: &str,
        now: DateTime<Utc>,
    ) -> DbResult<()> {
        self.c.execute(
            "INSERT INTO idempotency_keys (account_id, key, body_hash, request_id, response, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![account_id, key, body_hash, request_id, response, instant(now)],
        )?;
        Ok(())
    }

    /// Records a return request.
    pub fn insert_return_request(
        &self,
        id: &str,
        customer_id: i64,
        account_id: i64,
        created_at: DateTime<Utc>,
        total: Money,
    ) -> DbResult<()> {
        self.c.execute(
            "INSERT INTO return_requests (id, customer_id, account_id, created_at, estimated_total)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                id,
                customer_id,
                account_id,
                instant(created_at),
                total.to_string()
            ],
        )?;
        Ok(())
    }

    /// The next tracking number: 8 digits, never reused.
    pub fn next_dossier_number(&self) -> DbResult<String> {
        let value: i64 = self.c.query_row(
            "UPDATE counters SET value = value + 1 WHERE name = 'dossier' RETURNING value",
            [],
            |r| r.get(0),
        )?;
        Ok(format!("{value:08}"))
    }

    /// Records a return file, its lines and its first history entry.
    pub fn insert_dossier(&self, dossier: &StoredDossier) -> DbResult<()> {
        let closure = dossier.closure.as_ref();
        self.c
            .prepare_cached(
                "INSERT INTO dossiers (number, customer_id, request_id, delivery_note, created_at, status,
                    estimated_credit, piece_count, outcome, validated_on, credited, credit_note_number)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?
            .execute(params![
                dossier.number,
                dossier.customer_id,
                dossier.request_id,
                dossier.delivery_note,
                instant(dossier.created_at),
                dossier.status.code(),
                dossier.estimated_credit.to_string(),
                dossier.piece_count,
                closure.map(|c| outcome_code(c.outcome)),
                closure.map(|c| c.validated_on.to_string()),
                closure.map(|c| c.credited_ht.to_string()),
                closure.and_then(|c| c.credit_note_number.clone()),
            ])?;
        let mut stmt = self.c.prepare_cached(
            "INSERT INTO dossier_lines (dossier, delivery_note, line_no, reference, designation, qty, reason,
                estimated_credit, unit_price, deposit, accepted_qty)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?;
        for line in &dossier.lines {
            stmt.execute(params![
                dossier.number,
                dossier.delivery_note,
                line.line_no,
                line.reference,
                line.designation,
                line.qty,
                line.reason,
                line.estimated_credit.map(|m| m.to_string()),
                line.unit_price.to_string(),
                line.deposit.map(|m| m.to_string()),
                line.accepted_qty,
            ])?;
        }
        Ok(())
    }

    /// Appends a status change to a file's history.
    pub fn insert_history(
        &self,
        number: &str,
        status: DossierStatus,
        at: DateTime<Utc>,
    ) -> DbResult<()> {
        self.c
            .prepare_cached(
                "INSERT INTO dossier_history (dossier, seq, status, at)
                 VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM dossier_history WHERE dossier = ?1), ?2, ?3)",
            )?
            .execute(params![number, status.code(), instant(at)])?;
        Ok(())
    }

    /// A file's history, oldest first.
    pub fn history(&self, number: &str) -> DbResult<Vec<(DossierStatus, DateTime<Utc>)>> {
        let mut stmt = self.c.prepare_cached(
            "SELECT status, at FROM dossier_history WHERE dossier = ?1 ORDER BY seq",
        )?;
        let rows = stmt.query_map([number], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        rows.map(|row| {
            let (status, at) = row?;
            Ok((parse_status(&status)?, parse_instant(&at)?))
        })
        .collect()
    }

    /// Records a file's new status, closure and accepted quantities.
    pub fn update_dossier(
        &self,
        number: &str,
        status: DossierStatus,
        closure: Option<&Closure>,
        accepted: &[(u32, u32)],
    ) -> DbResult<()> {
        self.c.execute(
            "UPDATE dossiers SET status = ?2, outcome = ?3, validated_on = ?4, credited = ?5, credit_note_number = ?6
              WHERE number = ?1",
            params![
                number,
                status.code(),
                closure.map(|c| outcome_code(c.outcome)),
                closure.map(|c| c.validated_on.to_string()),
                closure.map(|c| c.credited_ht.to_string()),
                closure.and_then(|c| c.credit_note_number.clone()),
            ],
        )?;
        for (line_no, qty) in accepted {
            self.c.execute(
                "UPDATE dossier_lines SET accepted_qty = ?3 WHERE dossier = ?1 AND line_no = ?2",
                params![number, line_no, qty],
            )?;
        }
        Ok(())
    }

    const DOSSIER_COLUMNS: &'static str = "d.number, d.customer_id, d.request_id, d.delivery_note, n.delivered_on,
        d.created_at, d.status, d.estimated_credit, d.piece_count, d.outcome, d.validated_on, d.credited,
        d.credit_note_number";

    fn dossiers_where(
        &self,
        clause: &str,
        params: &[&dyn rusqlite::ToSql],
    ) -> DbResult<Vec<StoredDossier>> {
        let sql = format!(
            "SELECT {} FROM dossiers d JOIN delivery_notes n ON n.number = d.delivery_note WHERE {clause}",
            Self::DOSSIER_COLUMNS
        );
        let mut stmt = self.c.prepare_cached(&sql)?;
        #[allow(clippy::type_complexity)]
        let rows: Vec<(
            String,
            i64,
            Option<String>,
            String,
            String,
            String,
            String,
            String,
            u32,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        )> = stmt
            .query_map(params, |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                    r.get(10)?,
                    r.get(11)?,
                    r.get(12)?,
                ))
            })?
            .collect::<Result<_, _>>()?;
        let mut dossiers = Vec::with_capacity(rows.len());
        for row in rows {
            let closure = match (row.9, row.10, row.11) {
                (Some(outcome), Some(validated), Some(credited)) => Some(Closure {
                    outcome: parse_outcome(&outcome)?,
                    validated_on: parse_date(&validated)?,
                    credited_ht: parse_money(&credited)?,
                    credit_note_number: row.12,
                }),
                _ => None,
            };
            dossiers.push(StoredDossier {
                lines: self.dossier_lines(&row.0)?,
                number: row.0,
                customer_id: row.1,
                request_id: row.2,
                delivery_note: row.3,
                sale_date: parse_date(&row.4)?,
                created_at: parse_instant(&row.5)?,
                status: parse_status(&row.6)?,
                estimated_credit: parse_money(&row.7)?,
                piece_count: row.8,
                closure,
            });
        }
        Ok(dossiers)
    }

    fn dossier_lines(&self, number: &str) -> DbResult<Vec<StoredDossierLine>> {
        let mut stmt = self.c.prepare_cached(
            "SELECT line_no, reference, designation, qty, reason, estimated_credit, unit_price, deposit, accepted_qty
               FROM dossier_lines WHERE dossier = ?1 ORDER BY line_no",
        )?;
        let rows = stmt.query_map([number], |r| {
            Ok((
                r.get::<_, u32>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, u32>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, Option<String>>(7)?,
                r.get::<_, Option<u32>>(8)?,
            ))
        })?;
        rows.map(|row| {
            let r = row?;
            Ok(StoredDossierLine {
                line_no: r.0,
                reference: r.1,
                designation: r.2,
                qty: r.3,
                reason: r.4,
                estimated_credit: parse_opt_money(r.5)?,
                unit_price: parse_money(&r.6)?,
                deposit: parse_opt_money(r.7)?,
                accepted_qty: r.8,
            })
        })
        .collect()
    }

    /// A file by number: the customer's when `customer_id` is given, any file otherwise (staff).
    pub fn dossier(
        &self,
        customer_id: Option<i64>,
        number: &str,
    ) -> DbResult<Option<StoredDossier>> {
        let found = match customer_id {
            Some(customer) => self.dossiers_where(
                "d.number = ?1 AND d.customer_id = ?2",
                &[&number, &customer],
            )?,
            None => self.dossiers_where("d.number = ?1", &[&number])?,
        };
        Ok(found.into_iter().next())
    }

    /// A page of a customer's files, newest first, with the counts of the tracking tabs.
    pub fn dossier_page(
        &self,
        customer_id: i64,
        filter: DossierFilter,
        offset: u64,
        limit: u32,
    ) -> DbResult<DossierPage> {
        let mut by_status: Vec<(DossierStatus, u64)> = Vec::new();
        {
            let mut stmt = self.c.prepare_cached(
                "SELECT status, count FROM dossier_counts WHERE customer_id = ?1",
            )?;
            let rows = stmt.query_map([customer_id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })?;
            for row in rows {
                let (status, count) = row?;
                by_status.push((parse_status(&status)?, count.unsigned_abs()));
            }
        }
        let count_where = |keep: &dyn Fn(DossierStatus) -> bool| -> u64 {
            by_status
                .iter()
                .filter(|(s, _)| keep(*s))
                .map(|(_, n)| n)
                .sum()
        };
        let open = count_where(&|s| s.is_open());
        let closed = count_where(&|s| !s.is_open());
        let total = count_where(&|s| {
            filter.open.is_none_or(|open| open == s.is_open())
                && filter.status.is_none_or(|wanted| wanted == s)
        });
        let mut clause = String::from("d.customer_id = ?1");
        match filter.open {
            Some(true) => clause.push_str(" AND d.status <> 'closed'"),
            Some(false) => clause.push_str(" AND d.status = 'closed'"),
            None => {}
        }
        let status = filter.status.map(|s| s.code()).unwrap_or("");
        if filter.status.is_some() {
            clause.push_str(" AND d.status = ?2");
        } else {
            clause.push_str(" AND ?2 = ''");
        }
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        let items = self.dossiers_where(
            &format!("{clause} ORDER BY d.created_at DESC, d.number DESC LIMIT ?3 OFFSET ?4"),
            &[&customer_id, &status, &limit, &offset],
        )?;
        Ok(DossierPage {
            items,
            total,
            open,
            closed,
        })
    }

    /// A customer's return request with its files; `None` when missing or another customer's.
    pub fn return_request(&self, customer_id: i64, id: &str) -> DbResult<Option<StoredRequest>> {
        let head = self
            .c
            .query_row(
                "SELECT created_at, estimated_total FROM return_requests WHERE id = ?1 AND customer_id = ?2",
                params![id, customer_id],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
            )
            .optional()?;
        let Some((created_at, total)) = head else {
            return Ok(None);
        };
        let dossiers = self.dossiers_where("d.request_id = ?1 ORDER BY d.number", &[&id])?;
        Ok(Some(StoredRequest {
            id: id.to_owned(),
            created_at: parse_instant(&created_at)?,
            estimated_total: parse_money(&total)?,
            dossiers,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use retour_domain::cart::{CartOp, DeviceId};

    fn clock(ms: u64, counter: u16) -> Hlc {
        Hlc::new(ms, counter, DeviceId::new("phone").unwrap()).unwrap()
    }

    #[test]
    fn the_cart_merge_migration_fills_the_state_of_carts_made_before_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        let mut conn = Connection::open(&path).unwrap();
        migrations().to_version(&mut conn, 2).unwrap();
        conn.execute(
            "INSERT INTO customers (id, code, name) VALUES (1, 'C1', 'Garage')",
            [],
        )
        .unwrap();
        let ops = [
            CartOp::put(
                uuid::Uuid::new_v4(),
                clock(10, 0),
                "250000001",
                1,
                Some(2),
                None,
            ),
            CartOp::put(
                uuid::Uuid::new_v4(),
                clock(11, 0),
                "250000001",
                2,
                Some(1),
                None,
            ),
            CartOp::put(
                uuid::Uuid::new_v4(),
                clock(12, 0),
                "250000001",
                1,
                None,
                Some("new_part".into()),
            ),
            CartOp::remove(
                uuid::Uuid::new_v4(),
                clock(13, 0),
                "250000001",
                2,
                clock(11, 0),
            ),
        ];
        for op in &ops {
            conn.execute(
                "INSERT INTO cart_ops (customer_id, op_id, op) VALUES (1, ?1, ?2)",
                params![op.op_id.to_string(), serde_json::to_string(op).unwrap()],
            )
            .unwrap();
        }
        drop(conn);

        let db = Db::open(&path).unwrap();
        let expected = CartState::from_ops(&ops).unwrap();
        db.read(|c| -> DbResult<()> {
            for line_no in [1, 2] {
                let key = CartLineKey {
                    delivery_note: "250000001".into(),
                    line_no,
                };
                let stored = c.cart_line_merge(1, &key)?.expect("a stored merge");
                assert_eq!(
                    Some(&stored),
                    expected.line_merge(&key.delivery_note, key.line_no)
                );
            }
            let lines: Vec<MergedLine> = c.cart_lines(1)?.into_iter().map(|(l, _)| l).collect();
            assert_eq!(lines, expected.lines());
            assert_eq!(c.cart_max_at(1)?, Some(clock(13, 0)));
            assert_eq!(c.cart_version(1)?, 4);
            Ok(())
        })
        .unwrap();
    }
}
