//! The store's tables and their migrations, next to each other so that they cannot drift.
//!
//! Each migration is applied once, in order, inside a transaction; `PRAGMA user_version` records
//! how far a file has come. Never edit a released migration: add a new one.

use rusqlite_migration::{Migrations, M};

/// The first schema: the cart's op log (with the outbox as its pending part), the materialised
/// cart, the submission outbox, and the caches.
const V1: &str = "
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- Every cart op this device made or received. `status` says where it stands with the backend:
-- `pending` (made here, not yet acknowledged: the outbox), `accepted` (the backend merged it) or
-- `rejected` (the backend refused it: it no longer counts in the cart).
CREATE TABLE cart_ops (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    op_id          TEXT NOT NULL UNIQUE,
    op             TEXT NOT NULL,
    origin         TEXT NOT NULL CHECK (origin IN ('local', 'remote')),
    status         TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected')),
    reject_code    TEXT,
    reject_message TEXT
) STRICT;
CREATE INDEX cart_ops_outbox ON cart_ops (seq) WHERE status = 'pending';

-- The cart as the merge of every op that is not rejected, one row per visible line.
CREATE TABLE cart_lines (
    delivery_note TEXT NOT NULL,
    line_no       INTEGER NOT NULL,
    qty           INTEGER NOT NULL,
    reason        TEXT,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (delivery_note, line_no)
) STRICT;

-- Return requests: written with their idempotency key before the first attempt to send them.
CREATE TABLE submissions (
    idempotency_key TEXT PRIMARY KEY,
    body            TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'refused')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    response        TEXT,
    error_code      TEXT,
    error_message   TEXT,
    finished_at     TEXT
) STRICT;

-- Delivery notes of the last 31 days; `detail` holds the full note with its lines once fetched.
CREATE TABLE delivery_notes (
    number       TEXT PRIMARY KEY,
    delivered_on TEXT NOT NULL,
    total_ht     TEXT NOT NULL,
    detail       TEXT,
    fetched_at   TEXT NOT NULL
) STRICT;

-- Other answers kept for offline use (reasons, service and schedule, dossiers), as JSON.
CREATE TABLE cache (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    fetched_at TEXT NOT NULL
) STRICT;

-- Downloaded files (pré-accord PDFs), stored beside the database.
CREATE TABLE files (
    name         TEXT PRIMARY KEY,
    path         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    fetched_at   TEXT NOT NULL
) STRICT;
";

/// The second schema: whether the user has seen a refusal (a cart op the backend rejected, a
/// return request it refused), so that the app shows each one until it is acknowledged. Refusals
/// made before this migration were never shown: they start unseen.
const V2: &str = "
ALTER TABLE cart_ops ADD COLUMN refusal_seen INTEGER NOT NULL DEFAULT 0
    CHECK (refusal_seen IN (0, 1));
ALTER TABLE submissions ADD COLUMN refusal_seen INTEGER NOT NULL DEFAULT 0
    CHECK (refusal_seen IN (0, 1));
";

/// The third schema (v1.1): the account's notifications as pulled (`seq` is the server's), read
/// locally or by the server; the pull cursor and the `read up to` waiting to be sent are in
/// `meta`.
const V3: &str = "
CREATE TABLE notifications (
    seq     INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    kind    TEXT NOT NULL,
    title   TEXT NOT NULL,
    body    TEXT NOT NULL,
    dossier TEXT,
    read    INTEGER NOT NULL DEFAULT 0 CHECK (read IN (0, 1))
) STRICT;
CREATE INDEX notifications_unread ON notifications (seq) WHERE read = 0;
";

/// The fourth schema (v1.1, photos): the photos taken on this device, by the SHA-256 of their
/// stripped bytes (the file `photos/<hash>.jpg` beside the database), and whether the backend has
/// them; the photo ids of each cart line.
const V4: &str = "
CREATE TABLE photos (
    hash        TEXT PRIMARY KEY CHECK (length(hash) = 64),
    bytes       INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    uploaded_at TEXT
) STRICT;
CREATE INDEX photos_to_upload ON photos (created_at) WHERE uploaded_at IS NULL;
ALTER TABLE cart_lines ADD COLUMN photos TEXT NOT NULL DEFAULT '[]';
";

/// The fifth schema: the message outbox (v1.1): a message written on a return file, with the `message_id` made on
/// the device, committed before it is ever sent; `sent` once the server recorded it, `refused`
/// with the server's code and French message when it answered a definitive refusal.
const V5: &str = "
CREATE TABLE message_outbox (
    message_id    TEXT PRIMARY KEY,
    dossier       TEXT NOT NULL,
    text          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'refused')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    error_code    TEXT,
    error_message TEXT,
    finished_at   TEXT
) STRICT;
CREATE INDEX message_outbox_dossier ON message_outbox (dossier, created_at);
CREATE INDEX message_outbox_pending ON message_outbox (created_at) WHERE state = 'pending';
";

/// The sixth schema: the photos a message of the outbox carries (their ids, in the `photos`
/// table to be uploaded first).
const V6: &str = "
ALTER TABLE message_outbox ADD COLUMN photos TEXT NOT NULL DEFAULT '[]';
";

/// The seventh schema (v1.1, warranty claims): one draft per BL line, the form as the user left
/// it (JSON); the claim outbox, each claim written with its idempotency key before it is ever
/// sent, `accepted` with the file the server made, or `refused` with its code and French message.
const V7: &str = "
CREATE TABLE warranty_drafts (
    delivery_note TEXT NOT NULL,
    line_no       INTEGER NOT NULL,
    draft         TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (delivery_note, line_no)
) STRICT;
CREATE TABLE warranty_outbox (
    idempotency_key TEXT PRIMARY KEY,
    delivery_note   TEXT NOT NULL,
    line_no         INTEGER NOT NULL,
    body            TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'refused')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    response        TEXT,
    error_code      TEXT,
    error_message   TEXT,
    finished_at     TEXT
) STRICT;
CREATE INDEX warranty_outbox_pending ON warranty_outbox (created_at) WHERE state = 'pending';
";

/// The eighth schema (v1.1, the driver's handover on a staff account): each confirmation made
/// in "Mode chauffeur", keyed by the token's id, with the time of the scan, committed before
/// it is sent; `confirmed` with the server's answer, or `refused` with its code and message.
const V8: &str = "
CREATE TABLE driver_pickups (
    token_id      TEXT PRIMARY KEY,
    token         TEXT NOT NULL,
    driver_name   TEXT NOT NULL,
    parcels       INTEGER NOT NULL,
    scanned_at    TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'confirmed', 'refused')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    response      TEXT,
    error_code    TEXT,
    error_message TEXT,
    finished_at   TEXT
) STRICT;
CREATE INDEX driver_pickups_pending ON driver_pickups (scanned_at) WHERE state = 'pending';
";

/// The ninth schema (v1.1, money): the credit claims made on this device ("Réclamer" on a line of
/// "Où est mon avoir ?"), each tied to the message of the outbox that carries it, so that the
/// screen says when a line was claimed and whether the message has left.
const V9: &str = "
CREATE TABLE credit_claims (
    message_id TEXT PRIMARY KEY REFERENCES message_outbox (message_id),
    dossier    TEXT NOT NULL,
    line_no    INTEGER NOT NULL,
    claimed_at TEXT NOT NULL
) STRICT;
CREATE INDEX credit_claims_line ON credit_claims (dossier, line_no, claimed_at);
";

/// The tenth schema (v1.1, documents): a file kept for upload is a photo (`<hash>.jpg`, sent to
/// `PUT /photos`) or a PDF (`<hash>.pdf`, a warranty claim's fitting invoice, sent to
/// `PUT /documents`).
const V10: &str = "
ALTER TABLE photos ADD COLUMN kind TEXT NOT NULL DEFAULT 'photo' CHECK (kind IN ('photo', 'pdf'));
";

/// Returns every migration, in order.
pub fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(V1),
        M::up(V2),
        M::up(V3),
        M::up(V4),
        M::up(V5),
        M::up(V6),
        M::up(V7),
        M::up(V8),
        M::up(V9),
        M::up(V10),
    ])
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        super::migrations().validate().unwrap();
    }
}
