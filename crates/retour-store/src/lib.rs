//! The app's local SQLite store: one file per server and account, which must never lose a
//! mechanic's work.
//!
//! It holds the cart's op log and its materialised state (the merge of every op that the backend
//! has not refused, by the domain's rules), the outbox (cart ops not yet acknowledged, and return
//! requests with the idempotency key they were first sent with), and caches for offline use
//! (delivery notes of the last 31 days with their lines, reasons, the schedule and the server's
//! clock offset, downloaded files), the account's notifications with their pull cursor and
//! the read mark waiting to be sent, and the photos taken on the device (and the PDF fitting invoices
//! of warranty claims) with whether the backend has them yet (their files live beside the
//! database), and the credit claims made here with the
//! message that carries each one.
//!
//! Durability: WAL journal, `synchronous=FULL`, and every change is one committed transaction
//! before the call returns, so what a call reported done survives a crash or a `kill -9`.
//! Sans-IO in time: `now` is always a parameter. No token or password is ever written here.

#![forbid(unsafe_code)]

mod claims;
mod messages;
mod notifications;
mod outbox;
mod pickups;
mod schema;
mod warranty;

pub use claims::CreditClaim;
pub use messages::{MessageState, OutboxMessage};
pub use pickups::{Handover, HandoverState};
pub use warranty::{ClaimState, OutboxClaim};

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use retour_domain::api::{
    CartOp, DeliveryNote, DeliveryNoteSummary, RejectedOp, ReturnRequest, ReturnRequestBody,
};
use retour_domain::cart::{CartLine, CartState, Clock, DeviceId};
use retour_domain::ErrorCode;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{de::DeserializeOwned, Serialize};
use uuid::Uuid;

/// A photo just taken, recorded with the cart op that puts it on a line (or a PDF kept for a
/// warranty claim, [`Store::record_document`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPhoto {
    /// The SHA-256 of its stripped bytes, lowercase hex: its id.
    pub hash: String,
    /// The size of its file.
    pub bytes: u64,
    /// When it was taken.
    pub at: DateTime<Utc>,
}

/// A photo taken on this device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPhoto {
    /// The SHA-256 of its stripped bytes, lowercase hex: its id.
    pub hash: String,
    /// The size of its file.
    pub bytes: u64,
    /// When it was taken.
    pub created_at: DateTime<Utc>,
    /// When the backend confirmed it has it.
    pub uploaded_at: Option<DateTime<Utc>>,
}

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed (disk full, corrupt file, locked…).
    #[error("base locale : {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The schema could not be brought up to date.
    #[error("migration de la base locale : {0}")]
    Migration(#[from] rusqlite_migration::Error),
    /// A stored value could not be read back.
    #[error("donnée locale illisible : {0}")]
    Corrupt(String),
    /// The data directory could not be created.
    #[error("dossier de données : {0}")]
    Io(#[from] std::io::Error),
    /// The op broke a structural rule of the cart (zero quantity…).
    #[error("opération de panier invalide : {0}")]
    InvalidOp(#[from] retour_domain::cart::CartOpError),
}

/// The store's result type.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// How hard the store pushes each commit to disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// `synchronous=FULL`: a commit is on disk when it returns. What the app always uses.
    Full,
    /// `synchronous=OFF`, for simulations that run thousands of stores on a RAM disk.
    Off,
}

/// Where a cart op stands with the backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpStatus {
    /// Made here, not yet acknowledged (in the outbox).
    Pending,
    /// Merged by the backend.
    Accepted,
    /// Refused by the backend: it does not count in the cart.
    Rejected,
}

impl OpStatus {
    fn parse(text: &str) -> Result<OpStatus> {
        match text {
            "pending" => Ok(OpStatus::Pending),
            "accepted" => Ok(OpStatus::Accepted),
            "rejected" => Ok(OpStatus::Rejected),
            other => Err(StoreError::Corrupt(format!("statut d'opération {other:?}"))),
        }
    }
}

/// A return request in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// The `Idempotency-Key` it is sent with, every time.
    pub idempotency_key: String,
    /// The request body, fixed when the user pressed "Envoyer".
    pub body: ReturnRequestBody,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// How many times it was sent.
    pub attempts: u32,
    /// Where it stands.
    pub state: SubmissionState,
}

/// Where a submission stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmissionState {
    /// Not yet answered definitively: it will be sent again with the same key.
    Pending,
    /// The backend created it.
    Accepted(Box<ReturnRequest>),
    /// The backend refused it, with its code and French message.
    Refused {
        /// The problem's code.
        code: String,
        /// The problem's French message.
        message: String,
    },
}

/// What the backend refused: a return request, or a cart edit made on this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalKind {
    /// A return request ("Envoyer la demande") refused for good.
    Send,
    /// A cart op the backend rejected: it no longer counts in the cart.
    CartEdit,
}

/// A refusal the user has not seen yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The op's id or the request's idempotency key: what acknowledges it.
    pub id: String,
    /// What was refused.
    pub kind: RefusalKind,
    /// The backend's code.
    pub code: String,
    /// The backend's French message.
    pub message: String,
    /// The BL lines concerned, as (BL number, line number).
    pub lines: Vec<(String, u32)>,
}

/// A downloaded file known to the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// Where it is.
    pub path: PathBuf,
    /// Its media type.
    pub content_type: String,
    /// When it was downloaded.
    pub fetched_at: DateTime<Utc>,
}

/// A store file as [`Store::inspect_file`] found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileInspection {
    /// `PRAGMA integrity_check`'s answer (`ok` when all is well).
    pub integrity: String,
    /// The materialised cart lines, as stored.
    pub stored_lines: Vec<CartLine>,
    /// The lines a replay of the op log gives: equal to `stored_lines` unless a write was torn.
    pub replayed_lines: Vec<CartLine>,
    /// The id of every op in the log, whatever its status.
    pub op_ids: std::collections::HashSet<String>,
}

/// One account's local database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    cart: CartState,
    clock: Clock,
    /// Delivery notes already read back from their JSON, so that the cart screen of a 500-line
    /// cart does not parse every BL again at each edit.
    notes: std::cell::RefCell<std::collections::HashMap<String, SharedNote>>,
    /// How many cart ops wait in the outbox (counted at open, then kept up to date).
    pending_ops: u64,
    /// Goes up at every change made through this store, so that a caller keeping something
    /// computed from it (the cart screen) knows whether anything else changed meanwhile.
    revision: u64,
}

/// A cached delivery note with when it was fetched, shared rather than copied.
pub type SharedNote = std::sync::Arc<(DeliveryNote, DateTime<Utc>)>;

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

const META_DEVICE: &str = "device_id";
const META_CLOCK: &str = "clock_last";
const META_CURSOR: &str = "pull_cursor";
const META_CART_EPOCH: &str = "cart_epoch";

/// Makes the store file and its WAL files readable by the user only (0600), creating the store
/// file so; SQLite gives the WAL files it creates the store file's permissions. A no-op off Unix.
fn make_private(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)?;
        for suffix in ["", "-wal", "-shm"] {
            let file = PathBuf::from(format!("{}{suffix}", path.display()));
            if file.exists() {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

impl Store {
    /// Opens (creating it and its folder if needed) the store at `path`, durably.
    pub fn open(path: &Path) -> Result<Store> {
        Store::open_with(path, Durability::Full)
    }

    /// Opens the store at `path` with the given durability.
    pub fn open_with(path: &Path, durability: Durability) -> Result<Store> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        make_private(path)?;
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        let sync = match durability {
            Durability::Full => "FULL",
            Durability::Off => "OFF",
        };
        conn.pragma_update(None, "synchronous", sync)?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        schema::migrations().to_latest(&mut conn)?;

        let device = match get_meta(&conn, META_DEVICE)? {
            Some(id) => DeviceId::new(id).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            None => {
                let id = Uuid::new_v4().simple().to_string();
                set_meta(&conn, META_DEVICE, &id)?;
                DeviceId::new(id).map_err(|e| StoreError::Corrupt(e.to_string()))?
            }
        };
        let last = get_meta(&conn, META_CLOCK)?
            .map(|s| s.parse().map_err(|e| StoreError::Corrupt(format!("{e}"))))
            .transpose()?;
        let mut store = Store {
            conn,
            path: path.to_owned(),
            cart: CartState::new(),
            clock: Clock::new(device, last),
            notes: Default::default(),
            pending_ops: 0,
            revision: 0,
        };
        store.rebuild_cart()?;
        store.recount_pending()?;
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The folder of this store's photo files, beside the database (`<file>.photos`).
    pub fn photo_dir(&self) -> PathBuf {
        self.path.with_extension("photos")
    }

    /// The file of a photo taken on this device, or downloaded: `<photo_dir>/<hash>.jpg`.
    pub fn photo_path(&self, hash: &str) -> PathBuf {
        self.photo_dir().join(format!("{hash}.jpg"))
    }

    /// The file of a PDF kept on this device (a warranty claim's fitting invoice), beside the
    /// photos: `<photo_dir>/<hash>.pdf`.
    pub fn document_path(&self, hash: &str) -> PathBuf {
        self.photo_dir().join(format!("{hash}.pdf"))
    }

    /// This device's id in this account, as its clocks carry it.
    pub fn device_id(&self) -> &DeviceId {
        self.clock.device()
    }

    /// A number that goes up at every change made through this store (cart, outbox, caches,
    /// meta): equal numbers mean nothing changed in between.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    fn changed(&mut self) {
        self.revision += 1;
    }

    fn recount_pending(&mut self) -> Result<()> {
        let n: i64 = self
            .conn
            .prepare_cached("SELECT count(*) FROM cart_ops WHERE status = 'pending'")?
            .query_row([], |row| row.get(0))?;
        self.pending_ops = n as u64;
        Ok(())
    }

    /// The merged cart: every op not refused by the backend.
    pub fn cart(&self) -> &CartState {
        &self.cart
    }

    /// The visible cart lines, by BL then line number.
    pub fn cart_lines(&self) -> Vec<CartLine> {
        self.cart.lines()
    }

    /// Recomputes the cart from the op log and rewrites the materialised lines if they differ
    /// (they cannot after a clean run; this also repairs a file edited by hand).
    fn rebuild_cart(&mut self) -> Result<()> {
        self.changed();
        self.cart = replay(&self.conn)?;
        let tx = self.conn.transaction()?;
        let stored = stored_lines(&tx)?;
        if stored != self.cart.lines() {
            tx.execute("DELETE FROM cart_lines", [])?;
            for line in self.cart.lines() {
                write_line(&tx, &line)?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Records a put made by the user: adds the line, or sets the fields given. Committed when it
    /// returns; the op is in the outbox.
    pub fn put(
        &mut self,
        delivery_note: &str,
        line_no: u32,
        qty: Option<u32>,
        reason: Option<String>,
        now_ms: u64,
    ) -> Result<CartOp> {
        let at = self.peek_clock(now_ms);
        let op = CartOp::put(Uuid::new_v4(), at, delivery_note, line_no, qty, reason);
        op.validate()?;
        self.record_local(op)
    }

    /// Records a remove made by the user, as far as this device has seen the line; `None` when
    /// the line is not in the cart.
    pub fn remove(
        &mut self,
        delivery_note: &str,
        line_no: u32,
        now_ms: u64,
    ) -> Result<Option<CartOp>> {
        if self.cart.line(delivery_note, line_no).is_none() {
            return Ok(None);
        }
        let Some(seen) = self.cart.seen_for(delivery_note, line_no).cloned() else {
            return Ok(None);
        };
        let at = self.peek_clock(now_ms);
        let op = CartOp::remove(Uuid::new_v4(), at, delivery_note, line_no, seen);
        op.validate()?;
        self.record_local(op).map(Some)
    }

    /// The next clock, without keeping it until the op is committed.
    fn peek_clock(&self, now_ms: u64) -> retour_domain::cart::Hlc {
        let mut clock = self.clock.clone();
        clock.tick(now_ms)
    }

    /// Records a put that sets a line's photos as a whole list, and in the same transaction the
    /// photo just taken (`added`), whose file is already written: a kill leaves either both or
    /// neither (and at worst a file no row names).
    pub fn put_photos(
        &mut self,
        delivery_note: &str,
        line_no: u32,
        photos: Vec<String>,
        added: Option<&NewPhoto>,
        now_ms: u64,
    ) -> Result<CartOp> {
        let at = self.peek_clock(now_ms);
        let op =
            CartOp::put(Uuid::new_v4(), at, delivery_note, line_no, None, None).with_photos(photos);
        op.validate()?;
        self.record_local_with(op, added)
    }

    /// The photos the backend does not have yet, oldest first.
    pub fn photos_to_upload(&self) -> Result<Vec<String>> {
        self.to_upload("photo")
    }

    /// The PDFs (fitting invoices) the backend does not have yet, oldest first.
    pub fn documents_to_upload(&self) -> Result<Vec<String>> {
        self.to_upload("pdf")
    }

    fn to_upload(&self, kind: &str) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT hash FROM photos WHERE uploaded_at IS NULL AND kind = ?1
              ORDER BY created_at, hash",
        )?;
        let rows = stmt.query_map([kind], |row| row.get::<_, String>(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Whether the file kept under this id is a PDF (else a photo, or unknown).
    pub fn is_document(&self, hash: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT kind = 'pdf' FROM photos WHERE hash = ?1")?
            .query_row([hash], |row| row.get::<_, bool>(0))
            .optional()?
            .unwrap_or(false))
    }

    /// A photo taken on this device, if it was recorded.
    pub fn photo(&self, hash: &str) -> Result<Option<StoredPhoto>> {
        let row: Option<(i64, String, Option<String>)> = self
            .conn
            .prepare_cached("SELECT bytes, created_at, uploaded_at FROM photos WHERE hash = ?1")?
            .query_row([hash], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .optional()?;
        row.map(|(bytes, created, uploaded)| {
            Ok(StoredPhoto {
                hash: hash.to_owned(),
                bytes: bytes.unsigned_abs(),
                created_at: parse_instant(&created)?,
                uploaded_at: uploaded.as_deref().map(parse_instant).transpose()?,
            })
        })
        .transpose()
    }

    /// Records that the backend has the photo or PDF (it answered `201` or `200` to its upload).
    pub fn mark_photo_uploaded(&mut self, hash: &str, now: DateTime<Utc>) -> Result<()> {
        self.changed();
        self.conn
            .prepare_cached(
                "UPDATE photos SET uploaded_at = ?2 WHERE hash = ?1 AND uploaded_at IS NULL",
            )?
            .execute(params![hash, now.to_rfc3339()])?;
        Ok(())
    }

    fn record_local(&mut self, op: CartOp) -> Result<CartOp> {
        self.record_local_with(op, None)
    }

    fn record_local_with(&mut self, op: CartOp, added: Option<&NewPhoto>) -> Result<CartOp> {
        // Merge first (a join: cheap, and it cannot fail once validated), then commit the op, its
        // clock and the line it changed; if the commit fails, the cart is rebuilt from the log.
        self.changed();
        self.cart.apply(&op)?;
        let line = self.cart.line(&op.delivery_note, op.line_no);
        let committed = commit_local(&mut self.conn, &op, line.as_ref(), added);
        if let Err(e) = committed {
            let _ = self.rebuild_cart();
            return Err(e);
        }
        self.clock.observe(&op.at);
        self.pending_ops += 1;
        Ok(op)
    }

    /// The ops not yet acknowledged by the backend, oldest first, at most `limit`.
    pub fn outbox_ops(&self, limit: usize) -> Result<Vec<CartOp>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT op FROM cart_ops WHERE status = 'pending' ORDER BY seq LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |row| row.get::<_, String>(0))?;
        rows.map(|json| parse_json(&json?)).collect()
    }

    /// How many cart ops wait in the outbox.
    pub fn pending_op_count(&self) -> Result<u64> {
        Ok(self.pending_ops)
    }

    /// How many ops the log holds, whatever their status (the local cart's version).
    pub fn op_count(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .prepare_cached("SELECT count(*) FROM cart_ops")?
            .query_row([], |row| row.get(0))?;
        Ok(n as u64)
    }

    /// How many return requests wait for a definitive answer.
    pub fn pending_submission_count(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .prepare_cached("SELECT count(*) FROM submissions WHERE state = 'pending'")?
            .query_row([], |row| row.get(0))?;
        Ok(n as u64)
    }

    /// Records the backend's answer to a push of `sent`: every sent op is acknowledged, accepted
    /// unless it is in `rejected`. A refused op leaves the cart, which is recomputed.
    pub fn acknowledge(&mut self, sent: &[Uuid], rejected: &[RejectedOp]) -> Result<()> {
        self.changed();
        let tx = self.conn.transaction()?;
        for id in sent {
            match rejected.iter().find(|r| r.op_id == *id) {
                Some(r) => {
                    tx.execute(
                        "UPDATE cart_ops SET status = 'rejected', reject_code = ?2,
                             reject_message = ?3 WHERE op_id = ?1 AND status = 'pending'",
                        params![id.to_string(), r.code, r.message],
                    )?;
                }
                None => {
                    tx.execute(
                        "UPDATE cart_ops SET status = 'accepted' WHERE op_id = ?1 AND status = 'pending'",
                        params![id.to_string()],
                    )?;
                }
            }
        }
        tx.commit()?;
        self.recount_pending()?;
        if sent
            .iter()
            .any(|id| rejected.iter().any(|r| r.op_id == *id))
        {
            self.rebuild_cart()?;
        }
        if rejected
            .iter()
            .any(|r| r.code == ErrorCode::ClockAhead.as_str())
        {
            self.rewind_clock()?;
        }
        Ok(())
    }

    /// Sets this device's clock back to the greatest `at` of the ops that count (made here or
    /// received, not refused): after the backend refused ops stamped by a wrong date
    /// (`clock_ahead`), the next ones are stamped by the wall clock again, not after the refused
    /// ones, once the date is right.
    fn rewind_clock(&mut self) -> Result<()> {
        let mut last = None;
        {
            let mut stmt = self
                .conn
                .prepare("SELECT op FROM cart_ops WHERE status != 'rejected'")?;
            let ops = stmt.query_map([], |row| row.get::<_, String>(0))?;
            for json in ops {
                let op: CartOp = parse_json(&json?)?;
                retour_domain::cart::Hlc::observe(&mut last, &op.at);
            }
        }
        match &last {
            Some(at) => set_meta(&self.conn, META_CLOCK, &at.to_string())?,
            None => {
                self.conn
                    .execute("DELETE FROM meta WHERE key = ?1", params![META_CLOCK])?;
            }
        }
        self.clock = Clock::new(self.clock.device().clone(), last);
        self.changed();
        Ok(())
    }

    /// The cursor to pull the backend's ops after.
    pub fn pull_cursor(&self) -> Result<u64> {
        Ok(get_meta(&self.conn, META_CURSOR)?
            .and_then(|s| s.parse().ok())
            .unwrap_or(0))
    }

    /// The epoch of the backend's cart log the pull cursor belongs to (`None` before the first
    /// answer that carried one).
    pub fn cart_epoch(&self) -> Result<Option<String>> {
        get_meta(&self.conn, META_CART_EPOCH)
    }

    /// Records that the backend's cart log has a new epoch: the backend may have lost ops it had
    /// accepted (a database restored from a backup), so every op the backend had accepted, this
    /// device's and the ones pulled from others, is pending again (pushed again; the backend
    /// ignores ops it has) and the pull cursor goes back to 0. The cart does not change.
    pub fn start_cart_epoch(&mut self, epoch: &str) -> Result<()> {
        self.changed();
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE cart_ops SET status = 'pending' WHERE status = 'accepted'",
            [],
        )?;
        set_meta(&tx, META_CURSOR, "0")?;
        set_meta(&tx, META_CART_EPOCH, epoch)?;
        tx.commit()?;
        self.recount_pending()
    }

    /// Merges ops the backend accepted (from any device, this one included, in any order, any
    /// number of times), then moves the pull cursor to `cursor` if it is further. Returns how
    /// many ops were new here.
    pub fn merge_remote(&mut self, ops: &[CartOp], cursor: Option<u64>) -> Result<usize> {
        self.changed();
        let mut cart = self.cart.clone();
        let mut touched = Vec::new();
        let mut new = 0;
        let mut newly_accepted_rejected = false;
        let tx = self.conn.transaction()?;
        for op in ops {
            if op.validate().is_err() {
                continue;
            }
            let id = op.op_id.to_string();
            let existing: Option<String> = tx
                .query_row(
                    "SELECT status FROM cart_ops WHERE op_id = ?1",
                    [&id],
                    |row| row.get(0),
                )
                .optional()?;
            match existing.as_deref().map(OpStatus::parse).transpose()? {
                None => {
                    tx.execute(
                        "INSERT INTO cart_ops (op_id, op, origin, status)
                         VALUES (?1, ?2, 'remote', 'accepted')",
                        params![id, to_json(op)?],
                    )?;
                    new += 1;
                }
                Some(OpStatus::Pending) => {
                    // Our own op, accepted by the backend although its answer never reached us.
                    tx.execute(
                        "UPDATE cart_ops SET status = 'accepted' WHERE op_id = ?1",
                        [&id],
                    )?;
                    continue;
                }
                Some(OpStatus::Rejected) => {
                    // The backend merged it after all (a replay it accepted): it counts again.
                    tx.execute(
                        "UPDATE cart_ops SET status = 'accepted', reject_code = NULL,
                             reject_message = NULL WHERE op_id = ?1",
                        [&id],
                    )?;
                    newly_accepted_rejected = true;
                }
                Some(OpStatus::Accepted) => continue,
            }
            cart.apply(op)?;
            touched.push((op.delivery_note.clone(), op.line_no));
        }
        let mut clock = self.clock.clone();
        for op in ops {
            clock.observe(&op.at);
        }
        if let Some(last) = clock.last() {
            set_meta(&tx, META_CLOCK, &last.to_string())?;
        }
        if let Some(cursor) = cursor {
            if cursor
                > get_meta(&tx, META_CURSOR)?
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0)
            {
                set_meta(&tx, META_CURSOR, &cursor.to_string())?;
            }
        }
        touched.sort();
        touched.dedup();
        for (dn, line_no) in &touched {
            replace_line(&tx, dn, *line_no, cart.line(dn, *line_no).as_ref())?;
        }
        tx.commit()?;
        self.cart = cart;
        self.clock = clock;
        self.recount_pending()?;
        if newly_accepted_rejected {
            self.rebuild_cart()?;
        }
        Ok(new)
    }

    /// Every op in the log, with its status, in log order (for checks and support).
    pub fn ops(&self) -> Result<Vec<(CartOp, OpStatus)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT op, status FROM cart_ops ORDER BY seq")?;
        let rows = stmt.query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })?;
        rows.map(|r| {
            let (json, status) = r?;
            Ok((parse_json(&json)?, OpStatus::parse(&status)?))
        })
        .collect()
    }

    /// The refusals the backend gave for this device's ops, newest first.
    pub fn rejected_ops(&self) -> Result<Vec<RejectedOp>> {
        let mut stmt = self.conn.prepare(
            "SELECT op_id, reject_code, reject_message FROM cart_ops
             WHERE status = 'rejected' ORDER BY seq DESC",
        )?;
        let rows = stmt.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, Option<String>>(1)?,
                row.get::<_, Option<String>>(2)?,
            ))
        })?;
        rows.map(|r| {
            let (id, code, message) = r?;
            Ok(RejectedOp {
                op_id: id
                    .parse()
                    .map_err(|e| StoreError::Corrupt(format!("{e}")))?,
                code: code.unwrap_or_default(),
                message: message.unwrap_or_default(),
            })
        })
        .collect()
    }

    /// Looks at the file at `path` as a crash left it, before [`Store::open`] repairs anything:
    /// SQLite's own recovery of the WAL runs, nothing else is written.
    pub fn inspect_file(path: &Path) -> Result<FileInspection> {
        let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let integrity = conn.query_row("PRAGMA integrity_check", [], |row| row.get(0))?;
        let op_ids = {
            let mut stmt = conn.prepare("SELECT op_id FROM cart_ops")?;
            let ids = stmt.query_map([], |row| row.get::<_, String>(0))?;
            ids.collect::<rusqlite::Result<_>>()?
        };
        Ok(FileInspection {
            integrity,
            stored_lines: stored_lines(&conn)?,
            replayed_lines: replay(&conn)?.lines(),
            op_ids,
        })
    }

    /// The materialised lines as stored (for integrity checks: they equal [`Store::cart_lines`]).
    pub fn stored_cart_lines(&self) -> Result<Vec<CartLine>> {
        stored_lines(&self.conn)
    }

    /// Runs `PRAGMA integrity_check` and returns its answer (`ok` when all is well).
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))?)
    }

    // ----- submissions -----

    /// Writes a return request with a fresh idempotency key to the outbox, committed before it
    /// is ever sent.
    pub fn create_submission(
        &mut self,
        body: &ReturnRequestBody,
        now: DateTime<Utc>,
    ) -> Result<Submission> {
        self.changed();
        let key = Uuid::new_v4().to_string();
        self.conn.execute(
            "INSERT INTO submissions (idempotency_key, body, created_at, state)
             VALUES (?1, ?2, ?3, 'pending')",
            params![key, to_json(body)?, now.to_rfc3339()],
        )?;
        Ok(Submission {
            idempotency_key: key,
            body: body.clone(),
            created_at: now,
            attempts: 0,
            state: SubmissionState::Pending,
        })
    }

    /// The submissions still waiting for a definitive answer, oldest first.
    pub fn pending_submissions(&self) -> Result<Vec<Submission>> {
        self.submissions_where("state = 'pending'")
    }

    /// One submission by key.
    pub fn submission(&self, key: &str) -> Result<Option<Submission>> {
        let mut stmt = self.conn.prepare(
            "SELECT idempotency_key, body, created_at, attempts, state, response, error_code,
                    error_message FROM submissions WHERE idempotency_key = ?1",
        )?;
        let mut rows = stmt.query_map([key], submission_row)?;
        rows.next().transpose()?.map(read_submission).transpose()
    }

    /// Every submission, newest first.
    pub fn submissions(&self) -> Result<Vec<Submission>> {
        let mut all = self.submissions_where("1 = 1")?;
        all.reverse();
        Ok(all)
    }

    fn submissions_where(&self, filter: &str) -> Result<Vec<Submission>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT idempotency_key, body, created_at, attempts, state, response, error_code,
                    error_message FROM submissions WHERE {filter} ORDER BY rowid"
        ))?;
        let rows = stmt.query_map([], submission_row)?;
        rows.map(|r| read_submission(r?)).collect()
    }

    /// Counts one more attempt to send a submission (before the request leaves).
    pub fn count_submission_attempt(&mut self, key: &str) -> Result<()> {
        self.changed();
        outbox::SUBMISSIONS.count_attempt(&self.conn, key)
    }

    /// Records the backend's creation of a submission and takes its sent `lines` (BL, line
    /// number) out of the cart, as the backend did, in one transaction: a kill leaves either the
    /// submission waiting (sent again with its key, same answer) or done with its lines gone —
    /// never done with its lines still in the cart, which the next send would submit again.
    pub fn finish_submission_accepted(
        &mut self,
        key: &str,
        answer: &ReturnRequest,
        lines: &[(&str, u32)],
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.changed();
        let now_ms = now.timestamp_millis().max(0) as u64;
        let mut removes = Vec::new();
        let mut clock = self.clock.clone();
        for &(delivery_note, line_no) in lines {
            if self.cart.line(delivery_note, line_no).is_none() {
                continue;
            }
            let Some(seen) = self.cart.seen_for(delivery_note, line_no).cloned() else {
                continue;
            };
            let op = CartOp::remove(
                Uuid::new_v4(),
                clock.tick(now_ms),
                delivery_note,
                line_no,
                seen,
            );
            op.validate()?;
            removes.push(op);
        }
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE submissions SET state = 'accepted', response = ?2, finished_at = ?3
             WHERE idempotency_key = ?1",
            params![key, to_json(answer)?, now.to_rfc3339()],
        )?;
        for op in &removes {
            tx.prepare_cached(
                "INSERT INTO cart_ops (op_id, op, origin, status) VALUES (?1, ?2, 'local', 'pending')",
            )?
            .execute(params![op.op_id.to_string(), to_json(op)?])?;
            replace_line(&tx, &op.delivery_note, op.line_no, None)?;
        }
        if let Some(last) = removes.last() {
            set_meta(&tx, META_CLOCK, &last.at.to_string())?;
        }
        tx.commit()?;
        for op in &removes {
            self.cart.apply(op)?;
            self.clock.observe(&op.at);
            self.pending_ops += 1;
        }
        Ok(())
    }

    /// Records the backend's definitive refusal of a submission.
    pub fn finish_submission_refused(
        &mut self,
        key: &str,
        code: &str,
        message: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.changed();
        self.conn.execute(
            "UPDATE submissions SET state = 'refused', error_code = ?2, error_message = ?3,
                 finished_at = ?4 WHERE idempotency_key = ?1",
            params![key, code, message, now.to_rfc3339()],
        )?;
        Ok(())
    }

    // ----- refusals -----

    /// The refusals the user has not acknowledged: refused requests (oldest first), then
    /// rejected cart ops (in log order).
    pub fn unseen_refusals(&self) -> Result<Vec<Refusal>> {
        let mut refusals = Vec::new();
        let mut stmt = self.conn.prepare(
            "SELECT idempotency_key, body, error_code, error_message FROM submissions
             WHERE state = 'refused' AND refusal_seen = 0 ORDER BY finished_at, rowid",
        )?;
        let rows = stmt.query_map([], refusal_row)?;
        for row in rows {
            let (id, body, code, message) = row?;
            let body: ReturnRequestBody = parse_json(&body)?;
            refusals.push(Refusal {
                id,
                kind: RefusalKind::Send,
                code,
                message,
                lines: body
                    .lines
                    .into_iter()
                    .map(|l| (l.delivery_note, l.line_no))
                    .collect(),
            });
        }
        let mut stmt = self.conn.prepare(
            "SELECT op_id, op, reject_code, reject_message FROM cart_ops
             WHERE status = 'rejected' AND refusal_seen = 0 ORDER BY seq",
        )?;
        let rows = stmt.query_map([], refusal_row)?;
        for row in rows {
            let (id, op, code, message) = row?;
            let op: CartOp = parse_json(&op)?;
            refusals.push(Refusal {
                id,
                kind: RefusalKind::CartEdit,
                code,
                message,
                lines: vec![(op.delivery_note, op.line_no)],
            });
        }
        Ok(refusals)
    }

    /// Marks these refusals seen (ids from [`Store::unseen_refusals`]; others are ignored), in
    /// one transaction. Returns how many were unseen.
    pub fn acknowledge_refusals(&mut self, ids: &[String]) -> Result<usize> {
        self.changed();
        let tx = self.conn.transaction()?;
        let mut marked = 0;
        for id in ids {
            marked += tx.execute(
                "UPDATE submissions SET refusal_seen = 1
                 WHERE idempotency_key = ?1 AND state = 'refused' AND refusal_seen = 0",
                [id],
            )?;
            marked += tx.execute(
                "UPDATE cart_ops SET refusal_seen = 1
                 WHERE op_id = ?1 AND status = 'rejected' AND refusal_seen = 0",
                [id],
            )?;
        }
        tx.commit()?;
        Ok(marked)
    }

    // ----- caches -----

    /// Keeps the list of recent delivery notes (their details, when already fetched, stay).
    pub fn save_delivery_note_list(
        &mut self,
        items: &[DeliveryNoteSummary],
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.changed();
        let tx = self.conn.transaction()?;
        for item in items {
            tx.execute(
                "INSERT INTO delivery_notes (number, delivered_on, total_ht, fetched_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (number) DO UPDATE SET delivered_on = ?2, total_ht = ?3",
                params![
                    item.number,
                    item.delivered_on.to_string(),
                    item.total_ht.to_string(),
                    now.to_rfc3339()
                ],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Keeps a delivery note with its lines.
    pub fn save_delivery_note(&mut self, note: &DeliveryNote, now: DateTime<Utc>) -> Result<()> {
        self.changed();
        self.notes.borrow_mut().remove(&note.number);
        self.conn.execute(
            "INSERT INTO delivery_notes (number, delivered_on, total_ht, detail, fetched_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (number) DO UPDATE SET delivered_on = ?2, total_ht = ?3, detail = ?4,
                 fetched_at = ?5",
            params![
                note.number,
                note.delivered_on.to_string(),
                note.total_ht.to_string(),
                to_json(note)?,
                now.to_rfc3339()
            ],
        )?;
        Ok(())
    }

    /// A cached delivery note with its lines, and when it was fetched.
    pub fn delivery_note(&self, number: &str) -> Result<Option<(DeliveryNote, DateTime<Utc>)>> {
        Ok(self
            .delivery_note_shared(number)?
            .map(|shared| (*shared).clone()))
    }

    /// A cached delivery note with its lines, and when it was fetched, without copying it.
    pub fn delivery_note_shared(&self, number: &str) -> Result<Option<SharedNote>> {
        if let Some(hit) = self.notes.borrow().get(number) {
            return Ok(Some(hit.clone()));
        }
        let row: Option<(Option<String>, String)> = self
            .conn
            .query_row(
                "SELECT detail, fetched_at FROM delivery_notes WHERE number = ?1",
                [number],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        match row {
            Some((Some(json), at)) => {
                let found: SharedNote =
                    std::sync::Arc::new((parse_json(&json)?, parse_instant(&at)?));
                self.notes
                    .borrow_mut()
                    .insert(number.to_owned(), found.clone());
                Ok(Some(found))
            }
            _ => Ok(None),
        }
    }

    /// The cached delivery notes delivered on or after `since`, newest first.
    pub fn delivery_notes_since(&self, since: NaiveDate) -> Result<Vec<DeliveryNoteSummary>> {
        let mut stmt = self.conn.prepare(
            "SELECT number, delivered_on, total_ht FROM delivery_notes
             WHERE delivered_on >= ?1 ORDER BY delivered_on DESC, number DESC",
        )?;
        let rows = stmt.query_map([since.to_string()], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
            ))
        })?;
        rows.map(|r| {
            let (number, day, total) = r?;
            Ok(DeliveryNoteSummary {
                number,
                delivered_on: day
                    .parse()
                    .map_err(|e| StoreError::Corrupt(format!("{e}")))?,
                total_ht: total
                    .parse()
                    .map_err(|e| StoreError::Corrupt(format!("{e}")))?,
            })
        })
        .collect()
    }

    /// Numbers of the listed delivery notes whose lines have not been fetched yet.
    pub fn delivery_notes_without_detail(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT number FROM delivery_notes WHERE detail IS NULL ORDER BY number")?;
        let rows = stmt.query_map([], |row| row.get::<_, String>(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Forgets delivery notes delivered before `before` (outside the cached 31 days), except
    /// those with a line in the cart (a deposit returned past the window: the cart line needs
    /// its BL for its reasons, prices and window).
    pub fn prune_delivery_notes(&mut self, before: NaiveDate) -> Result<()> {
        self.changed();
        self.notes.borrow_mut().clear();
        self.conn.execute(
            "DELETE FROM delivery_notes WHERE delivered_on < ?1
                 AND number NOT IN (SELECT delivery_note FROM cart_lines)",
            [before.to_string()],
        )?;
        Ok(())
    }

    /// Keeps any answer under a key, for offline use.
    pub fn cache_put<T: Serialize>(
        &mut self,
        key: &str,
        value: &T,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.changed();
        self.conn.execute(
            "INSERT INTO cache (key, value, fetched_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (key) DO UPDATE SET value = ?2, fetched_at = ?3",
            params![key, to_json(value)?, now.to_rfc3339()],
        )?;
        Ok(())
    }

    /// A kept answer and when it was fetched.
    pub fn cache_get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<(T, DateTime<Utc>)>> {
        let row: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT value, fetched_at FROM cache WHERE key = ?1",
                [key],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        row.map(|(json, at)| Ok((parse_json(&json)?, parse_instant(&at)?)))
            .transpose()
    }

    /// Records a downloaded file.
    pub fn save_file(
        &mut self,
        name: &str,
        path: &Path,
        content_type: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.changed();
        self.conn.execute(
            "INSERT INTO files (name, path, content_type, fetched_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (name) DO UPDATE SET path = ?2, content_type = ?3, fetched_at = ?4",
            params![name, path.to_string_lossy(), content_type, now.to_rfc3339()],
        )?;
        Ok(())
    }

    /// A downloaded file, if it is still on disk.
    pub fn file(&self, name: &str) -> Result<Option<StoredFile>> {
        let row: Option<(String, String, String)> = self
            .conn
            .query_row(
                "SELECT path, content_type, fetched_at FROM files WHERE name = ?1",
                [name],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()?;
        match row {
            Some((path, content_type, at)) if Path::new(&path).exists() => Ok(Some(StoredFile {
                path: PathBuf::from(path),
                content_type,
                fetched_at: parse_instant(&at)?,
            })),
            _ => Ok(None),
        }
    }

    /// Reads a free-form value the app keeps (last sync, clock offset…); never a secret.
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        get_meta(&self.conn, key)
    }

    /// Writes a free-form value the app keeps; never a secret.
    pub fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        self.changed();
        set_meta(&self.conn, key, value)
    }
}

type SubmissionRow = (
    String,
    String,
    String,
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn submission_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<SubmissionRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
    ))
}

fn refusal_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(String, String, String, String)> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get::<_, Option<String>>(2)?.unwrap_or_default(),
        row.get::<_, Option<String>>(3)?.unwrap_or_default(),
    ))
}

fn read_submission(row: SubmissionRow) -> Result<Submission> {
    let (key, body, created, attempts, state, response, code, message) = row;
    let state = match state.as_str() {
        "pending" => SubmissionState::Pending,
        "accepted" => {
            SubmissionState::Accepted(Box::new(parse_json(response.as_deref().unwrap_or("null"))?))
        }
        "refused" => SubmissionState::Refused {
            code: code.unwrap_or_default(),
            message: message.unwrap_or_default(),
        },
        other => return Err(StoreError::Corrupt(format!("état d'envoi {other:?}"))),
    };
    Ok(Submission {
        idempotency_key: key,
        body: parse_json(&body)?,
        created_at: parse_instant(&created)?,
        attempts: attempts as u32,
        state,
    })
}

/// Records a photo taken on this device, to be uploaded (one already recorded stays as it is).
fn record_photo(tx: &Transaction<'_>, photo: &NewPhoto) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO photos (hash, bytes, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (hash) DO NOTHING",
    )?
    .execute(params![
        photo.hash,
        i64::try_from(photo.bytes).unwrap_or(i64::MAX),
        photo.at.to_rfc3339()
    ])?;
    Ok(())
}

fn commit_local(
    conn: &mut Connection,
    op: &CartOp,
    line: Option<&CartLine>,
    added: Option<&NewPhoto>,
) -> Result<()> {
    let tx = conn.transaction()?;
    if let Some(photo) = added {
        record_photo(&tx, photo)?;
    }
    tx.prepare_cached(
        "INSERT INTO cart_ops (op_id, op, origin, status) VALUES (?1, ?2, 'local', 'pending')",
    )?
    .execute(params![op.op_id.to_string(), to_json(op)?])?;
    set_meta(&tx, META_CLOCK, &op.at.to_string())?;
    replace_line(&tx, &op.delivery_note, op.line_no, line)?;
    tx.commit()?;
    Ok(())
}

fn get_meta(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([key], |row| row.get(0))
        .optional()?)
}

fn set_meta(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = ?2",
    )?
    .execute(params![key, value])?;
    Ok(())
}

/// The cart as the op log makes it: every op the backend has not refused, in log order.
fn replay(conn: &Connection) -> Result<CartState> {
    let mut state = CartState::new();
    let mut stmt =
        conn.prepare("SELECT op FROM cart_ops WHERE status != 'rejected' ORDER BY seq")?;
    let ops = stmt.query_map([], |row| row.get::<_, String>(0))?;
    for json in ops {
        let op: CartOp = parse_json(&json?)?;
        // An op that breaks a structural rule was never stored; skip defensively.
        let _ = state.apply(&op);
    }
    Ok(state)
}

fn stored_lines(conn: &Connection) -> Result<Vec<CartLine>> {
    let mut stmt = conn.prepare(
        "SELECT delivery_note, line_no, qty, reason, updated_at, photos FROM cart_lines
         ORDER BY delivery_note, line_no",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, i64>(1)?,
            row.get::<_, i64>(2)?,
            row.get::<_, Option<String>>(3)?,
            row.get::<_, String>(4)?,
            row.get::<_, String>(5)?,
        ))
    })?;
    rows.map(|r| {
        let (delivery_note, line_no, qty, reason, at, photos) = r?;
        Ok(CartLine {
            delivery_note,
            line_no: line_no as u32,
            qty: qty as u32,
            reason,
            photos: parse_json(&photos)?,
            updated_at: at
                .parse()
                .map_err(|e| StoreError::Corrupt(format!("{e}")))?,
        })
    })
    .collect()
}

fn write_line(tx: &Transaction<'_>, line: &CartLine) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO cart_lines (delivery_note, line_no, qty, reason, updated_at, photos)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (delivery_note, line_no)
         DO UPDATE SET qty = ?3, reason = ?4, updated_at = ?5, photos = ?6",
    )?
    .execute(params![
        line.delivery_note,
        line.line_no,
        line.qty,
        line.reason,
        line.updated_at.to_string(),
        to_json(&line.photos)?
    ])?;
    Ok(())
}

fn replace_line(
    tx: &Transaction<'_>,
    delivery_note: &str,
    line_no: u32,
    line: Option<&CartLine>,
) -> Result<()> {
    match line {
        Some(line) => write_line(tx, line),
        None => {
            tx.prepare_cached("DELETE FROM cart_lines WHERE delivery_note = ?1 AND line_no = ?2")?
                .execute(params![delivery_note, line_no])?;
            Ok(())
        }
    }
}

fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn parse_json<T: DeserializeOwned>(json: &str) -> Result<T> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn parse_instant(text: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(e.to_string()))
}

#[cfg(test)]
mod tests;
