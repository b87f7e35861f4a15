-- Version 7 (API v1.1): the notifications of each customer (seq strictly increasing, never
-- reused; read up to a seq, inclusive) and each account's preferences (which kinds are also
-- e-mailed, the pré-accord address; no row: everything e-mailed to the login e-mail).
CREATE TABLE notifications (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    at TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('status', 'decision', 'message', 'credit_note', 'deposit_due', 'pickup')),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    dossier TEXT REFERENCES dossiers (number),
    read INTEGER NOT NULL DEFAULT 0 CHECK (read IN (0, 1))
);
CREATE INDEX notifications_by_customer ON notifications (customer_id, seq);
CREATE INDEX notifications_unread ON notifications (customer_id) WHERE read = 0;
CREATE TABLE account_preferences (
    account_id INTEGER PRIMARY KEY REFERENCES accounts (id),
    email_status INTEGER NOT NULL DEFAULT 1 CHECK (email_status IN (0, 1)),
    email_messages INTEGER NOT NULL DEFAULT 1 CHECK (email_messages IN (0, 1)),
    email_credits INTEGER NOT NULL DEFAULT 1 CHECK (email_credits IN (0, 1)),
    email_deposits INTEGER NOT NULL DEFAULT 1 CHECK (email_deposits IN (0, 1)),
    preaccord_email TEXT
);
